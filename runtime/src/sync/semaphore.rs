//! `Semaphore`: tokio's public semaphore over the batch semaphore.

use super::batch_semaphore as batch;
use super::error::{AcquireError, TryAcquireError};
use std::fmt;
use std::sync::Arc;

/// A counting semaphore, as tokio's: tasks wait in FIFO order for permits,
/// one or many at a time.
///
/// - [`acquire`](Semaphore::acquire) (and `acquire_many`, `acquire_owned`,
///   ...) waits its turn; a task asking for many permits is not overtaken
///   by later tasks asking for few. They are cancel safe: a dropped
///   `acquire` future leaves the queue and passes on any permits it was
///   given.
/// - [`try_acquire`](Semaphore::try_acquire) takes permits only if they are
///   free now and nobody queued earlier waits.
/// - A permit gives its permits back when dropped
///   ([`forget`](SemaphorePermit::forget) keeps them out instead).
/// - [`close`](Semaphore::close) fails every waiting and later acquire with
///   [`AcquireError`].
///
/// ```
/// use runtime::sync::Semaphore;
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let sem = Arc::new(Semaphore::new(2));
/// let a = sem.acquire().await.unwrap();
/// let b = sem.try_acquire().unwrap();
/// assert!(sem.try_acquire().is_err()); // both permits are out
/// drop(a);
/// let c = sem.clone().acquire_owned().await.unwrap(); // 'static, for `spawn`
/// runtime::spawn(async move { drop(c) }).await.unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// # drop(b);
/// # });
/// ```
pub struct Semaphore {
    inner: batch::Semaphore,
}

/// Permits of a [`Semaphore`], given back when dropped.
///
/// ```
/// use runtime::sync::Semaphore;
///
/// let sem = Semaphore::new(4);
/// let mut permit = sem.try_acquire_many(3).unwrap();
/// let one = permit.split(1).unwrap(); // 2 + 1
/// assert_eq!((permit.num_permits(), one.num_permits()), (2, 1));
/// drop(one);
/// assert_eq!(sem.available_permits(), 2);
/// permit.forget(); // not given back: the semaphore shrinks
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "dropping the permit gives its permits back at once"]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: u32,
}

/// Permits of a [`Semaphore`] held through an `Arc` (`'static`, so they can
/// move into a spawned task), given back when dropped.
///
/// ```
/// use runtime::sync::Semaphore;
/// use std::sync::Arc;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let sem = Arc::new(Semaphore::new(1));
/// let permit = sem.clone().acquire_owned().await.unwrap();
/// let task = runtime::spawn(async move {
///     let _held = permit; // given back when the task ends
/// });
/// task.await.unwrap();
/// assert_eq!(sem.available_permits(), 1);
/// # });
/// ```
#[must_use = "dropping the permit gives its permits back at once"]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: u32,
}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = batch::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            inner: batch::Semaphore::new(permits),
        }
    }

    /// [`new`](Semaphore::new) in a `const` context, for a `static`.
    ///
    /// ```
    /// use runtime::sync::Semaphore;
    /// static LIMIT: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(LIMIT.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            inner: batch::Semaphore::const_new(permits),
        }
    }

    /// The permits available now.
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// Adds `n` permits, waking waiters they satisfy (oldest first).
    ///
    /// # Panics
    /// If the permits would exceed [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.inner.release(n);
    }

    /// Removes up to `n` of the available permits for good; returns how
    /// many were removed (fewer if fewer were available).
    pub fn forget_permits(&self, n: usize) -> usize {
        self.inner.forget_permits(n)
    }

    /// Waits for one permit. Fails only if the semaphore is closed.
    ///
    /// ```
    /// use runtime::sync::Semaphore;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// // At most 2 downloads at a time.
    /// let limit = Arc::new(Semaphore::new(2));
    /// let running = Arc::new(AtomicUsize::new(0));
    /// let mut set = runtime::task::JoinSet::new();
    /// for _ in 0..6 {
    ///     let (limit, running) = (limit.clone(), running.clone());
    ///     set.spawn(async move {
    ///         let _permit = limit.acquire().await.unwrap();
    ///         let now = running.fetch_add(1, Ordering::SeqCst) + 1;
    ///         runtime::task::yield_now().await;
    ///         running.fetch_sub(1, Ordering::SeqCst);
    ///         now
    ///     }); // the permit goes back when dropped
    /// }
    /// let most = set.join_all().await.into_iter().max().unwrap();
    /// assert!(most <= 2);
    /// assert_eq!(limit.available_permits(), 2);
    /// # });
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe: dropping the future gives up its place in the queue
    /// and passes on a permit it may have been given.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.inner.acquire(1).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once, in FIFO order with the other waiters.
    /// Fails only if the semaphore is closed.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`acquire`](Semaphore::acquire): permits it was
    /// given before being dropped go to the next waiters.
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.inner.acquire(n as usize).await?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// Takes one permit if one is free now.
    ///
    /// ```
    /// use runtime::sync::{Semaphore, TryAcquireError};
    ///
    /// let sem = Semaphore::new(1);
    /// let permit = sem.try_acquire().unwrap();
    /// assert!(matches!(sem.try_acquire(), Err(TryAcquireError::NoPermits)));
    /// drop(permit);
    /// sem.add_permits(2);
    /// assert_eq!(sem.available_permits(), 3);
    /// let three = sem.try_acquire_many(3).unwrap();
    /// assert_eq!(three.num_permits(), 3);
    /// ```
    ///
    /// # Errors
    /// [`TryAcquireError::Closed`] if the semaphore is closed,
    /// [`TryAcquireError::NoPermits`] if no permit is free.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire(1)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// Takes `n` permits if they are free now.
    ///
    /// # Errors
    /// As [`try_acquire`](Semaphore::try_acquire).
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.inner.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// [`acquire`](Semaphore::acquire) through an `Arc`: the permit is
    /// `'static`.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.inner.acquire(1).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// [`acquire_many`](Semaphore::acquire_many) through an `Arc`.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.inner.acquire(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// [`try_acquire`](Semaphore::try_acquire) through an `Arc`.
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.inner.try_acquire(1)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: 1,
        })
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) through an `Arc`.
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.inner.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n,
        })
    }

    /// [`acquire`](Semaphore::acquire) from outside async code, blocking
    /// the thread.
    ///
    /// # Panics
    /// With a plain message if called in an asynchronous context (inside a
    /// task or `block_on`).
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::block_on(self.acquire())
    }

    /// [`acquire_many`](Semaphore::acquire_many) from outside async code.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        super::block_on(self.acquire_many(n))
    }

    /// [`acquire_owned`](Semaphore::acquire_owned) from outside async code.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::block_on(self.acquire_owned())
    }

    /// [`acquire_many_owned`](Semaphore::acquire_many_owned) from outside
    /// async code.
    ///
    /// # Panics
    /// As [`blocking_acquire`](Semaphore::blocking_acquire).
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        super::block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: the waiting acquires fail with
    /// [`AcquireError`] (they are all woken), and so does every later one;
    /// `try_acquire` fails with [`TryAcquireError::Closed`]. Permits
    /// already held stay valid, and are given back as usual.
    ///
    /// ```
    /// use runtime::sync::{Semaphore, TryAcquireError};
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sem = Arc::new(Semaphore::new(0));
    /// let waiter = {
    ///     let sem = sem.clone();
    ///     runtime::spawn(async move { sem.acquire().await.is_err() })
    /// };
    /// sem.close(); // wakes the waiter with an error
    /// assert!(waiter.await.unwrap());
    /// assert!(sem.is_closed());
    /// assert!(matches!(sem.try_acquire(), Err(TryAcquireError::Closed)));
    /// # });
    /// ```
    pub fn close(&self) {
        self.inner.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Drops the permit without giving its permits back: the semaphore has
    /// that many fewer from now on.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    /// If the two permits are of different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: SemaphorePermit<'a>) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` (and no change) if
    /// this one holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<SemaphorePermit<'a>> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl OwnedSemaphorePermit {
    /// Drops the permit without giving its permits back.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Moves `other`'s permits into this one.
    ///
    /// # Panics
    /// If the two permits are of different semaphores.
    #[track_caller]
    pub fn merge(&mut self, mut other: OwnedSemaphorePermit) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += std::mem::take(&mut other.permits);
    }

    /// Splits `n` permits off into a new permit; `None` (and no change) if
    /// this one holds fewer than `n`.
    pub fn split(&mut self, n: usize) -> Option<OwnedSemaphorePermit> {
        let n = u32::try_from(n).ok().filter(|&n| n <= self.permits)?;
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// The semaphore the permits are of.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// How many permits this holds.
    pub fn num_permits(&self) -> usize {
        self.permits as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits as usize);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.add_permits(self.permits as usize);
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}
