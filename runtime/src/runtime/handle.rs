//! `Handle`: a cheap, cloneable reference to a runtime.

use crate::blocking::BlockingPool;
use crate::driver::Driver;
use crate::scheduler::park::Parker;
use crate::scheduler::Scheduler;
use crate::task::{JoinHandle, SpawnMeta};
use std::fmt;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;

/// A handle to a runtime: spawn onto it, or enter it, from any thread.
///
/// Cheap to clone; it keeps the runtime's state alive but does not keep
/// the runtime running: once the [`Runtime`](super::Runtime) is dropped,
/// tasks spawned through a handle are cancelled.
///
/// # Examples
///
/// ```
/// use runtime::runtime::Handle;
///
/// let rt = runtime::Runtime::new().unwrap();
/// // Inside the runtime, `Handle::current` finds it.
/// let handle = rt.block_on(async { Handle::current() });
/// assert_eq!(handle.id(), rt.handle().id());
///
/// // A plain thread has no runtime of its own: it uses the handle.
/// let answer = std::thread::spawn(move || {
///     let task = handle.spawn(async { 40 });
///     handle.block_on(async { task.await.unwrap() + 2 })
/// })
/// .join()
/// .unwrap();
/// assert_eq!(answer, 42);
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) scheduler: Scheduler,
    pub(crate) blocking: BlockingPool,
    pub(crate) driver: Driver,
    /// What `runtime::net` needs: the reactor and a way to the blocking
    /// pool (name resolution); `None` without IO.
    pub(crate) io: Option<runtime_io::Handle>,
    name: Option<String>,
    id: super::Id,
    /// Cancelled when a drain shutdown starts (`drain.rs`).
    shutdown_token: crate::sync::CancellationToken,
}

impl Handle {
    pub(crate) fn new(
        scheduler: Scheduler,
        blocking: BlockingPool,
        driver: Driver,
        name: Option<String>,
    ) -> Handle {
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<Inner>| {
            let io = driver.reactor().map(|reactor| {
                let weak = weak.clone();
                // Weak: the handle lives in `Inner` itself.
                let spawn_blocking: runtime_io::context::SpawnBlocking =
                    Arc::new(move |job: Box<dyn FnOnce() + Send>| match weak.upgrade() {
                        Some(inner) => drop(Handle { inner }.spawn_blocking(job)),
                        // The runtime is gone: dropping the job fails the
                        // lookup that waits for it.
                        None => drop(job),
                    });
                runtime_io::Handle::new(reactor.clone(), spawn_blocking)
            });
            Inner {
                scheduler,
                blocking,
                driver,
                io,
                name,
                id: super::Id::next(),
                shutdown_token: crate::sync::CancellationToken::new(),
            }
        });
        Handle { inner }
    }

    /// The handle of the runtime this thread is in: inside a task, inside
    /// `block_on`, or while an [`enter`](Handle::enter) guard lives.
    ///
    /// ```
    /// use runtime::runtime::Handle;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let id = rt.block_on(async {
    ///     // From a task too.
    ///     runtime::spawn(async { Handle::current().id() }).await.unwrap()
    /// });
    /// assert_eq!(id, rt.handle().id());
    /// ```
    ///
    /// # Panics
    /// With a plain message outside a runtime; see [`Handle::try_current`].
    #[track_caller]
    pub fn current() -> Handle {
        crate::context::with_handle(Handle::clone)
    }

    /// The handle of the runtime this thread is in, if any.
    ///
    /// ```
    /// use runtime::runtime::Handle;
    ///
    /// let err = Handle::try_current().unwrap_err();
    /// assert!(err.is_missing_context());
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let _guard = rt.enter();
    /// assert!(Handle::try_current().is_ok());
    /// ```
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        crate::context::try_current()
    }

    /// This runtime's counters and histograms (tokio's
    /// `Handle::metrics`, stable here, with more of it on by default).
    pub fn metrics(&self) -> super::RuntimeMetrics {
        super::RuntimeMetrics::new(self.clone())
    }

    /// A snapshot of every live task of this runtime: its metadata, state,
    /// polls and what it waits on; `Display` prints a tree by parent task.
    /// It never waits for the workers, so it works from any thread (a
    /// signal handler's, a `spawn_blocking` closure) and while a worker is
    /// stuck inside a poll. See [`Dump`](super::Dump) for what is left out.
    /// tokio has `Handle::dump` under `tokio_unstable`, as an `async fn`
    /// that waits for every worker to reach a safe point; this one is
    /// stable and synchronous.
    pub fn dump(&self) -> super::Dump {
        super::Dump::capture(
            self.inner.scheduler.owned(),
            self.inner.scheduler.slot_metrics(),
            self.inner.scheduler.watchdog(),
        )
    }

    /// Spawns a task onto this runtime; see [`crate::spawn`]. Works from
    /// any thread, inside a runtime or not.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// let task = std::thread::spawn(move || handle.spawn(async { "from a thread" }))
    ///     .join()
    ///     .unwrap();
    /// assert_eq!(rt.block_on(task).unwrap(), "from a thread");
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_meta(future, SpawnMeta::new(None))
    }

    /// [`spawn`](Self::spawn) with the metadata made by the public caller.
    pub(crate) fn spawn_meta<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.scheduler.spawn(future, meta)
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    ///
    /// The closure cannot be cancelled once it started; `abort` before that
    /// cancels it. A closure a thread was handed to (the pool started one
    /// for it, or woke an idle one) runs even if the runtime shuts down
    /// first; only one still waiting for a thread (the pool is at
    /// `max_blocking_threads`) is cancelled then. Shutdown waits for the
    /// closures that run (or not, with
    /// [`Runtime::shutdown_timeout`](super::Runtime::shutdown_timeout)).
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let read = rt.handle().spawn_blocking(|| std::fs::metadata(".").is_ok());
    /// assert!(rt.block_on(read).unwrap());
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_blocking_meta(f, SpawnMeta::new(None))
    }

    /// [`spawn_blocking`](Self::spawn_blocking) with the metadata made by
    /// the public caller.
    pub(crate) fn spawn_blocking_meta<F, R>(&self, f: F, meta: SpawnMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.blocking.spawn(f, self, meta)
    }

    /// Runs `future` to completion on this thread, with this runtime
    /// entered. On a multi-thread runtime the tasks keep running on the
    /// workers; on a current-thread runtime this thread drives them, unless
    /// another `block_on` already does.
    ///
    /// ```
    /// use runtime::time::{sleep, Duration};
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handle = rt.handle().clone();
    /// // Another thread waits for async work: timers and sockets work in
    /// // the future, since the runtime is entered.
    /// let slept = std::thread::spawn(move || {
    ///     handle.block_on(async {
    ///         sleep(Duration::from_millis(1)).await;
    ///         "slept"
    ///     })
    /// });
    /// assert_eq!(slept.join().unwrap(), "slept");
    /// ```
    ///
    /// # Panics
    /// If called from a thread that drives a runtime (inside a task or
    /// another `block_on`).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let _driving = crate::context::enter_runtime(self);
        match &self.inner.scheduler {
            Scheduler::MultiThread(shared) => {
                let driver = &self.inner.driver;
                if let Some(sim) = &shared.sim {
                    let blocking = &self.inner.blocking;
                    return match shared.config.panic_shutdown.as_deref() {
                        None => sim.block_on(blocking, driver, future),
                        Some(policy) => sim
                            .block_on(blocking, driver, policy.guard(pin!(future)))
                            .unwrap_or_else(|| policy.panic()),
                    };
                }
                match shared.config.panic_shutdown.as_deref() {
                    None => outside_block_on(driver, future),
                    // `UnhandledPanic::ShutdownRuntime` (`panic_policy.rs`).
                    Some(policy) => outside_block_on(driver, policy.guard(pin!(future)))
                        .unwrap_or_else(|| policy.panic()),
                }
            }
            Scheduler::CurrentThread(shared) => shared.block_on(future),
        }
    }

    /// For a runtime built with
    /// [`Builder::simulation`](super::Builder::simulation): a hash of which
    /// worker polled which task, in order, since the runtime was built. The
    /// same seed gives the same hash, over runs and machines. 0 for a
    /// runtime that is not simulated. Not in tokio.
    pub fn trace_hash(&self) -> u64 {
        match &self.inner.scheduler {
            Scheduler::MultiThread(shared) => shared.trace_hash(),
            Scheduler::CurrentThread(_) => 0,
        }
    }

    /// The runtime's shutdown token: cancelled when
    /// [`Runtime::shutdown_graceful`](super::Runtime::shutdown_graceful)
    /// starts its drain, so tasks that select on it stop taking new work
    /// and finish what they hold (see [`crate::shutdown_token`]). Not in
    /// tokio, where a service makes its own token.
    pub fn shutdown_token(&self) -> crate::sync::CancellationToken {
        self.inner.shutdown_token.clone()
    }

    /// The name given by [`Builder::name`](super::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.name.as_deref()
    }

    /// This runtime's id, unique in the process.
    pub fn id(&self) -> super::Id {
        self.inner.id
    }

    /// Which scheduler the runtime runs.
    pub fn runtime_flavor(&self) -> super::RuntimeFlavor {
        match &self.inner.scheduler {
            Scheduler::MultiThread(_) => super::RuntimeFlavor::MultiThread,
            Scheduler::CurrentThread(_) => super::RuntimeFlavor::CurrentThread,
        }
    }

    /// Makes this runtime the current one until the guard is dropped, so
    /// [`crate::spawn`] and [`Handle::current`] work on this thread.
    ///
    /// Guards nest: dropping one restores the runtime that was current
    /// before it. They must be dropped in the reverse order they were made;
    /// dropping one out of order panics, with a plain message.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let task = {
    ///     let _guard = rt.handle().enter();
    ///     // Entered: functions that need a current runtime work here.
    ///     runtime::spawn(async { 7 })
    /// };
    /// assert!(runtime::runtime::Handle::try_current().is_err());
    /// assert_eq!(rt.block_on(task).unwrap(), 7);
    /// ```
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: crate::context::set_current(self),
            _handle: self,
        }
    }
}

/// Polls `future` on this thread, parking between polls.
pub(crate) fn park_on<F: Future>(future: F) -> F::Output {
    let parker = Parker::new();
    crate::scheduler::park::block_on_with(pin!(future), &parker, &|| {}, || false)
        .expect("`block_on_with` only gives up when asked to")
}

/// [`park_on`] for a `block_on` of the runtime of `driver` on a thread
/// that does not run its tasks (`Driver::block_on`).
fn outside_block_on<F: Future>(driver: &Driver, future: F) -> F::Output {
    let parker = Parker::new();
    driver
        .block_on(pin!(future), &parker, || false)
        .expect("`block_on` only gives up when asked to")
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("id", &self.inner.id)
            .field("name", &self.inner.name)
            .field("scheduler", &self.inner.scheduler)
            .finish()
    }
}

/// Keeps a runtime entered on this thread; see [`Handle::enter`]. Not
/// `Send` (it must be dropped on the thread it entered), but `Sync`, as
/// tokio's.
///
/// ```
/// let rt = runtime::Runtime::new().unwrap();
/// let guard = rt.enter();
/// // Timers and sockets are made inside the runtime, here outside any task.
/// let sleep = runtime::time::sleep(runtime::time::Duration::from_millis(1));
/// drop(guard);
/// rt.block_on(sleep);
/// ```
#[must_use = "the runtime is only entered while the guard lives"]
pub struct EnterGuard<'a> {
    _guard: crate::context::SetCurrentGuard,
    _handle: &'a Handle,
}

// SAFETY: a shared reference to the guard gives no access to anything: it
// has no `&self` method and its `Debug` prints no field. Only its owner,
// on the thread that made it, does anything with it (drop it).
unsafe impl Sync for EnterGuard<'_> {}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// No runtime is current on this thread ([`Handle::try_current`]).
///
/// ```
/// let err = runtime::runtime::Handle::try_current().unwrap_err();
/// assert!(err.is_missing_context());
/// assert!(!err.is_thread_local_destroyed());
/// assert!(err.to_string().contains("no runtime"));
/// ```
#[derive(Debug)]
pub struct TryCurrentError {
    destroyed: bool,
}

impl TryCurrentError {
    pub(crate) fn no_context() -> TryCurrentError {
        TryCurrentError { destroyed: false }
    }

    pub(crate) fn thread_local_destroyed() -> TryCurrentError {
        TryCurrentError { destroyed: true }
    }

    /// No runtime was entered on this thread.
    pub fn is_missing_context(&self) -> bool {
        !self.destroyed
    }

    /// The thread is exiting and its runtime context is already gone.
    pub fn is_thread_local_destroyed(&self) -> bool {
        self.destroyed
    }
}

impl fmt::Display for TryCurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.destroyed {
            f.write_str(
                "the runtime context of this thread was already destroyed (the thread is exiting)",
            )
        } else {
            f.write_str(
                "there is no runtime on this thread: call this from a task, from inside \
                 `block_on`, or after `Runtime::enter`",
            )
        }
    }
}

impl std::error::Error for TryCurrentError {}

// See the same impls on `Runtime`.
impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}
