//! Tasks: the cell, its state machine, and the handles that refer to it.
//!
//! # The cell
//!
//! A spawned future lives in one heap allocation (`raw.rs`): a header (the
//! state word, the vtable, the id, the owned-task list's link, the poll
//! count and time), the
//! scheduler handle with the future (later its output) in one stage cell,
//! and the join waker. The state word (`state.rs`) holds the flags and a
//! reference count.
//!
//! A `LocalSet`'s tasks (`local.rs`) use the same cell for `!Send` futures;
//! the thread invariant that makes that sound is written there.
//!
//! # References
//!
//! Each of these owns one ref; whoever drops the last frees the cell:
//!
//! - `Task`: held by the owned-task list (`list.rs`) from spawn until the
//!   task completes or the runtime shuts down. It is what lets shutdown
//!   reach every unfinished task.
//! - `Notified`: a task that is scheduled to run. NOTIFIED is set exactly
//!   while one exists, so a task is queued at most once.
//! - `JoinHandle`, `AbortHandle`, and every `Waker` of the task.
//!
//! The waker passed to `poll` borrows the runner's ref (`waker::waker_ref`),
//! so polling costs no ref-count traffic.
//!
//! # Access rules
//!
//! 1. The thread that sets RUNNING (by `transition_to_running` or
//!    `transition_to_shutdown`) owns the stage until it sets COMPLETE. So a
//!    task is never polled by two threads at once.
//! 2. While JOIN_WAKER is unset, only the `JoinHandle` touches the join
//!    waker slot: it may write it, or drop what it holds.
//! 3. While JOIN_WAKER is set, nobody writes the slot. The `JoinHandle`
//!    changes the bit only while the task is not complete: to replace its
//!    waker it unsets the bit (rule 2 applies), writes, and sets the bit
//!    again; if the task completed meanwhile, setting fails, and the handle
//!    clears the slot and reads the output. The release half of setting the
//!    bit publishes the waker to the acquire half of the COMPLETE transition.
//! 4. The thread that sets COMPLETE and sees JOIN_WAKER may read the slot:
//!    it wakes the waker by reference, then unsets JOIN_WAKER, which gives
//!    the slot back to the handle (rule 2). Only it changes the bit after
//!    COMPLETE. So the waker lives as long as the `JoinHandle`, not as long
//!    as the cell: two tasks awaiting each other's handles hold no cycle
//!    once either is dropped (the design tokio moved to after tokio#6505).
//! 5. Dropping the `JoinHandle` clears JOIN_INTEREST and, if the task is
//!    not complete, JOIN_WAKER, in one step; it then drops the waker if
//!    JOIN_WAKER is unset. If it is still set, the completing thread is
//!    between the two steps of rule 4, and drops the waker itself when its
//!    unset finds JOIN_INTEREST gone.
//! 6. After COMPLETE the stage belongs to the `JoinHandle` if JOIN_INTEREST
//!    was set at the COMPLETE transition, otherwise to the completing
//!    thread, which drops the output. A handle dropped after COMPLETE drops
//!    the output itself.
//! 7. A wake while RUNNING only sets NOTIFIED; the runner sees it in
//!    `transition_to_idle` and requeues the task once, after the poll.
//!
//! The future is pinned in its cell: it is polled and dropped where it
//! lies (`harness::drop_stage`), never moved out first. (A future may write
//! into its own fields while it is dropped, as futures-util's `ReadLine`
//! does; dropped after a move, such a write went to the cell's old bytes
//! and was lost: the tour's leak, issue 11.)
//!
//! Every drop of the future or the output runs with the task's id current
//! (`task::id()` works in a `Drop`), and a future whose poll panics is
//! dropped during that unwind, so its `Drop` sees `std::thread::panicking()`
//! (as tokio; a second panic from that drop aborts, as any panic during
//! unwinding does).

mod abort;
mod abort_on_drop;
mod builder;
mod error;
mod harness;
mod id;
mod join;
pub mod join_set;
mod list;
mod local;
mod meta;
mod raw;
mod stage;
mod state;
mod task_group;
mod task_local;
pub mod task_tracker;
#[cfg(feature = "tracing")]
mod trace;
mod waker;
mod yield_now;

/// The cooperative budget (tokio's `task::coop`): each task poll may
/// complete [`INITIAL`](runtime_coop::INITIAL) operations on runtime
/// resources before they return `Pending` to let the worker's other tasks
/// run.
pub mod coop {
    pub use runtime_coop::{
        consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, Coop,
        RestoreOnPending, Unconstrained,
    };
}

pub use abort::AbortHandle;
pub use abort_on_drop::{AbortOnDrop, AbortOnDropHandle};
pub use builder::Builder;
pub use error::JoinError;
pub use id::{id, name, try_id, Id};
pub use join::JoinHandle;
pub use join_set::JoinSet;
pub use local::{spawn_local, LocalEnterGuard, LocalSet};
pub use meta::TaskMeta;
pub use runtime_coop::{consume_budget, unconstrained, Unconstrained};
pub use task_group::TaskGroup;
pub use task_local::{AccessError, LocalKey, TaskLocalFuture};
pub use task_tracker::{TaskTracker, TaskTrackerToken, TrackedFuture};
pub use yield_now::yield_now;

pub(crate) use list::OwnedTasks;
pub(crate) use meta::{refresh_coarse_now, SpawnMeta};
pub(crate) use raw::{Header, RawTask};

use std::future::Future;
use std::ptr::NonNull;

/// Spawns a future onto the current runtime. See [`crate::spawn`].
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime::task;
///
/// // Tasks run concurrently, each possibly on another worker.
/// let a = task::spawn(async { "a" });
/// let b = task::spawn(async { "b" });
/// assert_eq!((a.await.unwrap(), b.await.unwrap()), ("a", "b"));
/// # });
/// ```
///
/// # Panics
/// Outside a runtime, as [`crate::spawn`].
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let meta = SpawnMeta::new(None);
    crate::context::with_handle(|h| h.spawn_meta(future, meta))
}

/// Runs `f`, which may block, on this thread, first handing what this
/// worker has queued to the other workers (tokio's `block_in_place`).
///
/// On a multi-thread runtime's worker, the tasks waiting in this worker's
/// LIFO slot and local queue (and those that yielded) move to the global
/// queue and a sleeping worker is woken, so they run elsewhere while `f`
/// blocks; the task that called `block_in_place` stays inside its poll
/// until `f` returns, and the slow-poll watchdog leaves it alone (it blocks
/// on purpose). Elsewhere (outside a runtime, or in a multi-thread
/// runtime's `block_on`) it just runs `f`. Prefer
/// [`spawn_blocking`] for anything long: it does not hold a worker.
///
/// This crate's workers do not hold the timer and IO driver while they
/// poll (a parked worker does), so unlike tokio no driver hand-off is
/// needed. The worker counts as stuck at once: if every other worker is
/// stuck too (in `block_in_place` or in a long poll), a spare worker thread
/// starts right away and runs the queued tasks, the timers and the IO
/// (see [`Builder::max_spare_workers`]); when `f` returns, this thread is
/// one of the workers again and the spare stops. tokio instead starts a
/// new worker thread for every `block_in_place` call.
///
/// [`Builder::max_spare_workers`]: crate::runtime::Builder::max_spare_workers
///
/// ```
/// # let rt = runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// # rt.block_on(async {
/// let answer = runtime::spawn(async {
///     runtime::task::block_in_place(|| {
///         // A synchronous call that blocks this thread.
///         std::thread::sleep(std::time::Duration::from_millis(10));
///         42
///     })
/// })
/// .await
/// .unwrap();
/// assert_eq!(answer, 42);
/// # });
/// ```
///
/// # Panics
/// On a current-thread runtime (inside its `block_on` or one of its
/// tasks), as tokio does: there is no other worker to hand the tasks to.
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    assert!(
        !crate::scheduler::current_thread::is_driving(),
        "can call blocking only when running on the multi-threaded runtime"
    );
    let _in_place = crate::scheduler::multi_thread::hand_off_current();
    f()
}

/// Runs a blocking closure on the current runtime's blocking pool. See
/// [`crate::runtime::Handle::spawn_blocking`]. The workers keep running
/// the other tasks meanwhile; awaiting the handle gives the closure's
/// return value (or its panic as a [`JoinError`]).
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime::task;
///
/// let lines = task::spawn_blocking(|| {
///     // Synchronous work that may block: file IO, compression, hashing.
///     std::thread::sleep(std::time::Duration::from_millis(1));
///     "a\nb\nc".lines().count()
/// });
/// assert_eq!(lines.await.unwrap(), 3);
///
/// let failed = task::spawn_blocking(|| panic!("bad input"));
/// assert!(failed.await.unwrap_err().is_panic());
/// # });
/// ```
///
/// # Panics
/// Outside a runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let meta = SpawnMeta::new(None);
    crate::context::with_handle(|h| h.spawn_blocking_meta(f, meta))
}

/// What a scheduler gives its tasks: somewhere to go when woken, and a way
/// out of its owned-task list.
pub(crate) trait Schedule: Send + Sync + Sized + 'static {
    /// A wake: queue the task (on this thread's local queue if it is one of
    /// the scheduler's threads). A shut-down scheduler refuses it.
    fn schedule(&self, task: Notified) -> Refused;

    /// A task that woke itself during its poll: queue it behind the others,
    /// or, if the wake was `yield_now`'s, after the scheduler's next look
    /// at the driver (`scheduler/defer.rs`).
    fn yield_now(&self, task: Notified) -> Refused {
        match crate::scheduler::defer::defer_task(task) {
            Some(task) => self.schedule(task),
            None => Refused::NONE,
        }
    }

    /// The task completed: remove it from the owned-task list, returning the
    /// list's ref if it was still there.
    fn release(&self, task: NonNull<Header>) -> Option<Task>;

    /// The runtime's task hooks, if any is set.
    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        None
    }

    /// One poll in how many its runner samples for the metrics (a power of
    /// two; 0: none; `runtime/metrics/worker.rs`).
    fn sample_every(&self) -> u32 {
        0
    }

    /// A poll of one of its tasks on this thread starts `ns` after the
    /// sampled wake that queued it.
    fn record_schedule_latency(&self, ns: u64) {
        let _ = ns;
    }

    /// A poll of `task` panicked with `payload` (caught; the `JoinHandle`
    /// gets it): the runtime's panic policy (`runtime/panic_policy.rs`).
    /// Called while the task still holds RUNNING.
    fn task_panicked(&self, task: TaskMeta<'_>, payload: &(dyn std::any::Any + Send)) {
        let _ = (task, payload);
    }
}

/// Tasks that a shut-down scheduler refused to queue (they are already
/// cancelled, `queue.rs`). The caller drops them once it no longer borrows
/// the scheduler or a task cell: dropping a task may free its cell, and
/// with it the last handle on the scheduler.
#[must_use = "dropped by the caller once it no longer borrows the scheduler"]
#[derive(Debug, Default)]
pub(crate) struct Refused {
    /// Held only to be dropped by the caller.
    _tasks: Vec<Notified>,
}

impl Refused {
    /// Nothing refused (no allocation).
    pub(crate) const NONE: Refused = Refused { _tasks: Vec::new() };

    pub(crate) fn new(tasks: Vec<Notified>) -> Refused {
        Refused { _tasks: tasks }
    }
}

/// One owned ref to a task (the owned-task list's).
pub(crate) struct Task(RawTask);

/// A task that is scheduled to run; owns one ref.
pub(crate) struct Notified(Task);

// SAFETY: a `Task` is a counted pointer to a cell whose future and output
// are `Send` (required by `spawn_task`) or are only ever touched on one thread
// (the contract of `spawn_local_task`), and the cell's shared fields are only
// reached through the atomic state protocol above.
unsafe impl Send for Task {}
// SAFETY: as for `Send`; `&Task` only reads the header.
unsafe impl Sync for Task {}

impl Task {
    /// Takes over one ref of `raw`'s cell.
    ///
    /// # Safety
    /// The caller owns one ref of a live cell (already counted) and hands
    /// it over: nothing else may drop that ref.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Task {
        Task(raw)
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    pub(crate) fn id(&self) -> Id {
        self.0.header().id
    }

    /// Gives up this ref without dropping it (handed to someone else).
    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }

    /// Runtime shutdown: cancels the task if nobody runs it (the list's ref
    /// is handed over).
    pub(crate) fn shutdown(self) {
        // SAFETY: `into_raw` gives up this `Task`'s ref, which `shutdown`
        // takes over (its contract).
        unsafe { self.into_raw().shutdown() };
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if self.0.state().ref_dec() {
            // SAFETY: that was the last ref.
            unsafe { self.0.dealloc() };
        }
    }
}

impl Notified {
    pub(crate) fn id(&self) -> Id {
        self.0.id()
    }

    /// The header's schedule-latency request bit (`runtime/metrics/worker.rs`).
    #[inline]
    pub(crate) fn sample_word(&self) -> &std::sync::atomic::AtomicU32 {
        self.0 .0.header().sample_word()
    }

    /// Where a sampled wake leaves its time stamp.
    pub(crate) fn wait_slot(&self) -> &runtime_coop::wait::WaitSlot {
        &self.0 .0.trailer().meta.wait
    }

    /// Polls the task (or cancels it, if it was aborted).
    pub(crate) fn run(self) {
        // SAFETY: `into_raw` gives up the `Notified`'s ref to `poll`.
        unsafe { self.0.into_raw().poll() };
    }

    /// Hands the task back to its own scheduler, as a wake would.
    pub(crate) fn schedule(self) {
        // SAFETY: a `Notified` holds one ref and NOTIFIED is set for it;
        // `into_raw` gives that ref up to `schedule`.
        unsafe { self.0.into_raw().schedule() };
    }

    pub(crate) fn into_raw(self) -> RawTask {
        self.0.into_raw()
    }

    /// Cancels a task that never ran (a blocking task at shutdown): as the
    /// list's shutdown, with this `Notified`'s ref handed over.
    pub(crate) fn cancel(self) {
        self.0.shutdown();
    }

    /// Rebuilds a `Notified` from a pointer made by [`Notified::into_raw`].
    ///
    /// # Safety
    /// `ptr` must come from `into_raw` of a `Notified` not rebuilt since.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> Notified {
        // SAFETY: the caller's contract: `ptr` is a `Notified`'s live cell
        // and its ref is handed over.
        Notified(Task(unsafe { RawTask::from_raw(ptr) }))
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notified")
            .field("id", &self.0.id())
            .finish()
    }
}

/// The one spawn path of every scheduler: allocates the task with
/// `scheduler` in its cell, binds it to `owned`, and schedules it. If the
/// list is closed the task is cancelled at once, and its `JoinHandle`
/// reports that.
pub(crate) fn spawn_task<F, S>(
    owned: &OwnedTasks,
    scheduler: S,
    future: F,
    meta: SpawnMeta,
) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, meta);
    bind_and_schedule(owned, raw)
}

/// [`spawn_task`] for a future or output that need not be `Send` (a
/// `LocalSet`'s task).
///
/// # Safety
/// The caller must make sure the future is only polled and dropped on the
/// thread that calls this: every `Notified` of the task must be run, and
/// its `Task` shut down, on this thread only (wakers may still move a
/// `Notified` through other threads, as long as they do not run it; the
/// scheduler's `schedule` must not run it either). The output is then
/// written on this thread; the returned `JoinHandle<F::Output>` is `Send`
/// only if the output is.
pub(crate) unsafe fn spawn_local_task<F, S>(
    owned: &OwnedTasks,
    scheduler: S,
    future: F,
    meta: SpawnMeta,
) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, meta);
    bind_and_schedule(owned, raw)
}

fn bind_and_schedule<T>(owned: &OwnedTasks, raw: RawTask) -> JoinHandle<T> {
    // A new cell holds three refs (`RawTask::new`): the list's, the first
    // `Notified`'s and the handle's.
    let join = JoinHandle::new(raw);
    if let Some(notified) = owned.bind(Task(raw), Notified(Task(raw))) {
        // SAFETY: the `Notified`'s ref (NOTIFIED is set in a new cell) is
        // handed over to the cell's own scheduler.
        unsafe { notified.into_raw().schedule() };
    }
    join
}

/// Allocates a task without binding it anywhere (the blocking pool's,
/// which its queue reaches at shutdown): the list's `Task`, the first
/// `Notified`, the handle.
pub(crate) fn new_task<F, S>(
    future: F,
    scheduler: S,
    meta: SpawnMeta,
) -> (Task, Notified, JoinHandle<F::Output>)
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    S: Schedule,
{
    let raw = RawTask::new(future, scheduler, meta);
    (Task(raw), Notified(Task(raw)), JoinHandle::new(raw))
}
