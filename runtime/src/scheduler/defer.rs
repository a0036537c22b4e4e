//! Deferred yields: a task that calls [`yield_now`](crate::task::yield_now)
//! on a thread that drives a scheduler runs again only after that
//! scheduler has taken its other work and looked at the driver (timers
//! and IO), as tokio's `defer`. So a task that loops on `yield_now` lets
//! everything else run between two of its polls, including the `block_on`
//! future and tasks woken by IO. Elsewhere (a plain executor, a `block_on`
//! of the multi-thread runtime) `yield_now` is a plain self-wake.
//!
//! How, without a waker clone per yield: `yield_now` marks the yield on
//! this thread ([`yield_wake`]) and wakes at once. The wake reaches the
//! running task (directly, or through a combinator's waker), so when its
//! poll ends the harness finds it woken and hands it to its scheduler's
//! `yield_now`, which takes the mark ([`take_yield`]) and keeps the
//! `Notified` in a list of its own until its next checkpoint. A scheduler
//! without such a list (a `LocalSet`) keeps it in this thread's
//! ([`defer_task`]), which the driving scheduler gives back at its
//! checkpoints ([`wake_deferred`]) through [`Notified::schedule`].
//!
//! Waking at once, never holding a waker, means a foreign executor's
//! waker (a `yield_now` inside a `futures::executor::block_on` on a
//! worker) is woken and cannot hang. A mark left over (the wake went to a
//! foreign executor or the `block_on` future, or the task was cancelled
//! instead of idling) defers the next task that is woken during its own
//! poll on this thread: harmless, it runs after the next checkpoint.

use crate::task::Notified;
use std::cell::{Cell, RefCell};
use std::task::Waker;

crate::loom::runtime_thread_local! {
    /// Set by `yield_now`; taken by the woken task's scheduler.
    static YIELDED: Cell<bool> = const { Cell::new(false) };
    /// The tasks deferred on this thread for schedulers without a list of
    /// their own; present while a scheduler drives this thread.
    static DEFERRED: RefCell<Option<Vec<Notified>>> = const { RefCell::new(None) };
}

/// Makes this thread defer yields until dropped; the tasks still deferred
/// then are handed back to their schedulers (live tasks that must run
/// again, or that a shut-down scheduler refuses and drops).
pub(crate) struct Defer {
    prev: Option<Vec<Notified>>,
}

pub(crate) fn enter() -> Defer {
    Defer {
        prev: DEFERRED
            .try_with(|d| d.borrow_mut().replace(Vec::new()))
            .ok()
            .flatten(),
    }
}

impl Drop for Defer {
    fn drop(&mut self) {
        let prev = self.prev.take();
        let ours = DEFERRED
            .try_with(|d| std::mem::replace(&mut *d.borrow_mut(), prev))
            .ok()
            .flatten();
        schedule_all(&mut ours.unwrap_or_default());
    }
}

/// `yield_now`'s wake: marks the yield, then wakes.
pub(crate) fn yield_wake(waker: &Waker) {
    let _ = YIELDED.try_with(|y| y.set(true));
    waker.wake_by_ref();
}

/// For a scheduler's `yield_now` (a task woken during its poll): whether
/// the wake was `yield_now`'s, which the scheduler then defers. Clears the
/// mark.
pub(crate) fn take_yield() -> bool {
    YIELDED.try_with(|y| y.replace(false)).unwrap_or(false)
}

/// The `yield_now` of a scheduler without a list of its own: keeps a
/// yielded task in this thread's list if a scheduler drives here, else
/// hands it back to be queued behind the others.
pub(crate) fn defer_task(task: Notified) -> Option<Notified> {
    if !take_yield() {
        return Some(task);
    }
    let mut task = Some(task);
    let _ = DEFERRED.try_with(|d| {
        if let Ok(Some(list)) = d.try_borrow_mut().as_deref_mut() {
            list.extend(task.take());
        }
    });
    task
}

/// Whether this thread's list holds a task (the scheduler also looks at
/// its own).
pub(crate) fn has_deferred() -> bool {
    DEFERRED
        .try_with(|d| d.borrow().as_ref().is_some_and(|l| !l.is_empty()))
        .unwrap_or(false)
}

/// A checkpoint: the tasks of this thread's list go back to the back of
/// their schedulers' queues.
pub(crate) fn wake_deferred() {
    let list = DEFERRED
        .try_with(|d| match d.borrow_mut().as_mut() {
            Some(list) if !list.is_empty() => Some(std::mem::take(list)),
            _ => None,
        })
        .ok()
        .flatten();
    let Some(mut list) = list else { return };
    schedule_all(&mut list);
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

fn schedule_all(tasks: &mut Vec<Notified>) {
    for task in tasks.drain(..) {
        // A shut-down scheduler refuses it and drops it (`harness::schedule`).
        task.schedule();
    }
}
