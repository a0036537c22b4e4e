//! A single-value channel that receivers watch for changes, with tokio's
//! shape. No runtime-agnostic crate offers it, so it is written here: a
//! `RwLock` around the value, a version counter, and a [`Notify`] that
//! wakes the receivers on each change.
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

use super::Notify;
use crate::loom::{AtomicBool, AtomicUsize, Ordering};
use crate::loom::{RwLock, RwLockReadGuard};
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// The errors of the channel, as tokio's `watch::error`.
pub mod error {
    use std::fmt;

    /// There is no receiver; the value is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    /// The sender is gone (and the last value was seen).
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SendError(..)")
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("sending on a watch channel with no receiver")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the watch sender is gone")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

struct Shared<T> {
    value: RwLock<T>,
    /// Bumped with the value, under its write lock.
    version: AtomicUsize,
    closed: AtomicBool,
    receivers: AtomicUsize,
    /// Wakes receivers on a change or when the sender goes.
    changed: Notify,
    /// Wakes `Sender::closed` when the last receiver goes.
    rx_gone: Notify,
}

/// Makes a channel holding `init`. The receiver has seen `init`.
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        version: AtomicUsize::new(0),
        closed: AtomicBool::new(false),
        receivers: AtomicUsize::new(1),
        changed: Notify::new(),
        rx_gone: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, seen: 0 },
    )
}

/// Sets the value; dropping it closes the channel.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Reads the value and waits for changes; clone it for more watchers.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    /// The version this receiver has seen.
    seen: usize,
}

/// A read lock on the value: keep it short, a sender waits for it.
pub struct Ref<'a, T> {
    guard: RwLockReadGuard<'a, T>,
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> Sender<T> {
    /// Sets the value and wakes the receivers; gives the value back if
    /// there is no receiver.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        // SeqCst: as in `changed`; a receiver made after this load sees the
        // value anyway.
        if self.shared.receivers.load(Ordering::SeqCst) == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Sets the value even with no receiver, returning the old one.
    pub fn send_replace(&self, value: T) -> T {
        let mut old = Some(value);
        self.send_modify(|v| old = Some(std::mem::replace(v, old.take().unwrap())));
        old.expect("the closure ran")
    }

    /// Changes the value in place and wakes the receivers.
    pub fn send_modify(&self, modify: impl FnOnce(&mut T)) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Changes the value in place; wakes the receivers only if `modify`
    /// returns `true`. Returns what `modify` returned.
    pub fn send_if_modified(&self, modify: impl FnOnce(&mut T) -> bool) -> bool {
        {
            let mut value = self.shared.value.write();
            if !modify(&mut value) {
                return false;
            }
            // SeqCst: pairs with the load in `Receiver::changed`, after its
            // `Notified` was created (see `Notify::notified`).
            self.shared.version.fetch_add(1, Ordering::SeqCst);
        }
        self.shared.changed.notify_waiters();
        true
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
        }
    }

    /// A new receiver, which has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.receivers.fetch_add(1, Ordering::SeqCst);
        let _value = self.shared.value.read();
        Receiver {
            shared: self.shared.clone(),
            seen: self.shared.version.load(Ordering::SeqCst),
        }
    }

    /// The number of receivers alive.
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::SeqCst)
    }

    /// Whether every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Waits until every receiver is gone.
    pub async fn closed(&self) {
        loop {
            let gone = self.shared.rx_gone.notified();
            if self.is_closed() {
                return;
            }
            gone.await;
        }
    }
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            guard: self.shared.value.read(),
        }
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let guard = self.shared.value.read();
        // Read under the lock: the version of exactly this value.
        self.seen = self.shared.version.load(Ordering::SeqCst);
        Ref { guard }
    }

    /// Whether a value not yet seen was sent; `Err` if the sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        if self.shared.version.load(Ordering::SeqCst) != self.seen {
            return Ok(true);
        }
        if self.shared.closed.load(Ordering::SeqCst) {
            return Err(RecvError(()));
        }
        Ok(false)
    }

    /// Waits for a value not yet seen, and marks it seen. Returns `Err`
    /// once the sender is gone and nothing new is left. Cancel-safe.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        loop {
            // Created before the look at the version, so a change after the
            // look wakes it (`Notify::notify_waiters` semantics).
            let notified = self.shared.changed.notified();
            // SeqCst: pairs with the increment in `send_if_modified` and
            // the store in `Sender::drop`.
            let version = self.shared.version.load(Ordering::SeqCst);
            if version != self.seen {
                self.seen = version;
                return Ok(());
            }
            if self.shared.closed.load(Ordering::SeqCst) {
                return Err(RecvError(()));
            }
            notified.await;
        }
    }

    /// Marks the current value as not seen, so `changed` returns at once.
    pub fn mark_changed(&mut self) {
        self.seen = self.shared.version.load(Ordering::SeqCst).wrapping_sub(1);
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.receivers.fetch_add(1, Ordering::SeqCst);
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.receivers.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.shared.rx_gone.notify_waiters();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.changed.notify_waiters();
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
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
            .finish()
    }
}
