//! A multi-threaded, work-stealing async runtime.
//!
//! ```
//! use runtime::task::JoinSet;
//!
//! let rt = runtime::Runtime::new().unwrap();
//! let total = rt.block_on(async {
//!     // `spawn` runs a task on the workers; its handle is a future.
//!     let one = runtime::spawn(async { 1 });
//!     // A `JoinSet` joins many tasks in the order they finish.
//!     let mut set = JoinSet::new();
//!     for i in 0..10 {
//!         set.spawn(async move { i });
//!     }
//!     let rest: i32 = set.join_all().await.into_iter().sum();
//!     // Blocking work goes to the blocking pool.
//!     let blocking = runtime::task::spawn_blocking(|| 100);
//!     one.await.unwrap() + rest + blocking.await.unwrap()
//! });
//! assert_eq!(total, 146);
//! ```
//!
//! Names follow tokio's where the concept is the same: [`Builder`],
//! [`Runtime`], [`runtime::Handle`], [`spawn`],
//! [`task::JoinHandle`], [`task::JoinError`], [`task::JoinSet`]. Beside the
//! tasks: [`time`] (sleep, timeout, interval), [`net`] and [`io`] (sockets
//! over a `polling` reactor, with the `futures-io` traits), [`sync`]
//! (channels, locks, `Notify`), [`task::TaskGroup`] (asyncio's task group)
//! and [`task::LocalSet`] (tasks that are not `Send`).
//!
//! # Design
//!
//! - A task is one allocation (`task/raw.rs`); its state machine, with
//!   every transition and its memory orderings, is `task/state.rs`, and the
//!   rules for who may touch what are in the doc of `task/mod.rs`.
//! - Each worker owns a crossbeam-deque queue and a stealable LIFO slot;
//!   one injector takes spawns from outside (`scheduler/multi_thread/`).
//!   Who is woken when is `idle.rs`; how a thread sleeps is `park.rs`.
//! - A thread with nothing to run drives the timer and the reactor if no
//!   other thread does (`driver.rs`); there is no timer or IO thread.
//! - Every atomic, lock, cell, once-cell and thread-local of these
//!   protocols goes through `loom.rs` (the io and timer crates have the same
//!   shim), so the loom models check the shipped code: the task cell, the
//!   owned-task list, the queues' notify and park protocol (crossbeam's
//!   deque itself is replaced by a locked stand-in under loom, and
//!   checked by crossbeam), the LIFO slot and its watcher, shutdown, the
//!   timer entry, the reactor's registration, and the batch semaphore
//!   under the `sync` locks. The task-id counter, the cooperative budget
//!   and `select!`'s random generator are not protocol state and stay
//!   outside.
//! - tokio's macros [`pin!`], [`join!`], [`try_join!`] and [`select!`] are
//!   `macro_rules!` (`macros/`); what they expand to names the hidden
//!   `__private` module, which also holds `select!`'s per-thread
//!   generator (`__private/rng.rs`).
#![warn(missing_docs)]

#[cfg(loom)]
#[doc(hidden)]
pub mod __loom;
#[doc(hidden)]
pub mod __private;
mod blocking;
mod context;
mod driver;
pub mod fs;
#[cfg(feature = "hyper")]
pub mod hyper;
pub mod io;
mod loom;
mod macros;
pub mod net;
pub mod process;
pub mod runtime;
mod scheduler;
/// Signals, as tokio's `tokio::signal`: Ctrl-C and Unix signal listeners.
pub mod signal;
pub mod sync;
pub mod task;
pub mod time;

pub use crate::runtime::{Builder, Runtime};
pub use task::JoinHandle;

/// Spawns a task onto the current runtime. The task starts running at
/// once on a worker, whether or not the returned handle is awaited;
/// dropping the handle detaches the task.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let handle = runtime::spawn(async { "hello" });
/// assert_eq!(handle.await.unwrap(), "hello");
/// # });
/// ```
///
/// # Panics
/// With a plain message when called outside a runtime (use
/// [`Runtime::spawn`] or [`runtime::Handle::spawn`] there).
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    // The location is taken here: the closure below would hide the caller.
    let meta = task::SpawnMeta::new(None);
    context::with_handle(|h| h.spawn_meta(future, meta))
}

/// The current runtime's shutdown token: a [`sync::CancellationToken`]
/// cancelled when [`Runtime::shutdown_graceful`] starts its drain. A task
/// that should stop taking work then (an accept loop, a consumer) selects
/// on `shutdown_token().cancelled()`; the drain then waits for it to
/// finish what it holds. Not in tokio.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// let worker = rt.spawn(async {
///     let stop = runtime::shutdown_token();
///     let mut served = 0;
///     loop {
///         runtime::select! {
///             _ = stop.cancelled() => return served,
///             _ = runtime::time::sleep(runtime::time::Duration::from_millis(1)) => served += 1,
///         }
///     }
/// });
/// # drop(worker);
/// let report = rt.shutdown_graceful(runtime::time::Duration::from_secs(1));
/// assert!(report.is_clean());
/// ```
///
/// # Panics
/// With a plain message when called outside a runtime (use
/// [`runtime::Handle::shutdown_token`] there).
pub fn shutdown_token() -> sync::CancellationToken {
    context::with_handle(|h| h.shutdown_token())
}

/// Runs `async fn main` on a multi-thread runtime (see the macro crate).
pub use runtime_macros::main;
/// Runs an `async` test on a current-thread runtime (see the macro crate).
pub use runtime_macros::test;
