//! Who to wake, and when: the counts of searching, unparked and active
//! workers and the list of sleepers. A worker is active while it has a
//! thread that runs it: the core workers always, a spare worker
//! (`spare.rs`) from its activation to its retirement.
//!
//! # The no-lost-wake-up argument
//!
//! A producer (a push to any queue) first makes its task visible, then
//! executes a SeqCst fence and reads `state`: if a worker is searching, or
//! none sleeps, it wakes nobody. A worker going to sleep first updates
//! `state` with a SeqCst read-modify-write (`transition_worker_to_parked`),
//! then, if it was the last searcher, looks at every queue again. In the
//! single total order of SeqCst operations one of the two comes first: if
//! the producer's read comes first it sees the searcher and the searcher's
//! later look finds the task; otherwise the producer sees no searcher and
//! wakes a sleeper. Either way the task is found.

use crate::loom::{fence, AtomicUsize, Mutex, Ordering};

/// `state` holds three counts, a third of the word each (21 bits on
/// 64-bit targets): searching in the low bits, unparked above them, active
/// at the top. One load reads all three.
const FIELD_BITS: u32 = usize::BITS / 3;
const FIELD_MASK: usize = (1 << FIELD_BITS) - 1;
const UNPARK_ONE: usize = 1 << FIELD_BITS;
const ACTIVE_ONE: usize = 1 << (2 * FIELD_BITS);

#[derive(Debug)]
pub(crate) struct Idle {
    state: AtomicUsize,
    sleepers: Mutex<Vec<usize>>,
}

fn searching(state: usize) -> usize {
    state & FIELD_MASK
}

fn unparked(state: usize) -> usize {
    (state >> FIELD_BITS) & FIELD_MASK
}

fn active(state: usize) -> usize {
    state >> (2 * FIELD_BITS)
}

impl Idle {
    /// `core` active workers, of `slots` in all (spares included).
    pub(super) fn new(core: usize, slots: usize) -> Idle {
        assert!(slots <= FIELD_MASK, "too many worker threads");
        Idle {
            // Workers start unparked and not searching.
            state: AtomicUsize::new(core * (UNPARK_ONE + ACTIVE_ONE)),
            sleepers: Mutex::new(Vec::with_capacity(slots)),
        }
    }

    /// A spare worker starts (`spare.rs`): active, unparked, not searching.
    pub(super) fn activate(&self) {
        self.state
            .fetch_add(UNPARK_ONE + ACTIVE_ONE, Ordering::SeqCst);
    }

    /// A spare worker, unparked, stops. Returns `true` if it was the last
    /// searcher: then it must look at every queue once more, as a worker
    /// that parks.
    pub(super) fn retire(&self, is_searching: bool) -> bool {
        let dec = UNPARK_ONE + ACTIVE_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, Ordering::SeqCst);
        is_searching && searching(prev) == 1
    }

    /// Called by a producer after making a task visible. Returns the
    /// sleeper to unpark, if one should be woken; it then counts as
    /// unparked and searching.
    pub(super) fn worker_to_notify(&self) -> Option<usize> {
        if !self.should_wake() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        // Checked again under the lock: another producer may have woken
        // someone meanwhile.
        if !self.should_wake() {
            return None;
        }
        let index = sleepers.pop()?;
        // SeqCst: part of the total order of the argument above.
        self.state.fetch_add(1 | UNPARK_ONE, Ordering::SeqCst);
        Some(index)
    }

    fn should_wake(&self) -> bool {
        // The fence orders the producer's push (which may be a plain store
        // into a worker queue) before this load: the producer's half of the
        // argument in the module doc.
        fence(Ordering::SeqCst);
        let state = self.state.load(Ordering::SeqCst);
        searching(state) == 0 && unparked(state) < active(state)
    }

    /// A worker wants to steal. At most half of the workers search at
    /// once; the check is racy on purpose (a rare extra searcher is fine).
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let state = self.state.load(Ordering::SeqCst);
        if 2 * searching(state) >= active(state) {
            return false;
        }
        self.state.fetch_add(1, Ordering::SeqCst);
        true
    }

    /// A searching worker found work. Returns `true` if it was the last
    /// searcher: then it must wake another, since more work may be coming.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, Ordering::SeqCst);
        debug_assert!(searching(prev) > 0);
        searching(prev) == 1
    }

    /// A worker goes to sleep. Returns `true` if it was the last searcher:
    /// then it must look at every queue once more (the worker's half of the
    /// argument in the module doc).
    pub(super) fn transition_worker_to_parked(&self, index: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE + usize::from(is_searching);
        let prev = self.state.fetch_sub(dec, Ordering::SeqCst);
        sleepers.push(index);
        is_searching && searching(prev) == 1
    }

    /// A worker returned from its park. Returns `true` if a producer woke it
    /// (it was already counted as unparked and searching); otherwise it
    /// removes itself from the sleepers and counts itself unparked.
    pub(super) fn transition_worker_from_parked(&self, index: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&i| i == index) {
            None => true,
            Some(pos) => {
                sleepers.swap_remove(pos);
                self.state.fetch_add(UNPARK_ONE, Ordering::SeqCst);
                false
            }
        }
    }

    /// Whether any worker is unparked (running or searching).
    pub(crate) fn any_unparked(&self) -> bool {
        unparked(self.state.load(Ordering::SeqCst)) > 0
    }
}
