//! `Mutex`: tokio's async mutex, a batch semaphore with one permit beside
//! the value.
//!
//! # Rules
//!
//! 1. The value is reached only through a guard, and a guard exists only
//!    while it holds the semaphore's one permit (taken by `lock` or
//!    `try_lock`, given back exactly once, by the guard's drop). So at most
//!    one guard is alive, and it may hand out `&mut T`. The permit carries
//!    the happens-before from one holder to the next (the "Memory
//!    ordering" section of `batch_semaphore.rs`).
//! 2. A mapped guard's pointer was made from the `&mut T` of a guard that
//!    held the permit, and the mapped guard holds that permit on: the
//!    pointer is valid and exclusive for as long as it lives.
//!
//! The value sits in a std `UnsafeCell`, not the loom shim's: a guard
//! hands out references that outlive any `with` closure. Exclusion is
//! what the loom models of the semaphore check, with loom cells.

use super::batch_semaphore as batch;
use super::error::TryLockError;
use runtime_coop::wait::SyncKind;
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;
use std::sync::Arc;

/// An async mutex, as tokio's: `lock().await` waits (in FIFO order)
/// without blocking the thread, and the guard may be held across `.await`.
///
/// A std or parking_lot mutex is the better choice when the lock is never
/// held across an `.await`: it is faster, and works here as anywhere. Use
/// this one when the critical section awaits (an IO handle, a connection).
///
/// ```
/// use runtime::sync::Mutex;
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let count = Arc::new(Mutex::new(0));
/// let tasks: Vec<_> = (0..10)
///     .map(|_| {
///         let count = count.clone();
///         runtime::spawn(async move {
///             let mut n = count.lock().await;
///             runtime::task::yield_now().await; // held across an await
///             *n += 1;
///         })
///     })
///     .collect();
/// for t in tasks {
///     t.await.unwrap();
/// }
/// assert_eq!(*count.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    s: batch::Semaphore,
    c: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` to one guard at a time (rule 1), on
// whichever thread holds it, so sharing it needs `T: Send` only, as for
// std's `Mutex`. (`Send` is derived: a semaphore and a `T: Send`.)
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// The guard of [`Mutex::lock`]: derefs to the value, unlocks when dropped.
///
/// ```
/// use runtime::sync::{Mutex, MutexGuard};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let pair = Mutex::new((1, String::from("one")));
/// let mut guard = pair.lock().await;
/// guard.0 += 1;
/// // Narrowed to one field, still holding the lock.
/// let mut name = MutexGuard::map(guard, |(_, name)| name);
/// name.push('!');
/// assert!(pair.try_lock().is_err());
/// drop(name); // unlocks
/// assert_eq!(*pair.lock().await, (2, String::from("one!")));
/// # });
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

// SAFETY: a shared guard gives `&T` on other threads, so `T: Sync`; and
// the guard can be dropped or reached mutably through it there, so
// `T: Send`. (`Send` is derived from `&Mutex<T>`: `T: Send`.)
unsafe impl<T: ?Sized + Send + Sync> Sync for MutexGuard<'_, T> {}

/// The guard of [`Mutex::lock_owned`]: holds the `Arc`, so it is
/// `'static`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    held: OwnedHeld<T>,
}

// SAFETY: as for `MutexGuard`. (`Send` is derived from `Arc<Mutex<T>>`:
// `T: Send`.)
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

/// A [`MutexGuard`] narrowed by [`MutexGuard::map`] to a part of the value.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    s: &'a batch::Semaphore,
    data: NonNull<T>,
    marker: PhantomData<&'a mut T>,
}

// SAFETY: the guard is a `&'a mut T` (rule 2) plus a permit that any thread
// may give back: `Send` and `Sync` exactly as `&mut T` is.
unsafe impl<'a, T: ?Sized + Send + 'a> Send for MappedMutexGuard<'a, T> {}
// SAFETY: as above.
unsafe impl<'a, T: ?Sized + Sync + 'a> Sync for MappedMutexGuard<'a, T> {}

/// An [`OwnedMutexGuard`] narrowed by [`OwnedMutexGuard::map`] to a part
/// `U` of the value `T`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    held: OwnedHeld<T>,
    data: NonNull<U>,
}

// SAFETY: the guard owns a share of the mutex (which may drop the `T` on
// this thread, so `T: Send`) and a `&mut U` into it (rule 2), so
// `U: Send`.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: shared, it gives `&U` to other threads, and shares the `Arc`:
// as tokio, all of `T` and `U` must be `Send + Sync`.
unsafe impl<T, U> Sync for OwnedMappedMutexGuard<T, U>
where
    T: ?Sized + Send + Sync,
    U: ?Sized + Send + Sync,
{
}

/// The permit of an owned guard: gives it back when dropped. Owned guards
/// have no `Drop` of their own, so `map` can move this out of them.
struct OwnedHeld<T: ?Sized>(Arc<Mutex<T>>);

impl<T: ?Sized> Drop for OwnedHeld<T> {
    fn drop(&mut self) {
        self.0.s.release(1);
    }
}

impl<T: ?Sized> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex {
            s: batch::Semaphore::new(1).with_kind(SyncKind::Mutex),
            c: UnsafeCell::new(value),
        }
    }

    /// [`new`](Mutex::new) in a `const` context, for a `static`.
    ///
    /// ```
    /// use runtime::sync::Mutex;
    /// static NAMES: Mutex<Vec<String>> = Mutex::const_new(Vec::new());
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async { NAMES.lock().await.push("a".into()) });
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> Mutex<T>
    where
        T: Sized,
    {
        Mutex {
            s: batch::Semaphore::const_new(1).with_kind(SyncKind::Mutex),
            c: UnsafeCell::new(value),
        }
    }

    /// Locks the mutex, waiting (in FIFO order) while another guard is
    /// alive.
    ///
    /// ```
    /// use runtime::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let tasks: Vec<_> = (0..3)
    ///     .map(|i| {
    ///         let log = log.clone();
    ///         runtime::spawn(async move {
    ///             let mut guard = log.lock().await;
    ///             guard.push(i);
    ///             // The guard may be held across an await.
    ///             runtime::task::yield_now().await;
    ///             guard.push(i);
    ///         })
    ///     })
    ///     .collect();
    /// for t in tasks {
    ///     t.await.unwrap();
    /// }
    /// let log = log.lock().await;
    /// // Each task's two entries are adjacent: nobody else ran in between.
    /// assert!(log.chunks(2).all(|pair| pair[0] == pair[1]));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `lock` future gives up its place in the
    /// queue, and if the lock had just been handed to it, hands it on.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    /// [`lock`](Mutex::lock) through an `Arc`: the guard is `'static`.
    ///
    /// ```
    /// use runtime::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let lock = Arc::new(Mutex::new(0));
    /// let mut guard = lock.clone().lock_owned().await;
    /// // The guard moves into a task of its own.
    /// runtime::spawn(async move { *guard = 5 }).await.unwrap();
    /// assert_eq!(*lock.lock().await, 5);
    /// # });
    /// ```
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard {
            held: OwnedHeld(self),
        }
    }

    /// Locks the mutex from outside async code, blocking the thread.
    ///
    /// # Panics
    /// With a plain message if called in an asynchronous context (inside a
    /// task or `block_on`), as tokio: blocking there could stall the very
    /// task that holds the lock.
    ///
    /// ```
    /// use runtime::sync::Mutex;
    /// use std::sync::Arc;
    ///
    /// let m = Arc::new(Mutex::new(1));
    /// let m2 = m.clone();
    /// std::thread::spawn(move || *m2.blocking_lock() += 1).join().unwrap();
    /// assert_eq!(*m.blocking_lock(), 2);
    /// ```
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        super::block_on(self.lock())
    }

    /// [`lock_owned`](Mutex::lock_owned) from outside async code.
    ///
    /// # Panics
    /// As [`blocking_lock`](Mutex::blocking_lock).
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        super::block_on(self.lock_owned())
    }

    /// Locks the mutex if it is free now (and nobody waits for it).
    ///
    /// ```
    /// let m = runtime::sync::Mutex::new(1);
    /// let guard = m.try_lock().unwrap();
    /// assert!(m.try_lock().is_err()); // held
    /// drop(guard);
    /// assert_eq!(*m.try_lock().unwrap(), 1);
    /// ```
    ///
    /// # Errors
    /// [`TryLockError`] if it is locked.
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(MutexGuard { lock: self })
    }

    /// [`try_lock`](Mutex::try_lock) through an `Arc`.
    ///
    /// # Errors
    /// [`TryLockError`] if it is locked.
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedMutexGuard {
            held: OwnedHeld(self),
        })
    }

    /// The value, through `&mut self`: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }

    /// Consumes the mutex, returning the value.
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.c.into_inner()
    }

    async fn acquire(&self) {
        if self.s.acquire(1).await.is_err() {
            unreachable!("a mutex's semaphore is never closed");
        }
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Self {
        Mutex::new(value)
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// Narrows the guard to a part of the value; the lock stays held.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        let lock: &'a Mutex<T> = ManuallyDrop::new(this).lock; // the permit moves on: rule 2
        MappedMutexGuard {
            s: &lock.s,
            data,
            marker: PhantomData,
        }
    }

    /// [`map`](MutexGuard::map) to an optional part; gives the guard back
    /// if `f` returns `None`.
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(NonNull::from) else {
            return Err(this);
        };
        let lock: &'a Mutex<T> = ManuallyDrop::new(this).lock; // rule 2
        Ok(MappedMutexGuard {
            s: &lock.s,
            data,
            marker: PhantomData,
        })
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.s.release(1);
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit (rule 1).
        unsafe { &*self.lock.c.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the permit (rule 1), and `&mut self`
        // rules out other borrows through it.
        unsafe { &mut *self.lock.c.get() }
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// Narrows the guard to a part of the value; the lock stays held.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        OwnedMappedMutexGuard {
            held: this.held,
            data,
        }
    }

    /// [`map`](OwnedMutexGuard::map) to an optional part; gives the guard
    /// back if `f` returns `None`.
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedMappedMutexGuard {
                held: this.held,
                data,
            }),
            None => Err(this),
        }
    }

    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.held.0
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the permit (rule 1).
        unsafe { &*self.held.0.c.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: this guard holds the permit (rule 1); `&mut self`.
        unsafe { &mut *self.held.0.c.get() }
    }
}

impl<'a, T: ?Sized> MappedMutexGuard<'a, T> {
    /// Narrows the guard further.
    pub fn map<U: ?Sized, F>(mut this: Self, f: F) -> MappedMutexGuard<'a, U>
    where
        F: FnOnce(&mut T) -> &mut U,
    {
        let data = NonNull::from(f(&mut *this));
        let s = ManuallyDrop::new(this).s; // rule 2
        MappedMutexGuard {
            s,
            data,
            marker: PhantomData,
        }
    }

    /// Narrows the guard further to an optional part; gives it back if `f`
    /// returns `None`.
    pub fn try_map<U: ?Sized, F>(mut this: Self, f: F) -> Result<MappedMutexGuard<'a, U>, Self>
    where
        F: FnOnce(&mut T) -> Option<&mut U>,
    {
        let Some(data) = f(&mut *this).map(NonNull::from) else {
            return Err(this);
        };
        let s = ManuallyDrop::new(this).s; // rule 2
        Ok(MappedMutexGuard {
            s,
            data,
            marker: PhantomData,
        })
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.s.release(1);
    }
}

impl<T: ?Sized> Deref for MappedMutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: valid and exclusive while this guard lives (rule 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for MappedMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: valid and exclusive while this guard lives (rule 2).
        unsafe { self.data.as_mut() }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// Narrows the guard further.
    pub fn map<S: ?Sized, F>(mut this: Self, f: F) -> OwnedMappedMutexGuard<T, S>
    where
        F: FnOnce(&mut U) -> &mut S,
    {
        let data = NonNull::from(f(&mut *this));
        OwnedMappedMutexGuard {
            held: this.held,
            data,
        }
    }

    /// Narrows the guard further to an optional part; gives it back if `f`
    /// returns `None`.
    pub fn try_map<S: ?Sized, F>(mut this: Self, f: F) -> Result<OwnedMappedMutexGuard<T, S>, Self>
    where
        F: FnOnce(&mut U) -> Option<&mut S>,
    {
        match f(&mut *this).map(NonNull::from) {
            Some(data) => Ok(OwnedMappedMutexGuard {
                held: this.held,
                data,
            }),
            None => Err(this),
        }
    }
}

impl<T: ?Sized, U: ?Sized> Deref for OwnedMappedMutexGuard<T, U> {
    type Target = U;
    fn deref(&self) -> &U {
        // SAFETY: valid and exclusive while this guard lives (rule 2).
        unsafe { self.data.as_ref() }
    }
}

impl<T: ?Sized, U: ?Sized> DerefMut for OwnedMappedMutexGuard<T, U> {
    fn deref_mut(&mut self) -> &mut U {
        // SAFETY: valid and exclusive while this guard lives (rule 2).
        unsafe { self.data.as_mut() }
    }
}

super::fmt_as_target! {
    ['a, T: ?Sized] MutexGuard<'a, T>,
    [T: ?Sized] OwnedMutexGuard<T>,
    ['a, T: ?Sized] MappedMutexGuard<'a, T>,
    [T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U>,
}
