//! `Runtime`: owns the workers and the blocking pool; dropping it shuts
//! everything down.

use super::Handle;
use crate::scheduler::Scheduler;
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::thread;
use std::time::{Duration, Instant};

/// An async runtime: a scheduler with its worker threads and a blocking
/// pool.
///
/// Dropping it (or [`Runtime::shutdown_timeout`]) stops the workers and
/// cancels every unfinished task: each task's future is dropped exactly
/// once, and each `JoinHandle` then returns a cancelled [`JoinError`]
/// (also when awaited later on another runtime).
///
/// # Panics
/// Dropping it waits for its threads, so it panics, with a plain message,
/// in an asynchronous context (inside a task or `block_on`, where waiting
/// would block the tasks this thread drives); it is shut down in the
/// background first. Use [`Runtime::shutdown_background`] there. (A
/// `spawn_blocking` closure is not an asynchronous context.)
///
/// # Examples
///
/// ```
/// use runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// // A task runs on the workers at once; `block_on` drives a future on
/// // this thread until it is done.
/// let task = rt.spawn(async { 6 * 7 });
/// let answer = rt.block_on(async { task.await.unwrap() });
/// assert_eq!(answer, 42);
///
/// // Dropping the runtime cancels what is still running.
/// let forever = rt.spawn(std::future::pending::<()>());
/// drop(rt);
/// let other = runtime::Builder::new_current_thread().build().unwrap();
/// let err = other.block_on(forever).unwrap_err();
/// assert!(err.is_cancelled());
/// ```
///
/// [`JoinError`]: crate::task::JoinError
pub struct Runtime {
    handle: Handle,
    workers: Vec<thread::JoinHandle<()>>,
    /// The slow-poll watchdog's thread (`watchdog.rs`), unless it is off.
    watchdog: Option<thread::JoinHandle<()>>,
    /// Set once shut down, so `Drop` after `shutdown_timeout` does nothing.
    done: bool,
}

impl Runtime {
    pub(crate) fn from_parts(handle: Handle, workers: Vec<thread::JoinHandle<()>>) -> Runtime {
        Runtime {
            handle,
            workers,
            watchdog: None,
            done: false,
        }
    }

    /// Starts the slow-poll watchdog's thread, if the builder left it on.
    pub(crate) fn start_watchdog(&mut self) -> std::io::Result<()> {
        let Some(dog) = self.handle.inner.scheduler.watchdog_arc() else {
            return Ok(());
        };
        let handle = self.handle.clone();
        let thread = thread::Builder::new()
            .name("rt-watchdog".to_string())
            .spawn(move || {
                let scheduler = &handle.inner.scheduler;
                dog.run(
                    scheduler.slot_metrics(),
                    |id, report| {
                        scheduler
                            .owned()
                            .find(id, |task| report(task.trailer().meta.task_meta(id)));
                    },
                    |stuck| {
                        if let Scheduler::MultiThread(shared) = scheduler {
                            shared.spares.supervise(shared, stuck);
                        }
                    },
                );
            })?;
        self.watchdog = Some(thread);
        Ok(())
    }

    /// A multi-thread runtime with every driver enabled, one worker per
    /// core (as `Builder::new_multi_thread().enable_all().build()`).
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let n = rt.block_on(async {
    ///     runtime::time::sleep(runtime::time::Duration::from_millis(1)).await;
    ///     runtime::spawn(async { 1 + 1 }).await.unwrap()
    /// });
    /// assert_eq!(n, 2);
    /// ```
    ///
    /// # Errors
    /// If the OS refuses to start a thread.
    pub fn new() -> std::io::Result<Runtime> {
        super::Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion on this thread, with the runtime entered;
    /// see [`Handle::block_on`]. The future itself is not a task: it may
    /// borrow from the caller's stack and need not be `Send`.
    ///
    /// ```
    /// use std::rc::Rc;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// let words = vec!["a", "b", "c"];
    /// let local = Rc::new(1); // not `Send`: fine in `block_on`
    /// let n = rt.block_on(async {
    ///     // Inside, the runtime is entered: `runtime::spawn` works.
    ///     let len = runtime::spawn(async { 2 }).await.unwrap();
    ///     words.len() + len + *local
    /// });
    /// assert_eq!(n, 6);
    /// ```
    ///
    /// # Panics
    /// If called from a thread that drives a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.handle.block_on(future)
    }

    /// Spawns a task; see [`crate::spawn`]. Usable from outside the
    /// runtime, where `runtime::spawn` panics.
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let handles: Vec<_> = (0..4u64).map(|i| rt.spawn(async move { i * i })).collect();
    /// let squares = rt.block_on(async {
    ///     let mut out = Vec::new();
    ///     for h in handles {
    ///         out.push(h.await.unwrap());
    ///     }
    ///     out
    /// });
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see
    /// [`crate::task::spawn_blocking`].
    ///
    /// ```
    /// let rt = runtime::Runtime::new().unwrap();
    /// let sum = rt.spawn_blocking(|| (1..=10).sum::<u32>());
    /// assert_eq!(rt.block_on(sum).unwrap(), 55);
    /// ```
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// This runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// This runtime's counters and histograms; see [`Handle::metrics`]
    /// (tokio's `Runtime::metrics`).
    pub fn metrics(&self) -> super::RuntimeMetrics {
        self.handle.metrics()
    }

    /// Enters the runtime on this thread; see [`Handle::enter`].
    pub fn enter(&self) -> super::EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `timeout` for the workers and the
    /// blocking threads. A thread still busy then (a task stuck in a poll,
    /// a blocking closure that runs on) is left behind, detached.
    ///
    /// # Panics
    /// As dropping the runtime, in an asynchronous context, unless
    /// `timeout` is zero (as tokio).
    ///
    /// ```
    /// use runtime::time::Duration;
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// // A blocking closure that runs longer than the shutdown waits.
    /// let (tx, rx) = std::sync::mpsc::channel::<()>();
    /// rt.spawn_blocking(move || {
    ///     let _ = rx.recv_timeout(Duration::from_secs(5));
    /// });
    /// let start = std::time::Instant::now();
    /// rt.shutdown_timeout(Duration::from_millis(10));
    /// // Returned without waiting for it; it is left behind, detached.
    /// assert!(start.elapsed() < Duration::from_secs(2));
    /// drop(tx); // lets the detached thread end
    /// ```
    #[track_caller]
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.shutdown(Some(timeout));
    }

    /// Shuts down with a drain: cancels the runtime's
    /// [shutdown token](crate::shutdown_token), lets the tasks run until
    /// every one has finished or `grace` has passed, then cancels what is
    /// left and shuts down (as [`shutdown_timeout`](Self::shutdown_timeout)
    /// with one second for the threads to stop). Returns as soon as no task
    /// is alive (within a millisecond), never later than `grace` plus that
    /// second, with a report of the tasks that finished during the drain
    /// and those cancelled at its deadline, by id, name and spawn site.
    ///
    /// Tasks spawned during the drain run too (a handler may need
    /// helpers); they are in the report. Blocking closures are not waited
    /// for by the drain (only by the shutdown after it). On a
    /// current-thread runtime this thread drives the tasks meanwhile. tokio
    /// has no drain; there it is assembled from tokio-util's
    /// `CancellationToken` and `TaskTracker`.
    ///
    /// ```
    /// use runtime::time::{sleep, Duration};
    ///
    /// let rt = runtime::Runtime::new().unwrap();
    /// rt.spawn(async {
    ///     // A connection: finishes its work once asked to stop.
    ///     runtime::shutdown_token().cancelled().await;
    ///     sleep(Duration::from_millis(10)).await;
    /// });
    /// rt.spawn(async { std::future::pending::<()>().await }); // never ends
    /// let report = rt.shutdown_graceful(Duration::from_millis(200));
    /// assert_eq!(report.finished().len(), 1);
    /// assert_eq!(report.cancelled().len(), 1);
    /// println!("{report}");
    /// ```
    ///
    /// # Panics
    /// In an asynchronous context (inside a task or `block_on`), as
    /// dropping the runtime: the drain would block the tasks this thread
    /// drives.
    #[track_caller]
    pub fn shutdown_graceful(mut self, grace: Duration) -> super::ShutdownReport {
        assert!(
            !crate::context::is_driving(),
            "Cannot drain a runtime from an asynchronous context (a task or `block_on`): the \
             drain would block the tasks this thread drives; call `shutdown_graceful` from the \
             thread that owns the runtime, or from `spawn_blocking`"
        );
        let report = super::drain::drain(&self.handle, grace);
        self.shutdown(Some(Duration::from_secs(1)));
        report
    }

    /// For `#[runtime::test]`: the panics of spawned tasks that no
    /// `JoinHandle` returned since the last call, one line each (task,
    /// name, spawn site, message); empty unless the runtime was built with
    /// `Builder::__track_unjoined_panics`. Not an API.
    #[doc(hidden)]
    pub fn __unjoined_panics(&self) -> Vec<String> {
        let config = match &self.handle.inner.scheduler {
            crate::scheduler::Scheduler::MultiThread(s) => &s.config,
            crate::scheduler::Scheduler::CurrentThread(s) => &s.config,
        };
        config
            .unjoined
            .as_ref()
            .map_or_else(Vec::new, |u| u.check())
    }

    /// Shuts down without waiting for any thread. Allowed in an
    /// asynchronous context, where dropping the runtime is not.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    #[track_caller]
    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        // Waiting here would block the tasks this thread drives: misuse.
        // Shut down in the background, then say so (unless unwinding
        // already, where a second panic would abort).
        let misuse = timeout != Some(Duration::ZERO) && crate::context::is_driving();
        let timeout = if misuse {
            Some(Duration::ZERO)
        } else {
            timeout
        };
        // A timeout too large for the clock is no limit.
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        // Futures dropped below may spawn or look up the runtime.
        let _enter = self.handle.enter();
        match &self.handle.inner.scheduler {
            Scheduler::MultiThread(shared) => {
                shared.begin_shutdown();
                if let Some(sim) = &shared.sim {
                    sim.end();
                }
                join_all(std::mem::take(&mut self.workers), deadline);
                join_all(shared.end_spares(), deadline);
            }
            Scheduler::CurrentThread(shared) => shared.shutdown(),
        }
        if let Some(dog) = self.handle.inner.scheduler.watchdog() {
            dog.shut_down();
        }
        if let Some(thread) = self.watchdog.take() {
            let _ = thread.join();
        }
        // The tasks are gone; timers still held elsewhere fire as shut down.
        self.handle.inner.driver.shutdown();
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        self.handle.inner.blocking.shutdown(left);
        if misuse && !thread::panicking() {
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens \
                 when a runtime is dropped from within an asynchronous context (a task or \
                 `block_on`); use `Runtime::shutdown_background` there, or drop it from \
                 `spawn_blocking`"
            );
        }
    }
}

/// Joins the worker threads, giving up on those still running at the
/// deadline (they exit on their own once their current poll returns).
fn join_all(workers: Vec<thread::JoinHandle<()>>, deadline: Option<Instant>) {
    let me = thread::current().id();
    for worker in workers {
        if worker.thread().id() == me {
            continue; // dropped from one of its own tasks: cannot wait for itself
        }
        match deadline {
            None => {
                let _ = worker.join();
            }
            Some(deadline) => {
                while !worker.is_finished() && Instant::now() < deadline {
                    thread::sleep(Duration::from_micros(200));
                }
                if worker.is_finished() {
                    let _ = worker.join();
                }
            }
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

// A panic caught around a use of the runtime leaves it consistent: task
// panics are caught in the harness and the locks do not poison. tokio's
// `Runtime` is unwind-safe too.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}
