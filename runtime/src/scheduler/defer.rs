//! Deferred wakes: [`yield_now`](crate::task::yield_now) on a thread that
//! drives a scheduler hands its waker to that scheduler, which wakes it only
//! after it has taken its other work and looked at the driver (timers and
//! IO), as tokio's `defer`. So a task that loops on `yield_now` lets
//! everything else run between two of its polls, including the
//! `block_on` future and tasks woken by IO. Elsewhere (a plain executor, a
//! `block_on` of the multi-thread runtime) `yield_now` wakes at once.
//!
//! The schedulers call [`enter`] while they drive, and [`wake_deferred`] at
//! their checkpoints: when only deferred tasks are left, and at each
//! periodic look at the driver.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;

crate::loom::runtime_thread_local! {
    /// The wakers of the tasks that yielded on this thread, while a
    /// scheduler drives here (`None` otherwise).
    static DEFERRED: RefCell<Option<Vec<Waker>>> = const { RefCell::new(None) };
}

/// Makes this thread defer yields until dropped; the wakers still
/// deferred then are woken (they belong to live tasks that must run again,
/// or are dropped with the runtime).
pub(crate) struct Defer {
    prev: Option<Vec<Waker>>,
}

pub(crate) fn enter() -> Defer {
    let prev = DEFERRED
        .try_with(|d| d.borrow_mut().replace(Vec::new()))
        .ok()
        .flatten();
    Defer { prev }
}

impl Drop for Defer {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let ours = DEFERRED
            .try_with(|d| std::mem::replace(&mut *d.borrow_mut(), prev))
            .ok()
            .flatten();
        wake_all(&mut ours.unwrap_or_default());
    }
}

/// Defers `waker` if a scheduler drives this thread; returns `false` (and
/// does nothing) otherwise.
pub(crate) fn defer(waker: &Waker) -> bool {
    DEFERRED
        .try_with(|d| match d.try_borrow_mut().as_deref_mut() {
            Ok(Some(list)) => {
                // No search for a duplicate (that would make a round of n
                // yields cost n^2): a task is deferred once per poll, and a
                // second wake of a notified task does nothing.
                list.push(waker.clone());
                true
            }
            _ => false,
        })
        .unwrap_or(false)
}

/// Whether a task yielded since the last [`wake_deferred`].
pub(crate) fn has_deferred() -> bool {
    DEFERRED
        .try_with(|d| d.borrow().as_ref().is_some_and(|l| !l.is_empty()))
        .unwrap_or(false)
}

/// Wakes the tasks that yielded: they go to the back of the queue.
pub(crate) fn wake_deferred() {
    let list = DEFERRED
        .try_with(|d| match d.borrow_mut().as_mut() {
            Some(list) if !list.is_empty() => Some(std::mem::take(list)),
            _ => None,
        })
        .ok()
        .flatten();
    let Some(mut list) = list else { return };
    wake_all(&mut list);
    // Give the (now empty) buffer back, so a steady stream of yields does
    // not allocate a list per round.
    let _ = DEFERRED.try_with(|d| {
        if let Some(slot) = d.borrow_mut().as_mut() {
            if slot.is_empty() {
                *slot = list;
            }
        }
    });
}

fn wake_all(wakers: &mut Vec<Waker>) {
    for waker in wakers.drain(..) {
        // A waker may be anyone's (a `yield_now` inside a foreign
        // executor's future): its panic must not stop the others.
        let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
    }
}
