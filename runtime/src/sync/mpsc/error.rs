//! The errors of the channels, as tokio's `mpsc::error`: the same names,
//! variants, `Display` texts and traits. Every error that a failed send
//! returns gives the value back.

use std::error::Error;
use std::fmt;

/// Why [`Sender::send`](super::Sender::send) (or
/// [`UnboundedSender::send`](super::UnboundedSender::send),
/// `blocking_send`, a `reserve*`) failed: the receiver is gone or closed
/// the channel. The value is given back (`()` for a reservation).
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = runtime::sync::mpsc::channel(1);
/// drop(rx);
/// let err = tx.send("kept").await.unwrap_err();
/// assert_eq!(err.0, "kept"); // the value comes back
/// assert_eq!(err.to_string(), "channel closed");
/// # });
/// ```
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

impl<T> Error for SendError<T> {}

/// Why [`Sender::try_send`](super::Sender::try_send) (or a `try_reserve*`)
/// failed; the value is given back.
///
/// ```
/// use runtime::sync::mpsc::{self, error::TrySendError};
///
/// let (tx, rx) = mpsc::channel(1);
/// tx.try_send(1).unwrap();
/// assert!(matches!(tx.try_send(2), Err(TrySendError::Full(2))));
/// drop(rx);
/// let err = tx.try_send(3).unwrap_err();
/// assert!(matches!(err, TrySendError::Closed(3)));
/// assert_eq!(err.into_inner(), 3);
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum TrySendError<T> {
    /// The channel has no free slot now.
    Full(T),
    /// The receiver is gone or closed the channel.
    Closed(T),
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(value) | TrySendError::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "Full(..)",
            TrySendError::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TrySendError::Full(_) => "no available capacity",
            TrySendError::Closed(_) => "channel closed",
        })
    }
}

impl<T> Error for TrySendError<T> {}

impl<T> From<SendError<T>> for TrySendError<T> {
    fn from(err: SendError<T>) -> TrySendError<T> {
        TrySendError::Closed(err.0)
    }
}

/// Why [`Receiver::try_recv`](super::Receiver::try_recv) (or
/// [`UnboundedReceiver::try_recv`](super::UnboundedReceiver::try_recv))
/// returned no value.
///
/// ```
/// use runtime::sync::mpsc::{self, error::TryRecvError};
///
/// let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// drop(tx);
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
/// ```
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum TryRecvError {
    /// Nothing is queued now, but a value may still come.
    Empty,
    /// Nothing is queued and nothing will be: every sender is gone, or the
    /// receiver closed the channel and no reserved slot is left.
    Disconnected,
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryRecvError::Empty => "receiving on an empty channel",
            TryRecvError::Disconnected => "receiving on a closed channel",
        })
    }
}

impl Error for TryRecvError {}

/// Why [`Sender::send_timeout`](super::Sender::send_timeout) failed; the
/// value is given back.
///
/// ```
/// use runtime::sync::mpsc::{self, error::SendTimeoutError};
/// use runtime::time::Duration;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, _rx) = mpsc::channel(1);
/// tx.send(1).await.unwrap(); // full now
/// let err = tx.send_timeout(2, Duration::from_millis(1)).await.unwrap_err();
/// assert!(matches!(err, SendTimeoutError::Timeout(2)));
/// # });
/// ```
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum SendTimeoutError<T> {
    /// No slot became free before the timeout.
    Timeout(T),
    /// The receiver is gone or closed the channel.
    Closed(T),
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(value) | SendTimeoutError::Closed(value) => value,
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "Timeout(..)",
            SendTimeoutError::Closed(_) => "Closed(..)",
        })
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendTimeoutError::Timeout(_) => "timed out waiting on send operation",
            SendTimeoutError::Closed(_) => "channel closed",
        })
    }
}

impl<T> Error for SendTimeoutError<T> {}
