//! The receiving half of `broadcast`: reading a slot, lagging, waiting,
//! and giving up unread values on drop. The rules are in `mod.rs`.

use super::error::{RecvError, TryRecvError};
use super::{Shared, Slot, Tail, Waiter, MAX_RECEIVERS};
use crate::loom::{Arc, MutexGuard, Ordering};
use crate::sync::wait_queue::Key;
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// A receiving half: sees every value sent after it was made, in order.
/// Made by [`channel`](super::channel), [`Sender::subscribe`] or
/// [`Receiver::resubscribe`].
///
/// ```
/// use runtime::sync::broadcast;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = broadcast::channel(16);
/// // Each subscriber in its own task sees every event.
/// let listeners: Vec<_> = (0..3)
///     .map(|_| {
///         let mut rx = tx.subscribe();
///         runtime::spawn(async move {
///             let mut sum = 0;
///             while let Ok(v) = rx.recv().await {
///                 sum += v;
///             }
///             sum // the channel closed
///         })
///     })
///     .collect();
/// for v in [1, 2, 3] {
///     tx.send(v).unwrap();
/// }
/// drop(tx);
/// for l in listeners {
///     assert_eq!(l.await.unwrap(), 6);
/// }
/// assert_eq!(rx.len(), 3); // this one has not read yet
/// let late = rx.resubscribe(); // from now on: nothing
/// assert!(late.is_empty());
/// # });
/// ```
///
/// [`Sender::subscribe`]: super::Sender::subscribe
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The position of the next value to read.
    next: u64,
}

/// The future of [`Receiver::recv`]: its waiter entry, if it queued one.
struct Recv<'a, T> {
    receiver: &'a mut Receiver<T>,
    entry: Option<Key>,
}

impl<T> Receiver<T> {
    pub(super) fn new(shared: Arc<Shared<T>>, next: u64) -> Receiver<T> {
        Receiver { shared, next }
    }

    /// A receiver counted from the current tail: it sees what is sent from
    /// now on. Reopens a channel that had no receiver.
    pub(super) fn subscribe(shared: Arc<Shared<T>>) -> Receiver<T> {
        let next = {
            let mut tail = shared.tail.lock();
            assert!(tail.rx_cnt < MAX_RECEIVERS, "max receivers");
            if tail.rx_cnt == 0 {
                // No receiver was alive (a sender holds this `Shared`).
                tail.closed = false;
            }
            tail.rx_cnt += 1;
            tail.pos
        };
        Receiver::new(shared, next)
    }

    /// The number of values sent that this receiver has not read yet
    /// (counting those it lagged behind and will miss).
    pub fn len(&self) -> usize {
        let pos = self.shared.tail.lock().pos;
        (pos - self.next) as usize
    }

    /// Whether this receiver has read every value sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether every strong sender is gone (values may be left to read).
    pub fn is_closed(&self) -> bool {
        self.sender_strong_count() == 0
    }

    /// The number of strong senders.
    pub fn sender_strong_count(&self) -> usize {
        // Acquire: pairs with the last sender's `AcqRel` decrement.
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// The number of weak senders.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }

    /// Reads the value at `self.next` if it was sent, or says why not:
    /// `Empty` (then `wait`'s waker is queued, if given), `Lagged` (and
    /// moves to the oldest value kept) or `Closed`.
    fn next_value(&mut self, wait: Option<(&mut Option<Key>, &Waker)>) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let shared = &*self.shared;
        let slot = shared.slot(self.next).lock();
        if slot.pos == self.next {
            return Ok(read(&mut self.next, slot));
        }
        // Rule 1: the tail first. A send may land meanwhile.
        drop(slot);
        let mut tail = shared.tail.lock();
        let slot = shared.slot(self.next).lock();
        if slot.pos == self.next {
            drop(tail);
            return Ok(read(&mut self.next, slot));
        }
        drop(slot);
        if self.next == tail.pos {
            if tail.closed {
                return Err(TryRecvError::Closed);
            }
            if let Some((entry, waker)) = wait {
                let old = tail.register(entry, waker);
                drop(tail);
                drop(old); // rule 4
            }
            return Err(TryRecvError::Empty);
        }
        // Rule 2: below the kept range, overwritten.
        let oldest = tail.pos - shared.capacity();
        debug_assert!(self.next < oldest, "a kept position holds its value");
        let missed = oldest - self.next;
        self.next = oldest;
        Err(TryRecvError::Lagged(missed))
    }
}

/// Reads the value of `slot` (at `*next`, which moves on), and counts it
/// read (rule 3): the last reader takes the value out and clones it
/// unlocked, the others clone it under the slot's lock.
fn read<T: Clone>(next: &mut u64, mut slot: MutexGuard<'_, Slot<T>>) -> T {
    *next = next.wrapping_add(1);
    slot.rem -= 1;
    if slot.rem > 0 {
        return slot
            .value
            .as_ref()
            .expect("a slot holds its value until its last reader")
            .clone();
    }
    let value = slot
        .value
        .take()
        .expect("a slot holds its value until its last reader");
    drop(slot);
    // One clone per receiver, as for the others; the copy is dropped
    // here, unlocked (rule 4).
    value.clone()
}

impl<T: Clone> Receiver<T> {
    /// A new receiver of the same channel, which sees the values sent from
    /// now on (not those this one has still to read).
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver::subscribe(self.shared.clone())
    }

    /// Receives the next value, waiting for one. `Lagged(n)` if this
    /// receiver missed `n` values (the next call returns the oldest kept);
    /// `Closed` once every sender is gone and every value was read.
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `recv` read no value.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        Recv {
            receiver: self,
            entry: None,
        }
        .await
    }

    /// Receives a value if one is there now (or reports a lag or the
    /// close, as [`recv`](Receiver::recv)).
    ///
    /// ```
    /// use runtime::sync::broadcast::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = broadcast::channel(2);
    /// for i in 0..5 {
    ///     tx.send(i).unwrap();
    /// }
    /// // The ring keeps the last two: three were overwritten unread.
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Lagged(3)));
    /// assert_eq!(rx.try_recv(), Ok(3));
    /// assert_eq!(rx.try_recv(), Ok(4));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    /// drop(tx);
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.next_value(None)
    }

    /// Receives from synchronous code, blocking the thread until a value
    /// comes.
    ///
    /// # Panics
    /// With a plain message if called from a thread that drives a runtime
    /// (inside a task or `block_on`), as tokio.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError> {
        crate::sync::block_on(self.recv())
    }
}

impl Tail {
    /// Queues (or updates) a receive's waiter entry with `waker` (rule 5);
    /// returns a waker it replaces, to drop after unlocking.
    fn register(&mut self, entry: &mut Option<Key>, waker: &Waker) -> Option<Waker> {
        match entry.take() {
            Some(key) if self.waiters.is_linked(&key) => {
                let slot = &mut self.waiters.get_mut(&key).waker;
                *entry = Some(key);
                match slot {
                    Some(old) if old.will_wake(waker) => None,
                    _ => slot.replace(waker.clone()),
                }
            }
            stale => {
                // Popped by a send since (its waker taken): queue again.
                let old = stale.and_then(|key| self.waiters.remove(key).waker);
                *entry = Some(self.waiters.push_back(Waiter {
                    waker: Some(waker.clone()),
                }));
                old
            }
        }
    }
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let this = self.get_mut();
        let result = match this
            .receiver
            .next_value(Some((&mut this.entry, cx.waker())))
        {
            Ok(value) => Ok(value),
            Err(TryRecvError::Empty) => {
                return crate::sync::pending(SyncKind::Broadcast, &*this.receiver)
            }
            Err(TryRecvError::Lagged(n)) => Err(RecvError::Lagged(n)),
            Err(TryRecvError::Closed) => Err(RecvError::Closed),
        };
        coop.made_progress();
        Poll::Ready(result)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.entry.take() {
            let waiter = self.receiver.shared.tail.lock().waiters.remove(key);
            drop(waiter); // its waker, if still queued, unlocked (rule 4)
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let shared = &*self.shared;
        let (until, last) = {
            let mut tail = shared.tail.lock();
            tail.rx_cnt -= 1;
            if tail.rx_cnt == 0 {
                tail.closed = true;
            }
            (tail.pos, tail.rx_cnt == 0)
        };
        if last {
            shared.rx_gone.notify_waiters();
        }
        // Give up this receiver's share of every value it has not read
        // (rule 3). Sends from `until` on did not count it; a slot that no
        // longer holds its position was overwritten, and its new value did
        // not count it either.
        let from = self.next.max(until.saturating_sub(shared.capacity()));
        for pos in from..until {
            let mut slot = shared.slot(pos).lock();
            if slot.pos != pos {
                continue;
            }
            slot.rem -= 1;
            let value = if slot.rem == 0 {
                slot.value.take()
            } else {
                None
            };
            drop(slot);
            drop(value); // rule 4
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("next", &self.next)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Recv<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recv")
            .field("queued", &self.entry.is_some())
            .finish_non_exhaustive()
    }
}
