//! Synchronization for tasks: asyncio's `Lock`, `Semaphore`, `Barrier`,
//! `Event`/`Condition` and `Queue`, under tokio's names.
//!
//! | here | asyncio | what it is |
//! |---|---|---|
//! | [`Mutex`], [`RwLock`] | `Lock` | a lock whose `lock().await` yields instead of blocking the worker |
//! | [`Semaphore`] | `Semaphore` | `acquire().await` a permit; dropping the guard returns it |
//! | [`Barrier`] | `Barrier` | `wait().await` until n tasks arrive; one is the leader |
//! | [`Notify`] | `Event`, `Condition` | wake one task (or store a permit), or all waiting ones |
//! | [`mpsc`] | `Queue` | bounded (`channel(n)`) and unbounded queues, many senders, one receiver |
//! | [`oneshot`] | a `Future` set once | one value, from one task to another |
//! | [`broadcast`] | — | every receiver sees every value; slow ones lag |
//! | [`watch`] | — | the latest value, and a wait for the next change |
//!
//! All of them work on both runtime flavors, with any executor, and from
//! several runtimes at once: none depends on the runtime.
//!
//! # Which crates, and why
//!
//! Where a well-kept, runtime-agnostic crate does exactly the job, it is
//! re-exported (or thinly wrapped where tokio's shape differs) instead of
//! written again:
//!
//! - **async-lock** (smol-rs) for `Mutex`, `RwLock`, `Semaphore`, `Barrier`:
//!   fair (FIFO) locks built on event-listener, no runtime dependency, used
//!   by smol and async-std. Re-exported as they are. Differences from
//!   tokio's: `try_lock` returns an `Option`, `lock_arc` is tokio's
//!   `lock_owned`, and `Semaphore::acquire().await` returns the guard
//!   directly (there is no `close`, so no error). The alternatives:
//!   `futures-util`'s `Mutex` (no `RwLock`, `Semaphore` or `Barrier`),
//!   `async-std`'s (re-exports of async-lock behind a whole runtime), and
//!   tokio's own (needs tokio as a dependency).
//! - **async-channel** (smol-rs) for [`mpsc`]: one crate for bounded and
//!   unbounded queues, with `closed()`, blocking send/receive and
//!   cancel-safe futures. Wrapped for tokio's shape (`recv` returns
//!   `Option<T>`, the unbounded sender's `send` is not async, the receiver
//!   is not `Clone`). The alternatives: `futures-channel::mpsc` (a bounded
//!   channel holds `buffer + senders` values, and sending needs `&mut`),
//!   `flume` (good, but one more family of crates for the same job), and
//!   `crossbeam-channel` (blocking only).
//! - **futures-channel** for [`oneshot`]: the reference implementation in
//!   the futures-rs family, already in every async dependency tree. Wrapped
//!   so the receiver's error is `RecvError`, as tokio's. The `oneshot`
//!   crate was the alternative; it differs from tokio's shape as much.
//! - **async-broadcast** (smol-rs) for [`broadcast`]: its overflow mode is
//!   tokio's semantics (the oldest value is dropped, a lagging receiver is
//!   told how many it missed). Wrapped: `send` is not async and returns the
//!   receiver count, and `subscribe` works while no receiver is alive. The
//!   alternative, `bus`, is blocking only.
//! - **written here**: [`Notify`], since event-listener (the natural base)
//!   stores no permit, and tokio's rules (one stored permit, FIFO
//!   `notify_one`, LIFO `notify_last`, `notify_waiters` for futures
//!   created before the call) need one, on the waiter queue of
//!   `wait_queue.rs`; and [`watch`], which neither the smol-rs nor the futures-rs
//!   family provides (the third-party `async-watch` is small and little
//!   used). Both are short: a lock, a waiter list, a version counter.

pub mod broadcast;
pub mod mpsc;
mod notify;
pub mod oneshot;
mod wait_queue;
mod wake_list;
pub mod watch;

pub use async_lock::{
    Barrier, BarrierWaitResult, Mutex, MutexGuard, MutexGuardArc, RwLock, RwLockReadGuard,
    RwLockUpgradableReadGuard, RwLockWriteGuard, Semaphore, SemaphoreGuard, SemaphoreGuardArc,
};
pub use notify::{Notified, Notify};

/// The named futures of this module, as tokio's `sync::futures`.
pub mod futures {
    pub use super::notify::Notified;
}
