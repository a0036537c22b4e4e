//! The errors of the channel, as tokio's `broadcast::error`: the same
//! names, variants, `Display` texts and traits.

use std::fmt;

/// Why [`Sender::send`](super::Sender::send) failed: no receiver is alive.
/// The value is given back.
///
/// ```
/// let (tx, rx) = runtime::sync::broadcast::channel(1);
/// drop(rx);
/// let err = tx.send(String::from("unsent")).unwrap_err();
/// assert_eq!(err.to_string(), "channel closed");
/// assert_eq!(err.0, "unsent");
/// ```
#[derive(Debug)]
pub struct SendError<T>(pub T);

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("channel closed")
    }
}

impl<T: fmt::Debug> std::error::Error for SendError<T> {}

/// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
///
/// ```
/// use runtime::sync::broadcast::{self, error::RecvError};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = broadcast::channel(1);
/// tx.send(1).unwrap();
/// tx.send(2).unwrap(); // overwrites 1
/// let lagged = rx.recv().await.unwrap_err();
/// assert_eq!(lagged, RecvError::Lagged(1));
/// assert_eq!(lagged.to_string(), "channel lagged by 1");
/// assert_eq!(rx.recv().await, Ok(2));
/// # });
/// ```
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum RecvError {
    /// Every sender is gone and this receiver has seen every value.
    Closed,
    /// This receiver fell behind: that many values were overwritten before
    /// it read them. The next receive returns the oldest value still kept.
    Lagged(u64),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvError::Closed => f.write_str("channel closed"),
            RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for RecvError {}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
///
/// ```
/// use runtime::sync::broadcast::{self, error::TryRecvError};
///
/// let (tx, mut rx) = broadcast::channel::<u8>(4);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Debug, PartialEq, Eq, Clone)]
pub enum TryRecvError {
    /// No value this receiver has not seen, and senders remain.
    Empty,
    /// Every sender is gone and this receiver has seen every value.
    Closed,
    /// As [`RecvError::Lagged`].
    Lagged(u64),
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("channel empty"),
            TryRecvError::Closed => f.write_str("channel closed"),
            TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
        }
    }
}

impl std::error::Error for TryRecvError {}
