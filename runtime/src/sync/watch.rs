//! A single-value channel whose receivers watch for changes, as tokio's
//! `watch`.
//!
//! - The channel holds one value. A [`Sender`] (cloneable) replaces or
//!   modifies it and wakes the receivers; [`Receiver::borrow`] reads it.
//! - Each receiver remembers the version it has seen:
//!   [`changed`](Receiver::changed) waits for a newer one (and marks it
//!   seen), [`borrow_and_update`](Receiver::borrow_and_update) marks the
//!   current one seen, [`wait_for`](Receiver::wait_for) waits for a value
//!   that satisfies a predicate.
//! - Once every sender is gone the channel is closed: `changed` still
//!   returns `Ok` for a value not yet seen, then fails;
//!   [`has_changed`](Receiver::has_changed) fails at once.
//!   [`Sender::closed`] waits until no receiver is left.
//!
//! ```
//! use runtime::sync::watch;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx) = watch::channel("starting");
//! let task = runtime::spawn(async move {
//!     rx.changed().await.unwrap();
//!     *rx.borrow_and_update()
//! });
//! tx.send("ready").unwrap();
//! assert_eq!(task.await.unwrap(), "ready");
//! # });
//! ```
//!
//! # Design
//!
//! The value under a reader-writer lock; a state word with the version and
//! a closed bit (`State`); two [`Notify`]s, one to wake the receivers on
//! a change or the close, one to wake `Sender::closed`.
//!
//! 1. The version is bumped only under the write lock, after the value
//!    changed, so a reader holding the read lock sees the version of
//!    exactly the value it reads.
//! 2. Waiting is "`Notified` first, then look": a receiver creates its
//!    `Notified` before it reads the state, and a sender changes the
//!    state before `notify_waiters`; so either the look sees the change or
//!    the `Notified` is woken by it (`Notify::notified`'s ordering).
//! 3. No value or waker is dropped under a lock by the channel: the value
//!    a send replaces goes back to the caller (`send_replace`) or is
//!    dropped after unlocking (`send`), and `Notify` drops and wakes its
//!    wakers unlocked. User closures (`send_modify`, `wait_for`'s
//!    predicate) do run under the lock, as in tokio.

use super::Notify;
use crate::loom::{Arc, AtomicUsize, Ordering, RwLock, RwLockReadGuard};
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::pin;
use std::task::{ready, Poll};

/// The errors of the channel, as tokio's `watch::error`.
pub mod error {
    use std::fmt;

    /// Why [`Sender::send`](super::Sender::send) failed: no receiver is
    /// alive. The value is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why a receive failed: every sender is gone (and, for `changed` and
    /// `wait_for`, no value is left that this receiver has not seen).
    #[derive(Debug, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

/// The state word: `version * 2 | CLOSED`.
///
/// # Memory ordering
/// A version bump is `Release` (made under the write lock, after the value
/// changed) and reads are `Acquire`, so whoever reads a version may then
/// read what the sender wrote before it; `CLOSED` is set with `Release`
/// by the last sender.
struct State(AtomicUsize);

/// A version of the value; wraps around (compared only for equality).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Version(usize);

/// A reading of [`State`].
#[derive(Clone, Copy)]
struct Snapshot(usize);

const CLOSED: usize = 1;
/// One version step, leaving the `CLOSED` bit alone.
const STEP: usize = 2;

impl State {
    fn new() -> State {
        State(AtomicUsize::new(0))
    }

    fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Ordering::Acquire))
    }

    /// Call with the write lock held (rule 1).
    fn bump_version(&self) {
        self.0.fetch_add(STEP, Ordering::Release);
    }

    fn close(&self) {
        self.0.fetch_or(CLOSED, Ordering::Release);
    }
}

impl Snapshot {
    fn version(self) -> Version {
        Version(self.0 & !CLOSED)
    }

    fn is_closed(self) -> bool {
        self.0 & CLOSED == CLOSED
    }
}

impl Version {
    /// The version before this one, so that the current one looks unseen.
    fn previous(self) -> Version {
        Version(self.0.wrapping_sub(STEP))
    }
}

struct Shared<T> {
    value: RwLock<T>,
    state: State,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Woken (all) on each change, and when the last sender goes.
    changed: Notify,
    /// Woken (all) when the last receiver goes.
    rx_gone: Notify,
}

/// A channel holding `init`. The receiver has seen `init`.
///
/// ```
/// use runtime::sync::watch;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // A configuration that tasks read, and reload when it changes.
/// let (tx, mut rx) = watch::channel(10u32);
/// assert_eq!(*rx.borrow(), 10);
/// assert!(!rx.has_changed().unwrap()); // `init` counts as seen
/// let reader = runtime::spawn(async move {
///     // Waits for a value that satisfies the predicate.
///     let limit = *rx.wait_for(|limit| *limit > 100).await.unwrap();
///     limit
/// });
/// tx.send(50).unwrap();
/// tx.send(500).unwrap();
/// assert_eq!(reader.await.unwrap(), 500);
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: State::new(),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        changed: Notify::new(),
        rx_gone: Notify::new(),
    });
    let rx = Receiver {
        shared: shared.clone(),
        version: Version(0),
    };
    (Sender { shared }, rx)
}

/// Sets the value and wakes the receivers; clone it for more senders. The
/// channel closes when the last one is dropped.
///
/// ```
/// use runtime::sync::watch;
///
/// let (tx, rx) = watch::channel(vec![1]);
/// tx.send_modify(|v| v.push(2)); // in place, no clone
/// assert_eq!(*rx.borrow(), [1, 2]);
/// // Only a real change wakes the receivers.
/// let changed = tx.send_if_modified(|v| {
///     if v.len() < 2 {
///         v.push(3);
///         true
///     } else {
///         false
///     }
/// });
/// assert!(!changed);
/// assert_eq!(tx.send_replace(vec![9]), [1, 2]);
/// assert_eq!(tx.receiver_count(), 1);
/// drop(rx);
/// assert!(tx.is_closed());
/// // With no receiver, `send` fails but `send_replace` still stores.
/// assert!(tx.send(vec![0]).is_err());
/// ```
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the value and waits for changes; clone it for more watchers
/// (a clone has seen what this one has).
///
/// ```
/// use runtime::sync::watch;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = watch::channel(0);
/// let watcher = runtime::spawn(async move {
///     let mut seen = Vec::new();
///     // Ends with an error once every sender is gone (and the last
///     // value was seen).
///     while rx.changed().await.is_ok() {
///         seen.push(*rx.borrow_and_update());
///     }
///     seen
/// });
/// tx.send(1).unwrap();
/// drop(tx);
/// // Intermediate values may be skipped; the last one is always seen.
/// assert_eq!(watcher.await.unwrap().last(), Some(&1));
/// # });
/// ```
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    version: Version,
}

/// A read lock on the value, from `borrow`: keep it short, a sender waits
/// for it (and holding it across an `.await` can deadlock).
///
/// ```
/// let (tx, mut rx) = runtime::sync::watch::channel("v1");
/// tx.send("v2").unwrap();
/// {
///     let value = rx.borrow_and_update();
///     assert_eq!(*value, "v2");
///     assert!(value.has_changed()); // it was new to this receiver
/// } // the lock is released here
/// assert!(!rx.borrow().has_changed());
/// ```
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// Whether this value was unseen by the receiver when it was borrowed
    /// (for `borrow_and_update` and `wait_for`: before they marked it
    /// seen). Always `false` for [`Sender::borrow`].
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

/// Polls `future` under the cooperative budget, as the other channel
/// operations: each poll asks for a unit first.
async fn cooperative<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let output = ready!(future.as_mut().poll(cx));
        coop.made_progress();
        Poll::Ready(output)
    })
    .await
}

impl<T> Shared<T> {
    /// Whether a version newer than `seen` is there (and marks it seen),
    /// or the channel is closed; `None`: wait.
    fn check_changed(&self, seen: &mut Version) -> Option<Result<(), RecvError>> {
        let state = self.state.load();
        if state.version() != *seen {
            *seen = state.version();
            return Some(Ok(()));
        }
        state.is_closed().then_some(Err(RecvError(())))
    }

    /// Waits for a version newer than `seen` (rule 2).
    async fn changed(&self, seen: &mut Version) -> Result<(), RecvError> {
        loop {
            let notified = self.changed.notified();
            if let Some(result) = self.check_changed(seen) {
                return result;
            }
            super::waiting_as(SyncKind::Watch, self, notified).await;
        }
    }

    fn receiver_count(&self) -> usize {
        // Relaxed: a count; `closed` relies on `Notify`'s ordering.
        self.rx_count.load(Ordering::Relaxed)
    }
}

impl<T> Sender<T> {
    /// A sender of a channel holding `init`, with no receiver yet
    /// ([`subscribe`](Sender::subscribe) makes them).
    pub fn new(init: T) -> Sender<T> {
        let (tx, _rx) = channel(init);
        tx
    }

    /// Replaces the value and wakes the receivers, if any is alive;
    /// otherwise gives the value back (and the channel keeps the old one).
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.receiver_count() == 0 {
            return Err(SendError(value));
        }
        // The old value is dropped here, with the lock released.
        drop(self.send_replace(value));
        Ok(())
    }

    /// Modifies the value in place, under the write lock, and wakes the
    /// receivers (even with none alive).
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|value| {
            modify(value);
            true
        });
    }

    /// Modifies the value in place, under the write lock; wakes the
    /// receivers (and counts a new version) only if `modify` returns
    /// `true`. Returns what `modify` returned. If `modify` panics, the
    /// lock is released and no new version is counted.
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            self.shared.state.bump_version(); // rule 1
        }
        self.shared.changed.notify_waiters(); // rule 2
        true
    }

    /// Replaces the value, even with no receiver alive, wakes the
    /// receivers, and returns the old value.
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// The current value (its `has_changed` is `false`).
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// Whether no receiver is alive.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until no receiver is alive (at once if none is).
    pub async fn closed(&self) {
        cooperative(async {
            // Rule 2, for the last receiver's drop. A `subscribe` may reopen
            // the channel meanwhile: look again after each wake.
            loop {
                let notified = self.shared.rx_gone.notified();
                if self.is_closed() {
                    return;
                }
                notified.await;
            }
        })
        .await;
    }

    /// A new receiver, which has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        let version = self.shared.state.load().version();
        Receiver::with_version(self.shared.clone(), version)
    }

    /// The number of receivers alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.receiver_count()
    }

    /// The number of senders alive.
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Ordering::Relaxed)
    }

    /// Whether both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        // Relaxed: this sender keeps the count above zero meanwhile.
        self.shared.tx_count.fetch_add(1, Ordering::Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Default> Default for Sender<T> {
    fn default() -> Self {
        Sender::new(T::default())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        // AcqRel: the last sender closes after what the others did.
        if self.shared.tx_count.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.shared.state.close();
            self.shared.changed.notify_waiters(); // rule 2
        }
    }
}

impl<T> Receiver<T> {
    fn with_version(shared: Arc<Shared<T>>, version: Version) -> Receiver<T> {
        // Relaxed: a count (see `Shared::receiver_count`).
        shared.rx_count.fetch_add(1, Ordering::Relaxed);
        Receiver { shared, version }
    }

    /// The current value, without marking it seen. [`Ref::has_changed`]
    /// tells whether it was unseen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // Under the read lock: the version of exactly this value (rule 1).
        let current = self.shared.state.load().version();
        Ref {
            guard,
            has_changed: current != self.version,
        }
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        let current = self.shared.state.load().version();
        let has_changed = current != self.version;
        self.version = current;
        Ref { guard, has_changed }
    }

    /// Whether a value this receiver has not seen is there. Fails whenever
    /// the channel is closed (every sender gone), even if there is one.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load();
        if state.is_closed() {
            return Err(RecvError(()));
        }
        Ok(state.version() != self.version)
    }

    /// Marks the current value unseen, so that `changed` returns at once.
    pub fn mark_changed(&mut self) {
        self.version = self.version.previous();
    }

    /// Marks the current value seen, without borrowing it.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.state.load().version();
    }

    /// Waits for a value this receiver has not seen, and marks it seen.
    /// Returns at once if there is one already (even if the channel is
    /// closed); fails once the channel is closed and there is none.
    ///
    /// # Cancel safety
    /// Cancel safe: if dropped before completing, nothing was marked seen.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        cooperative(self.shared.changed(&mut self.version)).await
    }

    /// Waits until the value satisfies `f` (checked on the current value
    /// first, then on each change), marks it seen and returns it borrowed.
    /// Fails once the channel is closed and the last value does not
    /// satisfy `f`. `f` runs under the read lock.
    ///
    /// # Cancel safety
    /// Cancel safe, but values checked meanwhile were marked seen.
    ///
    /// ```
    /// use runtime::sync::watch;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, mut rx) = watch::channel(0);
    /// runtime::spawn(async move {
    ///     for i in 1..=10 {
    ///         tx.send(i).unwrap();
    ///         runtime::task::yield_now().await;
    ///     }
    /// });
    /// let value = *rx.wait_for(|v| *v >= 5).await.unwrap();
    /// assert!(value >= 5);
    /// # });
    /// ```
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        cooperative(async move {
            let mut closed = false;
            loop {
                {
                    let guard = self.shared.value.read();
                    let current = self.shared.state.load().version();
                    let has_changed = current != self.version;
                    self.version = current;
                    // After the close, only a value not checked yet.
                    if (!closed || has_changed) && f(&guard) {
                        return Ok(Ref { guard, has_changed });
                    }
                }
                if closed {
                    return Err(RecvError(()));
                }
                closed = self.shared.changed(&mut self.version).await.is_err();
            }
        })
        .await
    }

    /// Whether both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        Receiver::with_version(self.shared.clone(), self.version)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, Ordering::Relaxed) == 1 {
            self.shared.rx_gone.notify_waiters(); // rule 2
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ref")
            .field("value", &**self)
            .field("has_changed", &self.has_changed)
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("value", &*self.borrow())
            .finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("value", &*self.borrow())
            .field("version", &self.version)
            .finish()
    }
}
