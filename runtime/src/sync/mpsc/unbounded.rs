//! The unbounded channel: `chan.rs`'s queue with no permits; a send
//! queues at once, or fails once the receiver closed the channel.

use super::chan::{Chan, Rx, Tx, Unbounded, WeakTx};
use super::error::{SendError, TryRecvError};
use std::fmt;
use std::task::{Context, Poll};

/// The sending half of an unbounded channel, made by
/// [`unbounded_channel`](super::unbounded_channel). Clone it for more
/// producers; the channel stays open for the receiver while one lives.
///
/// ```
/// let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
/// // From plain threads: `send` never waits.
/// let threads: Vec<_> = (0..3)
///     .map(|i| {
///         let tx = tx.clone();
///         std::thread::spawn(move || tx.send(i).unwrap())
///     })
///     .collect();
/// drop(tx);
/// for t in threads {
///     t.join().unwrap();
/// }
/// let mut got = Vec::new();
/// while let Some(v) = rx.blocking_recv() {
///     got.push(v);
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2]);
/// ```
pub struct UnboundedSender<T> {
    chan: Tx<T, Unbounded>,
}

/// An unbounded sender that does not keep the channel open:
/// [`upgrade`](WeakUnboundedSender::upgrade) it to send.
///
/// ```
/// let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel::<u8>();
/// let weak = tx.downgrade();
/// assert_eq!((weak.strong_count(), weak.weak_count()), (1, 1));
/// drop(tx);
/// assert!(weak.upgrade().is_none());
/// assert_eq!(rx.blocking_recv(), None); // closed: no strong sender left
/// ```
pub struct WeakUnboundedSender<T> {
    chan: WeakTx<T, Unbounded>,
}

/// The receiving half of an unbounded channel, made by
/// [`unbounded_channel`](super::unbounded_channel).
///
/// ```
/// use runtime::sync::mpsc::{self, error::TryRecvError};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// let consumer = runtime::spawn(async move {
///     let mut sum = 0;
///     while let Some(n) = rx.recv().await {
///         sum += n;
///     }
///     sum
/// });
/// for n in 1..=10 {
///     tx.send(n).unwrap();
/// }
/// drop(tx); // ends the consumer's loop
/// assert_eq!(consumer.await.unwrap(), 55);
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<()>();
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// # });
/// ```
pub struct UnboundedReceiver<T> {
    chan: Rx<T, Unbounded>,
}

pub(super) fn channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = Chan::channel(Unbounded::new());
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

impl<T> UnboundedSender<T> {
    /// Queues `value` at once (the queue has no bound: a receiver that
    /// falls behind makes it grow). Fails, giving the value back, if the
    /// receiver closed the channel or is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.chan.chan.push(value, false).map_err(SendError)
    }

    /// Waits until the receiver closes the channel or is gone.
    pub async fn closed(&self) {
        self.chan.chan.closed().await;
    }

    /// Whether the receiver closed the channel or is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.chan.is_closed()
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel, which does not keep it
    /// open.
    #[must_use = "downgrade makes a WeakUnboundedSender and leaves this sender as it is"]
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.downgrade(),
        }
    }

    /// The number of strong senders.
    pub fn strong_count(&self) -> usize {
        self.chan.chan.strong_count()
    }

    /// The number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], unless every strong sender is gone.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().map(|chan| UnboundedSender { chan })
    }

    /// The number of strong senders.
    pub fn strong_count(&self) -> usize {
        self.chan.chan().strong_count()
    }

    /// The number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.chan.chan().weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next value, waiting for one; `None` once every sender
    /// is gone (or [`close`](UnboundedReceiver::close) was called) and the
    /// queue is drained.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `recv` took no value.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` values at once into `buffer` (appended),
    /// waiting for at least one; returns how many (`0`: finished, or
    /// `limit` was 0).
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Receives a value if one is queued now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from synchronous code, blocking the thread until a value
    /// comes.
    ///
    /// # Panics
    /// With a plain message if called from a thread that drives a runtime
    /// (inside a task or `block_on`), as tokio.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::block_on(self.recv())
    }

    /// [`recv_many`](UnboundedReceiver::recv_many) from synchronous code.
    ///
    /// # Panics
    /// As [`blocking_recv`](UnboundedReceiver::blocking_recv).
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel: sends fail from now on, while the values queued
    /// can still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: [`close`](UnboundedReceiver::close)
    /// was called, or every strong sender is gone. Values may still be
    /// queued.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// Whether no value is queued now.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of values queued now.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Polls for the next value, as [`recv`](UnboundedReceiver::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` values, as
    /// [`recv_many`](UnboundedReceiver::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// The number of strong senders.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.chan().strong_count()
    }

    /// The number of weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.chan().weak_count()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &*self.chan.chan)
            .finish()
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", self.chan.chan())
            .finish()
    }
}
