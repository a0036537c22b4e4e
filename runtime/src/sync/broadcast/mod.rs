//! A multi-producer, multi-consumer channel where every receiver sees
//! every value, as tokio's `broadcast`.
//!
//! - [`Sender::send`] never waits: it stores the value in a ring of
//!   `capacity` slots (rounded up to a power of two) and returns how many
//!   receivers will see it, or gives it back if there is none.
//! - Each receiver reads every value sent after it subscribed, in order,
//!   and clones it (once per receiver: the ring keeps one copy and counts
//!   the receivers still to read it). When the ring is full, a send
//!   overwrites the oldest value; a receiver that had not read it gets
//!   [`RecvError::Lagged`] with the number it missed, then continues from
//!   the oldest value kept.
//! - Once every sender is gone, receivers get the values left, then
//!   [`RecvError::Closed`]. [`Sender::closed`] waits until every receiver
//!   is gone; [`Sender::subscribe`] makes a new receiver even then.
//!
//! ```
//! use runtime::sync::broadcast;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! assert_eq!(tx.send("hello").unwrap(), 2); // two receivers will see it
//! assert_eq!(rx1.recv().await, Ok("hello"));
//! assert_eq!(rx2.recv().await, Ok("hello"));
//! # });
//! ```
//!
//! # Design
//!
//! The ring is a boxed slice of slots, each under its own lock; the write
//! position (`tail`), the receiver count and the queue of waiting
//! receivers are under the tail lock. A slot holds its position, the value
//! and `rem`, the receivers still to read it.
//!
//! 1. **Lock order**: the tail, then one slot. A receiver that holds a
//!    slot and needs the tail lets go of the slot first.
//! 2. **Slots are written only under the tail lock** (by `send`). So while
//!    the tail is locked, the slots hold exactly the positions
//!    `tail.pos - capacity .. tail.pos`: a receiver whose position is
//!    below that range and whose slot does not hold it has lagged.
//! 3. **`rem`** is set to the receiver count by `send`, and each receiver
//!    counted lowers it once, when it reads the value or when it is
//!    dropped unread. Whoever brings it to zero takes the value out of the
//!    slot.
//! 4. **Nothing foreign runs under a lock**, except `T::clone` under the
//!    slot's lock (as tokio): an overwritten value, a value read last, the
//!    values a dropped receiver gives up and every waker are dropped or
//!    woken after unlocking. So a value's or a waker's `drop` may send on
//!    this very channel.
//! 5. **Waiting receivers** are entries of a `WaitQueue` (the list under
//!    the sync primitives): a receive that finds nothing queues one with
//!    its waker; a send pops every entry, takes the wakers and wakes them
//!    once the lock is released. Only the receive removes its entry.
//!
//! Memory ordering: everything shared is under the locks, except the
//! sender counts (as `mpsc`'s: clones `Relaxed`, drops `AcqRel`, the last
//! drop then closes under the tail lock).
//!
//! [`RecvError::Lagged`]: error::RecvError::Lagged
//! [`RecvError::Closed`]: error::RecvError::Closed

pub mod error;
mod receiver;

use super::wait_queue::WaitQueue;
use super::wake_list::WakeList;
use crate::loom::{Arc, AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::sync::Notify;
use error::SendError;
use std::fmt;
use std::task::Waker;

pub use receiver::Receiver;

/// More receivers than this is a bug in the caller (as tokio's bound).
const MAX_RECEIVERS: usize = usize::MAX >> 2;

/// A channel keeping up to `capacity` values (rounded up to a power of
/// two) for receivers that lag; the first receiver comes with it.
///
/// ```
/// use runtime::sync::broadcast::{self, error::RecvError};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut slow) = broadcast::channel(2);
/// for i in 0..5 {
///     tx.send(i).unwrap();
/// }
/// // Only the last 2 values are kept: the receiver lagged by 3.
/// assert_eq!(slow.recv().await, Err(RecvError::Lagged(3)));
/// assert_eq!(slow.recv().await, Ok(3));
/// assert_eq!(slow.recv().await, Ok(4));
/// drop(tx);
/// assert_eq!(slow.recv().await, Err(RecvError::Closed));
/// # });
/// ```
///
/// # Panics
/// If `capacity` is 0 or exceeds `usize::MAX / 2`.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::with_receivers(capacity, 1);
    let rx = Receiver::new(tx.shared.clone(), 0);
    (tx, rx)
}

/// The sending half; clone it for more producers. The channel is open
/// for the receivers while one strong sender lives.
///
/// ```
/// use runtime::sync::broadcast;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, rx) = broadcast::channel::<&str>(8);
/// drop(rx);
/// // No receiver: the value comes back.
/// assert_eq!(tx.send("nobody").unwrap_err().0, "nobody");
/// // A new subscriber sees what is sent from now on.
/// let mut rx = tx.subscribe();
/// assert_eq!(tx.receiver_count(), 1);
/// assert_eq!(tx.send("news").unwrap(), 1);
/// assert_eq!(rx.recv().await.unwrap(), "news");
/// # });
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open:
/// [`upgrade`](WeakSender::upgrade) it to send.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = runtime::sync::broadcast::channel::<u8>(4);
/// let weak = tx.downgrade();
/// weak.upgrade().unwrap().send(1).unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Ok(1));
/// assert!(rx.recv().await.is_err()); // closed
/// assert!(weak.upgrade().is_none());
/// # });
/// ```
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

struct Shared<T> {
    /// The ring; its length is a power of two.
    buffer: Box<[Mutex<Slot<T>>]>,
    /// `buffer.len() - 1`: a position's slot is `pos & mask`.
    mask: usize,
    tail: Mutex<Tail>,
    num_tx: AtomicUsize,
    num_weak_tx: AtomicUsize,
    /// Woken (all) when the last receiver goes.
    rx_gone: Notify,
}

struct Tail {
    /// The position the next send writes.
    pos: u64,
    rx_cnt: usize,
    /// Every sender is gone, or no receiver is alive (a subscribe reopens).
    closed: bool,
    waiters: WaitQueue<Waiter>,
}

struct Slot<T> {
    /// The position whose value this slot holds (rule 2).
    pos: u64,
    /// Receivers still to read `value` (rule 3).
    rem: usize,
    /// `None` once every receiver counted has read it.
    value: Option<T>,
}

/// A receive waiting for a value (rule 5).
struct Waiter {
    /// `None` only once a send took it.
    waker: Option<Waker>,
}

impl<T> Shared<T> {
    fn slot(&self, pos: u64) -> &Mutex<Slot<T>> {
        &self.buffer[(pos & self.mask as u64) as usize]
    }

    fn capacity(&self) -> u64 {
        self.buffer.len() as u64
    }

    /// Wakes every waiting receive (rule 5), in batches, unlocking before
    /// each batch is woken. Consumes the lock.
    fn wake_receivers<'a>(&'a self, mut tail: MutexGuard<'a, Tail>) {
        loop {
            let mut wakers = WakeList::new();
            while wakers.can_push() {
                let Some(popped) = tail.waiters.pop_front() else {
                    break;
                };
                if let Some(waker) = tail.waiters.popped_mut(popped).waker.take() {
                    wakers.push(waker);
                }
            }
            let done = tail.waiters.is_empty();
            drop(tail);
            wakers.wake_all();
            if done {
                return;
            }
            // Receives that queued meanwhile are woken too: at worst a
            // spurious wake, after which they look and queue again.
            tail = self.tail.lock();
        }
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet ([`subscribe`](Sender::subscribe)
    /// makes them), keeping up to `capacity` values (rounded up to a power
    /// of two).
    ///
    /// # Panics
    /// If `capacity` is 0 or exceeds `usize::MAX / 2`.
    #[track_caller]
    pub fn new(capacity: usize) -> Sender<T> {
        Sender::with_receivers(capacity, 0)
    }

    #[track_caller]
    fn with_receivers(capacity: usize, receivers: usize) -> Sender<T> {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        // Position `i - capacity` (wrapping) is one no receiver can be at.
        let buffer = (0..capacity)
            .map(|i| {
                Mutex::new(Slot {
                    pos: (i as u64).wrapping_sub(capacity as u64),
                    rem: 0,
                    value: None,
                })
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                buffer,
                mask: capacity - 1,
                tail: Mutex::new(Tail {
                    pos: 0,
                    rx_cnt: receivers,
                    closed: receivers == 0,
                    waiters: WaitQueue::new(),
                }),
                num_tx: AtomicUsize::new(1),
                num_weak_tx: AtomicUsize::new(0),
                rx_gone: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every receiver alive, without waiting, and returns
    /// how many they are. Gives the value back if there is none. When the
    /// ring is full, the oldest value is overwritten (receivers that had
    /// not read it will lag).
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let shared = &*self.shared;
        let mut tail = shared.tail.lock();
        if tail.rx_cnt == 0 {
            drop(tail);
            return Err(SendError(value));
        }
        let pos = tail.pos;
        let receivers = tail.rx_cnt;
        tail.pos = pos.wrapping_add(1);
        let overwritten = {
            let mut slot = shared.slot(pos).lock();
            slot.pos = pos;
            slot.rem = receivers;
            slot.value.replace(value)
        };
        shared.wake_receivers(tail);
        // Rule 4: a value nobody read in time, dropped with no lock held.
        drop(overwritten);
        Ok(receivers)
    }

    /// A new receiver, which sees the values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver::subscribe(self.shared.clone())
    }

    /// The number of receivers alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.tail.lock().rx_cnt
    }

    /// The number of values that some receiver has still to read (at most
    /// the ring's capacity).
    pub fn len(&self) -> usize {
        let shared = &*self.shared;
        let tail = shared.tail.lock();
        // Each receiver reads in order, and counts in every value sent
        // after it subscribed: so a value some receiver has still to read
        // is followed only by such values. Count them from the newest.
        let mut n = 0;
        while n < shared.capacity().min(tail.pos) {
            let pos = tail.pos - n - 1;
            if shared.slot(pos).lock().rem == 0 {
                break;
            }
            n += 1;
        }
        n as usize
    }

    /// Whether every value sent was read by every receiver (or dropped).
    pub fn is_empty(&self) -> bool {
        let shared = &*self.shared;
        let tail = shared.tail.lock();
        tail.pos == 0 || shared.slot(tail.pos - 1).lock().rem == 0
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Waits until no receiver is alive (at once if there is none now).
    pub async fn closed(&self) {
        loop {
            // Notified first: the last receiver's drop closes under the
            // lock, then notifies (see `Notify::notified`).
            let notified = self.shared.rx_gone.notified();
            if self.shared.tail.lock().closed {
                return;
            }
            notified.await;
        }
    }

    /// A [`WeakSender`], which does not keep the channel open.
    #[must_use = "downgrade makes a WeakSender and leaves this sender as it is"]
    pub fn downgrade(&self) -> WeakSender<T> {
        // Relaxed: a count only reported.
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// The number of strong senders.
    pub fn strong_count(&self) -> usize {
        // Acquire: zero is final, and pairs with the last drop.
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// The number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // Relaxed: this sender keeps the count above zero meanwhile.
        let prev = self.shared.num_tx.fetch_add(1, Ordering::Relaxed);
        if prev > usize::MAX / 2 {
            std::process::abort(); // leaked senders: never wrap the count
        }
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender sees what the others did before going.
        if self.shared.num_tx.fetch_sub(1, Ordering::AcqRel) == 1 {
            let mut tail = self.shared.tail.lock();
            tail.closed = true;
            self.shared.wake_receivers(tail);
        }
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], unless every strong sender is gone (then the channel
    /// is closed for good).
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut count = self.shared.num_tx.load(Ordering::Acquire);
        loop {
            if count == 0 {
                return None;
            }
            // A CAS, so a zero count is never revived.
            match self.shared.num_tx.compare_exchange_weak(
                count,
                count + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    return Some(Sender {
                        shared: self.shared.clone(),
                    })
                }
                Err(actual) => count = actual,
            }
        }
    }

    /// The number of strong senders.
    pub fn strong_count(&self) -> usize {
        self.shared.num_tx.load(Ordering::Acquire)
    }

    /// The number of weak senders.
    pub fn weak_count(&self) -> usize {
        self.shared.num_weak_tx.load(Ordering::Relaxed)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.num_weak_tx.fetch_add(1, Ordering::Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.num_weak_tx.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.receiver_count())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}
