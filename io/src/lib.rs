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
//! | `io_source.rs` | an owned, registered fd: deregistered before it closes |
//! | `context.rs` | the thread's current IO handle; the plain panics |
//! | `async_fd.rs` | [`AsyncFd`]: readiness for any fd |
//! | `net/` | TCP, UDP, Unix sockets; `addr.rs`: addresses and resolution |
#![warn(missing_docs)]

mod async_fd;
pub mod context;
mod io_source;
pub mod net;
mod reactor;
mod registration;

pub use async_fd::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
pub use context::Handle;
pub use reactor::Reactor;
