//! `LocalSet`: tasks that are not `Send`, run on the thread that owns the
//! set, in the same task cells as every other task.
//!
//! # The thread invariant
//!
//! A local task's future is polled and dropped only on the thread that
//! created its `LocalSet`. Everything that can poll or drop it goes through
//! the set's [`Context`], held in an `Rc` and so `!Send`:
//!
//! 1. Only [`Context::tick`] runs a `Notified` of a local task; it runs on
//!    the owning thread (it is reached from `&LocalSet` or from this
//!    thread's `CURRENT`, both of which are `!Send`).
//! 2. The owned-task list is shut down only by `LocalSet::drop`, and a
//!    task whose `bind` fails is cancelled by the spawning call, both on
//!    the owning thread.
//! 3. A wake (or an abort) on another thread only moves the `Notified`
//!    into `Shared::remote`, which only the owning thread pops (rule 1);
//!    once the set is gone, the queue is closed and such a `Notified` is
//!    dropped, which only drops a ref: the future was already dropped by
//!    rule 2.
//!
//! The output is written on the owning thread too; the `JoinHandle` is
//! `Send` only if the output is, so a `!Send` output never leaves it.
//! What does cross threads (`Shared`, the scheduler handle stored in each
//! cell, the `Notified`s) is `Send + Sync` by construction.

use super::{Header, JoinHandle, Notified, OwnedTasks, Refused, Schedule, SpawnMeta, Task};
use crate::loom::Mutex;
use crate::runtime::Runtime;
use crate::scheduler::pick_next;
use crate::scheduler::tuning::{GLOBAL_QUEUE_INTERVAL_CURRENT, LOCAL_SET_BUDGET};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::marker::PhantomData;
use std::pin::{pin, Pin};
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

/// A set of tasks that run on the current thread, so they need not be
/// `Send`, as tokio's `LocalSet`.
///
/// The tasks run while the set is driven: inside
/// [`run_until`](LocalSet::run_until) (or [`block_on`](LocalSet::block_on)),
/// or while the set itself is awaited: as a future, a `LocalSet` completes
/// once all its tasks have finished. Their wakers may be used from any
/// thread. Dropping the set drops the future of every unfinished task,
/// exactly once, on this thread; their `JoinHandle`s then return a
/// cancelled [`JoinError`](super::JoinError).
///
/// ```
/// use runtime::task::{self, LocalSet};
/// use std::rc::Rc;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let local = LocalSet::new();
/// let n = local.block_on(&rt, async {
///     let shared = Rc::new(5); // not `Send`
///     let s = shared.clone();
///     let h = task::spawn_local(async move { *s * 2 });
///     h.await.unwrap() + *shared
/// });
/// assert_eq!(n, 15);
/// ```
pub struct LocalSet {
    context: Rc<Context>,
}

/// The owning thread's part of a set (`!Send`: it is only reached through
/// `Rc`s on that thread).
struct Context {
    shared: Arc<Shared>,
    /// Tasks woken or spawned on the owning thread while the set runs.
    local: RefCell<VecDeque<Notified>>,
    tick: Cell<u32>,
}

/// The part of a set other threads reach: through the scheduler handle in
/// each task cell.
struct Shared {
    /// The set's unfinished tasks (`LocalSet` as a future waits for none).
    owned: OwnedTasks,
    remote: Mutex<Remote>,
}

/// Tasks woken from elsewhere, and the waker of whoever drives the set.
struct Remote {
    queue: VecDeque<Notified>,
    waker: Option<Waker>,
    closed: bool,
}

crate::loom::runtime_thread_local! {
    /// The set being driven on this thread, if any (see `enter`).
    static CURRENT: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

/// Makes `cx` the current set of this thread until dropped.
struct Enter {
    prev: Option<Rc<Context>>,
}

fn enter(cx: &Rc<Context>) -> Enter {
    // During thread exit the slot may be gone: the set is then not current
    // (a `spawn_local` finds no set), but it still runs and drops.
    let prev = CURRENT
        .try_with(|c| c.replace(Some(cx.clone())))
        .ok()
        .flatten();
    Enter { prev }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // During thread exit the slot may be gone: nothing to restore then.
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            context: Rc::new(Context {
                shared: Arc::new(Shared {
                    owned: OwnedTasks::new(1),
                    remote: Mutex::new(Remote {
                        queue: VecDeque::new(),
                        waker: None,
                        closed: false,
                    }),
                }),
                local: RefCell::new(VecDeque::new()),
                tick: Cell::new(0),
            }),
        }
    }

    /// Spawns a `!Send` task into this set. It runs once the set is driven
    /// (`run_until`, `block_on`, or awaiting the set).
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let hits = Rc::new(Cell::new(0));
    /// for _ in 0..3 {
    ///     let hits = hits.clone();
    ///     local.spawn_local(async move { hits.set(hits.get() + 1) });
    /// }
    /// assert_eq!(hits.get(), 0); // not driven yet
    /// // Awaiting the set runs its tasks until all have finished.
    /// rt.block_on(local);
    /// assert_eq!(hits.get(), 3);
    /// ```
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn_local_meta(future, SpawnMeta::new(None))
    }

    /// [`spawn_local`](Self::spawn_local) with the public caller's metadata.
    pub(crate) fn spawn_local_meta<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future, meta)
    }

    /// Runs `future` on this thread, with the set's tasks running beside it,
    /// until `future` completes. [`spawn_local`] works inside it. Tasks that
    /// have not finished then stay in the set.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let out = rt.block_on(local.run_until(async {
    ///     let name = Rc::new(String::from("local"));
    ///     let n = name.clone();
    ///     // `Send` tasks still go to the runtime's workers beside it.
    ///     let sent = runtime::spawn(async { 1 });
    ///     let here = runtime::task::spawn_local(async move { n.len() });
    ///     here.await.unwrap() + sent.await.unwrap()
    /// }));
    /// assert_eq!(out, 6);
    /// ```
    pub async fn run_until<F: Future>(&self, future: F) -> F::Output {
        let mut future = pin!(future);
        poll_fn(|cx| {
            let _enter = enter(&self.context);
            if let Poll::Ready(v) = future.as_mut().poll(cx) {
                return Poll::Ready(v);
            }
            self.context.run_tasks(cx.waker());
            Poll::Pending
        })
        .await
    }

    /// Runs `future` to completion on `rt`, from this thread, with the set's
    /// tasks running beside it: `rt.block_on(self.run_until(future))`.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let v = local.block_on(&rt, async {
    ///     let cell = std::rc::Rc::new(std::cell::RefCell::new(vec![1]));
    ///     let c = cell.clone();
    ///     runtime::task::spawn_local(async move {
    ///         runtime::time::sleep(runtime::time::Duration::from_millis(1)).await;
    ///         c.borrow_mut().push(2);
    ///     })
    ///     .await
    ///     .unwrap();
    ///     cell.take()
    /// });
    /// assert_eq!(v, [1, 2]);
    /// ```
    ///
    /// # Panics
    /// As [`Runtime::block_on`]: if this thread already drives a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Makes this the current set of this thread until the guard is
    /// dropped, so the free [`spawn_local`] spawns into it. The tasks still
    /// only run while the set is driven.
    ///
    /// ```
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let local = runtime::task::LocalSet::new();
    /// let task = {
    ///     let _guard = local.enter();
    ///     runtime::task::spawn_local(async { std::rc::Rc::new(4) })
    /// };
    /// let four = local.block_on(&rt, task).unwrap();
    /// assert_eq!(*four, 4);
    /// ```
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _enter: enter(&self.context),
            _not_send: PhantomData,
        }
    }
}

/// Spawns a `!Send` task into the [`LocalSet`] being driven on this thread
/// (or onto the [`LocalRuntime`](crate::runtime::LocalRuntime) of this
/// thread). The task runs on this thread only, so its future and output
/// need not be `Send`.
///
/// ```
/// use runtime::task::{spawn_local, LocalSet};
/// use std::cell::RefCell;
/// use std::rc::Rc;
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let log = Rc::new(RefCell::new(Vec::new()));
/// LocalSet::new().block_on(&rt, async {
///     let tasks: Vec<_> = (0..3)
///         .map(|i| {
///             let log = log.clone();
///             spawn_local(async move { log.borrow_mut().push(i) })
///         })
///         .collect();
///     for t in tasks {
///         t.await.unwrap();
///     }
/// });
/// let mut got = log.borrow().clone();
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// ```
///
/// # Panics
/// With a plain message outside a `LocalSet` (outside its `run_until`,
/// `block_on`, its tasks, or [`LocalSet::enter`]).
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    spawn_local_meta(future, SpawnMeta::new(None))
}

/// [`spawn_local`] with the public caller's metadata.
#[track_caller]
pub(crate) fn spawn_local_meta<F>(future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let current = CURRENT.try_with(|c| c.borrow().clone()).ok().flatten();
    match current {
        Some(cx) => cx.spawn(future, meta),
        None => panic!(
            "`spawn_local` called outside of a `LocalSet`: call it from a task of a \
             `LocalSet`, inside `LocalSet::run_until` or `LocalSet::block_on`, or use \
             `LocalSet::spawn_local`"
        ),
    }
}

impl Context {
    fn spawn<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // SAFETY: the contract of `spawn_local_task` is the thread invariant
        // of this module: `self` is reached through an `Rc<Context>`, so this
        // runs on the owning thread; the task's `Notified`s are only run by
        // `tick` (its `schedule` only queues them), and its `Task` is only
        // shut down by a closed list's `bind` or by `LocalSet::drop`, all on
        // this thread (rules 1-3 in the module doc).
        unsafe { super::spawn_local_task(&self.shared.owned, self.shared.clone(), future, meta) }
    }

    /// Runs up to a budget of tasks. Returns `true` if some are still
    /// queued.
    fn tick(&self) -> bool {
        for _ in 0..LOCAL_SET_BUDGET {
            let Some(task) = self.next_task() else {
                return false;
            };
            // Rule 1: this is the owning thread (`self` is behind an `Rc`).
            task.run();
        }
        true
    }

    fn next_task(&self) -> Option<Notified> {
        let mut tick = self.tick.get();
        let task = pick_next(
            &mut tick,
            GLOBAL_QUEUE_INTERVAL_CURRENT,
            || self.local.borrow_mut().pop_front(),
            || self.shared.remote.lock().queue.pop_front(),
        );
        self.tick.set(tick);
        task
    }

    /// Runs a batch of tasks, then makes sure `waker` is woken when there is
    /// more to do: at once if tasks are still queued, else on the next
    /// remote wake.
    fn run_tasks(&self, waker: &Waker) {
        if self.tick() {
            waker.wake_by_ref();
            return;
        }
        // Registered under the same lock a remote wake pushes under, so a
        // push after this look finds the waker.
        let mut remote = self.shared.remote.lock();
        if !remote.queue.is_empty() {
            drop(remote);
            waker.wake_by_ref();
        } else if !remote.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
            remote.waker = Some(waker.clone());
        }
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) -> Refused {
        // On the owning thread while this set is driven: its local queue.
        let mut task = Some(task);
        let _ = CURRENT.try_with(|c| {
            let current = c.borrow();
            let Some(cx) = current.as_ref().filter(|cx| Arc::ptr_eq(&cx.shared, self)) else {
                return;
            };
            if let Ok(mut local) = cx.local.try_borrow_mut() {
                local.extend(task.take());
            };
        });
        let Some(task) = task else {
            return Refused::NONE;
        };
        // Elsewhere (another thread, or this one while the set is idle):
        // the remote queue, and wake whoever drives the set.
        let mut remote = self.remote.lock();
        if remote.closed {
            drop(remote);
            // Rule 3: the set is gone and the future already dropped.
            return Refused::new(vec![task]);
        }
        remote.queue.push_back(task);
        let waker = remote.waker.take();
        drop(remote);
        if let Some(waker) = waker {
            waker.wake();
        }
        Refused::NONE
    }

    fn release(&self, task: NonNull<Header>) -> Option<Task> {
        self.owned.remove(task)
    }
}

impl Future for LocalSet {
    type Output = ();

    /// Runs the tasks; ready once every task of the set has finished.
    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<()> {
        let _enter = enter(&self.context);
        self.context.run_tasks(cx.waker());
        if self.context.shared.owned.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        // Entered, so a future that spawns or wakes while it is dropped
        // reaches this set (its new task is cancelled at once: the list is
        // closed).
        let _enter = enter(&self.context);
        // Rule 2: every unfinished future is dropped here, on this thread.
        self.context.shared.owned.close_and_shutdown_all();
        let remote = {
            let mut remote = self.context.shared.remote.lock();
            remote.closed = true;
            remote.waker = None;
            std::mem::take(&mut remote.queue)
        };
        // Stale `Notified`s of completed tasks: dropping them drops refs.
        drop(remote);
        let local = std::mem::take(&mut *self.context.local.borrow_mut());
        drop(local);
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet")
            .field("tasks", &self.context.shared.owned.len())
            .finish()
    }
}

/// Keeps a [`LocalSet`] current on this thread; see [`LocalSet::enter`]
/// (the example there).
#[must_use = "the set is only current while the guard lives"]
pub struct LocalEnterGuard {
    _enter: Enter,
    _not_send: PhantomData<Rc<()>>,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalEnterGuard").finish_non_exhaustive()
    }
}
