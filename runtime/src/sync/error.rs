//! The errors of the locks, the semaphore and the once-cells: tokio's
//! names, `Display` messages and traits.

use std::error::Error;
use std::fmt;

/// Why [`Semaphore::acquire`](super::Semaphore::acquire) (or
/// `acquire_many`, `acquire_owned`, ...) failed: the semaphore was
/// [closed](super::Semaphore::close). It is the only way they fail.
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let sem = runtime::sync::Semaphore::new(1);
/// sem.close();
/// let err = sem.acquire().await.unwrap_err();
/// assert_eq!(err.to_string(), "semaphore closed");
/// # });
/// ```
#[derive(Debug)]
pub struct AcquireError(pub(super) ());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl Error for AcquireError {}

/// Why [`Semaphore::try_acquire`](super::Semaphore::try_acquire) (or
/// `try_acquire_many`, `try_acquire_owned`, ...) failed.
///
/// ```
/// use runtime::sync::{Semaphore, TryAcquireError};
///
/// let sem = Semaphore::new(0);
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
/// sem.close();
/// assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was [closed](super::Semaphore::close) and gives out no
    /// more permits.
    Closed,
    /// Not enough permits are available now (or a waiter queued earlier
    /// comes first).
    NoPermits,
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "semaphore closed",
            TryAcquireError::NoPermits => "no permits available",
        })
    }
}

impl Error for TryAcquireError {}

/// Why a `try_lock`, `try_read` or `try_write` (or an owned variant)
/// failed: the lock is held, in a mode that excludes the one asked for.
///
/// ```
/// let lock = runtime::sync::RwLock::new(0);
/// let _reader = lock.try_read().unwrap();
/// assert!(lock.try_read().is_ok()); // readers share
/// let err = lock.try_write().unwrap_err(); // a writer does not
/// assert!(!err.to_string().is_empty());
/// ```
#[derive(Debug)]
pub struct TryLockError(pub(super) ());

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl Error for TryLockError {}

/// Why [`OnceCell::set`](super::OnceCell::set) failed; the value is given
/// back.
///
/// ```
/// use runtime::sync::{OnceCell, SetError};
///
/// let cell = OnceCell::new_with(Some("first"));
/// let err = cell.set("second").unwrap_err();
/// assert_eq!(err, SetError::AlreadyInitializedError("second"));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initializing the cell right now (in `get_or_init`,
    /// `get_or_try_init` or `set`).
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell already held a value.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was initializing the cell.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetError::AlreadyInitializedError(_) => "AlreadyInitializedError",
            SetError::InitializingError(_) => "InitializingError",
        })
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

/// Why [`SetOnce::set`](super::SetOnce::set) failed: the cell already
/// holds a value. The value passed in is given back.
///
/// ```
/// let cell = runtime::sync::SetOnce::new();
/// cell.set(1).unwrap();
/// let err = cell.set(2).unwrap_err();
/// assert_eq!(err.0, 2);
/// assert_eq!(cell.get(), Some(&1));
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}
