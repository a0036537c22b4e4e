//! The two futures that wait for a token's cancellation. Each is a token
//! (borrowed or owned) and the key of its waiter entry (rule 6).

use super::{tree, CancellationToken};
use crate::sync::wait_queue::Key;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The future of [`CancellationToken::cancelled`]: completes once the
/// token is cancelled.
///
/// Unlike tokio-util's, it is `Unpin`: it holds no waiter inside itself,
/// only the key of one kept by the token.
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFuture<'a> {
    token: &'a CancellationToken,
    /// The waiter entry, from the first pending poll until ready or drop.
    key: Option<Key>,
}

/// The future of [`CancellationToken::cancelled_owned`]: as
/// [`WaitForCancellationFuture`], but it owns the token, so it is
/// `'static`.
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForCancellationFutureOwned {
    token: CancellationToken,
    key: Option<Key>,
}

impl<'a> WaitForCancellationFuture<'a> {
    pub(super) fn new(token: &'a CancellationToken) -> Self {
        WaitForCancellationFuture { token, key: None }
    }
}

impl WaitForCancellationFutureOwned {
    pub(super) fn new(token: CancellationToken) -> Self {
        WaitForCancellationFutureOwned { token, key: None }
    }
}

impl Future for WaitForCancellationFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        tree::poll_wait(&this.token.node, &mut this.key, cx.waker())
    }
}

impl Future for WaitForCancellationFutureOwned {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        tree::poll_wait(&this.token.node, &mut this.key, cx.waker())
    }
}

impl Drop for WaitForCancellationFuture<'_> {
    fn drop(&mut self) {
        tree::cancel_wait(&self.token.node, &mut self.key);
    }
}

impl Drop for WaitForCancellationFutureOwned {
    fn drop(&mut self) {
        // Before the token field is dropped: the entry is in its node.
        tree::cancel_wait(&self.token.node, &mut self.key);
    }
}

impl fmt::Debug for WaitForCancellationFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFuture")
            .field("is_cancelled", &self.token.is_cancelled())
            .finish()
    }
}

impl fmt::Debug for WaitForCancellationFutureOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForCancellationFutureOwned")
            .field("is_cancelled", &self.token.is_cancelled())
            .finish()
    }
}
