//! Multi-producer, single-consumer FIFO channels, as tokio's `mpsc`:
//! [`channel`] (bounded: a send waits for a free slot) and
//! [`unbounded_channel`] (a send never waits).
//!
//! - **Order and backpressure.** Values are received in the order they
//!   were queued. A bounded channel holds at most its bound; further
//!   senders wait in FIFO order ([`Sender::reserve`] reserves a slot
//!   first, [`Sender::reserve_many`] several at once, and a [`Permit`]
//!   then sends without waiting).
//! - **Closing.** The channel closes for the receiver when every strong
//!   sender is gone ([`WeakSender`]s do not count): `recv` returns `None`
//!   once the queue is drained. It closes for the senders when the
//!   receiver calls [`Receiver::close`] (the queued values, and those sent
//!   through permits reserved before, can still be received) or is
//!   dropped; sends then fail and give the value back in a
//!   [`SendError`](error::SendError).
//! - **Dropping the receiver** drops every queued value at once, even
//!   while senders live, and every value sent later.
//! - `recv`, `recv_many` and `reserve*` are cancel safe.
//!
//! ```
//! use runtime::sync::mpsc;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     runtime::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(v) = rx.recv().await {
//!     got.push(v);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```
//!
//! # Design
//!
//! One queue under one lock (`chan.rs`, which states the rules); a bounded
//! channel counts its slots with the crate's batch semaphore (the FIFO of
//! waiting senders, `close`, cancel-safe `acquire(n)`), in `bounded.rs`.
//! Values and wakers are never dropped, and wakers never woken, with a
//! lock held, so their `drop` may use the channel again.

mod bounded;
mod chan;
pub mod error;
mod permit;
mod unbounded;

pub use bounded::{Receiver, Sender, WeakSender};
pub use permit::{OwnedPermit, Permit, PermitIterator};
pub use unbounded::{UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

/// A bounded channel with room for `buffer` values.
///
/// ```
/// use runtime::sync::mpsc::{self, error::TrySendError};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = mpsc::channel(2);
/// tx.send(1).await.unwrap();
/// tx.send(2).await.unwrap();
/// // Full: `try_send` gives the value back, `send` would wait.
/// assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));
/// assert_eq!(tx.capacity(), 0);
/// // A producer task waits for room; the receiver makes it.
/// let producer = runtime::spawn(async move { tx.send(3).await.unwrap() });
/// assert_eq!(rx.recv().await, Some(1));
/// producer.await.unwrap();
/// assert_eq!(rx.recv().await, Some(2));
/// assert_eq!(rx.recv().await, Some(3));
/// assert_eq!(rx.recv().await, None); // every sender is gone
/// # });
/// ```
///
/// # Panics
/// If `buffer` is 0, or exceeds
/// [`Semaphore::MAX_PERMITS`](crate::sync::Semaphore::MAX_PERMITS).
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    bounded::channel(buffer)
}

/// A channel without a bound: a send never waits (and the queue grows as
/// long as the receiver falls behind).
///
/// ```
/// use runtime::sync::mpsc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// // `send` is not async: usable from synchronous code, e.g. a callback.
/// let log = move |line: &str| tx.send(line.to_string()).is_ok();
/// assert!(log("started"));
/// assert!(log("stopped"));
/// drop(log);
/// let mut lines = Vec::new();
/// assert_eq!(rx.recv_many(&mut lines, 10).await, 2);
/// assert_eq!(lines, ["started", "stopped"]);
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    unbounded::channel()
}
