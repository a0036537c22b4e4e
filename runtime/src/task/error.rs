//! `JoinError`: why a task gave no output.

use super::Id;
use std::any::Any;
use std::fmt;

/// A task failed to complete: it was cancelled (aborted, or its runtime
/// shut down) or it panicked.
///
/// # Examples
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let err = runtime::spawn(async { panic!("boom") }).await.unwrap_err();
/// assert!(err.is_panic() && !err.is_cancelled());
/// assert!(err.to_string().contains("panicked with message \"boom\""));
/// // The payload is the panic's, e.g. to go on unwinding with
/// // `std::panic::resume_unwind(err.into_panic())`.
/// let payload = err.into_panic();
/// assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
///
/// let task = runtime::spawn(std::future::pending::<()>());
/// task.abort();
/// let err = task.await.unwrap_err();
/// assert!(err.is_cancelled());
/// // No payload: the error comes back.
/// let err = err.try_into_panic().unwrap_err();
/// assert!(err.to_string().ends_with("was cancelled"));
/// # });
/// ```
pub struct JoinError {
    id: Id,
    repr: Failure,
}

/// A `JoinError` without its id: what a task cell stores (16 bytes, so a
/// small task's stage stays small); the `JoinHandle` adds the id when it
/// reads the output.
pub(crate) enum Failure {
    Cancelled,
    Panic(Payload),
}

impl Failure {
    pub(crate) fn panic(payload: Box<dyn Any + Send + 'static>) -> Failure {
        Failure::Panic(Payload(payload))
    }
}

/// A panic payload, shared only through [`Payload::message`]: so a
/// `JoinError` is `Sync` (as tokio's), and `?` can turn it into an
/// `anyhow::Error` or a `Box<dyn Error + Send + Sync>`.
pub(crate) struct Payload(Box<dyn Any + Send + 'static>);

// SAFETY: through a shared reference the payload is only asked its type
// (`Any::type_id`, which reads no data) and read as a `String` or a
// `&'static str`, both `Sync` (`message`); every other access owns it
// (`into_panic`).
unsafe impl Sync for Payload {}

impl Payload {
    /// The panic's message, if it was a string.
    fn message(&self) -> Option<&str> {
        let payload: &(dyn Any + Send) = &*self.0;
        payload
            .downcast_ref::<&'static str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
    }
}

impl JoinError {
    pub(crate) fn new(id: Id, failure: Failure) -> JoinError {
        JoinError { id, repr: failure }
    }

    /// The task was cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self.repr, Failure::Cancelled)
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self.repr, Failure::Panic(_))
    }

    /// The panic's payload, to resume it with `std::panic::resume_unwind`.
    ///
    /// # Panics
    /// If the task was cancelled rather than panicking.
    #[track_caller]
    pub fn into_panic(self) -> Box<dyn Any + Send + 'static> {
        self.try_into_panic()
            .expect("`JoinError::into_panic` called on a task that was cancelled, not panicked")
    }

    /// The panic's payload, or the error itself if the task was cancelled.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send + 'static>, JoinError> {
        match self.repr {
            Failure::Panic(p) => Ok(p.0),
            Failure::Cancelled => Err(self),
        }
    }

    /// The id of the task that failed.
    pub fn id(&self) -> Id {
        self.id
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Failure::Cancelled => write!(f, "task {} was cancelled", self.id),
            Failure::Panic(p) => match p.message() {
                Some(msg) => write!(f, "task {} panicked with message {msg:?}", self.id),
                None => write!(f, "task {} panicked", self.id),
            },
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            Failure::Cancelled => write!(f, "JoinError::Cancelled({:?})", self.id),
            Failure::Panic(p) => match p.message() {
                Some(msg) => write!(f, "JoinError::Panic({:?}, {msg:?}, ..)", self.id),
                None => write!(f, "JoinError::Panic({:?}, ..)", self.id),
            },
        }
    }
}

impl std::error::Error for JoinError {}

impl From<JoinError> for std::io::Error {
    fn from(e: JoinError) -> std::io::Error {
        std::io::Error::other(e.to_string())
    }
}
