//! `SetOnce`: tokio 1.47's write-once cell with a `wait` for the value.
//! A value slot, a lock that serialises `set`, and a batch semaphore with
//! no permits as the waiter list: `wait` queues on it, and `set` closes it,
//! which wakes every waiter.
//!
//! # Rules
//!
//! 1. `value` is written once, by a `set` holding the `setter` lock that
//!    found `value_set` false; it then stores `value_set` true (`Release`)
//!    and closes the semaphore. From then on `value` is only read, through
//!    `&self`.
//! 2. The semaphore never holds a permit, so an acquire on it completes
//!    only by failing as closed, which happens after `value_set` is true
//!    (its close is `Release`, seeing it closed `Acquire`).

use super::batch_semaphore as batch;
use super::error::SetOnceError;
use crate::loom::{AtomicBool, Mutex, Ordering, UnsafeCell};
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::mem::MaybeUninit;

/// A cell that can be set once, and awaited until it is, as tokio's
/// (asyncio's `Event`, with a value).
///
/// ```
/// use runtime::sync::SetOnce;
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let ready = Arc::new(SetOnce::new());
/// let r = ready.clone();
/// let waiter = runtime::spawn(async move { *r.wait().await });
/// ready.set(7).unwrap();
/// assert_eq!(waiter.await.unwrap(), 7);
/// assert!(ready.set(8).is_err()); // set once
/// # });
/// ```
pub struct SetOnce<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// Held by `set` while it checks, writes and publishes (rule 1).
    setter: Mutex<()>,
    /// No permits; closed once the value is set (rule 2).
    waiters: batch::Semaphore,
}

// SAFETY: `get` and `wait` hand `&T` to every thread (`T: Sync`), and `set`
// moves a `T` in from any thread (`T: Send`). (`Send` is derived.)
unsafe impl<T: Send + Sync> Sync for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// An empty cell.
    pub fn new() -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            setter: Mutex::new(()),
            waiters: batch::Semaphore::new(0).with_kind(SyncKind::OnceCell),
        }
    }

    /// [`new`](SetOnce::new) in a `const` context, for a `static`.
    #[cfg(not(loom))]
    pub const fn const_new() -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            setter: Mutex::new(()),
            waiters: batch::Semaphore::const_new(0).with_kind(SyncKind::OnceCell),
        }
    }

    /// A cell holding `value` if it is `Some`, else an empty one.
    pub fn new_with(value: Option<T>) -> SetOnce<T> {
        match value {
            Some(value) => SetOnce::from(value),
            None => SetOnce::new(),
        }
    }

    /// A cell holding `value`, in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> SetOnce<T> {
        SetOnce {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            setter: Mutex::new(()),
            waiters: batch::Semaphore::const_new_closed(),
        }
    }

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        // Acquire: pairs with the `Release` store in `set` (rule 1), so a
        // caller that sees `true` may read the value.
        self.value_set.load(Ordering::Acquire)
    }

    /// The value, if the cell holds one.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: set and published (the `Acquire` in `initialized`), and
        // only read from now on (rule 1).
        self.initialized()
            .then(|| self.value.with(|p| unsafe { (*p).assume_init_ref() }))
    }

    /// Sets the value and wakes every [`wait`](SetOnce::wait)er.
    ///
    /// # Errors
    /// [`SetOnceError`], with the value, if the cell holds one already
    /// (after a concurrent `set` returns, the other sees its value).
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        let setter = self.setter.lock();
        // Relaxed: the lock orders this after any earlier `set`'s store.
        if self.value_set.load(Ordering::Relaxed) {
            return Err(SetOnceError(value));
        }
        // SAFETY: not set, and we hold the setter lock (rule 1): nobody
        // else reads or writes the slot.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
        // Release: publishes the write (rule 1).
        self.value_set.store(true, Ordering::Release);
        drop(setter);
        self.waiters.close();
        Ok(())
    }

    /// Waits until the cell holds a value, and returns it (at once if it
    /// does already).
    ///
    /// ```
    /// use runtime::sync::SetOnce;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let addr = Arc::new(SetOnce::new());
    /// let client = {
    ///     let addr = addr.clone();
    ///     runtime::spawn(async move { format!("connecting to {}", addr.wait().await) })
    /// };
    /// addr.set("127.0.0.1:8080").unwrap();
    /// assert_eq!(client.await.unwrap(), "connecting to 127.0.0.1:8080");
    /// assert_eq!(addr.get(), Some(&"127.0.0.1:8080"));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn wait(&self) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        // Completes only when `set` closes the semaphore (rule 2).
        let closed = self.waiters.acquire(1).await.is_err();
        debug_assert!(closed, "the waiter semaphore never holds a permit");
        self.get()
            .expect("the waiter semaphore is closed only once the value is set")
    }

    /// Consumes the cell, returning its value if it holds one.
    pub fn into_inner(self) -> Option<T> {
        // Relaxed: `self` is owned.
        if !self.value_set.load(Ordering::Relaxed) {
            return None;
        }
        // Cleared so that `Drop` does not drop the value read out below.
        self.value_set.store(false, Ordering::Relaxed);
        // SAFETY: set (rule 1); read out once, as the flag is now clear.
        Some(self.value.with(|p| unsafe { (*p).assume_init_read() }))
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        // Relaxed: `&mut self`.
        if self.value_set.load(Ordering::Relaxed) {
            // SAFETY: set (rule 1), and dropped once: the cell dies here.
            self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}

impl<T> Default for SetOnce<T> {
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    fn from(value: T) -> Self {
        SetOnce {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            setter: Mutex::new(()),
            waiters: batch::Semaphore::new_closed(),
        }
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    fn clone(&self) -> Self {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}
