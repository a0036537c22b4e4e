//! Multi-producer, single-consumer channels for tasks, with tokio's shape,
//! over [`async_channel`]: [`channel`] (bounded: `send` waits for room) and
//! [`unbounded_channel`] (`send` never waits).
//!
//! The channel closes when every sender or the receiver is dropped (or
//! [`Receiver::close`] is called): `send` then returns the value in a
//! [`error::SendError`], and `recv` returns `None` once the
//! values already sent are drained.
//!
//! ```
//! use runtime::sync::mpsc;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let (tx, mut rx) = mpsc::channel(8);
//! for i in 0..3 {
//!     let tx = tx.clone();
//!     runtime::spawn(async move { tx.send(i).await.unwrap() });
//! }
//! drop(tx);
//! let mut got = Vec::new();
//! while let Some(v) = rx.recv().await {
//!     got.push(v);
//! }
//! got.sort();
//! assert_eq!(got, [0, 1, 2]);
//! # });
//! ```

use std::fmt;

/// The errors of the channels, as tokio's `mpsc::error`.
pub mod error {
    use std::fmt;

    /// The channel is closed; the value is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    /// Why `try_send` failed; the value is given back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub enum TrySendError<T> {
        /// The channel is full.
        Full(T),
        /// The channel is closed.
        Closed(T),
    }

    impl<T> TrySendError<T> {
        /// The value that was not sent.
        pub fn into_inner(self) -> T {
            match self {
                TrySendError::Full(v) | TrySendError::Closed(v) => v,
            }
        }
    }

    /// Why `try_recv` returned no value.
    #[derive(PartialEq, Eq, Clone, Copy, Debug)]
    pub enum TryRecvError {
        /// Nothing is queued, and senders remain.
        Empty,
        /// Nothing is queued, and every sender is gone (or the receiver
        /// closed the channel).
        Disconnected,
    }

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("SendError(..)")
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("sending on a closed channel")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    impl<T> fmt::Debug for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("Full(..)"),
                TrySendError::Closed(_) => f.write_str("Closed(..)"),
            }
        }
    }

    impl<T> fmt::Display for TrySendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TrySendError::Full(_) => f.write_str("no room in the channel"),
                TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
            }
        }
    }

    impl<T> std::error::Error for TrySendError<T> {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("the channel is empty"),
                TryRecvError::Disconnected => f.write_str("the channel is empty and closed"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{SendError, TryRecvError, TrySendError};

/// A bounded channel holding up to `buffer` values.
///
/// # Panics
/// If `buffer` is 0.
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let (tx, rx) = async_channel::bounded(buffer);
    (Sender { inner: tx }, Receiver { inner: rx })
}

/// A channel without a bound: `send` never waits.
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = async_channel::unbounded();
    (UnboundedSender { inner: tx }, Receiver { inner: rx })
}

/// The sending half of a bounded channel; clone it for more producers.
pub struct Sender<T> {
    inner: async_channel::Sender<T>,
}

/// The sending half of an unbounded channel; clone it for more producers.
pub struct UnboundedSender<T> {
    inner: async_channel::Sender<T>,
}

/// The receiving half of a channel (bounded or not).
pub struct Receiver<T> {
    inner: async_channel::Receiver<T>,
}

/// The receiving half of an unbounded channel.
pub type UnboundedReceiver<T> = Receiver<T>;

fn try_send<T>(tx: &async_channel::Sender<T>, value: T) -> Result<(), TrySendError<T>> {
    tx.try_send(value).map_err(|e| match e {
        async_channel::TrySendError::Full(v) => TrySendError::Full(v),
        async_channel::TrySendError::Closed(v) => TrySendError::Closed(v),
    })
}

impl<T> Sender<T> {
    /// Sends a value, waiting for room. Fails, giving the value back, if
    /// the receiver is gone. Cancel-safe in that a dropped `send` sends
    /// nothing.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.inner.send(value).await.map_err(|e| SendError(e.0))
    }

    /// Sends a value if there is room now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        try_send(&self.inner, value)
    }

    /// Sends a value from outside async code, blocking the thread while the
    /// channel is full: from a `spawn_blocking` closure or a thread of your
    /// own.
    ///
    /// # Panics
    /// With a plain message in an asynchronous context (inside a task or
    /// `block_on`), even if the channel has room, as tokio.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::context::assert_can_block();
        self.inner.send_blocking(value).map_err(|e| SendError(e.0))
    }

    /// Whether the receiver is gone (or closed the channel).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Waits until the receiver is gone (or closed the channel).
    pub async fn closed(&self) {
        self.inner.closed().await
    }

    /// The room left in the channel now.
    pub fn capacity(&self) -> usize {
        self.max_capacity() - self.inner.len()
    }

    /// The bound the channel was made with.
    pub fn max_capacity(&self) -> usize {
        self.inner
            .capacity()
            .expect("a bounded channel has a capacity")
    }
}

impl<T> UnboundedSender<T> {
    /// Sends a value at once. Fails, giving the value back, if the receiver
    /// is gone.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        try_send(&self.inner, value).map_err(|e| SendError(e.into_inner()))
    }

    /// Whether the receiver is gone (or closed the channel).
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Waits until the receiver is gone (or closed the channel).
    pub async fn closed(&self) {
        self.inner.closed().await
    }
}

impl<T> Receiver<T> {
    /// Receives the next value; `None` once the channel is closed and
    /// drained. Cancel-safe: a dropped `recv` loses no value.
    pub async fn recv(&mut self) -> Option<T> {
        self.inner.recv().await.ok()
    }

    /// Receives a value if one is queued now.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.inner.try_recv().map_err(|e| match e {
            async_channel::TryRecvError::Empty => TryRecvError::Empty,
            async_channel::TryRecvError::Closed => TryRecvError::Disconnected,
        })
    }

    /// Receives from outside async code, blocking the thread until a value
    /// comes: from a `spawn_blocking` closure or a thread of your own.
    ///
    /// # Panics
    /// With a plain message in an asynchronous context (inside a task or
    /// `block_on`), where waiting could block the very task that sends.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::context::assert_can_block();
        self.inner.recv_blocking().ok()
    }

    /// Closes the channel: senders fail from now on; the values already
    /// queued can still be received.
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// Whether the channel is closed.
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// The number of values queued.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no value is queued.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            inner: self.inner.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender")
            .field("queued", &self.inner.len())
            .finish()
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("queued", &self.inner.len())
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
