//! `runtime-io`: the reactor and the network types of the `runtime` crate.
//!
//! This crate knows `Waker`s, never tasks. The runtime owns one
//! [`Reactor`] (a `polling::Poller` and a table of registered fds), drives
//! it from the worker that parks with the driver ([`Reactor::turn`]), wakes
//! that worker with [`Reactor::notify`], and makes it current on each of its
//! threads with [`context::enter`]. The IO types register with the current
//! reactor when they are created.
//!
//! | file | the one idea in it |
//! |---|---|
//! | `reactor.rs` | the poller, the source table, a turn; why edge-triggered |
//! | `registration.rs` | one fd's readiness word and wakers: the numbered rules |
//! | `interest.rs`, `ready.rs` | [`Interest`] and [`Ready`], as tokio's |
//! | `sys.rs` | the few `libc` calls: closed states by `poll(2)`, peer credentials |
//! | `io_source.rs` | an owned, registered fd: deregistered before it closes |
//! | `loom.rs` | the shim: std's atomics, locks and thread-locals, loom's under `cfg(loom)` |
//! | `context.rs` | the thread's current IO handle; the plain panics |
//! | `async_fd/` | [`AsyncFd`]: readiness for any fd; its guards |
//! | `read_buf.rs` | [`ReadBuf`]: a buffer filled from the front, maybe uninitialized at the end |
//! | `buf.rs` | [`Buf`], [`BufMut`]: what tokio takes from `bytes` for `read_buf`/`write_buf` |
//! | `net/` | TCP, UDP, Unix sockets; `addr.rs`: addresses and resolution |
#![warn(missing_docs)]

mod async_fd;
mod buf;
pub mod context;
mod interest;
mod io_source;
mod loom;
pub mod net;
mod reactor;
mod read_buf;
mod ready;
mod registration;
mod sys;
#[cfg(feature = "tokio-io")]
mod tokio_io;

/// tokio, with no feature but its IO traits, for the `tokio-io` impls
/// (`tokio_io.rs`). Not an API.
#[cfg(feature = "tokio-io")]
#[doc(hidden)]
pub use tokio as __tokio;

pub use async_fd::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdTryNewError, TryIoError,
};
pub use buf::{Buf, BufMut};
pub use context::Handle;
pub use interest::Interest;
pub use reactor::Reactor;
pub use read_buf::ReadBuf;
pub use ready::Ready;

/// What the loom models (`loom-tests`) need beyond the public API.
/// Compiled only under `cfg(loom)`; not a public API.
///
/// The models register real sockets through the public API
/// ([`AsyncFd`], [`context::enter`]), so they drive the real registration,
/// readiness word and wakers (`registration.rs`) and the real source
/// table (`reactor.rs`). The one thing loom cannot run is the poller's
/// wait, which blocks in the kernel: [`turn`](__loom::turn) does a reactor
/// turn with the events a model chooses in its place.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    use crate::Reactor;

    /// One turn of `reactor`, as [`Reactor::turn`] does it (steps 1, 3 and
    /// 4 of `reactor.rs`, through the same functions), with `events`, each
    /// `(key, readable, writable)`, in place of what the poller's wait
    /// (step 2) would have returned. The first source registered with a
    /// fresh reactor has key 0, the next 1, and a removed key is reused
    /// first. Returns how many events reached a live source; 0 if another
    /// thread has the turn.
    pub fn turn(reactor: &Reactor, events: &[(usize, bool, bool)]) -> usize {
        reactor.turn_with_events(
            events
                .iter()
                .map(|&(key, readable, writable)| polling::Event::new(key, readable, writable)),
        )
    }
}
