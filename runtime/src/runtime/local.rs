//! `LocalRuntime`: a current-thread runtime whose `spawn_local` needs no
//! `LocalSet`, as tokio's.
//!
//! It is a current-thread [`Runtime`] and a [`LocalSet`] driven together:
//! `block_on` runs the future inside the set, so `task::spawn_local` works
//! in it and in every task it spawns, beside `spawn` for `Send` tasks.

use super::{Builder, EnterGuard, Handle, Runtime};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

/// Options of a [`LocalRuntime`] ([`Builder::build_local`]); none yet.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LocalOptions {}

/// A runtime that runs everything on the thread that calls
/// [`block_on`](LocalRuntime::block_on), and may run `!Send` tasks. It is
/// itself neither `Send` nor `Sync`.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = runtime::runtime::LocalRuntime::new().unwrap();
/// let shared = Rc::new(5);
/// let n = rt.block_on(async {
///     let shared = shared.clone();
///     runtime::task::spawn_local(async move { *shared + 1 }).await.unwrap()
/// });
/// assert_eq!(n, 6);
/// ```
pub struct LocalRuntime {
    // Dropped first, inside the runtime (`Drop`): the local tasks'
    // futures may still reach it (timers, sockets).
    local: Option<LocalSet>,
    rt: Option<Runtime>,
}

impl LocalRuntime {
    /// A local runtime with IO and time enabled.
    ///
    /// # Errors
    /// If the reactor cannot be created.
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        LocalRuntime {
            local: Some(LocalSet::new()),
            rt: Some(rt),
        }
    }

    fn rt(&self) -> &Runtime {
        self.rt.as_ref().expect("present until dropped")
    }

    fn local(&self) -> &LocalSet {
        self.local.as_ref().expect("present until dropped")
    }

    /// The runtime's handle: spawns `Send` tasks from anywhere.
    pub fn handle(&self) -> &Handle {
        self.rt().handle()
    }

    /// Spawns a task that need not be `Send`; it runs while this runtime is
    /// in [`block_on`](Self::block_on).
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local().spawn_local(future)
    }

    /// Runs a blocking closure on the runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt().spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, with the local and the
    /// `Send` tasks running beside it.
    ///
    /// # Panics
    /// As [`Runtime::block_on`]: if this thread already drives a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local().block_on(self.rt(), future)
    }

    /// Makes this runtime the current one (for `spawn` and timers) until
    /// the guard is dropped.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt().enter()
    }

    /// Shuts down, waiting at most `timeout` for the blocking tasks; see
    /// [`Runtime::shutdown_timeout`].
    pub fn shutdown_timeout(mut self, timeout: Duration) {
        self.drop_local();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(timeout);
        }
    }

    /// Shuts down without waiting for the blocking tasks; see
    /// [`Runtime::shutdown_background`].
    pub fn shutdown_background(mut self) {
        self.drop_local();
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }

    fn drop_local(&mut self) {
        if let (Some(local), Some(rt)) = (self.local.take(), self.rt.as_ref()) {
            let _enter = rt.enter();
            drop(local);
        }
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.drop_local();
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime")
            .field("handle", &self.rt.as_ref().map(Runtime::handle))
            .finish()
    }
}
