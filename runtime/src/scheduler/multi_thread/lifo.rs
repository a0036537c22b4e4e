//! The LIFO slot: the task that the running task just woke or spawned runs
//! next on the same worker, while its data is still in cache (message
//! passing). Unlike tokio's, this slot can be stolen, so a task is never
//! stranded behind a worker whose current poll blocks (tokio#4941).
//!
//! # Protocol
//!
//! - Only the owner puts a task in its slot. If the slot is empty it does a
//!   plain `Release` store (nobody else ever writes a non-null pointer, so
//!   no read-modify-write is needed); otherwise it swaps, and the displaced
//!   task goes to its local queue.
//! - The owner takes with a `swap(null)`, a thief with a CAS from the
//!   pointer it saw; `Acquire` on both pairs with the owner's store, so the
//!   taker sees the task as the owner left it. Whoever wins owns the
//!   `Notified`; ABA is harmless since any pointer in the slot is one.
//! - Filling the slot wakes nobody if a parked worker is *watching*
//!   ([`Watcher`], at most one at a time). A worker that goes to sleep
//!   while another worker is unparked (so a slot may fill) becomes the
//!   watcher if there is none: it sleeps at most [`LIFO_STEAL_AFTER`], then
//!   steals any task that sat in the same slot while the slot owner's poll
//!   count did not move, i.e. the owner spent the whole time inside one
//!   poll; then it watches again, or sleeps without a timeout once every
//!   other worker sleeps too. If nobody watches, filling the slot notifies
//!   like any other push.
//! - The worker calls two methods of [`Watcher`] around its park
//!   ([`Watcher::begin`], [`Watcher::end`]); the owner's push asks
//!   [`Watcher::someone_watching`].
//! - Why no task is stranded: an owner fills its slot only while unparked,
//!   and runs the slot itself before it parks. So a task can only be stuck
//!   in the slot of an unparked worker, and while any worker is unparked a
//!   watcher exists, or the owner saw `watching == 0` (a SeqCst load after
//!   its own SeqCst unpark transition) and woke a sleeper, which watches
//!   when it finds nothing else to do.

use super::Remote;
use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use crate::scheduler::tuning::LIFO_STEAL_AFTER;
use crate::task::{Header, Notified};
use crossbeam_utils::CachePadded;
use std::ptr::{self, NonNull};
use std::time::Duration;

/// One worker's slot, and the count of polls it has started, which
/// watchers read to tell a stuck owner from a busy one.
#[derive(Debug)]
pub(crate) struct Slot {
    task: AtomicPtr<Header>,
    polls: AtomicUsize,
}

/// What a watcher saw before sleeping: a slot's task and the owner's polls.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Seen {
    victim: usize,
    task: *mut Header,
    polls: usize,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            task: AtomicPtr::new(ptr::null_mut()),
            polls: AtomicUsize::new(0),
        }
    }

    /// Owner only. Returns the displaced task, if any.
    pub(crate) fn push(&self, task: Notified) -> Option<Notified> {
        let new = task.into_raw().header_ptr().as_ptr();
        // Relaxed: only this thread writes non-null values.
        if self.task.load(Ordering::Relaxed).is_null() {
            // Release: publishes the task to whoever takes it.
            self.task.store(new, Ordering::Release);
            return None;
        }
        let old = self.task.swap(new, Ordering::AcqRel);
        // SAFETY: every non-null pointer in the slot came from
        // `Notified::into_raw`, and the swap made us its only owner.
        NonNull::new(old).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Owner only.
    pub(crate) fn take(&self) -> Option<Notified> {
        // Relaxed pre-check avoids the read-modify-write when empty.
        if self.task.load(Ordering::Relaxed).is_null() {
            return None;
        }
        // Acquire: pairs with the owner's release store (it may be a
        // thief's swap that emptied it meanwhile: then null).
        let old = self.task.swap(ptr::null_mut(), Ordering::Acquire);
        // SAFETY: as in `push`.
        NonNull::new(old).map(|p| unsafe { Notified::from_raw(p) })
    }

    /// Owner only: one more poll started.
    pub(crate) fn count_poll(&self) {
        // Relaxed: watchers only compare two readings taken far apart.
        let n = self.polls.load(Ordering::Relaxed);
        self.polls.store(n.wrapping_add(1), Ordering::Relaxed);
    }

    /// A watcher's first reading.
    pub(crate) fn look(&self, victim: usize) -> Option<Seen> {
        let task = self.task.load(Ordering::Acquire);
        (!task.is_null()).then(|| Seen {
            victim,
            task,
            polls: self.polls.load(Ordering::Relaxed),
        })
    }

    /// A watcher's second reading: steals the task if it is still there and
    /// the owner has not started a poll since `seen`.
    pub(crate) fn steal_if_stuck(&self, seen: Seen) -> Option<Notified> {
        if self.polls.load(Ordering::Relaxed) != seen.polls {
            return None;
        }
        // Acquire on success: pairs with the owner's release store.
        self.task
            .compare_exchange(
                seen.task,
                ptr::null_mut(),
                Ordering::Acquire,
                Ordering::Relaxed,
            )
            .ok()
            // SAFETY: as in `push`; the CAS made us the pointer's owner.
            .map(|p| unsafe { Notified::from_raw(NonNull::new_unchecked(p)) })
    }
}

// SAFETY: `Seen` never dereferences its pointer: it is only the expected
// value of the CAS in `steal_if_stuck`, which takes whatever `Notified` the
// slot owns at that moment.
unsafe impl Send for Seen {}

/// The watcher role: at most one parked worker holds it (module doc).
#[derive(Debug)]
pub(super) struct Watcher {
    /// Set while a parked worker will come back to look at the slots.
    watching: AtomicBool,
}

/// One worker's side of watching: what it saw before it slept.
#[derive(Debug, Default)]
pub(super) struct Watch {
    seen: Vec<Seen>,
    active: bool,
}

impl Watcher {
    pub(super) fn new() -> Watcher {
        Watcher {
            watching: AtomicBool::new(false),
        }
    }

    /// Takes the role for good (models with the slot off, `__loom.rs`; a
    /// simulation, `sim.rs`).
    pub(super) fn hold(&self) {
        self.watching.store(true, Ordering::SeqCst);
    }

    /// Whether a parked worker will come back to look at the slots: if
    /// not, an owner that fills its slot wakes a sleeper. SeqCst: the
    /// owner's load after its own SeqCst unpark transition, against the
    /// watcher's CAS in `begin` (the no-stranding argument, module doc).
    pub(super) fn someone_watching(&self) -> bool {
        self.watching.load(Ordering::SeqCst)
    }

    /// A worker is about to park. If another worker is unparked (so a
    /// slot may fill) and nobody watches, it becomes the watcher: records
    /// what the other slots hold, and returns how long to park.
    pub(super) fn begin(
        &self,
        watch: &mut Watch,
        others_unparked: bool,
        remotes: &[CachePadded<Remote>],
        me: usize,
    ) -> Option<Duration> {
        debug_assert!(!watch.active);
        if !others_unparked
            || self
                .watching
                .compare_exchange(false, true, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return None;
        }
        watch.active = true;
        watch.seen.clear();
        for (victim, remote) in remotes.iter().enumerate() {
            if victim != me {
                watch.seen.extend(remote.lifo.look(victim));
            }
        }
        Some(LIFO_STEAL_AFTER)
    }

    /// After the park: gives the role up (if this worker held it) and
    /// steals a task that sat in a slot all along while its owner stayed
    /// inside one poll.
    pub(super) fn end(
        &self,
        watch: &mut Watch,
        remotes: &[CachePadded<Remote>],
    ) -> Option<Notified> {
        if !std::mem::take(&mut watch.active) {
            return None;
        }
        // SeqCst: as in `someone_watching`.
        self.watching.store(false, Ordering::SeqCst);
        watch
            .seen
            .drain(..)
            .find_map(|seen| remotes[seen.victim].lifo.steal_if_stuck(seen))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.take());
    }
}
