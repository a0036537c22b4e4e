//! What the loom models in `loom-tests` need of the runtime's internals.
//! Compiled only under `cfg(loom)`; not a public API.
//!
//! Everything here is a thin handle on the shipped code, which reaches its
//! atomics, locks and cells through `loom.rs`: the models drive the real
//! task cell and state machine, owned-task list, parker, idle counters,
//! queues (the loom stand-in of `scheduler/queue.rs`) and worker loop.
//! Nothing here re-implements a protocol.
//!
//! - [`TestQueue`]: a scheduler with no threads of its own (a FIFO of
//!   `Notified` tasks plus an [`OwnedTasks`] list); model threads call
//!   [`TestQueue::run_one`]. Each task gets a [`CellProbe`] that counts how
//!   often its cell is freed.
//! - [`Parker`]/[`Unparker`]: `scheduler/park.rs`.
//! - [`LifoSlot`]: one worker's LIFO slot (`multi_thread/lifo.rs`), with
//!   its owner's and a watcher's operations, over [`TestQueue`] tasks.
//! - [`MultiThread`]: the work-stealing scheduler's shared state and its
//!   real workers, for model threads to run, spawned into through the
//!   shipped `Shared::spawn` (worker thread-locals go through loom too),
//!   with the LIFO slot and its watcher on.
//! - [`BatchSemaphore`]: `sync/batch_semaphore.rs`, the waiter list under
//!   the locks, the semaphore and the once-cells (whose public types the
//!   models may also drive directly: `runtime::sync` under `cfg(loom)`
//!   is the shipped code on loom's atomics and locks).

use crate::loom::{Arc, AtomicUsize, Mutex, Ordering};
use crate::runtime::Config;
use crate::scheduler::tuning::{EVENT_INTERVAL, GLOBAL_QUEUE_INTERVAL_MULTI};
use crate::scheduler::{multi_thread, park};
use crate::task::{self, Header, Notified, OwnedTasks, Refused, Schedule, Task};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::ptr::NonNull;
use std::time::Duration;

pub use crate::sync::batch_semaphore::Acquire as BatchAcquire;
pub use crate::sync::{AcquireError, TryAcquireError};
pub use crate::task::{AbortHandle, JoinError, JoinHandle};

/// A scheduler without threads: woken tasks wait in one FIFO until a model
/// thread calls [`TestQueue::run_one`]. Clones share the queue.
///
/// It checks rule "NOTIFIED is set exactly while a `Notified` exists" of
/// `task/mod.rs` from outside: submitting a task that is already queued
/// panics.
#[derive(Clone)]
pub struct TestQueue {
    shared: Arc<QueueShared>,
}

struct QueueShared {
    queue: Mutex<VecDeque<Queued>>,
    owned: OwnedTasks,
}

/// A queued `Notified`, kept as its pointer so that a second submission of
/// the same task can be recognised. Owns the `Notified`'s ref.
struct Queued(NonNull<Header>);

// SAFETY: a `Queued` is a `Notified` (which is `Send`) in pointer form.
unsafe impl Send for Queued {}

impl Queued {
    fn new(task: Notified) -> Queued {
        Queued(task.into_raw().header_ptr())
    }

    fn into_notified(self) -> Notified {
        let ptr = self.0;
        std::mem::forget(self);
        // SAFETY: `ptr` came from `Notified::into_raw` in `new`, and
        // forgetting `self` gives up the only other claim on it.
        unsafe { Notified::from_raw(ptr) }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        // SAFETY: as in `into_notified`; `self` is being dropped, so the
        // `Notified` is rebuilt exactly once.
        drop(unsafe { Notified::from_raw(self.0) });
    }
}

impl QueueShared {
    fn push(&self, task: Notified) {
        let task = Queued::new(task);
        let mut queue = self.queue.lock();
        assert!(
            !queue.iter().any(|q| q.0 == task.0),
            "a task was submitted while already queued (two `Notified`s)"
        );
        queue.push_back(task);
    }
}

/// The scheduler handle stored in each task's cell. It is dropped when the
/// cell is freed, which is what [`CellProbe`] counts.
struct TaskScheduler {
    shared: Arc<QueueShared>,
    frees: Arc<AtomicUsize>,
}

impl Schedule for TaskScheduler {
    fn schedule(&self, task: Notified) -> Refused {
        self.shared.push(task);
        Refused::NONE
    }

    fn release(&self, task: NonNull<Header>) -> Option<Task> {
        self.shared.owned.remove(task)
    }
}

impl Drop for TaskScheduler {
    fn drop(&mut self) {
        let prev = self.frees.fetch_add(1, Ordering::SeqCst);
        assert_eq!(prev, 0, "a task cell was freed twice");
    }
}

/// How often one task's cell has been freed (0 while it lives, then 1).
#[derive(Clone, Debug)]
pub struct CellProbe(Arc<AtomicUsize>);

impl CellProbe {
    /// The number of times the cell was freed.
    pub fn frees(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }

    /// Panics if the cell was already freed: call it before touching the
    /// task through a handle or waker that should keep it alive.
    #[track_caller]
    pub fn assert_live(&self) {
        assert_eq!(self.frees(), 0, "a task was used after its cell was freed");
    }
}

impl TestQueue {
    /// An empty queue with an open owned-task list.
    pub fn new() -> TestQueue {
        TestQueue {
            shared: Arc::new(QueueShared {
                queue: Mutex::new(VecDeque::new()),
                owned: OwnedTasks::new(1),
            }),
        }
    }

    /// Spawns `future`: binds it to the owned-task list and queues it.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_probed(future).0
    }

    /// As [`TestQueue::spawn`], with a probe on the task's cell.
    pub fn spawn_probed<F>(&self, future: F) -> (JoinHandle<F::Output>, CellProbe)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let frees = Arc::new(AtomicUsize::new(0));
        let scheduler = TaskScheduler {
            shared: self.shared.clone(),
            frees: frees.clone(),
        };
        let join = task::spawn_task(
            &self.shared.owned,
            scheduler,
            future,
            crate::task::SpawnMeta::new(None),
        );
        (join, CellProbe(frees))
    }

    /// Takes the task at the front of the queue without running it.
    pub fn pop(&self) -> Option<TestTask> {
        let next = self.shared.queue.lock().pop_front();
        next.map(|q| TestTask(q.into_notified()))
    }

    /// Runs the task at the front of the queue (`Notified::run`: poll, or
    /// cancel if aborted). Returns `false` if the queue was empty.
    pub fn run_one(&self) -> bool {
        let next = self.shared.queue.lock().pop_front();
        match next {
            Some(task) => {
                task.into_notified().run();
                true
            }
            None => false,
        }
    }

    /// Runs tasks until the queue is empty; returns how many ran.
    pub fn run_all(&self) -> usize {
        let mut n = 0;
        while self.run_one() {
            n += 1;
        }
        n
    }

    /// Shuts down as the schedulers do: closes the owned-task list and
    /// cancels every task in it, then drops whatever is still queued. May
    /// be called again, e.g. after racing wakers queued more.
    pub fn shutdown(&self) {
        self.shared.owned.close_and_shutdown_all();
        let left: Vec<Queued> = self.shared.queue.lock().drain(..).collect();
        drop(left);
    }
}

impl Default for TestQueue {
    fn default() -> TestQueue {
        TestQueue::new()
    }
}

impl fmt::Debug for TestQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestQueue")
            .field("queued", &self.shared.queue.lock().len())
            .finish()
    }
}

/// The owner's half of `scheduler/park.rs`.
#[derive(Debug)]
pub struct Parker(park::Parker);

/// The other threads' half of `scheduler/park.rs`.
#[derive(Clone, Debug)]
pub struct Unparker(park::Unparker);

impl Parker {
    /// A parker with no pending notification.
    pub fn new() -> Parker {
        Parker(park::Parker::new())
    }

    /// A handle that wakes this parker.
    pub fn unparker(&self) -> Unparker {
        Unparker(self.0.unparker())
    }

    /// `Parker::park(None)`: blocks until unparked.
    pub fn park(&self) {
        self.0.park(None);
    }

    /// `Parker::park(Some(timeout))` (loom has no clock: it times out at
    /// once unless a notification is pending).
    pub fn park_timeout(&self, timeout: Duration) {
        self.0.park(Some(timeout));
    }
}

impl Default for Parker {
    fn default() -> Parker {
        Parker::new()
    }
}

impl Unparker {
    /// `Unparker::unpark`.
    pub fn unpark(&self) {
        self.0.unpark();
    }
}

/// A queued task taken out of a [`TestQueue`] (it owns the `Notified`).
#[derive(Debug)]
pub struct TestTask(Notified);

impl TestTask {
    /// `Notified::run`: poll, or cancel if aborted.
    pub fn run(self) {
        self.0.run();
    }
}

/// One worker's LIFO slot (`multi_thread/lifo.rs`): the owner's `push`,
/// `take` and `count_poll`, and a watcher's `look` and `steal_if_stuck`.
#[derive(Debug)]
pub struct LifoSlot(multi_thread::Slot);

/// What a watcher saw in a [`LifoSlot`] (`lifo.rs`'s `Seen`).
#[derive(Debug, Clone, Copy)]
pub struct SeenSlot(multi_thread::Seen);

// SAFETY: as `lifo.rs`'s `Seen`: the pointer is only compared, never used.
unsafe impl Sync for SeenSlot {}

impl LifoSlot {
    /// An empty slot.
    pub fn new() -> LifoSlot {
        LifoSlot(multi_thread::Slot::new())
    }

    /// Owner only: puts `task` in the slot, returning the displaced one.
    pub fn push(&self, task: TestTask) -> Option<TestTask> {
        self.0.push(task.0).map(TestTask)
    }

    /// Owner only: takes the slot's task.
    pub fn take(&self) -> Option<TestTask> {
        self.0.take().map(TestTask)
    }

    /// Owner only: one more poll started (before running a task).
    pub fn count_poll(&self) {
        self.0.count_poll();
    }

    /// A watcher's first reading.
    pub fn look(&self) -> Option<SeenSlot> {
        self.0.look(0).map(SeenSlot)
    }

    /// A watcher's second reading: steals the task if it sat in the slot
    /// while the owner started no poll.
    pub fn steal_if_stuck(&self, seen: SeenSlot) -> Option<TestTask> {
        self.0.steal_if_stuck(seen.0).map(TestTask)
    }
}

impl Default for LifoSlot {
    fn default() -> LifoSlot {
        LifoSlot::new()
    }
}

/// The work-stealing scheduler (`scheduler/multi_thread`), built by its
/// real `Launch::new`, with its real workers for model threads to run.
///
/// Everything is the shipped code, LIFO slot and watcher included. loom
/// has no clock: a timed park (the watcher's) returns at once after
/// `loom::thread::yield_now` (`loom.rs`'s `Condvar::wait_timeout`), which
/// tells loom the thread waits for the others to move.
pub struct MultiThread {
    shared: std::sync::Arc<multi_thread::Shared>,
    workers: Vec<Worker>,
}

/// A handle to spawn onto a [`MultiThread`] from any model thread or task:
/// the shipped `Shared::spawn` (the LIFO slot from a worker's task, the
/// injector from elsewhere).
#[derive(Clone)]
pub struct Spawner(std::sync::Arc<multi_thread::Shared>);

impl Spawner {
    /// `Shared::spawn`.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(future, crate::task::SpawnMeta::new(None))
    }
}

impl fmt::Debug for Spawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawner").finish_non_exhaustive()
    }
}

/// One worker of a [`MultiThread`], to run on a model thread.
pub struct Worker(Box<dyn FnOnce() + Send>);

impl Worker {
    /// The real `Worker::run`: runs until the scheduler shuts down.
    pub fn run(self) {
        (self.0)();
    }
}

impl fmt::Debug for Worker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Worker").finish_non_exhaustive()
    }
}

impl MultiThread {
    /// A scheduler with `workers` workers (1 or 2; see
    /// [`MultiThread::no_searchers`]), not yet running.
    pub fn new(workers: usize) -> MultiThread {
        MultiThread::build(workers, true)
    }

    /// As [`MultiThread::new`] with the LIFO slot off and the watcher role
    /// held by the model for good, for models of the queues and stealing
    /// with two workers: a watcher that times out at once spins for as
    /// long as the other worker is unparked, and such a model exceeds
    /// loom's branch limit. The slot and the watcher have models of their
    /// own (`lifo.rs`).
    pub fn without_lifo(workers: usize) -> MultiThread {
        let rt = MultiThread::build(workers, false);
        rt.shared.hold_watcher_role();
        rt
    }

    fn build(workers: usize, lifo: bool) -> MultiThread {
        assert!(
            (1..=2).contains(&workers),
            "the models use one or two workers"
        );
        let config = Config {
            worker_threads: workers,
            global_queue_interval: GLOBAL_QUEUE_INTERVAL_MULTI,
            event_interval: EVENT_INTERVAL,
            disable_lifo_slot: !lifo,
            park_hooks: Default::default(),
            task_hooks: None,
            // Metrics sampling is not part of any model.
            sample_every: 1 << 31,
            watchdog: None,
            max_spare_workers: 0,
            thread_keep_alive: std::time::Duration::ZERO,
            panic_shutdown: None,
            unjoined: None,
        };
        let (shared, launch) = multi_thread::Launch::new(
            config,
            crate::driver::Driver::new(false, false).unwrap(),
            None,
        );
        let workers = launch
            .into_workers()
            .into_iter()
            .map(|w| Worker(Box::new(move || w.run())))
            .collect();
        MultiThread { shared, workers }
    }

    /// The workers, to be run by model threads (once).
    pub fn take_workers(&mut self) -> Vec<Worker> {
        std::mem::take(&mut self.workers)
    }

    /// Spawns through the shipped `Shared::spawn` (from a model thread that
    /// is not a worker: the injector, then `notify_parked`).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.shared.spawn(future, crate::task::SpawnMeta::new(None))
    }

    /// A handle for tasks to spawn with (see [`Spawner`]). Drop it before
    /// [`MultiThread::live_tasks`].
    pub fn spawner(&self) -> Spawner {
        Spawner(self.shared.clone())
    }

    /// Whether every worker sleeps (`Idle`'s unparked count is zero).
    pub fn all_parked(&self) -> bool {
        !self.shared.idle.any_unparked()
    }

    /// Whether `Idle`'s searching count is zero. Only meaningful while no
    /// worker changes it (e.g. all parked). It asks the real transition:
    /// with at most two workers, `transition_worker_to_searching` succeeds
    /// exactly when nobody searches; the search is then ended again.
    pub fn no_searchers(&self) -> bool {
        let idle = &self.shared.idle;
        if idle.transition_worker_to_searching() {
            let _ = idle.transition_worker_from_searching();
            true
        } else {
            false
        }
    }

    /// The real shutdown's steps 1 to 3 (`Shared::begin_shutdown`: flag,
    /// unpark, cancel every task, close the injector); then join the worker
    /// threads (step 4). Nothing is drained twice.
    pub fn begin_shutdown(&self) {
        self.shared.begin_shutdown();
    }

    /// How many task cells are still allocated. Each cell holds a clone of
    /// the scheduler's `Arc<Shared>` (its `Schedule`) until it is freed, and
    /// so does each worker until its `run` returns, and each [`Spawner`]:
    /// call this only once the workers' threads have been joined and the
    /// spawners dropped (and before, none was run).
    pub fn live_tasks(&self) -> usize {
        std::sync::Arc::strong_count(&self.shared) - 1 - self.workers.len()
    }
}

impl fmt::Debug for MultiThread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MultiThread")
            .field("shared", &self.shared)
            .field("workers", &self.workers.len())
            .finish()
    }
}

/// The batch semaphore (`sync/batch_semaphore.rs`), with its crate-internal
/// API made callable from the models.
pub struct BatchSemaphore(crate::sync::batch_semaphore::Semaphore);

impl BatchSemaphore {
    /// A semaphore with `permits` permits.
    pub fn new(permits: usize) -> BatchSemaphore {
        BatchSemaphore(crate::sync::batch_semaphore::Semaphore::new(permits))
    }

    /// A future for `n` permits, FIFO; dropping it while queued gives back
    /// what it was assigned.
    pub fn acquire(&self, n: usize) -> BatchAcquire<'_> {
        self.0.acquire(n)
    }

    /// Takes `n` permits if they are available now.
    pub fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        self.0.try_acquire(n)
    }

    /// Gives back (or adds) `n` permits.
    pub fn release(&self, n: usize) {
        self.0.release(n)
    }

    /// Removes up to `n` available permits.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.0.forget_permits(n)
    }

    /// Fails every waiting and later acquire.
    pub fn close(&self) {
        self.0.close()
    }

    /// The permits available now.
    pub fn available_permits(&self) -> usize {
        self.0.available_permits()
    }

    /// Whether `close` was called.
    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }
}

impl fmt::Debug for BatchSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}
