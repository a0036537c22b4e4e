//! The bounded channel: `chan.rs`'s queue with its slots counted by a
//! batch semaphore of `bound` permits. A send takes a permit (waiting in
//! FIFO order while the channel is full), then queues its value; the
//! receiver gives the permit back when it takes the value out.

use super::chan::{Capacity, Chan, Rx, Tx, WeakTx};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use super::permit::{OwnedPermit, Permit, PermitIterator};
use crate::sync::batch_semaphore as batch;
use crate::sync::TryAcquireError;
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

/// The capacity of a bounded channel.
#[derive(Debug)]
pub(super) struct Bounded {
    semaphore: batch::Semaphore,
    bound: usize,
}

impl Bounded {
    #[track_caller]
    pub(super) fn new(bound: usize) -> Bounded {
        Bounded {
            semaphore: batch::Semaphore::new(bound).with_kind(SyncKind::MpscSend),
            bound,
        }
    }
}

impl Capacity for Bounded {
    fn close(&self) {
        self.semaphore.close();
    }

    fn is_closed(&self) -> bool {
        self.semaphore.is_closed()
    }

    fn is_idle(&self) -> bool {
        self.semaphore.available_permits() == self.bound
    }

    fn release(&self, n: usize) {
        self.semaphore.release(n);
    }
}

pub(super) type BoundedChan<T> = Chan<T, Bounded>;

/// The sending half of a bounded channel, made by
/// [`channel`](super::channel). Clone it for more producers; the channel
/// stays open for the receiver while one lives.
///
/// ```
/// use runtime::sync::mpsc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = mpsc::channel(4);
/// // Reserve a slot first, then send without waiting (and without
/// // losing the value if the channel is closed meanwhile).
/// let permit = tx.reserve().await.unwrap();
/// permit.send("reserved");
/// let tx2 = tx.clone();
/// assert!(tx.same_channel(&tx2));
/// assert_eq!(tx.strong_count(), 2);
/// tx2.send("cloned").await.unwrap();
/// assert_eq!(rx.recv().await, Some("reserved"));
/// assert_eq!(rx.recv().await, Some("cloned"));
///
/// // Once the receiver is gone, sends fail and give the value back.
/// drop(rx);
/// assert!(tx.is_closed());
/// assert_eq!(tx.send("lost").await.unwrap_err().0, "lost");
/// # });
/// ```
pub struct Sender<T> {
    pub(super) chan: Tx<T, Bounded>,
}

/// A sender that does not keep the channel open: [`upgrade`] it to send.
/// Made by [`Sender::downgrade`].
///
/// [`upgrade`]: WeakSender::upgrade
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = runtime::sync::mpsc::channel::<u8>(1);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).await.unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some(1));
/// // The weak sender did not keep the channel open.
/// assert_eq!(rx.recv().await, None);
/// assert!(weak.upgrade().is_none());
/// # });
/// ```
pub struct WeakSender<T> {
    chan: WeakTx<T, Bounded>,
}

/// The receiving half of a bounded channel, made by
/// [`channel`](super::channel).
///
/// ```
/// use runtime::sync::mpsc::{self, error::TryRecvError};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = mpsc::channel(8);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// for i in 0..5 {
///     tx.send(i).await.unwrap();
/// }
/// assert_eq!(rx.len(), 5);
/// // Up to `limit` values at once.
/// let mut batch = Vec::new();
/// assert_eq!(rx.recv_many(&mut batch, 3).await, 3);
/// assert_eq!(batch, [0, 1, 2]);
/// // Closing stops new sends; what is queued can still be received.
/// rx.close();
/// assert!(tx.send(9).await.is_err());
/// assert_eq!(rx.recv().await, Some(3));
/// assert_eq!(rx.recv().await, Some(4));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub struct Receiver<T> {
    chan: Rx<T, Bounded>,
}

#[track_caller]
pub(super) fn channel<T>(bound: usize) -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = Chan::channel(Bounded::new(bound));
    (Sender { chan: tx }, Receiver { chan: rx })
}

impl<T> BoundedChan<T> {
    /// Takes `n` permits, waiting in FIFO order; fails if the receiver
    /// closed the channel (or is gone), or if `n` exceeds the bound.
    async fn reserve(&self, n: usize) -> Result<(), SendError<()>> {
        if n > self.capacity.bound {
            return Err(SendError(()));
        }
        // A reservation that fails, or is dropped, while it holds part of
        // its permits gives them back from inside the semaphore, which
        // knows nothing of the receiver: rule 4 of `chan.rs` needs this
        // guard. It is declared before the acquire, so on cancellation it
        // is dropped after it (locals drop in reverse order).
        struct OnExit<'a, T>(&'a BoundedChan<T>);
        impl<T> Drop for OnExit<'_, T> {
            fn drop(&mut self) {
                self.0.permits_returned();
            }
        }
        let on_exit = OnExit(self);
        let acquired = self.capacity.semaphore.acquire(n).await;
        match acquired {
            Ok(()) => {
                // The permits are the caller's now: nothing came back.
                std::mem::forget(on_exit);
                Ok(())
            }
            Err(_closed) => Err(SendError(())),
        }
    }

    fn try_reserve(&self, n: usize) -> Result<(), TrySendError<()>> {
        if n > self.capacity.bound {
            return Err(TrySendError::Full(()));
        }
        match self.capacity.semaphore.try_acquire(n) {
            Ok(()) => Ok(()),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// Fills a slot whose permit the caller holds (and gives up here).
    pub(super) fn send_permitted(&self, value: T) {
        // A permit taken before `close` may still send (rule 3 of
        // `chan.rs`); only a dropped receiver refuses the value.
        if let Err(value) = self.push(value, true) {
            // No receiver: free the slot first, then drop the value, with
            // no lock held.
            self.capacity.release(1);
            drop(value);
        }
    }

    /// Gives back `n` permits that were not used.
    pub(super) fn return_permits(&self, n: usize) {
        if n > 0 {
            self.capacity.release(n);
            self.permits_returned();
        }
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot while the channel is full
    /// (in FIFO order with the other waiting senders). Fails, giving the
    /// value back, if the receiver closed the channel or is gone.
    ///
    /// # Cancel safety
    /// Dropping the future sends nothing and gives up its place in the
    /// queue of waiting senders (the value is lost with the future; use
    /// [`reserve`](Sender::reserve) to keep it).
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value` if a slot is free now, without waiting.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.chan.try_reserve(1) {
            Ok(()) => {
                self.chan.chan.send_permitted(value);
                Ok(())
            }
            Err(TrySendError::Full(())) => Err(TrySendError::Full(value)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(value)),
        }
    }

    /// As [`send`](Sender::send), but gives up once `timeout` has passed
    /// without a free slot.
    ///
    /// # Panics
    /// Outside a runtime with the time driver enabled, as any timer.
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_elapsed) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Sends from synchronous code, blocking the thread while the channel
    /// is full: from a `spawn_blocking` closure or a thread of your own.
    ///
    /// # Panics
    /// With a plain message if called from a thread that drives a runtime
    /// (inside a task or `block_on`), even if a slot is free, as tokio.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::sync::block_on(self.send(value))
    }

    /// Whether the receiver closed the channel or is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.chan.is_closed()
    }

    /// Waits until the receiver closes the channel or is gone: to stop
    /// producing what nobody will read.
    pub async fn closed(&self) {
        self.chan.chan.closed().await;
    }

    /// Waits for a free slot and reserves it: the [`Permit`] then sends
    /// without waiting. Fails if the receiver closed the channel or is
    /// gone.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future gives up its place in the queue.
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// let permit = tx.reserve().await.unwrap(); // the one slot
    /// assert!(tx.try_send(1).is_err()); // full
    /// permit.send(2); // no wait, no failure
    /// assert_eq!(rx.recv().await, Some(2));
    /// # });
    /// ```
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.chan.chan.reserve(1).await?;
        Ok(Permit {
            chan: &self.chan.chan,
        })
    }

    /// Waits for `n` free slots at once and reserves them (a waiter for
    /// many is not overtaken by later waiters for few). Fails if the
    /// receiver closed the channel or is gone, or if `n` exceeds
    /// [`max_capacity`](Sender::max_capacity). `n == 0` succeeds at once
    /// with no permit while the channel is open.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future gives back the slots it had been
    /// assigned so far.
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        self.chan.chan.reserve(n).await?;
        Ok(PermitIterator {
            chan: &self.chan.chan,
            n,
        })
    }

    /// As [`reserve`](Sender::reserve), but the permit owns this sender,
    /// so it can move into a spawned task. Clone the sender first to keep
    /// one.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.chan.chan.reserve(1).await?;
        Ok(OwnedPermit {
            chan: Some(self.chan),
        })
    }

    /// Reserves a slot if one is free now.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.chan.chan.try_reserve(1)?;
        Ok(Permit {
            chan: &self.chan.chan,
        })
    }

    /// Reserves `n` slots if they are free now (`Full` also if `n` exceeds
    /// [`max_capacity`](Sender::max_capacity)).
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        self.chan.chan.try_reserve(n)?;
        Ok(PermitIterator {
            chan: &self.chan.chan,
            n,
        })
    }

    /// As [`try_reserve`](Sender::try_reserve), owning this sender; on
    /// failure the sender is given back in the error.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.chan.chan.try_reserve(1) {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.chan),
            }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// The free slots now: the bound minus the queued values and the
    /// reserved slots.
    pub fn capacity(&self) -> usize {
        self.chan.chan.capacity.semaphore.available_permits()
    }

    /// The bound the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.chan.chan.capacity.bound
    }

    /// A [`WeakSender`] for this channel, which does not keep it open.
    #[must_use = "downgrade makes a WeakSender and leaves this sender as it is"]
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.downgrade(),
        }
    }

    /// The number of strong senders ([`Sender`]s and [`OwnedPermit`]s).
    pub fn strong_count(&self) -> usize {
        self.chan.chan.strong_count()
    }

    /// The number of [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], unless every strong sender is gone (then the channel
    /// is closed for good and this returns `None`).
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().map(|chan| Sender { chan })
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

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting for one; `None` once every sender
    /// is gone (or, after [`close`](Receiver::close), no reserved slot is
    /// left) and the queue is drained.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `recv` took no value.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` values at once into `buffer` (appended),
    /// waiting for at least one; returns how many. `0` means the channel
    /// is finished, as `recv`'s `None` (or that `limit` was 0).
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Receives a value if one is queued now: `Empty` if none is,
    /// `Disconnected` if none will come.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv()
    }

    /// Receives from synchronous code, blocking the thread until a value
    /// comes: from a `spawn_blocking` closure or a thread of your own.
    ///
    /// # Panics
    /// With a plain message if called from a thread that drives a runtime
    /// (inside a task or `block_on`), as tokio.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::sync::block_on(self.recv())
    }

    /// [`recv_many`](Receiver::recv_many) from synchronous code.
    ///
    /// # Panics
    /// As [`blocking_recv`](Receiver::blocking_recv).
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::sync::block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel: sends and reservations fail from now on (the
    /// waiting ones too), while the values queued, and those sent through
    /// permits already reserved, can still be received.
    ///
    /// ```
    /// use runtime::sync::mpsc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, mut rx) = mpsc::channel(4);
    /// tx.send(1).await.unwrap();
    /// let permit = tx.reserve().await.unwrap();
    /// rx.close();
    /// assert!(tx.send(9).await.is_err());
    /// permit.send(2); // reserved before the close
    /// assert_eq!(rx.recv().await, Some(1));
    /// assert_eq!(rx.recv().await, Some(2));
    /// assert_eq!(rx.recv().await, None);
    /// # });
    /// ```
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// Whether the channel is closed: [`close`](Receiver::close) was
    /// called, or every strong sender is gone. Values may still be queued.
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

    /// The free slots now, as [`Sender::capacity`].
    pub fn capacity(&self) -> usize {
        self.chan.chan().capacity.semaphore.available_permits()
    }

    /// The bound the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.chan.chan().capacity.bound
    }

    /// Polls for the next value, as [`recv`](Receiver::recv): `Pending`
    /// stores `cx`'s waker (only the last poll's is woken).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` values, as
    /// [`recv_many`](Receiver::recv_many).
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

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("chan", &*self.chan.chan)
            .finish()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", self.chan.chan())
            .finish()
    }
}
