//! The nodes of the cancellation tree and the four operations on them:
//! make a child, cancel, wait, and unlink a node whose last token is gone.
//! The rules they keep are numbered in the module doc of `mod.rs`; the
//! comments here cite them.

use crate::loom::{AtomicBool, AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::sync::wait_queue::{Key, WaitQueue};
use crate::sync::wake_list::wake_all;
use std::mem;
// Not the loom shim's `Arc`: loom has no `Weak` (rule 1 needs one). The
// protocol state, the locks and flags below, does go through the shim.
use std::sync::{Arc, Weak};
use std::task::{Poll, Waker};

/// One node of the tree: what a token and its clones share.
pub(super) struct Node {
    /// Set once, from `false` to `true`, with `inner` locked (rule 4);
    /// read without the lock by `is_cancelled`.
    cancelled: AtomicBool,
    /// The `CancellationToken`s that name this node (rule 5).
    handles: AtomicUsize,
    inner: Mutex<Inner>,
}

struct Inner {
    /// `Some` while the node is linked under a parent (rules 1 and 2).
    parent: Option<Weak<Node>>,
    /// Where this node sits in its parent's `children`, while linked.
    /// Changed only with both this node and the parent locked (rule 2).
    index: usize,
    children: Vec<Arc<Node>>,
    /// The wakers of the futures waiting for this node (rule 6).
    waiters: WaitQueue<Option<Waker>>,
    /// How many entries of `waiters` their futures still own.
    waiting: usize,
}

impl Node {
    /// A root node with one handle.
    pub(super) fn new() -> Node {
        Node::with(None, 0, false)
    }

    fn with(parent: Option<Weak<Node>>, index: usize, cancelled: bool) -> Node {
        Node {
            cancelled: AtomicBool::new(cancelled),
            handles: AtomicUsize::new(1),
            inner: Mutex::new(Inner {
                parent,
                index,
                children: Vec::new(),
                waiters: WaitQueue::new(),
                waiting: 0,
            }),
        }
    }

    pub(super) fn is_cancelled(&self) -> bool {
        // Acquire: pairs with the release store in `mark_cancelled`, so
        // what the canceller did before `cancel` is visible to whoever
        // sees the flag.
        self.cancelled.load(Ordering::Acquire)
    }

    /// The flag, read with `inner` locked: the lock orders it (rule 4).
    fn is_cancelled_locked(&self, _inner: &MutexGuard<'_, Inner>) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// One more token names this node (a clone of one that does).
    pub(super) fn add_handle(&self) {
        // Relaxed, as `Arc::clone`: the caller's token keeps the count
        // above zero, so nothing is decided on this value.
        let old = self.handles.fetch_add(1, Ordering::Relaxed);
        if old > isize::MAX as usize {
            // Only reachable by leaking tokens (`mem::forget`) billions of
            // times; a wrapped count would unlink a node still in use.
            std::process::abort();
        }
    }

    /// A token is dropped. The last one unlinks the node (rule 5).
    pub(super) fn drop_handle(self: &Arc<Node>) {
        // AcqRel, as `Arc`'s drop: the last dropper sees what the other
        // holders did before they let go (all of it is under `inner`'s
        // lock too, which orders it again).
        if self.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            unlink(self);
        }
    }

    /// How many waiter entries futures still own (for the tests).
    pub(super) fn waiting(&self) -> usize {
        self.inner.lock().waiting
    }

    /// How many children are linked under this node (for the tests).
    pub(super) fn children(&self) -> usize {
        self.inner.lock().children.len()
    }
}

/// A new child of `parent`, with one handle; already cancelled, and linked
/// to nothing, if `parent` is (rule 4: a cancelled node has no children).
pub(super) fn child(parent: &Arc<Node>) -> Arc<Node> {
    let mut p = parent.inner.lock();
    if parent.is_cancelled_locked(&p) {
        return Arc::new(Node::with(None, 0, true));
    }
    // Rule 2: the link is made in both directions under the parent's lock
    // (nobody else can reach the child yet). Rule 3: the child is younger.
    let index = p.children.len();
    let child = Arc::new(Node::with(Some(Arc::downgrade(parent)), index, false));
    p.children.push(child.clone());
    child
}

/// Cancels `node` and everything below it, then wakes every waiter of
/// those nodes with no lock held.
///
/// The walk is a loop, not a recursion: `node`'s own `children` is the
/// work list. Each child is taken off it, its children are adopted by
/// `node` (moved onto the list), and it is marked. So each node below is
/// visited once, at most three locks are held (node, child, grandchild:
/// the order of rule 3), and the stack stays flat for any depth.
///
/// `node` stays locked throughout and is marked last, so a second `cancel`
/// of it waits for this one, and returns only once everything is
/// cancelled.
pub(super) fn cancel(node: &Arc<Node>) {
    let mut wakers = Vec::new();
    {
        let mut n = node.inner.lock();
        if node.is_cancelled_locked(&n) {
            return;
        }
        while let Some(child) = n.children.pop() {
            let mut c = child.inner.lock();
            // Rule 2: cut both ends (the pop did the parent's).
            c.parent = None;
            if child.is_cancelled_locked(&c) {
                continue; // nothing below it (rule 4)
            }
            let grandchildren = mem::take(&mut c.children);
            n.children.reserve(grandchildren.len());
            for grandchild in grandchildren {
                let mut g = grandchild.inner.lock();
                if grandchild.is_cancelled_locked(&g) {
                    g.parent = None;
                    continue;
                }
                // Adopted: `node` is an ancestor, so older (rule 3).
                g.parent = Some(Arc::downgrade(node));
                g.index = n.children.len();
                drop(g);
                n.children.push(grandchild);
            }
            mark_cancelled(&child, &mut c, &mut wakers);
            // `child` is dropped under `node`'s lock; it is never the last
            // reference (rule 5), so no foreign code runs here.
        }
        mark_cancelled(node, &mut n, &mut wakers);
    }
    // Rule 6: woken once every lock is released.
    wake_all(wakers);
}

/// Sets the flag of a locked node that has no children left, and takes
/// its waiters' wakers (rules 4 and 6).
fn mark_cancelled(node: &Node, inner: &mut Inner, wakers: &mut Vec<Waker>) {
    debug_assert!(inner.children.is_empty(), "rule 4: children go first");
    // Release: pairs with the acquire load in `is_cancelled`.
    node.cancelled.store(true, Ordering::Release);
    inner.children = Vec::new(); // give the list's memory back
    while let Some(popped) = inner.waiters.pop_front() {
        wakers.extend(inner.waiters.popped_mut(popped).take());
    }
}

/// Unlinks `node`, whose last token is being dropped (rule 5): its
/// children move up to its parent, and it leaves the parent's list; a root
/// cuts its children loose instead.
fn unlink(node: &Arc<Node>) {
    loop {
        let n = node.inner.lock();
        let parent = match &n.parent {
            None => return cut_children(n),
            // Rule 1: a parent outlives its links, so this upgrade works.
            Some(parent) => parent.upgrade().expect("rule 1: a linked parent is alive"),
        };
        // Rule 3: the parent's lock comes first, so ours is let go while
        // we take it. The link may change meanwhile (the parent unlinked
        // itself and handed us up, or was cancelled and cut us): look
        // again then. Each retry finds an older parent or none, so this
        // ends.
        drop(n);
        let mut p = parent.inner.lock();
        let mut n = node.inner.lock();
        let linked = n
            .parent
            .as_ref()
            .is_some_and(|w| w.as_ptr() == Arc::as_ptr(&parent));
        if !linked {
            continue;
        }
        // Rule 2 with both ends locked: `node` is at `n.index` in `p`, and
        // `parent` is not cancelled (rule 4: it has a child).
        let children = mem::take(&mut n.children);
        p.children.reserve(children.len());
        for child in children {
            let mut c = child.inner.lock();
            c.parent = Some(Arc::downgrade(&parent));
            c.index = p.children.len();
            drop(c);
            p.children.push(child);
        }
        n.parent = None;
        let index = n.index;
        // Rule 3: siblings are never locked together, so ours goes before
        // the sibling that takes our slot is locked.
        drop(n);
        remove_child(&mut p, index);
        return;
    }
}

/// Cuts the children of a root whose last token is gone: nothing can
/// cancel them through it any more (rule 5).
fn cut_children(mut n: MutexGuard<'_, Inner>) {
    for child in mem::take(&mut n.children) {
        child.inner.lock().parent = None;
    }
}

/// Takes the child at `index` off a locked parent's list; the last child
/// fills the gap, and its `index` is updated (rule 2).
fn remove_child(p: &mut Inner, index: usize) {
    // The removed `Arc` is the unlinking node's, whose token is still
    // alive: dropping it here frees nothing.
    p.children.swap_remove(index);
    if let Some(moved) = p.children.get(index) {
        moved.inner.lock().index = index;
    }
    // A parent that had many children gives the memory back as they go.
    let len = p.children.len();
    if p.children.capacity() > 8 && len * 4 <= p.children.capacity() {
        p.children.shrink_to(len * 2);
    }
}

/// Polls a waiting future: ready once `node` is cancelled, otherwise its
/// waker is stored in the entry `key` names (made on the first pending
/// poll). The entry is given back here once cancelled.
pub(super) fn poll_wait(node: &Node, key: &mut Option<Key>, waker: &Waker) -> Poll<()> {
    if key.is_none() && node.is_cancelled() {
        return Poll::Ready(());
    }
    let mut inner = node.inner.lock();
    if node.is_cancelled_locked(&inner) {
        let old = key.take().map(|key| inner.remove(key));
        drop(inner);
        drop(old); // foreign code (rule 6)
        return Poll::Ready(());
    }
    let old = match key {
        None => {
            *key = Some(inner.waiters.push_back(Some(waker.clone())));
            inner.waiting += 1;
            None
        }
        Some(key) => {
            let slot = inner.waiters.get_mut(key);
            match slot {
                Some(old) if old.will_wake(waker) => None,
                _ => slot.replace(waker.clone()),
            }
        }
    };
    drop(inner);
    drop(old); // foreign code (rule 6)
    Poll::Pending
}

/// Gives back the entry of a waiting future that is dropped.
pub(super) fn cancel_wait(node: &Node, key: &mut Option<Key>) {
    if let Some(key) = key.take() {
        let old = node.inner.lock().remove(key);
        drop(old); // foreign code, with the lock released (rule 6)
    }
}

impl Inner {
    /// Removes the entry `key` names (rule 6: only its future does).
    fn remove(&mut self, key: Key) -> Option<Waker> {
        self.waiting -= 1;
        self.waiters.remove(key)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Rule 5: the last token unlinked the node, so it frees no child
        // (which would recurse, once per level of a deep tree), and every
        // waiting future, which holds a token, is gone.
        debug_assert!(self.inner.lock().children.is_empty());
    }
}
