//! `runtime-coop`: the cooperative budget of the `runtime` crate's tasks.
//!
//! A task that always finds its resources ready (a socket with data, a
//! channel with messages, an elapsed timer) would never return `Pending`
//! and so never let its worker run other tasks. As in tokio, each task poll
//! gets a budget of [`INITIAL`] units; every runtime resource that is ready
//! consumes one ([`poll_proceed`]), and once the budget is spent they return
//! `Pending` after waking the task, which goes to the back of the queue.
//!
//! It is its own small crate because the resources live in three crates
//! that do not depend on each other (`runtime`, `runtime-io`,
//! `runtime-timer`) and must share one thread-local budget.
//!
//! Outside a budgeted poll (a plain thread, a foreign executor) the budget
//! is unconstrained and [`poll_proceed`] always proceeds.
//!
//! [`wait`] is the other thing the three crates share: each resource that
//! returns `Pending` records itself in the current task's slot there, for
//! task dumps.
#![warn(missing_docs)]

pub mod wait;

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The budget of one task poll, in resource operations (tokio's figure).
pub const INITIAL: u8 = 128;

/// No budget: `poll_proceed` always proceeds.
const UNCONSTRAINED: u8 = u8::MAX;

thread_local! {
    /// Units left in the current poll, or `UNCONSTRAINED`. A `const`
    /// `Cell<u8>`: no lazy registration, one load and store per use.
    static BUDGET: Cell<u8> = const { Cell::new(UNCONSTRAINED) };
}

/// Runs `f` (one task poll) with a fresh budget of [`INITIAL`] units, then
/// restores the thread's previous budget, also if `f` unwinds.
#[inline]
pub fn budget<R>(f: impl FnOnce() -> R) -> R {
    with_budget(INITIAL, f)
}

/// Sets the thread's budget, returning the previous one (`wait::poll`).
#[cfg(not(loom))]
#[inline]
pub(crate) fn swap_budget(units: u8) -> u8 {
    BUDGET
        .try_with(|b| b.replace(units))
        .unwrap_or(UNCONSTRAINED)
}

/// Under loom the budget is off (see `with_budget`).
#[cfg(loom)]
#[inline]
pub(crate) fn swap_budget(_units: u8) -> u8 {
    UNCONSTRAINED
}

/// Restores a budget `swap_budget` returned.
#[inline]
pub(crate) fn restore_budget(units: u8) {
    #[cfg(not(loom))]
    let _ = BUDGET.try_with(|b| b.set(units));
    #[cfg(loom)]
    let _ = units;
}

/// Runs `f` with no budget: resources never return `Pending` for lack of
/// it. See [`Unconstrained`].
#[inline]
pub fn with_unconstrained<R>(f: impl FnOnce() -> R) -> R {
    with_budget(UNCONSTRAINED, f)
}

/// Under loom, every model thread runs on one OS thread and would share
/// one thread-local budget: the budget is off there (the models check the
/// protocols, not fairness).
#[cfg(loom)]
#[inline]
fn with_budget<R>(_units: u8, f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(not(loom))]
#[inline]
fn with_budget<R>(units: u8, f: impl FnOnce() -> R) -> R {
    struct Reset(u8);
    impl Drop for Reset {
        #[inline]
        fn drop(&mut self) {
            let _ = BUDGET.try_with(|b| b.set(self.0));
        }
    }
    let previous = BUDGET
        .try_with(|b| b.replace(units))
        .unwrap_or(UNCONSTRAINED);
    let _reset = Reset(previous);
    f()
}

/// Whether the current poll has budget left (always `true` outside one).
#[inline]
pub fn has_budget_remaining() -> bool {
    BUDGET.try_with(Cell::get).map_or(true, |b| b > 0)
}

/// Asks for one unit of budget before a resource reports readiness.
///
/// `Ready(guard)`: go on, and call [`RestoreOnPending::made_progress`]
/// if the operation completes; if it turns out `Pending` instead, dropping
/// the guard gives the unit back. `Pending`: the budget is spent; the task
/// has been woken and will be polled again after the others.
#[inline]
pub fn poll_proceed(cx: &mut Context<'_>) -> Poll<RestoreOnPending> {
    let left = BUDGET.try_with(Cell::get).unwrap_or(UNCONSTRAINED);
    match left {
        UNCONSTRAINED => Poll::Ready(RestoreOnPending(false)),
        0 => {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
        n => {
            BUDGET.with(|b| b.set(n - 1));
            Poll::Ready(RestoreOnPending(true))
        }
    }
}

/// Gives its unit of budget back when dropped, unless the operation made
/// progress; see [`poll_proceed`].
#[must_use = "drop it only once the operation's outcome is known"]
pub struct RestoreOnPending(bool);

impl RestoreOnPending {
    /// The operation completed: the unit stays spent.
    #[inline]
    pub fn made_progress(&mut self) {
        self.0 = false;
    }
}

impl Drop for RestoreOnPending {
    #[inline]
    fn drop(&mut self) {
        if self.0 {
            let _ = BUDGET.try_with(|b| {
                let n = b.get();
                if n != UNCONSTRAINED {
                    b.set(n + 1);
                }
            });
        }
    }
}

impl fmt::Debug for RestoreOnPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RestoreOnPending").field(&self.0).finish()
    }
}

/// Consumes one unit of budget, yielding to the scheduler if it is spent:
/// call it in a loop that does much work without touching a runtime
/// resource.
pub async fn consume_budget() {
    let mut consumed = false;
    std::future::poll_fn(|cx| {
        if consumed {
            return Poll::Ready(());
        }
        let mut guard = std::task::ready!(poll_proceed(cx));
        guard.made_progress();
        consumed = true;
        Poll::Ready(())
    })
    .await;
}

/// A future whose polls run with no budget; see [`unconstrained`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Unconstrained<F> {
    inner: F,
}

/// Runs `inner` exempt from the cooperative budget: its resources never
/// return `Pending` to make it yield. It can then starve the other tasks
/// of its worker; use it only for work that yields by itself.
pub fn unconstrained<F: Future>(inner: F) -> Unconstrained<F> {
    Unconstrained { inner }
}

impl<F: Future> Future for Unconstrained<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and `Unconstrained` has no `Drop` impl nor any `&mut F`
        // accessor.
        let inner = unsafe { self.map_unchecked_mut(|u| &mut u.inner) };
        with_unconstrained(|| inner.poll(cx))
    }
}

/// A future that takes part in the cooperative budget; see
/// [`cooperative`].
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Coop<F> {
    inner: F,
}

/// Makes `inner` consume one unit of budget per poll that makes progress,
/// and yield (return `Pending` after waking the task) once the budget is
/// spent: for a future of another crate that never touches a runtime
/// resource, as tokio's `task::coop::cooperative`.
pub fn cooperative<F: Future>(inner: F) -> Coop<F> {
    Coop { inner }
}

impl<F: Future> Future for Coop<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut guard = std::task::ready!(poll_proceed(cx));
        // SAFETY: `inner` is structurally pinned: it is never moved out of
        // `self`, and `Coop` has no `Drop` impl nor any `&mut F` accessor.
        let inner = unsafe { self.map_unchecked_mut(|c| &mut c.inner) };
        let res = inner.poll(cx);
        if res.is_ready() {
            guard.made_progress();
        }
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_budget_runs_out_then_wakes_the_task() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        budget(|| {
            for _ in 0..INITIAL {
                let Poll::Ready(mut g) = poll_proceed(&mut cx) else {
                    panic!("budget ran out early");
                };
                g.made_progress();
            }
            assert!(!has_budget_remaining());
            assert!(poll_proceed(&mut cx).is_pending());
            assert_eq!(count.0.load(Ordering::SeqCst), 1);
        });
        // Outside a budgeted poll: unconstrained again.
        assert!(has_budget_remaining());
        assert!(poll_proceed(&mut cx).is_ready());
    }

    #[test]
    fn a_pending_operation_gives_its_unit_back() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        budget(|| {
            for _ in 0..1000 {
                let Poll::Ready(guard) = poll_proceed(&mut cx) else {
                    panic!("a restored unit was lost");
                };
                drop(guard); // no progress
            }
        });
    }

    #[test]
    fn unconstrained_and_nesting_restore_the_outer_budget() {
        let waker = Waker::noop();
        let mut cx = Context::from_waker(waker);
        budget(|| {
            let _ = poll_proceed(&mut cx).map(|mut g| g.made_progress());
            with_unconstrained(|| {
                for _ in 0..1000 {
                    assert!(poll_proceed(&mut cx).is_ready());
                }
            });
            assert_eq!(BUDGET.with(Cell::get), INITIAL - 1);
        });
        assert_eq!(BUDGET.with(Cell::get), UNCONSTRAINED);
    }
}
