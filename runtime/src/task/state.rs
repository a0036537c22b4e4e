//! The task's state word: the bits, the reference count, and every named
//! transition between them. Nothing else in the crate touches the word.
//!
//! Layout of the `usize` (low bits first):
//!
//! | bit | name          | meaning while set                                        |
//! |-----|---------------|----------------------------------------------------------|
//! | 0   | RUNNING       | one thread polls or cancels the future (owns the stage)  |
//! | 1   | COMPLETE      | the stage holds the output, or was consumed              |
//! | 2   | NOTIFIED      | a `Notified` for this task exists (queued or running)    |
//! | 3   | CANCELLED     | the task must be cancelled at its next chance            |
//! | 4   | JOIN_INTEREST | the `JoinHandle` is alive and owns the output            |
//! | 5   | JOIN_WAKER    | the join waker slot holds a waker (rules in `task/mod.rs`)|
//! | 6.. | ref count     | one per `Task`, `Notified`, `JoinHandle`, `AbortHandle`, `Waker` |
//!
//! Every transition is one atomic read-modify-write. Success orderings are
//! `AcqRel` unless noted: the acquire half sees what the previous owner of
//! the stage wrote, the release half publishes what this thread wrote.

use crate::loom::{AtomicUsize, Ordering};
use std::fmt;

const RUNNING: usize = 1 << 0;
const COMPLETE: usize = 1 << 1;
const NOTIFIED: usize = 1 << 2;
const CANCELLED: usize = 1 << 3;
const JOIN_INTEREST: usize = 1 << 4;
const JOIN_WAKER: usize = 1 << 5;
const REF_SHIFT: usize = 6;
const REF_ONE: usize = 1 << REF_SHIFT;

/// A new task: scheduled once (NOTIFIED), joined, and referenced by the
/// owned-task list, the first `Notified` and the `JoinHandle`. Starting with
/// all three refs means spawning needs no read-modify-write at all.
const INITIAL: usize = (3 * REF_ONE) | JOIN_INTEREST | NOTIFIED;

/// The atomic state word of one task.
pub(crate) struct State {
    val: AtomicUsize,
}

/// A copy of the state word, read once.
#[derive(Copy, Clone, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

/// What the thread that tried to run a `Notified` must do next.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// It holds RUNNING: poll the future.
    Success,
    /// It holds RUNNING and the task was aborted: cancel the future.
    Cancelled,
    /// The task runs elsewhere or is done; the `Notified`'s ref was dropped.
    Failed,
    /// As `Failed`, and that was the last ref: free the cell.
    Dealloc,
}

/// What the runner must do after a poll returned `Pending`.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; the runner's ref was dropped.
    Ok,
    /// Woken during the poll: still NOTIFIED; the runner's ref now belongs
    /// to a new `Notified` that the runner must submit.
    OkNotified,
    /// Idle, and the runner's ref was the last: free the cell.
    OkDealloc,
    /// Aborted during the poll: still RUNNING; cancel the future.
    Cancelled,
}

/// What a dropped `JoinHandle` must drop before its ref.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct JoinDrop {
    /// The task is complete: the output is the handle's (rule 6).
    pub(crate) drop_output: bool,
    /// The join waker slot is the handle's (rules 2 and 5).
    pub(crate) drop_waker: bool,
}

/// What a waker must do after marking the task notified.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing: the task is queued, running (it will be requeued after its
    /// poll) or complete.
    DoNothing,
    /// Submit a new `Notified` to the scheduler; it owns one ref.
    Submit,
    /// Nothing to submit, and the waker's ref was the last: free the cell.
    Dealloc,
}

impl State {
    pub(crate) fn new() -> State {
        State {
            val: AtomicUsize::new(INITIAL),
        }
    }

    /// Reads the word. `Acquire`: pairs with the release half of whichever
    /// transition wrote it (COMPLETE above all, so the output is visible).
    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.val.load(Ordering::Acquire))
    }

    /// The one CAS loop behind every conditional transition. `f` returns the
    /// action and, if the word must change, its new value.
    fn fetch_update_action<T>(&self, mut f: impl FnMut(Snapshot) -> (T, Option<Snapshot>)) -> T {
        let mut curr = self.load();
        loop {
            let (action, next) = f(curr);
            let Some(next) = next else { return action };
            // AcqRel on success: acquire what the last writer published,
            // release what this thread wrote. Acquire on failure: the retry
            // reads the fresh value.
            match self.val.compare_exchange_weak(
                curr.0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return action,
                Err(actual) => curr = Snapshot(actual),
            }
        }
    }

    /// A `Notified` is taken off a queue to be run. Its ref becomes the
    /// runner's ref on success, and is dropped otherwise.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.fetch_update_action(|mut s| {
            if s.is_running() || s.is_complete() {
                // Shut down (or still being shut down) while it sat in a
                // queue: this `Notified` is stale.
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToRunning::Dealloc
                } else {
                    ToRunning::Failed
                };
                return (action, Some(s));
            }
            s.0 = (s.0 | RUNNING) & !NOTIFIED;
            let action = if s.is_cancelled() {
                ToRunning::Cancelled
            } else {
                ToRunning::Success
            };
            (action, Some(s))
        })
    }

    /// The poll returned `Pending`. Gives up RUNNING unless the task was
    /// cancelled meanwhile.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (ToIdle::Cancelled, None);
            }
            s.0 &= !RUNNING;
            if s.is_notified() {
                return (ToIdle::OkNotified, Some(s));
            }
            s.ref_dec();
            let action = if s.ref_count() == 0 {
                ToIdle::OkDealloc
            } else {
                ToIdle::Ok
            };
            (action, Some(s))
        })
    }

    /// RUNNING -> COMPLETE, returning the word as it was before. The release
    /// half publishes the output stored in the stage; the acquire half sees
    /// the join waker written by the `JoinHandle` (rule 3 of `task/mod.rs`).
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.val.fetch_xor(RUNNING | COMPLETE, Ordering::AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// Drops `count` refs after completion. Returns `true` if they were the
    /// last, so the caller frees the cell.
    pub(crate) fn transition_to_terminal(&self, count: usize) -> bool {
        // AcqRel: as `ref_dec`.
        let prev = Snapshot(self.val.fetch_sub(count * REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= count);
        prev.ref_count() == count
    }

    /// `Waker::wake`: the waker's ref is consumed.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.fetch_update_action(|mut s| {
            if s.is_running() {
                // The runner requeues it after the poll (`ToIdle::OkNotified`).
                // The runner holds a ref, so this cannot be the last one.
                s.0 |= NOTIFIED;
                s.ref_dec();
                (ToNotified::DoNothing, Some(s))
            } else if s.is_complete() || s.is_notified() {
                s.ref_dec();
                let action = if s.ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::DoNothing
                };
                (action, Some(s))
            } else {
                // The waker's ref becomes the `Notified`'s.
                s.0 |= NOTIFIED;
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `Waker::wake_by_ref`: the waker keeps its ref; a submission takes a
    /// new one. Never `Dealloc`.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.fetch_update_action(|mut s| {
            if s.is_complete() || s.is_notified() {
                (ToNotified::DoNothing, None)
            } else if s.is_running() {
                s.0 |= NOTIFIED;
                (ToNotified::DoNothing, Some(s))
            } else {
                s.0 |= NOTIFIED;
                s.ref_inc();
                (ToNotified::Submit, Some(s))
            }
        })
    }

    /// `abort`: marks the task cancelled. Returns `true` if the caller must
    /// submit a new `Notified` (a ref was taken for it) so that a scheduler
    /// runs the cancellation; a queued or running task sees the bit itself.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.fetch_update_action(|mut s| {
            if s.is_cancelled() || s.is_complete() {
                (false, None)
            } else if s.is_running() || s.is_notified() {
                s.0 |= CANCELLED | NOTIFIED;
                (false, Some(s))
            } else {
                s.0 |= CANCELLED | NOTIFIED;
                s.ref_inc();
                (true, Some(s))
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if it is idle or
    /// queued, takes RUNNING so the caller cancels it at once. Returns
    /// `false` if it runs elsewhere (the runner sees CANCELLED after its
    /// poll) or is complete.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.fetch_update_action(|mut s| {
            if s.is_running() || s.is_complete() {
                if s.is_cancelled() || s.is_complete() {
                    return (false, None);
                }
                s.0 |= CANCELLED;
                return (false, Some(s));
            }
            s.0 |= RUNNING | CANCELLED;
            (true, Some(s))
        })
    }

    /// The `JoinHandle` is dropped: clears JOIN_INTEREST and, if the task
    /// is not complete, JOIN_WAKER (rule 5 of `task/mod.rs`: the handle
    /// takes the slot back).
    ///
    /// If nothing is left for the handle to drop (not complete, no waker
    /// stored), its ref is dropped in the same step (it cannot be the last:
    /// the owned-task list, or whoever runs the task, holds one until
    /// completion) and `None` is returned. Otherwise the handle must drop
    /// what [`JoinDrop`] says, then its ref.
    pub(crate) fn transition_to_join_handle_dropped(&self) -> Option<JoinDrop> {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_join_interested());
            s.0 &= !JOIN_INTEREST;
            if !s.is_complete() && !s.is_join_waker_set() {
                s.ref_dec();
                debug_assert!(s.ref_count() > 0);
                return (None, Some(s));
            }
            let drop_output = s.is_complete();
            if !s.is_complete() {
                s.0 &= !JOIN_WAKER;
            }
            // JOIN_WAKER still set means the completing thread is using the
            // waker: it drops it when it sees JOIN_INTEREST gone (rule 5).
            let drop_waker = !s.is_join_waker_set();
            (
                Some(JoinDrop {
                    drop_output,
                    drop_waker,
                }),
                Some(s),
            )
        })
    }

    /// The completing thread is done with the join waker (rule 4): clears
    /// JOIN_WAKER, giving the slot back to the `JoinHandle`, and returns the
    /// word as it was. If JOIN_INTEREST is gone, the handle was dropped
    /// meanwhile and left the waker to the caller, who drops it (rule 5).
    pub(crate) fn unset_join_waker_after_complete(&self) -> Snapshot {
        // AcqRel: release our reads of the slot to the handle that takes it
        // back; acquire the handle's clear of JOIN_INTEREST (then the slot
        // is ours to drop).
        let prev = Snapshot(self.val.fetch_and(!JOIN_WAKER, Ordering::AcqRel));
        debug_assert!(prev.is_complete() && prev.is_join_waker_set());
        prev
    }

    /// The `JoinHandle` stored a waker: sets JOIN_WAKER unless the task
    /// completed first (`Err`, and the handle reads the output). Release
    /// half: publishes the waker to the completing thread (rule 3).
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_join_interested() && !s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 |= JOIN_WAKER;
            (Ok(()), Some(s))
        })
    }

    /// The `JoinHandle` wants to replace its waker: clears JOIN_WAKER unless
    /// the task completed first (`Err`, and the handle reads the output).
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.fetch_update_action(|mut s| {
            debug_assert!(s.is_join_interested() && s.is_join_waker_set());
            if s.is_complete() {
                return (Err(s), None);
            }
            s.0 &= !JOIN_WAKER;
            (Ok(()), Some(s))
        })
    }

    /// Takes one more ref (a cloned waker, an `AbortHandle`).
    pub(crate) fn ref_inc(&self) {
        // Relaxed is enough: a new ref is made from an existing one, which
        // already keeps the cell alive, and nothing is published through the
        // count itself (the standard `Arc::clone` argument).
        let prev = self.val.fetch_add(REF_ONE, Ordering::Relaxed);
        if prev > isize::MAX as usize {
            // Overflow would free a live cell; so many refs means a leak.
            std::process::abort();
        }
    }

    /// Drops one ref. Returns `true` if it was the last: free the cell.
    pub(crate) fn ref_dec(&self) -> bool {
        // AcqRel: release this thread's accesses to the cell, and, for the
        // last ref, acquire every other thread's before freeing it.
        let prev = Snapshot(self.val.fetch_sub(REF_ONE, Ordering::AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }
}

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn is_join_waker_set(self) -> bool {
        self.0 & JOIN_WAKER != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
    fn ref_inc(&mut self) {
        self.0 += REF_ONE;
    }
    fn ref_dec(&mut self) {
        debug_assert!(self.ref_count() > 0);
        self.0 -= REF_ONE;
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("join_waker", &self.is_join_waker_set())
            .field("refs", &self.ref_count())
            .finish()
    }
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.load().fmt(f)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_new_task_runs_then_idles() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert!(s.load().is_running() && !s.load().is_notified());
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        assert_eq!(s.load().ref_count(), 2);
    }

    #[test]
    fn a_wake_while_running_requeues_once_after_the_poll() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Success);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_idle(), ToIdle::OkNotified);
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn waking_an_idle_task_submits_it_once() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(s.transition_to_idle(), ToIdle::Ok);
        s.ref_inc(); // a waker
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::Submit);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert_eq!(s.load().ref_count(), 3);
    }

    #[test]
    fn abort_of_an_idle_task_submits_and_the_run_cancels() {
        let s = State::new();
        let _ = s.transition_to_running();
        let _ = s.transition_to_idle();
        assert!(s.transition_to_notified_and_cancel());
        assert!(!s.transition_to_notified_and_cancel());
        assert_eq!(s.transition_to_running(), ToRunning::Cancelled);
    }

    #[test]
    fn the_join_handle_cannot_set_its_waker_after_completion() {
        let s = State::new();
        let _ = s.transition_to_running();
        let prev = s.transition_to_complete();
        assert!(prev.is_join_interested() && !prev.is_join_waker_set());
        assert!(s.set_join_waker().is_err());
        let drop = s.transition_to_join_handle_dropped();
        assert_eq!(
            drop,
            Some(JoinDrop {
                drop_output: true,
                drop_waker: true
            })
        );
    }

    #[test]
    fn a_handle_dropped_before_completion_takes_its_waker_back() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        let drop = s.transition_to_join_handle_dropped();
        assert_eq!(
            drop,
            Some(JoinDrop {
                drop_output: false,
                drop_waker: true
            })
        );
        assert!(!s.load().is_join_waker_set() && !s.load().is_join_interested());
        let _ = s.transition_to_running();
        let prev = s.transition_to_complete();
        assert!(!prev.is_join_interested() && !prev.is_join_waker_set());
    }

    #[test]
    fn the_completing_thread_gives_the_waker_back_after_waking_it() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        let _ = s.transition_to_running();
        let prev = s.transition_to_complete();
        assert!(prev.is_join_waker_set());
        // The handle is dropped while the runner wakes: the waker is left
        // to the runner, the output to the handle.
        let drop = s.transition_to_join_handle_dropped();
        assert_eq!(
            drop,
            Some(JoinDrop {
                drop_output: true,
                drop_waker: false
            })
        );
        assert!(!s.unset_join_waker_after_complete().is_join_interested());
    }
}
