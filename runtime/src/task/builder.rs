//! [`Builder`]: a task with a name, spawned any way a task can be.

use super::{local, JoinHandle, LocalSet, SpawnMeta};
use crate::runtime::Handle;
use std::future::Future;
use std::io;

/// Spawns a task with options: for now a name, which hooks, dumps,
/// [`task::name`](super::name) and panic reports show (tokio's
/// `task::Builder`, which is unstable there and stable here).
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let handle = runtime::task::Builder::new()
///     .name("worker")
///     .spawn(async { runtime::task::name().as_deref() == Some("worker") })
///     .unwrap();
/// assert!(handle.await.unwrap());
/// # });
/// ```
///
/// Every `spawn*` returns `io::Result` as tokio's do; today none fails
/// (a spawn on a shut-down runtime gives a cancelled `JoinHandle`, as
/// `runtime::spawn` does).
#[derive(Clone, Copy, Debug, Default)]
pub struct Builder<'a> {
    name: Option<&'a str>,
}

impl<'a> Builder<'a> {
    /// A builder with no name.
    pub fn new() -> Builder<'a> {
        Builder::default()
    }

    /// Names the task. The name is copied once, at the spawn.
    pub fn name(self, name: &'a str) -> Builder<'a> {
        Builder { name: Some(name) }
    }

    #[track_caller]
    fn meta(&self) -> SpawnMeta {
        SpawnMeta::new(self.name)
    }

    /// Spawns on the current runtime, as [`runtime::spawn`](crate::spawn).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        let meta = self.meta();
        Ok(crate::context::with_handle(|h| h.spawn_meta(future, meta)))
    }

    /// Spawns on the runtime of `handle`, as [`Handle::spawn`].
    #[track_caller]
    pub fn spawn_on<Fut>(self, future: Fut, handle: &Handle) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        Ok(handle.spawn_meta(future, self.meta()))
    }

    /// Spawns a `!Send` task on the current `LocalSet`, as
    /// [`spawn_local`](super::spawn_local).
    ///
    /// # Panics
    /// Outside a `LocalSet`.
    #[track_caller]
    pub fn spawn_local<Fut>(self, future: Fut) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        Ok(local::spawn_local_meta(future, self.meta()))
    }

    /// Spawns a `!Send` task on `local_set`, as
    /// [`LocalSet::spawn_local`].
    #[track_caller]
    pub fn spawn_local_on<Fut>(
        self,
        future: Fut,
        local_set: &LocalSet,
    ) -> io::Result<JoinHandle<Fut::Output>>
    where
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        Ok(local_set.spawn_local_meta(future, self.meta()))
    }

    /// Runs a blocking closure on the current runtime's blocking pool, as
    /// [`spawn_blocking`](super::spawn_blocking).
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn_blocking<F, R>(self, f: F) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let meta = self.meta();
        Ok(crate::context::with_handle(|h| {
            h.spawn_blocking_meta(f, meta)
        }))
    }

    /// Runs a blocking closure on the blocking pool of `handle`'s runtime.
    #[track_caller]
    pub fn spawn_blocking_on<F, R>(self, f: F, handle: &Handle) -> io::Result<JoinHandle<R>>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        Ok(handle.spawn_blocking_meta(f, self.meta()))
    }
}
