//! `RwLock`: tokio's async reader-writer lock, a batch semaphore of
//! `max_readers` permits beside the value.
//!
//! # Rules
//!
//! 1. The value is reached only through a guard. A read guard holds one
//!    permit, a write guard all `max_readers` of them: a write guard
//!    excludes every other guard, read guards exclude only write guards.
//!    Each guard's permits are given back exactly once, by its `Held`
//!    (below) being dropped. The permits carry the happens-before from
//!    writer to readers ("Memory ordering" in `batch_semaphore.rs`).
//! 2. A guard's pointer was made from a reference of the guard it came
//!    from (the lock's cell, or a `map` of it) and travels with that
//!    guard's permits: it is valid while the guard lives, and a write
//!    guard's is exclusive.
//! 3. `downgrade` gives back all permits but one in a single release, so
//!    the value goes from exclusive to shared without ever being unlocked.
//!    A mapped write guard cannot downgrade: the `&mut` it was mapped
//!    through may have reached an `UnsafeCell` (tokio makes the same call).
//!
//! Fairness is the semaphore's: waiters are served in FIFO order, and a
//! writer waiting behind readers takes each permit they give back, so new
//! readers queue behind it and writers are not starved.
//!
//! Guards have no `Drop` of their own: their `Held`/`OwnedHeld` gives the
//! permits back, so `map` and `downgrade` move it from guard to guard.

mod mapped_write_guard;
mod read_guard;
mod write_guard;

pub use mapped_write_guard::{OwnedRwLockMappedWriteGuard, RwLockMappedWriteGuard};
pub use read_guard::{OwnedRwLockReadGuard, RwLockReadGuard};
pub use write_guard::{OwnedRwLockWriteGuard, RwLockWriteGuard};

use super::batch_semaphore as batch;
use super::error::TryLockError;
use runtime_coop::wait::SyncKind;
use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

/// The most readers a lock admits at once: `u32::MAX >> 3`, as tokio.
const MAX_READS: u32 = u32::MAX >> 3;

/// An async reader-writer lock, as tokio's: any number of readers
/// (up to `max_readers`) or one writer, served in FIFO order, so a waiting
/// writer is not starved by readers that keep coming.
///
/// ```
/// use runtime::sync::RwLock;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await; // readers share
///     assert_eq!(*r1 + *r2, 10);
///     assert!(lock.try_write().is_err()); // a writer must wait
/// }
/// let mut w = lock.write().await;
/// *w += 1;
/// let r = w.downgrade(); // still locked, now shared
/// assert_eq!(*r, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    /// Permits of the semaphore, and so the most readers at once.
    mr: u32,
    s: batch::Semaphore,
    c: UnsafeCell<T>,
}

// SAFETY: readers on several threads share `&T` (`T: Sync`), and a writer
// gets `&mut T` on whichever thread holds it (`T: Send`), as std's
// `RwLock`. (`Send` is derived: `T: Send`.)
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// Permits held by a borrowed guard, given back when dropped (rule 1).
struct Held<'a> {
    s: &'a batch::Semaphore,
    permits: u32,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.s.release(self.permits as usize);
    }
}

impl Held<'_> {
    /// Gives back all permits but one (rule 3).
    fn keep_one(&mut self) {
        self.s.release(self.permits as usize - 1);
        self.permits = 1;
    }
}

/// Permits held by an owned guard through the lock's `Arc`, given back
/// when dropped (rule 1).
struct OwnedHeld<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    permits: u32,
}

impl<T: ?Sized> Drop for OwnedHeld<T> {
    fn drop(&mut self) {
        self.lock.s.release(self.permits as usize);
    }
}

impl<T: ?Sized> OwnedHeld<T> {
    /// Gives back all permits but one (rule 3).
    fn keep_one(&mut self) {
        self.lock.s.release(self.permits as usize - 1);
        self.permits = 1;
    }
}

impl<T: ?Sized> RwLock<T> {
    /// An unlocked lock holding `value`, admitting `u32::MAX >> 3`
    /// readers at once.
    pub fn new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// An unlocked lock admitting at most `max_reads` readers at once.
    ///
    /// # Panics
    /// If `max_reads` is 0 or more than `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert_ne!(max_reads, 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        RwLock {
            mr: max_reads,
            s: batch::Semaphore::new(max_reads as usize).with_kind(SyncKind::RwLock),
            c: UnsafeCell::new(value),
        }
    }

    /// [`new`](RwLock::new) in a `const` context, for a `static`.
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T>
    where
        T: Sized,
    {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// [`with_max_readers`](RwLock::with_max_readers) in a `const` context.
    ///
    /// # Panics
    /// As `with_max_readers` (at compile time in a `static`).
    #[cfg(not(loom))]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T>
    where
        T: Sized,
    {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than u32::MAX >> 3 readers"
        );
        RwLock {
            mr: max_reads,
            s: batch::Semaphore::const_new(max_reads as usize).with_kind(SyncKind::RwLock),
            c: UnsafeCell::new(value),
        }
    }

    /// Locks for reading, waiting (in FIFO order) while a writer holds the
    /// lock or waits ahead, or `max_readers` readers hold it.
    ///
    /// ```
    /// use runtime::sync::RwLock;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let lock = RwLock::new(String::from("config"));
    /// // Any number of readers at once.
    /// let (a, b) = (lock.read().await, lock.read().await);
    /// assert_eq!((a.as_str(), b.as_str()), ("config", "config"));
    /// assert!(lock.try_write().is_err()); // not while they read
    /// # drop((a, b));
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `read` future gives up its place in the queue.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// [`read`](RwLock::read) through an `Arc`: the guard is `'static`.
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(self)
    }

    /// Locks for reading if that is possible now.
    ///
    /// # Errors
    /// [`TryLockError`] if a writer holds the lock or waits for it, or it
    /// has `max_readers` readers.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(self.read_guard())
    }

    /// [`try_read`](RwLock::try_read) through an `Arc`.
    ///
    /// # Errors
    /// As `try_read`.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// [`read`](RwLock::read) from outside async code, blocking the thread.
    ///
    /// # Panics
    /// With a plain message if called in an asynchronous context (inside a
    /// task or `block_on`).
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        super::block_on(self.read())
    }

    /// Locks for writing, waiting (in FIFO order) until no other guard is
    /// alive.
    ///
    /// ```
    /// use runtime::sync::RwLock;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let lock = Arc::new(RwLock::new(0));
    /// let reader = lock.clone().read_owned().await;
    /// let writer = {
    ///     let lock = lock.clone();
    ///     runtime::spawn(async move { *lock.write().await += 1 })
    /// };
    /// // The writer waits for the reader; new readers queue behind it.
    /// assert_eq!(*reader, 0);
    /// drop(reader);
    /// writer.await.unwrap();
    /// assert_eq!(*lock.read().await, 1);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: a dropped `write` future gives up its place in the
    /// queue and hands on the permits readers gave it meanwhile.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.mr).await;
        self.write_guard()
    }

    /// [`write`](RwLock::write) through an `Arc`: the guard is `'static`.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.mr).await;
        OwnedRwLockWriteGuard::new(self)
    }

    /// Locks for writing if no other guard is alive now.
    ///
    /// # Errors
    /// [`TryLockError`] if the lock is held (or waited for).
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(self.mr)?;
        Ok(self.write_guard())
    }

    /// [`try_write`](RwLock::try_write) through an `Arc`.
    ///
    /// # Errors
    /// As `try_write`.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.mr)?;
        Ok(OwnedRwLockWriteGuard::new(self))
    }

    /// [`write`](RwLock::write) from outside async code, blocking the
    /// thread.
    ///
    /// # Panics
    /// As [`blocking_read`](RwLock::blocking_read).
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        super::block_on(self.write())
    }

    /// The value, through `&mut self`: no locking needed.
    pub fn get_mut(&mut self) -> &mut T {
        self.c.get_mut()
    }

    /// Consumes the lock, returning the value.
    pub fn into_inner(self) -> T
    where
        T: Sized,
    {
        self.c.into_inner()
    }

    async fn acquire(&self, permits: u32) {
        if self.s.acquire(permits as usize).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
    }

    fn try_acquire(&self, permits: u32) -> Result<(), TryLockError> {
        self.s
            .try_acquire(permits as usize)
            .map_err(|_| TryLockError(()))
    }

    /// The guard for one permit just acquired (rule 1).
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            held: Held {
                s: &self.s,
                permits: 1,
            },
            data: self.data(),
            marker: PhantomData,
        }
    }

    /// The guard for all permits just acquired (rule 1).
    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            held: Held {
                s: &self.s,
                permits: self.mr,
            },
            data: self.data(),
            marker: PhantomData,
        }
    }

    fn data(&self) -> NonNull<T> {
        NonNull::new(self.c.get()).expect("an `UnsafeCell`'s pointer is not null")
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}
