//! `TaskTracker`: tokio-util's count of live tasks, with a wait for "closed
//! and empty", for graceful shutdown.
//!
//! # The state word
//!
//! One `AtomicUsize`: bit 0 is *closed*, the bits above count the tracked
//! tasks (each [`TaskTrackerToken`] adds `ONE_TASK`). A tracked task is
//! a token: a spawned future carries one inside its [`TrackedFuture`], so
//! the task counts until its future is dropped (it completed, was aborted,
//! or its runtime shut down), not until its `JoinHandle` is.
//!
//! # Waking
//!
//! The word becomes exactly `CLOSED` (closed with no task) in one of two
//! steps: `close` finding no task, or the last token leaving a closed
//! tracker. Whichever does it calls `notify_waiters` on the tracker's
//! [`Notify`]. A [`TaskTrackerWaitFuture`] makes its `Notified` *before*
//! it reads the word, so either it sees the word at `CLOSED`, or it was
//! made before that step's `notify_waiters`, which then releases it,
//! polled or not. That is also why a wait made before a short moment of
//! "closed and empty" completes even if the tracker was reopened (or got a
//! task) before the wait was polled.
//!
//! # Memory ordering
//!
//! A token's drop is a release, and the step to `CLOSED` acquires (an
//! acquire fence after the last drop, or `close`'s `AcqRel`) before it
//! notifies. A wait that completes acquires too: it reads `CLOSED` with an
//! acquire load (the decrements form a release sequence, so this
//! synchronizes with every one of them), or it was released by the
//! notifier through the `Notify`'s lock. Either way, everything the
//! tracked tasks did, their futures' drops included, happens before the
//! wait completes. `close` and `reopen` are `AcqRel`, so they order with
//! each other as a lock would.

use super::{JoinHandle, LocalSet};
use crate::loom::{fence, Arc, AtomicUsize, Ordering};
use crate::runtime::Handle;
use crate::sync::futures::Notified;
use crate::sync::Notify;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Bit 0 of the state word: the tracker is closed.
const CLOSED: usize = 1;
/// What one tracked task adds to the state word.
const ONE_TASK: usize = 2;

/// Counts tasks, and waits until they have all exited, as tokio-util's
/// `TaskTracker`.
///
/// [`wait`](TaskTracker::wait) completes once the tracker is both
/// [closed](TaskTracker::close) and empty. Closing is what says that no
/// more tasks are coming: an open tracker with no task keeps `wait`
/// waiting. Closing does not stop spawns (they are still tracked), and
/// [`reopen`](TaskTracker::reopen) undoes it. When `wait` completes, every
/// tracked task has exited and its future's drop has run (its
/// `JoinHandle::is_finished` may say `false` a moment longer).
///
/// It is usually paired with a [`CancellationToken`]: the token asks the
/// tasks to stop, the tracker waits until they have.
///
/// Beside a [`JoinSet`](super::JoinSet): a tracker keeps no outputs, so a
/// task's memory is freed as soon as it exits, however long nobody looks;
/// spawning needs only `&self`; clones share the tasks; dropping it aborts
/// nothing.
///
/// [`CancellationToken`]: crate::sync::CancellationToken
///
/// ```
/// use runtime::sync::CancellationToken;
/// use runtime::task::TaskTracker;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let tracker = TaskTracker::new();
///     let token = CancellationToken::new();
///     for _ in 0..4 {
///         let token = token.clone();
///         tracker.spawn(async move {
///             token.cancelled().await;
///             // cleanup runs before `wait` below completes
///         });
///     }
///     tracker.close(); // no more tasks are coming
///     assert_eq!(tracker.len(), 4);
///
///     token.cancel();
///     tracker.wait().await;
///     assert!(tracker.is_empty());
/// });
/// ```
pub struct TaskTracker {
    shared: Arc<Shared>,
}

struct Shared {
    /// `CLOSED` and the task count (see the module doc).
    state: AtomicUsize,
    /// Woken (`notify_waiters`) each time `state` becomes `CLOSED`.
    closed_and_empty: Notify,
}

/// A tracked task without a spawn: [`TaskTracker::wait`] cannot complete
/// while it lives, and [`TaskTracker::len`] counts it. Dropping it is the
/// task's exit.
#[must_use = "dropping the token ends the task it stands for"]
pub struct TaskTrackerToken {
    tracker: TaskTracker,
}

pin_project_lite::pin_project! {
    /// A future that counts as a task of its [`TaskTracker`] until it is
    /// dropped (not merely until it completes); made by
    /// [`TaskTracker::track_future`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct TrackedFuture<F> {
        // Declared before `token`, so dropped first: the task exits only
        // once its future's drop has run.
        #[pin]
        future: F,
        token: TaskTrackerToken,
    }
}

/// The future of [`TaskTracker::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct TaskTrackerWaitFuture<'a> {
    /// Made before the state is first read (see the module doc).
    notified: Notified<'a>,
    /// `None` once complete (or if the tracker was closed and empty when
    /// the wait was made).
    shared: Option<&'a Shared>,
}

impl Shared {
    fn is_closed_and_empty(&self) -> bool {
        // Acquire: see "Memory ordering" in the module doc.
        self.state.load(Ordering::Acquire) == CLOSED
    }

    fn close(&self) -> bool {
        // AcqRel: see "Memory ordering" in the module doc.
        let old = self.state.fetch_or(CLOSED, Ordering::AcqRel);
        if old == 0 {
            // Open and empty until now: this is the step to `CLOSED`.
            self.closed_and_empty.notify_waiters();
        }
        old & CLOSED == 0
    }

    fn reopen(&self) -> bool {
        // AcqRel: pairs with `close`.
        let old = self.state.fetch_and(!CLOSED, Ordering::AcqRel);
        old & CLOSED != 0
    }

    fn add_task(&self) {
        // Relaxed: the caller holds a `TaskTracker`, and a task's start
        // publishes nothing the wait needs (its exit does).
        self.state.fetch_add(ONE_TASK, Ordering::Relaxed);
    }

    fn drop_task(&self) {
        // Release: pairs with the fence below (in whichever drop is last)
        // and with the acquire load in `is_closed_and_empty`.
        let old = self.state.fetch_sub(ONE_TASK, Ordering::Release);
        if old == CLOSED | ONE_TASK {
            // The last task of a closed tracker: the step to `CLOSED`.
            // Acquire the other tasks' releases before waking the waits.
            fence(Ordering::Acquire);
            self.closed_and_empty.notify_waiters();
        }
    }

    fn load(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }
}

impl TaskTracker {
    /// An open tracker with no task.
    #[must_use]
    pub fn new() -> TaskTracker {
        TaskTracker {
            shared: Arc::new(Shared {
                state: AtomicUsize::new(0),
                closed_and_empty: Notify::new(),
            }),
        }
    }

    /// A future that completes once this tracker is closed and empty: at
    /// once if it is both now.
    ///
    /// If the tracker is closed and empty even for a moment after the
    /// future is made, the future completes, even if it is first polled
    /// after a `reopen` or a new task. A fresh `wait()` made in each turn
    /// of a loop (a `select!` in a loop) gives that up: a moment between
    /// two of them is missed.
    ///
    /// Cancel safe.
    pub fn wait(&self) -> TaskTrackerWaitFuture<'_> {
        // The `Notified` first (see the module doc).
        let notified = self.shared.closed_and_empty.notified();
        let shared = (!self.shared.is_closed_and_empty()).then_some(&*self.shared);
        TaskTrackerWaitFuture { notified, shared }
    }

    /// Closes the tracker, which lets [`wait`](TaskTracker::wait) complete
    /// once no task is left. Spawning is still allowed. Returns whether
    /// this call closed it (`false`: it was closed already).
    pub fn close(&self) -> bool {
        self.shared.close()
    }

    /// Opens the tracker again, so [`wait`](TaskTracker::wait) waits even
    /// when no task is left. Returns whether this call opened it (`false`:
    /// it was open already).
    pub fn reopen(&self) -> bool {
        self.shared.reopen()
    }

    /// Whether the tracker is closed.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.shared.load() & CLOSED != 0
    }

    /// How many tasks are tracked (spawned tasks whose future is not yet
    /// dropped, [`TrackedFuture`]s and [`TaskTrackerToken`]s).
    #[must_use]
    pub fn len(&self) -> usize {
        self.shared.load() / ONE_TASK
    }

    /// Whether no task is tracked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.shared.load() < ONE_TASK
    }

    /// Spawns `future` on the current runtime, tracked:
    /// `runtime::spawn(tracker.track_future(future))`.
    ///
    /// # Panics
    /// Outside a runtime, as [`spawn`](crate::spawn).
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::spawn(self.track_future(future))
    }

    /// Spawns `future` on the runtime of `handle`, tracked:
    /// `handle.spawn(tracker.track_future(future))`.
    #[track_caller]
    pub fn spawn_on<F>(&self, future: F, handle: &Handle) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        handle.spawn(self.track_future(future))
    }

    /// Spawns a `!Send` `future` on the [`LocalSet`] (or
    /// [`LocalRuntime`](crate::runtime::LocalRuntime)) driven on this
    /// thread, tracked: `task::spawn_local(tracker.track_future(future))`.
    ///
    /// # Panics
    /// Outside a `LocalSet`, as [`spawn_local`](super::spawn_local).
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        super::spawn_local(self.track_future(future))
    }

    /// Spawns a `!Send` `future` on `local_set`, tracked:
    /// `local_set.spawn_local(tracker.track_future(future))`.
    #[track_caller]
    pub fn spawn_local_on<F>(&self, future: F, local_set: &LocalSet) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        local_set.spawn_local(self.track_future(future))
    }

    /// Runs `f` on the current runtime's blocking pool, tracked until `f`
    /// returns (or, if it never starts, until it is dropped).
    ///
    /// # Panics
    /// Outside a runtime, as [`spawn_blocking`](super::spawn_blocking).
    #[track_caller]
    pub fn spawn_blocking<F, T>(&self, f: F) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        super::spawn_blocking(self.track_closure(f))
    }

    /// [`spawn_blocking`](TaskTracker::spawn_blocking) on the runtime of
    /// `handle`.
    #[track_caller]
    pub fn spawn_blocking_on<F, T>(&self, f: F, handle: &Handle) -> JoinHandle<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        handle.spawn_blocking(self.track_closure(f))
    }

    /// `f` with a token: it exits when `f` returns (or unwinds), or when
    /// the closure is dropped without being called.
    fn track_closure<F, T>(&self, f: F) -> impl FnOnce() -> T
    where
        F: FnOnce() -> T,
    {
        let token = self.token();
        move || {
            let output = f();
            drop(token);
            output
        }
    }

    /// Wraps `future` so that it counts as a task of this tracker until it
    /// is dropped, wherever it runs (spawned, in a
    /// [`JoinSet`](super::JoinSet), or awaited in place).
    ///
    /// ```
    /// use runtime::task::TaskTracker;
    ///
    /// # let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let tracker = TaskTracker::new();
    /// let tracked = tracker.track_future(async { 1 + 1 });
    /// assert_eq!(tracker.len(), 1);
    /// assert_eq!(tracked.await, 2); // awaiting consumes, so drops, it
    /// assert_eq!(tracker.len(), 0);
    /// # });
    /// ```
    pub fn track_future<F: Future>(&self, future: F) -> TrackedFuture<F> {
        TrackedFuture {
            future,
            token: self.token(),
        }
    }

    /// A token that counts as one task of this tracker until it is
    /// dropped, for work that is no future of its own (a thread, a
    /// callback).
    pub fn token(&self) -> TaskTrackerToken {
        self.shared.add_task();
        TaskTrackerToken {
            tracker: self.clone(),
        }
    }

    /// Whether the two are clones of one tracker (share their tasks).
    #[must_use]
    pub fn ptr_eq(left: &TaskTracker, right: &TaskTracker) -> bool {
        Arc::ptr_eq(&left.shared, &right.shared)
    }
}

impl Clone for TaskTracker {
    /// The same tracker: tasks, `close` and `reopen` are shared.
    fn clone(&self) -> TaskTracker {
        TaskTracker {
            shared: self.shared.clone(),
        }
    }
}

impl Default for TaskTracker {
    fn default() -> TaskTracker {
        TaskTracker::new()
    }
}

impl TaskTrackerToken {
    /// The tracker this token counts in.
    #[must_use]
    pub fn task_tracker(&self) -> &TaskTracker {
        &self.tracker
    }
}

impl Clone for TaskTrackerToken {
    /// Another token of the same tracker (one more task).
    fn clone(&self) -> TaskTrackerToken {
        self.tracker.token()
    }
}

impl Drop for TaskTrackerToken {
    fn drop(&mut self) {
        self.tracker.shared.drop_task();
    }
}

impl<F: Future> Future for TrackedFuture<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.project().future.poll(cx)
    }
}

impl Future for TaskTrackerWaitFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let Some(shared) = this.shared else {
            return Poll::Ready(());
        };
        if shared.is_closed_and_empty() || Pin::new(&mut this.notified).poll(cx).is_ready() {
            this.shared = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// The state word as `Debug` fields.
fn debug_state(name: &str, shared: &Shared, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let state = shared.load();
    f.debug_struct(name)
        .field("len", &(state / ONE_TASK))
        .field("is_closed", &(state & CLOSED != 0))
        .finish()
}

impl fmt::Debug for TaskTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_state("TaskTracker", &self.shared, f)
    }
}

impl fmt::Debug for TaskTrackerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskTrackerToken")
            .field("task_tracker", &self.tracker)
            .finish()
    }
}

impl<F: fmt::Debug> fmt::Debug for TrackedFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackedFuture")
            .field("future", &self.future)
            .field("task_tracker", &self.token.tracker)
            .finish()
    }
}

impl fmt::Debug for TaskTrackerWaitFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shared {
            Some(shared) => debug_state("TaskTrackerWaitFuture", shared, f),
            None => f
                .debug_struct("TaskTrackerWaitFuture")
                .field("complete", &true)
                .finish(),
        }
    }
}
