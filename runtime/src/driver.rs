//! Where a thread goes when it has nothing to run: the one place where the
//! scheduler meets what produces work from outside the tasks, the timer
//! (`runtime-timer`) and, in the IO issue, the reactor (`runtime-io`).
//!
//! # The protocol
//!
//! 1. A thread with nothing to run calls [`Driver::park`]. If no other
//!    thread holds the driver, it becomes the *holder*: it records itself
//!    in `holder`, asks the timer for its next deadline, parks until then
//!    (or until unparked), then fires the due timers. Otherwise it parks on
//!    its own parker as long as its caller asked, and the holder keeps the
//!    timers.
//! 2. A timer armed earlier than the deadline the holder sleeps until
//!    wakes the timer's unpark waker (`runtime-timer`'s unpark rule), which
//!    unparks the holder, who parks again with the new deadline. `holder`
//!    is stored before the timer is asked for its deadline, and both sides
//!    meet on the timer's lock, so a waker that must wake the holder sees
//!    it (`SeqCst` on both sides; see `unpark_holder`).
//! 3. A worker that stays busy never parks, so it fires due timers itself
//!    every `event_interval` ticks ([`Driver::maintain`]), as tokio does.
//!
//! No thread is dedicated to the timer. The parker is reached through the
//! small [`Park`] trait, the seam where a virtual clock or an in-memory
//! driver can stand in for deterministic tests.

use crate::loom::{AtomicBool, AtomicUsize, Ordering};
use crate::scheduler::park::{Parker, Unparker};
use runtime_timer::Driver as TimeDriver;
use std::fmt;
use std::sync::{Arc, OnceLock, Weak};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// Blocks a thread that has nothing to run until there may be work.
pub(crate) trait Park {
    /// Blocks until the thread's unparker is called or `timeout` passes
    /// (`None`: no limit). May return early.
    fn park(&mut self, timeout: Option<Duration>);
}

impl Park for Parker {
    fn park(&mut self, timeout: Option<Duration>) {
        Parker::park(self, timeout);
    }
}

/// `holder` when no thread holds the driver.
const NO_HOLDER: usize = usize::MAX;

/// The drivers of one runtime, shared by its threads (cheap to clone).
#[derive(Clone)]
pub(crate) struct Driver {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` when the runtime was built without time.
    time: Option<Arc<TimeDriver>>,
    /// Taken by the thread that parks on the drivers (step 1).
    held: AtomicBool,
    /// The index of the holder's unparker, or `NO_HOLDER`.
    holder: AtomicUsize,
    /// The unparkers of the threads that may hold the driver, by index.
    unparkers: OnceLock<Box<[Unparker]>>,
}

/// The timer's unpark waker: wakes the holder (step 2). Weak, so the
/// timer driver it lives in does not keep `Inner` alive.
struct UnparkHolder(Weak<Inner>);

impl Wake for UnparkHolder {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(inner) = self.0.upgrade() {
            inner.unpark_holder();
        }
    }
}

impl Driver {
    /// The drivers of a new runtime; `time` enables the timer.
    pub(crate) fn new(time: bool) -> Driver {
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            time: time.then(|| TimeDriver::new(Waker::from(Arc::new(UnparkHolder(weak.clone()))))),
            held: AtomicBool::new(false),
            holder: AtomicUsize::new(NO_HOLDER),
            unparkers: OnceLock::new(),
        });
        Driver { inner }
    }

    /// Tells the driver how to wake each thread that may hold it; `park`'s
    /// `index` refers to this list. Called once, before any `park`.
    pub(crate) fn set_unparkers(&self, unparkers: Vec<Unparker>) {
        let fresh = self.inner.unparkers.set(unparkers.into()).is_ok();
        debug_assert!(fresh, "set_unparkers called twice");
    }

    /// Parks the calling thread, the `index`-th of `set_unparkers`, for at
    /// most `timeout`, driving the timer if no other thread does (step 1).
    /// Returns early when unparked; fires the due timers before returning.
    pub(crate) fn park(&self, index: usize, parker: &mut impl Park, timeout: Option<Duration>) {
        let inner = &*self.inner;
        let Some(time) = &inner.time else {
            return parker.park(timeout);
        };
        // Acquire: pairs with the release store of the previous holder, so
        // its view of the timer is ours.
        if inner
            .held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return parker.park(timeout);
        }
        // SeqCst: must be visible to a timer's unpark waker that runs after
        // the `next_deadline` below (step 2; `unpark_holder`).
        inner.holder.store(index, Ordering::SeqCst);
        let now = Instant::now();
        let timeout = match time.next_deadline() {
            Some(deadline) => {
                let until = deadline.saturating_duration_since(now);
                Some(timeout.map_or(until, |t| t.min(until)))
            }
            None => timeout,
        };
        if timeout != Some(Duration::ZERO) {
            parker.park(timeout);
        }
        inner.holder.store(NO_HOLDER, Ordering::SeqCst);
        // Release: pairs with the next holder's acquire.
        inner.held.store(false, Ordering::Release);
        time.process(Instant::now());
    }

    /// Fires the due timers; a busy thread calls this now and then (step
    /// 3). One atomic load and a clock read when nothing is due.
    pub(crate) fn maintain(&self) {
        if let Some(time) = &self.inner.time {
            time.process(Instant::now());
        }
    }

    /// Fires every pending timer as shut down; later timers panic saying
    /// the runtime is gone. Called after the tasks were cancelled.
    pub(crate) fn shutdown(&self) {
        if let Some(time) = &self.inner.time {
            time.shutdown();
        }
    }

    /// Makes this runtime's drivers the current thread's until the guard
    /// drops, so `runtime::time` finds its timer.
    pub(crate) fn enter(&self) -> EnterGuard {
        EnterGuard {
            _time: runtime_timer::context::enter(self.inner.time.clone()),
        }
    }
}

impl Inner {
    /// Step 2: wakes the thread that holds the driver, if any. A thread
    /// about to hold it stores `holder` before asking for the deadline,
    /// and the timer's lock orders that with the arm that called us.
    fn unpark_holder(&self) {
        let holder = self.holder.load(Ordering::SeqCst);
        if holder == NO_HOLDER {
            // Nobody parks on the timer: whoever parks next reads the new
            // deadline.
            return;
        }
        if let Some(unparker) = self.unparkers.get().and_then(|u| u.get(holder)) {
            unparker.unpark();
        }
    }
}

/// Keeps a runtime's drivers entered on this thread; see [`Driver::enter`].
pub(crate) struct EnterGuard {
    _time: runtime_timer::context::EnterGuard,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("time", &self.inner.time.is_some())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}
