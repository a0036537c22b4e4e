//! The panic policy: what a panic in a spawned task does to its runtime
//! ([`Builder::unhandled_panic`](super::Builder::unhandled_panic)).
//!
//! With [`UnhandledPanic::ShutdownRuntime`], the first poll that panics
//! *trips* the runtime's [`PanicShutdown`]: the harness calls
//! `Schedule::task_panicked` (`task/harness.rs`) as the panic is caught,
//! which records who panicked and why ([`PanicShutdown::begin`]), shuts the
//! scheduler down at once (every other task is cancelled, as when the
//! runtime is dropped), then marks the shutdown done and wakes every
//! `block_on` of the runtime ([`PanicShutdown::finish`]). Each `block_on`
//! looks at the state before each poll of its future
//! ([`PanicShutdown::guard`]): from `begin` on it no longer polls its
//! future (so it cannot see a `JoinHandle` cancelled by that shutdown and
//! return), and once the shutdown is done it panics with the recorded
//! message.

use crate::loom::Mutex;
use crate::task::TaskMeta;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Waker};

/// What a panic in a spawned task does to the runtime (tokio's
/// `UnhandledPanic`, which tokio has only on the current-thread runtime and
/// behind `tokio_unstable`; here it is stable and works on both flavors).
///
/// A panic that the task's `JoinHandle` would report counts as unhandled
/// either way: the policy applies whether or not the handle is kept.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnhandledPanic {
    /// The panic is caught and stored in the task's `JoinHandle` (an error
    /// for which `JoinError::is_panic` is true); the runtime goes on. The
    /// default, as tokio's.
    #[default]
    Ignore,
    /// The runtime shuts down at once: every other task is cancelled (their
    /// `JoinHandle`s resolve to a cancelled `JoinError`), and every
    /// `block_on` of the runtime panics with a message naming the task (id,
    /// name, spawn site) and the panic's message.
    ShutdownRuntime,
}

/// The state of a runtime with [`UnhandledPanic::ShutdownRuntime`].
#[derive(Default)]
pub(crate) struct PanicShutdown {
    /// [`CALM`], [`SHUTTING_DOWN`] or [`DONE`].
    state: AtomicU8,
    /// What `block_on` panics with, set once, before `state` leaves `CALM`.
    message: Mutex<Option<String>>,
    /// The `block_on`s to wake when it trips (each keeps one entry, by
    /// the `Guard`'s slot index).
    waiters: Mutex<Vec<Option<Waker>>>,
}

/// No task panicked.
const CALM: u8 = 0;
/// A task panicked; the scheduler is being shut down.
const SHUTTING_DOWN: u8 = 1;
/// The shutdown is done: `block_on` panics.
const DONE: u8 = 2;

impl PanicShutdown {
    /// Whether a task panicked and the shutdown it caused is done.
    pub(crate) fn is_tripped(&self) -> bool {
        self.state.load(Ordering::Acquire) == DONE
    }

    /// A task panicked: records it if it is the first. Returns `true` for
    /// the first: the caller then shuts the scheduler down and calls
    /// [`finish`](Self::finish).
    pub(crate) fn begin(&self, task: TaskMeta<'_>, payload: &(dyn Any + Send)) -> bool {
        let mut message = self.message.lock();
        if message.is_some() {
            return false;
        }
        *message = Some(describe(task, payload));
        self.state.store(SHUTTING_DOWN, Ordering::Release);
        true
    }

    /// The shutdown after [`begin`](Self::begin) is done: wakes every
    /// `block_on`, which then panics.
    pub(crate) fn finish(&self) {
        // Release: what the shutdown did is visible to whoever sees DONE.
        self.state.store(DONE, Ordering::Release);
        let wakers: Vec<Waker> = self
            .waiters
            .lock()
            .iter_mut()
            .filter_map(Option::take)
            .collect();
        for waker in wakers {
            // A panicking waker must not stop the others (or the harness).
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| waker.wake()));
        }
    }

    /// The message `block_on` panics with.
    pub(crate) fn message(&self) -> String {
        self.message.lock().clone().unwrap_or_default()
    }

    /// Polls `future` (pinned by the caller) as `block_on` does, but first
    /// looks at the state: `None` once a task panicked.
    pub(crate) fn guard<F: Future + Unpin>(&self, future: F) -> Guard<'_, F> {
        let mut waiters = self.waiters.lock();
        let slot = waiters.iter().position(Option::is_none).unwrap_or_else(|| {
            waiters.push(None);
            waiters.len() - 1
        });
        // A placeholder until the first poll registers the waker (an
        // `Option::None` slot is free).
        waiters[slot] = Some(Waker::noop().clone());
        Guard {
            state: self,
            slot,
            future,
        }
    }

    /// Panics with the message, as `block_on` does once a task panicked.
    #[track_caller]
    pub(crate) fn panic(&self) -> ! {
        panic!("{}", self.message())
    }
}

/// The line `block_on` panics with.
fn describe(task: TaskMeta<'_>, payload: &(dyn Any + Send)) -> String {
    let mut s = format!(
        "a spawned task panicked and the runtime is configured to shut down on an unhandled \
         panic (`UnhandledPanic::ShutdownRuntime`): {}",
        task.spawned_line()
    );
    match payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
    {
        Some(msg) => s.push_str(&format!(" panicked with {msg:?}")),
        None => s.push_str(" panicked (a payload that is not a string)"),
    }
    s
}

/// `block_on`'s future under [`PanicShutdown::guard`].
pub(crate) struct Guard<'a, F> {
    state: &'a PanicShutdown,
    slot: usize,
    future: F,
}

impl<F: Future + Unpin> Future for Guard<'_, F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        let this = self.get_mut();
        if this.state.is_tripped() {
            return Poll::Ready(None);
        }
        if let Some(slot) = this.state.waiters.lock().get_mut(this.slot) {
            match slot {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => *slot = Some(cx.waker().clone()),
            }
        }
        // Looked at again after registering: a `finish` in between woke
        // the waker that was there before, maybe not this one.
        match this.state.state.load(Ordering::Acquire) {
            DONE => return Poll::Ready(None),
            CALM => {}
            // SHUTTING_DOWN: `finish` wakes us.
            _ => return Poll::Pending,
        }
        Pin::new(&mut this.future).poll(cx).map(Some)
    }
}

impl<F> Drop for Guard<'_, F> {
    fn drop(&mut self) {
        if let Some(slot) = self.state.waiters.lock().get_mut(self.slot) {
            *slot = None;
        }
    }
}

impl fmt::Debug for PanicShutdown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PanicShutdown")
            .field("state", &self.state.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}
