//! A channel for one value, as tokio's `oneshot`: the [`Receiver`] is a
//! future of `Result<T, RecvError>`.
//!
//! - [`Sender::send`] hands the value over at once, or gives it back if
//!   the receiver is gone or closed the channel.
//! - Dropping the sender unsent makes the receiver fail with
//!   [`RecvError`].
//! - [`Receiver::close`] refuses any later send; a value sent before it
//!   can still be taken ([`Receiver::try_recv`], or awaiting).
//! - [`Sender::closed`] waits until nobody wants the value any more.
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
//!
//! # Design
//!
//! One small state under a lock: the value, two flags (`complete`: the
//! sender sent or is gone; `closed`: the receiver closed or is gone) and
//! each side's waker. Each side takes the lock once per operation. The
//! value and the wakers leave the lock before they are dropped or woken,
//! so their `drop` may use the channel's other half. The value is dropped
//! exactly once: given back by a refused `send`, or taken by the receiver
//! (by `try_recv`, the future, or its drop).

use super::wake_list::wake_all;
use crate::loom::{Arc, Mutex};
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// The errors of the channel, as tokio's `oneshot::error`.
pub mod error {
    use std::fmt;

    /// Why awaiting the [`Receiver`](super::Receiver) failed: the sender
    /// was dropped without sending (or the receiver closed the channel
    /// before a value was sent).
    ///
    /// ```
    /// # runtime::Runtime::new().unwrap().block_on(async {
    /// let (tx, rx) = runtime::sync::oneshot::channel::<u32>();
    /// drop(tx);
    /// let err = rx.await.unwrap_err();
    /// assert_eq!(err.to_string(), "channel closed");
    /// # });
    /// ```
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub struct RecvError(pub(super) ());

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no
    /// value.
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub enum TryRecvError {
        /// No value was sent yet, and the sender lives.
        Empty,
        /// No value will come: the sender went without sending, the
        /// receiver closed the channel first, or the value was taken.
        Closed,
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                TryRecvError::Empty => "channel empty",
                TryRecvError::Closed => "channel closed",
            })
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

/// A channel for one value: a [`Sender`] that sends it without waiting,
/// and a [`Receiver`] to await it.
///
/// ```
/// use runtime::sync::oneshot;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // A reply channel: the request carries the sender.
/// let (requests, mut inbox) = runtime::sync::mpsc::channel::<(u32, oneshot::Sender<u32>)>(4);
/// runtime::spawn(async move {
///     while let Some((n, reply)) = inbox.recv().await {
///         let _ = reply.send(n * n);
///     }
/// });
/// let (tx, rx) = oneshot::channel();
/// requests.send((12, tx)).await.unwrap();
/// assert_eq!(rx.await, Ok(144));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: Mutex::new(State {
            value: None,
            complete: false,
            closed: false,
            rx_waker: None,
            tx_waker: None,
        }),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

/// Sends the one value, made by [`channel`].
///
/// ```
/// use runtime::sync::oneshot;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (mut tx, rx) = oneshot::channel::<String>();
/// assert!(!tx.is_closed());
/// // Work whose result nobody wants any more can stop.
/// let worker = runtime::spawn(async move {
///     tx.closed().await;
///     "abandoned"
/// });
/// drop(rx);
/// assert_eq!(worker.await.unwrap(), "abandoned");
///
/// // A send to a dropped receiver gives the value back.
/// let (tx, rx) = oneshot::channel();
/// drop(rx);
/// assert_eq!(tx.send(5), Err(5));
/// # });
/// ```
pub struct Sender<T> {
    /// `None` only while `send` consumes it.
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the one value: await it, or [`try_recv`](Receiver::try_recv).
/// Made by [`channel`].
///
/// ```
/// use runtime::sync::oneshot::{self, error::TryRecvError};
/// use runtime::time::{timeout, Duration};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (tx, mut rx) = oneshot::channel();
/// assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
/// // Awaiting by `&mut` keeps the receiver, e.g. under a timeout.
/// assert!(timeout(Duration::from_millis(1), &mut rx).await.is_err());
/// tx.send(3).unwrap();
/// assert_eq!(rx.await, Ok(3));
/// # });
/// ```
pub struct Receiver<T> {
    /// `None` once terminated: the value (or the error) was returned.
    inner: Option<Arc<Inner<T>>>,
}

struct Inner<T> {
    state: Mutex<State<T>>,
}

struct State<T> {
    value: Option<T>,
    /// The sender sent (then `value` is set until taken) or is gone.
    complete: bool,
    /// The receiver closed the channel or is gone: a send is refused.
    closed: bool,
    rx_waker: Option<Waker>,
    tx_waker: Option<Waker>,
}

/// Stores `waker` in `slot`, returning the one it replaces, to be dropped
/// with the lock released.
fn register(slot: &mut Option<Waker>, waker: &Waker) -> Option<Waker> {
    match slot {
        Some(old) if old.will_wake(waker) => None,
        _ => slot.replace(waker.clone()),
    }
}

impl<T> Sender<T> {
    /// Sends `value`, without waiting. Gives it back if the receiver is
    /// gone or closed the channel; otherwise the receiver will get it
    /// (even if it is dropped or closed right after: then the value is
    /// dropped by the receiver).
    ///
    /// ```
    /// let (tx, rx) = runtime::sync::oneshot::channel();
    /// assert_eq!(tx.send("now"), Ok(()));
    /// // Received from synchronous code too.
    /// assert_eq!(rx.blocking_recv(), Ok("now"));
    /// ```
    pub fn send(mut self, value: T) -> Result<(), T> {
        let inner = self.inner.take().expect("a Sender holds the channel");
        let mut state = inner.state.lock();
        if state.closed {
            drop(state);
            return Err(value);
        }
        state.value = Some(value);
        state.complete = true;
        let (rx, tx) = (state.rx_waker.take(), state.tx_waker.take());
        drop(state);
        drop(tx);
        wake_all(rx);
        Ok(())
    }

    /// Whether the receiver is gone or closed the channel: a send would
    /// fail.
    pub fn is_closed(&self) -> bool {
        self.inner().state.lock().closed
    }

    /// Waits until the receiver is gone or closes the channel: to stop
    /// work whose result nobody wants.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await;
    }

    /// Polls for the receiver being gone or closed: `Pending` stores
    /// `cx`'s waker (only the last poll's is woken).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let mut state = self.inner().state.lock();
        if state.closed {
            coop.made_progress();
            return Poll::Ready(());
        }
        let old = register(&mut state.tx_waker, cx.waker());
        drop(state);
        drop(old);
        Poll::Pending
    }

    fn inner(&self) -> &Inner<T> {
        self.inner.as_ref().expect("a Sender holds the channel")
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return; // sent
        };
        let (rx, tx) = {
            let mut state = inner.state.lock();
            state.complete = true; // with no value: the receiver fails
            (state.rx_waker.take(), state.tx_waker.take())
        };
        drop(tx);
        wake_all(rx);
    }
}

impl<T> Receiver<T> {
    /// Closes the channel: a later [`send`](Sender::send) fails, and
    /// [`Sender::closed`] completes. A value sent before can still be
    /// taken, by [`try_recv`](Receiver::try_recv) or by awaiting.
    ///
    /// ```
    /// use runtime::sync::oneshot::{self, error::TryRecvError};
    ///
    /// let (tx, mut rx) = oneshot::channel();
    /// tx.send("early").unwrap();
    /// rx.close();
    /// assert_eq!(rx.try_recv(), Ok("early"));
    ///
    /// let (tx, mut rx) = oneshot::channel::<&str>();
    /// rx.close();
    /// assert_eq!(tx.send("late"), Err("late"));
    /// assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    /// ```
    pub fn close(&mut self) {
        let Some(inner) = &self.inner else {
            return;
        };
        let tx = {
            let mut state = inner.state.lock();
            state.closed = true;
            state.tx_waker.take()
        };
        wake_all(tx);
    }

    /// Whether the value (or the error) was returned already: by the
    /// future, or by a [`try_recv`](Receiver::try_recv) that did not
    /// return `Empty`. Polling a terminated receiver panics.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// Whether no value is waiting to be taken now.
    pub fn is_empty(&self) -> bool {
        match &self.inner {
            None => true,
            Some(inner) => inner.state.lock().value.is_none(),
        }
    }

    /// Takes the value if it was sent: `Empty` if not yet (and the sender
    /// lives), `Closed` if it never will be (or was taken already).
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = &self.inner else {
            return Err(TryRecvError::Closed);
        };
        let mut state = inner.state.lock();
        let result = if state.complete {
            state.value.take().ok_or(TryRecvError::Closed)
        } else if state.closed {
            Err(TryRecvError::Closed)
        } else {
            return Err(TryRecvError::Empty);
        };
        drop(state);
        self.inner = None;
        result
    }

    /// Waits for the value from synchronous code, blocking the thread.
    ///
    /// # Panics
    /// With a plain message if called from a thread that drives a runtime
    /// (inside a task or `block_on`), as tokio.
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        super::block_on(self)
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let inner = this
            .inner
            .as_ref()
            .expect("oneshot::Receiver polled after it completed");
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let mut state = inner.state.lock();
        let result = if state.complete {
            state.value.take().ok_or(RecvError(()))
        } else if state.closed {
            Err(RecvError(()))
        } else {
            let old = register(&mut state.rx_waker, cx.waker());
            drop(state);
            drop(old);
            return super::pending(SyncKind::Oneshot, inner);
        };
        drop(state);
        this.inner = None;
        coop.made_progress();
        Poll::Ready(result)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let Some(inner) = self.inner.take() else {
            return;
        };
        let (value, rx, tx) = {
            let mut state = inner.state.lock();
            state.closed = true;
            (
                state.value.take(),
                state.rx_waker.take(),
                state.tx_waker.take(),
            )
        };
        drop(rx);
        wake_all(tx);
        drop(value); // a value sent but never taken: dropped here, unlocked
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
        f.debug_struct("Receiver")
            .field("terminated", &self.is_terminated())
            .finish_non_exhaustive()
    }
}
