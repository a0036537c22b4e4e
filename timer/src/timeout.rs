//! [`Timeout`]: a future with a deadline.

use crate::error::Elapsed;
use crate::sleep::{deadline_after, Timer};
use crate::Instant;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `future` with a time limit: `Ok` with its output if it completes
/// within `duration`, `Err(Elapsed)` otherwise (the future is then dropped
/// with the `Timeout`).
///
/// The future is polled first, and a timer is armed only if it is pending:
/// a future that completes at once costs no lock, no allocation and no
/// clock read.
///
/// The `duration` counts from the first poll of the `Timeout` (for the
/// usual `timeout(d, f).await`, the moment it is called); tokio counts it
/// from the call. Reading the clock only when the future is pending makes
/// a timeout whose future is ready at once cost a few nanoseconds instead
/// of a clock read (`timers_cancel` bench). Use [`timeout_at`] for a fixed
/// deadline.
///
/// ```
/// use runtime::sync::oneshot;
/// use runtime::time::{timeout, Duration};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // In time: the future's output.
/// assert_eq!(timeout(Duration::from_secs(1), async { 5 }).await, Ok(5));
///
/// // Too late: an error, and the future is dropped.
/// let (tx, rx) = oneshot::channel::<u32>();
/// let late = timeout(Duration::from_millis(2), rx).await;
/// assert!(late.is_err());
/// assert!(tx.is_closed()); // the receiver went with the timeout
/// # });
/// ```
///
/// # Panics
///
/// When polled outside a runtime, or in a runtime built without time,
/// while the future is pending (a `Timeout` needs the runtime's timer only
/// then; `sleep` checks at creation).
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        value: future.into_future(),
        deadline: Deadline::After(duration),
    }
}

/// Like [`timeout`], with a deadline instead of a duration: several
/// steps can share one deadline.
///
/// ```
/// use runtime::time::{sleep, timeout_at, Duration, Instant};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let deadline = Instant::now() + Duration::from_millis(20);
/// // The first step fits; the second does not (the time is shared).
/// let first = timeout_at(deadline, sleep(Duration::from_millis(1))).await;
/// assert!(first.is_ok());
/// let second = timeout_at(deadline, std::future::pending::<()>()).await;
/// assert!(second.is_err());
/// assert!(Instant::now() >= deadline);
/// # });
/// ```
///
/// # Panics
///
/// As [`timeout`].
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        value: future.into_future(),
        deadline: Deadline::At(deadline),
    }
}

/// When a [`Timeout`] elapses: a duration until the first poll where the
/// future is pending, then the timer armed for it. One field, so a
/// timeout whose future is ready at once writes and drops little.
#[derive(Debug)]
enum Deadline {
    After(Duration),
    At(Instant),
    /// Not pinned: `Timer` is `Unpin`.
    Armed(Timer),
}

/// The future returned by [`timeout`] and [`timeout_at`]: `Ok` with the
/// inner future's output, or `Err(`[`Elapsed`]`)`.
///
/// ```
/// use runtime::time::{timeout, Duration};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let t = timeout(Duration::from_secs(1), std::future::ready("value"));
/// // The inner future can be looked at, or taken back.
/// let inner = t.into_inner();
/// assert_eq!(inner.await, "value");
///
/// // `Elapsed` converts into an `io::Error` for `?`.
/// let res: std::io::Result<()> = async {
///     timeout(Duration::from_millis(1), std::future::pending::<()>()).await?;
///     Ok(())
/// }
/// .await;
/// assert_eq!(res.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
/// # });
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Timeout<T> {
    /// Structurally pinned: see `poll`.
    value: T,
    deadline: Deadline,
}

impl<T> Timeout<T> {
    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Gives the inner future back, cancelling the timer.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: we never move out of `this`. `value` is pinned
        // structurally: it is only reached through `Pin` here, `Timeout`
        // has no `Drop` impl that could move it, `into_inner` and
        // `get_mut` take `Timeout` by value or `&mut` (so only for an
        // unpinned or `Unpin` one), and `Timeout` is `Unpin` only if `T`
        // is (`Timer` is). `deadline` is not pinned and used by `&mut`.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: `value` stays pinned while `self` is.
        let value = unsafe { Pin::new_unchecked(&mut this.value) };
        if let Poll::Ready(output) = value.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        let at = match this.deadline {
            Deadline::After(duration) => Some(deadline_after(duration)),
            Deadline::At(at) => Some(at),
            Deadline::Armed(_) => None,
        };
        if let Some(at) = at {
            this.deadline = Deadline::Armed(Timer::new(at));
        }
        let Deadline::Armed(timer) = &mut this.deadline else {
            unreachable!("armed just above")
        };
        timer.poll_elapsed(cx).map(|()| Err(Elapsed::new()))
    }
}

impl<T: fmt::Debug> fmt::Debug for Timeout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("value", &self.value)
            .field("deadline", &self.deadline)
            .finish()
    }
}
