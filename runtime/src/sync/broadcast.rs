//! A multi-producer, multi-consumer channel where every receiver sees every
//! value, with tokio's shape, over [`async_broadcast`] in overflow mode:
//! `send` never waits; when the buffer is full the oldest value is dropped,
//! and a receiver that had not seen it gets [`RecvError::Lagged`] once.
//!
//! ```
//! use runtime::sync::broadcast;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx1) = broadcast::channel(16);
//! let mut rx2 = tx.subscribe();
//! assert_eq!(tx.send("hello"), Ok(2)); // two receivers got it
//! assert_eq!(rx1.recv().await, Ok("hello"));
//! assert_eq!(rx2.recv().await, Ok("hello"));
//! # });
//! ```
//!
//! [`RecvError::Lagged`]: error::RecvError::Lagged

use std::fmt;
use std::sync::Arc;

/// The errors of the channel, as tokio's `broadcast::error`.
pub mod error {
    use std::fmt;

    /// There was no receiver; the value is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    /// Why `recv` returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum RecvError {
        /// Every sender is gone and every value was seen.
        Closed,
        /// This receiver fell behind: that many values were dropped before
        /// it saw them. The next `recv` returns the oldest value kept.
        Lagged(u64),
    }

    /// Why `try_recv` returned no value.
    #[derive(Debug, PartialEq, Eq, Clone, Copy)]
    pub enum TryRecvError {
        /// No new value yet.
        Empty,
        /// Every sender is gone and every value was seen.
        Closed,
        /// As [`RecvError::Lagged`].
        Lagged(u64),
    }

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SendError(..)")
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("sending on a channel with no receiver")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("the channel is closed"),
                RecvError::Lagged(n) => write!(f, "the receiver lagged behind by {n} values"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("no new value"),
                TryRecvError::Closed => f.write_str("the channel is closed"),
                TryRecvError::Lagged(n) => write!(f, "the receiver lagged behind by {n} values"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

/// A channel keeping the last `capacity` values for receivers that lag.
///
/// # Panics
/// If `capacity` is 0.
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    assert!(capacity > 0, "broadcast channel capacity must be > 0");
    let (mut tx, rx) = async_broadcast::broadcast(capacity);
    tx.set_overflow(true);
    // Keeps the channel open while no receiver is alive, so `subscribe`
    // still works then (as tokio's); `send` meanwhile reports no receiver.
    let keep = Arc::new(rx.clone().deactivate());
    (Sender { inner: tx, keep }, Receiver { inner: rx })
}

/// The sending half; clone it for more producers.
pub struct Sender<T> {
    inner: async_broadcast::Sender<T>,
    keep: Arc<async_broadcast::InactiveReceiver<T>>,
}

/// A receiving half: sees every value sent after it was made.
pub struct Receiver<T> {
    inner: async_broadcast::Receiver<T>,
}

impl<T: Clone> Sender<T> {
    /// Sends a value to every receiver, at once. Returns how many
    /// receivers there are, or the value back if there is none.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        match self.inner.try_broadcast(value) {
            Ok(_dropped_oldest) => Ok(self.inner.receiver_count()),
            Err(async_broadcast::TrySendError::Full(_)) => {
                unreachable!("a channel in overflow mode is never full")
            }
            Err(async_broadcast::TrySendError::Closed(v))
            | Err(async_broadcast::TrySendError::Inactive(v)) => Err(SendError(v)),
        }
    }

    /// A new receiver, which sees the values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.keep.activate_cloned(),
        }
    }

    /// The number of receivers alive.
    pub fn receiver_count(&self) -> usize {
        self.inner.receiver_count()
    }
}

impl<T: Clone> Receiver<T> {
    /// Receives the next value. Cancel-safe.
    pub async fn recv(&mut self) -> Result<T, RecvError> {
        self.inner.recv_direct().await.map_err(|e| match e {
            async_broadcast::RecvError::Closed => RecvError::Closed,
            async_broadcast::RecvError::Overflowed(n) => RecvError::Lagged(n),
        })
    }

    /// Receives a value if one is waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|e| match e {
            async_broadcast::TryRecvError::Empty => TryRecvError::Empty,
            async_broadcast::TryRecvError::Closed => TryRecvError::Closed,
            async_broadcast::TryRecvError::Overflowed(n) => TryRecvError::Lagged(n),
        })
    }

    /// A new receiver that sees the values sent from now on.
    pub fn resubscribe(&self) -> Receiver<T> {
        Receiver {
            inner: self.inner.new_receiver(),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
            keep: self.keep.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("receivers", &self.inner.receiver_count())
            .finish()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("queued", &self.inner.len())
            .finish()
    }
}
