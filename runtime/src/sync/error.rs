//! The errors of the locks, the semaphore and the once-cells: tokio's
//! names, `Display` messages and traits.

use std::error::Error;
use std::fmt;

/// Why [`Semaphore::acquire`](super::Semaphore::acquire) (or
/// `acquire_many`, `acquire_owned`, ...) failed: the semaphore was
/// [closed](super::Semaphore::close). It is the only way they fail.
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
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}
