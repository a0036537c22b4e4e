//! `CancellationToken`: tokio-util's cancellation signal, a tree of tokens
//! where cancelling one cancels everything below it.
//!
//! # The tree
//!
//! A token and its clones share one node (`tree.rs`). A node has a flag,
//! the count of tokens that name it, and, under one lock, the link to its
//! parent, its children, and the wakers of the futures waiting for it.
//! `child_token` adds a node under the token's node. Cancelling walks the
//! nodes below, marks each, and wakes their waiters.
//!
//! # Rules
//!
//! 1. Strong references point down only. A token holds an `Arc` of its
//!    node, a node holds the `Arc`s of its children, and a child names its
//!    parent by a `Weak`. So the strong references form a forest, never a
//!    cycle, whatever the order tokens are dropped in. A parent outlives
//!    its links: it is unlinked from its children (rule 5) before its last
//!    `Arc` can go.
//! 2. A link has two ends, changed together: while both nodes are
//!    unlocked, `child.parent` names `p` exactly when `p.children` holds
//!    `child` at `child.index`. Whoever changes a link holds the locks of
//!    both ends. A cut link is never made again: only a linked node is
//!    adopted or moved.
//! 3. Lock order: a node before its descendants. A child is younger than
//!    its parent (it was made later, and adoption or moving up only gives
//!    it an older ancestor), so every thread takes locks from older to
//!    younger nodes, and none can deadlock. Two siblings are never locked
//!    at once, as their age order is unknown. To lock its parent, a node
//!    reads the link, unlocks, locks the parent and then itself, and checks
//!    that the link is still the same.
//! 4. Once set, the cancelled flag stays set. It is set under the node's
//!    lock, after the children are cut, so a cancelled node has no
//!    children and no linked waiters. A child made from a cancelled token
//!    is born cancelled, linked to nothing.
//! 5. When its last token is dropped, a node is unlinked. Its children move
//!    up to its parent, so cancelling the parent still reaches them. A
//!    root cuts them loose instead: nothing can cancel them through it any
//!    more. Then the node leaves its parent's list. So the tree holds only
//!    nodes that some token names, a parent's list does not grow when
//!    children are made and dropped in a loop, and a node is freed with no
//!    children, so freeing never recurses.
//! 6. A waiting future owns one entry of its node's waiter list, from its
//!    first pending poll until it is dropped or sees the cancellation, and
//!    only it removes the entry. `cancel` takes the wakers out under the
//!    lock, and wakes them once every lock is released, each inside
//!    `catch_unwind` (`wake_list.rs`). A waker that a poll replaces, or a
//!    drop removes, is dropped with the lock released too. A future
//!    polled and dropped in a loop leaves nothing behind.
//!
//! `cancel` is a loop, not a recursion (see `tree::cancel`), and unlinking
//! touches one level, so a chain of any depth is cancelled and dropped
//! with a flat stack.
//!
//! # Beside tokio-util
//!
//! The API, and what it promises, is tokio-util 0.7's. The design differs
//! in five places:
//!
//! - tokio-util's child holds an `Arc` of its parent, a cycle that
//!   unlinking breaks; here the link up is a `Weak` (rule 1).
//! - tokio-util waits on a `Notify` per node, which makes
//!   `cancelled_owned` a future that borrows from itself (with `unsafe`).
//!   Here the waiters sit in the node, under its lock, beside the flag, so
//!   both futures are a token and a key: no `unsafe` anywhere, and both
//!   futures are `Unpin`.
//! - tokio-util wakes each child's waiters while it holds the cancelled
//!   node's lock; here every waker runs after all locks are released.
//! - Cloning and dropping a token (except the last) does not lock: the
//!   token count is atomic.
//! - `is_cancelled` is one atomic load, not a lock.

mod guard;
mod tree;
mod wait;

pub use guard::{DropGuard, DropGuardRef};
pub use wait::{WaitForCancellationFuture, WaitForCancellationFutureOwned};

use std::fmt;
use std::future::{poll_fn, Future};
use std::hash::{Hash, Hasher};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;
use tree::Node;

/// A signal, sent once, that tasks should stop what they are doing, as
/// tokio-util's `CancellationToken`.
///
/// [`cancel`](CancellationToken::cancel) cancels the token, every clone of
/// it (they are the same token), and every token made from it by
/// [`child_token`](CancellationToken::child_token), at any depth. A
/// child's cancel does not reach its parent. Tasks learn of it by
/// awaiting [`cancelled`](CancellationToken::cancelled), or by checking
/// [`is_cancelled`](CancellationToken::is_cancelled). A token cannot be
/// un-cancelled.
///
/// Dropping tokens never cancels anything (use
/// [`drop_guard`](CancellationToken::drop_guard) for that), and leaks
/// nothing: a child of a dropped token still hears its grandparent's
/// cancel.
///
/// ```
/// use runtime::sync::CancellationToken;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let token = CancellationToken::new();
///     let mut workers = Vec::new();
///     for _ in 0..3 {
///         let token = token.child_token();
///         workers.push(runtime::spawn(async move {
///             token.cancelled().await;
///             "stopped"
///         }));
///     }
///     token.cancel(); // wakes all three
///     for worker in workers {
///         assert_eq!(worker.await.unwrap(), "stopped");
///     }
/// });
/// ```
///
/// # Memory ordering
///
/// What a thread did before `cancel` is visible to a thread that sees the
/// token cancelled: through `is_cancelled` returning `true`, or a
/// `cancelled` future completing.
pub struct CancellationToken {
    node: Arc<Node>,
}

impl CancellationToken {
    /// A token that is not cancelled, with no parent.
    pub fn new() -> CancellationToken {
        CancellationToken {
            node: Arc::new(Node::new()),
        }
    }

    /// A new token that is cancelled when this one is (or when any of this
    /// one's ancestors is). Cancelling the child does not cancel this
    /// token, unlike a clone. If this token is already cancelled, so is
    /// the child.
    ///
    /// ```
    /// use runtime::sync::CancellationToken;
    ///
    /// let parent = CancellationToken::new();
    /// let child = parent.child_token();
    /// let grandchild = child.child_token();
    ///
    /// child.cancel();
    /// assert!(grandchild.is_cancelled());
    /// assert!(!parent.is_cancelled());
    ///
    /// let other = parent.child_token();
    /// parent.cancel();
    /// assert!(other.is_cancelled());
    /// ```
    pub fn child_token(&self) -> CancellationToken {
        CancellationToken {
            node: tree::child(&self.node),
        }
    }

    /// Cancels this token and every token below it, and wakes every task
    /// waiting on any of them. Cancelling a token again does nothing.
    ///
    /// The tokens below are cancelled one after another, not at once: a
    /// thread racing with `cancel` may see one child cancelled and another
    /// not yet. Once `cancel` returns, all of them are (as in tokio-util).
    pub fn cancel(&self) {
        tree::cancel(&self.node);
    }

    /// Whether this token is cancelled (through itself, a clone, or an
    /// ancestor).
    pub fn is_cancelled(&self) -> bool {
        self.node.is_cancelled()
    }

    /// A future that completes once this token is cancelled: at once if it
    /// already is.
    ///
    /// The future is cancel safe, and dropping it before completion gives
    /// back what it took (its place among the waiters).
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        WaitForCancellationFuture::new(self)
    }

    /// [`cancelled`](CancellationToken::cancelled), for a future that owns
    /// the token: it is `'static`, so a spawned task can hold it.
    ///
    /// ```
    /// use runtime::sync::CancellationToken;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let token = CancellationToken::new();
    /// let waiter = runtime::spawn(token.clone().cancelled_owned());
    /// token.cancel();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    pub fn cancelled_owned(self) -> WaitForCancellationFutureOwned {
        WaitForCancellationFutureOwned::new(self)
    }

    /// A guard that cancels this token when dropped, unless it is
    /// [disarmed](DropGuard::disarm) first.
    pub fn drop_guard(self) -> DropGuard {
        DropGuard::new(self)
    }

    /// [`drop_guard`](CancellationToken::drop_guard) that borrows the
    /// token instead of owning it.
    pub fn drop_guard_ref(&self) -> DropGuardRef<'_> {
        DropGuardRef::new(self)
    }

    /// Runs `fut` until it completes (`Some` of its output) or this token
    /// is cancelled (`None`; `fut` is dropped then).
    ///
    /// # Which wins
    ///
    /// As tokio-util: if the token is cancelled when this future is first
    /// polled, it gives `None` without polling `fut`. After that, each poll
    /// polls `fut` first, so if `fut` is ready and the token cancelled at
    /// the same time, `fut`'s output wins.
    ///
    /// Cancel safe if `fut` is.
    ///
    /// ```
    /// use runtime::sync::CancellationToken;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let token = CancellationToken::new();
    /// assert_eq!(token.run_until_cancelled(async { 7 }).await, Some(7));
    ///
    /// token.cancel();
    /// let never = std::future::pending::<u32>();
    /// assert_eq!(token.run_until_cancelled(never).await, None);
    /// # });
    /// ```
    pub async fn run_until_cancelled<F>(&self, fut: F) -> Option<F::Output>
    where
        F: Future,
    {
        if self.is_cancelled() {
            return None;
        }
        let mut fut = pin!(fut);
        let mut cancelled = self.cancelled();
        poll_fn(|cx| {
            if let Poll::Ready(output) = fut.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            Pin::new(&mut cancelled).poll(cx).map(|()| None)
        })
        .await
    }

    /// [`run_until_cancelled`](CancellationToken::run_until_cancelled),
    /// for a future that owns the token.
    pub async fn run_until_cancelled_owned<F>(self, fut: F) -> Option<F::Output>
    where
        F: Future,
    {
        self.run_until_cancelled(fut).await
    }

    /// How many `cancelled` futures own a waiter entry in this token's
    /// node. Not part of the API: for this crate's tests.
    #[doc(hidden)]
    pub fn __waiter_count(&self) -> usize {
        self.node.waiting()
    }

    /// How many child nodes are linked under this token's node. Not part
    /// of the API: for this crate's tests.
    #[doc(hidden)]
    pub fn __child_count(&self) -> usize {
        self.node.children()
    }
}

impl Clone for CancellationToken {
    /// The same token: cancelling either cancels both.
    fn clone(&self) -> CancellationToken {
        self.node.add_handle();
        CancellationToken {
            node: self.node.clone(),
        }
    }
}

impl Drop for CancellationToken {
    fn drop(&mut self) {
        self.node.drop_handle();
    }
}

impl Default for CancellationToken {
    fn default() -> CancellationToken {
        CancellationToken::new()
    }
}

impl PartialEq for CancellationToken {
    /// Whether the two are the same token (one is a clone of the other). A
    /// parent and its child are not equal.
    fn eq(&self, other: &CancellationToken) -> bool {
        Arc::ptr_eq(&self.node, &other.node)
    }
}

impl Eq for CancellationToken {}

impl Hash for CancellationToken {
    /// Hashes the token's identity, as [`PartialEq`] compares it.
    fn hash<H: Hasher>(&self, state: &mut H) {
        Arc::as_ptr(&self.node).hash(state);
    }
}

impl fmt::Debug for CancellationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancellationToken")
            .field("is_cancelled", &self.is_cancelled())
            .finish()
    }
}

// A panic caught around a token leaves the tree consistent: the tree runs
// no foreign code with a lock held (rule 6), so nothing there unwinds short
// of a broken rule, and the locks do not poison (tokio-util's token is
// unwind-safe too).
impl std::panic::UnwindSafe for CancellationToken {}
impl std::panic::RefUnwindSafe for CancellationToken {}
