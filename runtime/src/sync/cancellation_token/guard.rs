//! Guards that cancel a token when they are dropped.

use super::CancellationToken;

/// Cancels its token when dropped, unless [disarmed](DropGuard::disarm)
/// first; made by [`CancellationToken::drop_guard`]. It ties the
/// cancellation to a scope: every way out of it, a panic included,
/// cancels.
///
/// ```
/// use runtime::sync::CancellationToken;
///
/// let token = CancellationToken::new();
/// let watcher = token.clone();
/// {
///     let _guard = token.drop_guard();
///     assert!(!watcher.is_cancelled());
/// } // dropped here
/// assert!(watcher.is_cancelled());
///
/// let token = CancellationToken::new();
/// let guard = token.clone().drop_guard();
/// let token_back = guard.disarm(); // no cancel
/// assert!(!token.is_cancelled() && token_back == token);
/// ```
#[derive(Debug)]
#[must_use = "dropping the guard cancels the token at once"]
pub struct DropGuard {
    /// `Some` until `disarm` takes it.
    token: Option<CancellationToken>,
}

/// [`DropGuard`] for a borrowed token; made by
/// [`CancellationToken::drop_guard_ref`].
#[derive(Debug)]
#[must_use = "dropping the guard cancels the token at once"]
pub struct DropGuardRef<'a> {
    token: Option<&'a CancellationToken>,
}

impl DropGuard {
    pub(super) fn new(token: CancellationToken) -> DropGuard {
        DropGuard { token: Some(token) }
    }

    /// The guarded token.
    pub fn token(&self) -> &CancellationToken {
        self.token
            .as_ref()
            .expect("only `disarm` empties the guard")
    }

    /// Gives the token back without cancelling it. Other guards of the
    /// same token still cancel it when dropped.
    pub fn disarm(mut self) -> CancellationToken {
        self.token.take().expect("only `disarm` empties the guard")
    }
}

impl Drop for DropGuard {
    fn drop(&mut self) {
        if let Some(token) = &self.token {
            token.cancel();
        }
    }
}

impl<'a> DropGuardRef<'a> {
    pub(super) fn new(token: &'a CancellationToken) -> DropGuardRef<'a> {
        DropGuardRef { token: Some(token) }
    }

    /// The guarded token.
    pub fn token(&self) -> &CancellationToken {
        self.token.expect("only `disarm` empties the guard")
    }

    /// Gives the token back without cancelling it.
    pub fn disarm(mut self) -> &'a CancellationToken {
        self.token.take().expect("only `disarm` empties the guard")
    }
}

impl Drop for DropGuardRef<'_> {
    fn drop(&mut self) {
        if let Some(token) = self.token {
            token.cancel();
        }
    }
}
