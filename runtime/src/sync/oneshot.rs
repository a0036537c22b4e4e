//! A channel for one value, with tokio's shape, over
//! [`futures_channel::oneshot`]: the [`Receiver`] is itself a future of
//! `Result<T, RecvError>`.
//!
//! ```
//! use runtime::sync::oneshot;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, rx) = oneshot::channel();
//! runtime::spawn(async move { tx.send("done").unwrap() });
//! assert_eq!(rx.await, Ok("done"));
//!
//! let (tx, rx) = oneshot::channel::<u8>();
//! drop(tx);
//! assert!(rx.await.is_err());
//! # });
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The errors of the channel, as tokio's `oneshot::error`.
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub struct RecvError(pub(super) ());

    /// Why `try_recv` returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// Nothing was sent yet.
        Empty,
        /// The sender was dropped without sending (or the value was taken).
        Closed,
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("the sender was dropped without sending")
        }
    }

    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("no value was sent yet"),
                TryRecvError::Closed => f.write_str("the sender was dropped without sending"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// A channel for one value.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let (tx, rx) = futures_channel::oneshot::channel();
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// Sends the one value.
pub struct Sender<T> {
    inner: futures_channel::oneshot::Sender<T>,
}

/// Receives the one value: await it.
pub struct Receiver<T> {
    inner: futures_channel::oneshot::Receiver<T>,
}

impl<T> Sender<T> {
    /// Sends the value; gives it back if the receiver is gone.
    pub fn send(self, value: T) -> Result<(), T> {
        self.inner.send(value)
    }

    /// Whether the receiver is gone (or closed).
    pub fn is_closed(&self) -> bool {
        self.inner.is_canceled()
    }

    /// Waits until the receiver is gone (or closed): to stop work whose
    /// result nobody wants any more.
    pub async fn closed(&mut self) {
        self.inner.cancellation().await
    }
}

impl<T> Receiver<T> {
    /// Takes the value if it was sent.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        match self.inner.try_recv() {
            Ok(Some(v)) => Ok(v),
            Ok(None) => Err(TryRecvError::Empty),
            Err(_) => Err(TryRecvError::Closed),
        }
    }

    /// Tells the sender that no value is wanted; a value sent before this
    /// can still be taken with `try_recv`.
    pub fn close(&mut self) {
        self.inner.close();
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.inner)
            .poll(cx)
            .map(|r| r.map_err(|_| RecvError(())))
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}
