//! Synchronization for tasks: asyncio's `Lock`, `Semaphore`, `Barrier`,
//! `Event`/`Condition` and `Queue`, under tokio's names and with tokio's
//! API, errors and semantics.
//!
//! | here | asyncio | what it is |
//! |---|---|---|
//! | [`Mutex`] | `Lock` | a lock whose `lock().await` yields instead of blocking the worker; FIFO |
//! | [`RwLock`] | — | many readers or one writer; FIFO, so writers are not starved; `downgrade` |
//! | [`Semaphore`] | `Semaphore` | `acquire().await` one or many permits; dropping the permit returns them; `close` |
//! | [`Barrier`] | `Barrier` | `wait().await` until n tasks arrive; one is the leader |
//! | [`Notify`] | `Event`, `Condition` | wake one task (or store a permit), or all waiting ones |
//! | [`OnceCell`] | — | a value made once by an `async` initializer, however many tasks ask |
//! | [`SetOnce`] | `Event` with a value | set once; `wait().await` until it is |
//! | [`mpsc`] | `Queue` | bounded (`channel(n)`) and unbounded queues, many senders, one receiver |
//! | [`oneshot`] | a `Future` set once | one value, from one task to another |
//! | [`broadcast`] | — | every receiver sees every value; slow ones lag |
//! | [`watch`] | — | the latest value, and a wait for the next change |
//! | [`CancellationToken`] | — | tokio-util's: `cancel()` wakes every `cancelled().await`; child tokens, drop guards |
//!
//! All of them work on both runtime flavors, with any executor, and from
//! several runtimes at once: none depends on the runtime (the `blocking_*`
//! methods only check that the thread does not drive one).
//!
//! # One waiter list, written here
//!
//! The locks, the semaphore and the once-cells are built on one primitive
//! of this crate, the batch semaphore (`batch_semaphore.rs`, after tokio's
//! design): permits in an atomic word, waiters in a FIFO under a lock, an
//! acquire of any number of permits that is cancel safe (a dropped future
//! leaves the queue and passes on what it was given), and `close`, which
//! fails every waiter. On it:
//!
//! - [`Mutex`] is one permit; [`RwLock`] is `max_readers` permits, a
//!   reader takes one, a writer all, and `downgrade` gives back all but
//!   one;
//! - [`Semaphore`] is the primitive with tokio's public API;
//! - [`OnceCell`] holds one permit, the right to run the initializer, and
//!   closes the semaphore once the value is set, which releases every
//!   waiting caller; [`SetOnce`] waits on a semaphore with no permit that
//!   `set` closes.
//!
//! [`Notify`] (and through it [`Barrier`]) keeps its own permit rules but
//! queues on the same `WaitQueue`. The waiter queue itself
//! (`wait_queue.rs`) is plain data without `unsafe`; wakers are woken with
//! every lock released (`wake_list.rs`). The loom models in
//! `loom-tests/tests/semaphore.rs` check the primitive.
//!
//! Why not the crates used before: async-lock's types differ from tokio's
//! in API (`try_lock` returns an `Option`, no `close`, no owned or mapped
//! guards, no `downgrade_map`) and in one place in soundness (its 3.5
//! `RwLockWriteGuard` is `Send` for a `T: Send + !Sync` and can be
//! downgraded on another thread, sharing a `!Sync` value between threads).
//! Here every guard has tokio's auto traits (`runtime/tests/sync_send_sync.rs`).
//!
//! # The channels, on the same pieces
//!
//! The channels are written here too, on the same primitives, and with
//! tokio's API, errors and semantics; the module doc of each states its
//! rules. None drops a value or a waker, or wakes one, with its lock held,
//! so a value's or a waker's `drop` may use the channel again (the
//! async-broadcast/event-listener pair used before deadlocked there).
//!
//! - [`mpsc`]: one `VecDeque` under one lock, beside the receiver's waker;
//!   a bounded channel counts its slots with the batch semaphore (the FIFO
//!   of waiting senders, `reserve_many`, `close` failing them all), so a
//!   send waits in order and a `Permit` sends without waiting. Dropping
//!   the receiver drops the queued values at once.
//! - [`oneshot`]: the value, two flags and the two wakers under one lock.
//! - [`broadcast`]: a ring of slots, each under its own lock, holding one
//!   copy of a value and the count of receivers still to read it (each
//!   clones it once); waiting receivers queue on a `WaitQueue`.
//! - [`watch`]: the value under a reader-writer lock, a version word, and
//!   two [`Notify`]s.
//!
//! The loom models in `loom-tests/tests/channels.rs` check them.

mod barrier;

/// `Pending`, recorded as what the current task waits on: the primitive
/// `kind` at `at` (for task dumps; one store, `runtime_coop::wait`).
fn pending<T, A>(kind: runtime_coop::wait::SyncKind, at: &A) -> std::task::Poll<T> {
    runtime_coop::wait::record(runtime_coop::wait::WaitsOn::Sync {
        kind,
        addr: at as *const A as usize,
    });
    std::task::Poll::Pending
}
/// Awaits `future` (a `Notified`, say), recording `kind` at `at` as what
/// the task waits on whenever it is pending, over what `future` recorded:
/// a `watch` receiver shows as a watch, not as the `Notify` inside it.
async fn waiting_as<F: std::future::Future, A>(
    kind: runtime_coop::wait::SyncKind,
    at: &A,
    future: F,
) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Pending => pending(kind, at),
        ready => ready,
    })
    .await
}

pub(crate) mod batch_semaphore;
pub mod broadcast;
mod cancellation_token;
mod error;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod wait_queue;
mod wake_list;
pub mod watch;

pub use barrier::{Barrier, BarrierWaitResult};
pub use cancellation_token::{
    CancellationToken, DropGuard, DropGuardRef, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
pub use error::{AcquireError, SetError, SetOnceError, TryAcquireError, TryLockError};
pub use mutex::{MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard};
pub use notify::{Notified, Notify};
pub use once_cell::OnceCell;
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{OwnedSemaphorePermit, Semaphore, SemaphorePermit};
pub use set_once::SetOnce;

/// The named futures of this module, as tokio's `sync::futures`.
pub mod futures {
    pub use super::cancellation_token::{
        WaitForCancellationFuture, WaitForCancellationFutureOwned,
    };
    pub use super::notify::Notified;
}

/// Runs `future` to completion on this thread, for the `blocking_*`
/// methods.
///
/// # Panics
/// With a plain message (tokio's) if the thread drives a runtime: inside a
/// task or `block_on`, blocking could stall the very task that would
/// unblock it.
#[track_caller]
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    crate::context::assert_can_block();
    crate::runtime::park_on(future)
}

/// `Debug` and `Display` for guards, as their target's.
macro_rules! fmt_as_target {
    ($([$($g:tt)*] $guard:ty),* $(,)?) => {$(
        impl<$($g)*> std::fmt::Debug for $guard
        where
            <$guard as std::ops::Deref>::Target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($g)*> std::fmt::Display for $guard
        where
            <$guard as std::ops::Deref>::Target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    )*};
}
pub(crate) use fmt_as_target;
