//! Where a thread goes when it has nothing to run: the one place where the
//! scheduler meets what produces work from outside the tasks, the timer
//! (`runtime-timer`) and the IO reactor (`runtime-io`).
//!
//! # The protocol
//!
//! 1. A thread with nothing to run calls [`Driver::park`]. If no other
//!    thread holds the driver, it becomes the *holder*: it records itself
//!    in `holder`, asks the timer for its next deadline, and blocks in the
//!    reactor's `turn` with that timeout (without IO: parks until then),
//!    then fires the due timers. Otherwise it parks on its own parker as
//!    long as its caller asked, and the holder keeps the drivers.
//! 2. An unpark of the holder reaches it in the reactor: its parker is in
//!    `PARKED_DRIVER` and calls the reactor's `notify` (`park.rs`). IO
//!    wakes the tasks from inside `turn`, on the holder's thread.
//! 3. A timer armed earlier than the deadline the holder sleeps until
//!    wakes the timer's unpark waker (`runtime-timer`'s unpark rule), which
//!    unparks the holder, who parks again with the new deadline. `holder`
//!    is stored before the timer is asked for its deadline, and both sides
//!    meet on the timer's lock, so a waker that must wake the holder sees
//!    it (`SeqCst` on both sides; see `unpark_holder`).
//! 4. A worker that stays busy never parks, so every `event_interval`
//!    ticks it fires due timers and, if the driver is free and sockets are
//!    registered, polls the reactor without blocking ([`Driver::maintain`]),
//!    as tokio does.
//!
//! No thread is dedicated to the timer or the reactor. The parker is
//! reached through the small [`Park`] trait, the seam where a virtual
//! clock or an in-memory driver can stand in for deterministic tests.

use crate::loom::{AtomicBool, AtomicUsize, OnceLock, Ordering};
use crate::scheduler::park::{Parker, Unparker};
use runtime_io::Reactor;
use runtime_timer::Driver as TimeDriver;
use std::fmt;
use std::sync::{Arc, Weak};
use std::task::{Wake, Waker};
use std::time::{Duration, Instant};

/// Blocks a thread that has nothing to run until there may be work.
pub(crate) trait Park {
    /// Blocks until the thread's unparker is called or `timeout` passes
    /// (`None`: no limit). May return early.
    fn park(&mut self, timeout: Option<Duration>);

    /// Parks by calling `wait`, a blocking call into the reactor that the
    /// thread's unparker interrupts (`Parker::park_in_driver`).
    fn park_in_driver(&mut self, wait: &mut dyn FnMut());
}

impl Park for Parker {
    fn park(&mut self, timeout: Option<Duration>) {
        Parker::park(self, timeout);
    }

    fn park_in_driver(&mut self, wait: &mut dyn FnMut()) {
        Parker::park_in_driver(self, wait);
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
    /// `None` when the runtime was built without IO.
    io: Option<Arc<Reactor>>,
    /// Taken by the thread that parks on the drivers (step 1).
    held: AtomicBool,
    /// The index of the holder's unparker, or `NO_HOLDER`.
    holder: AtomicUsize,
    /// The unparkers of the threads that may hold the driver, by index.
    unparkers: OnceLock<Box<[Unparker]>>,
}

/// The timer's unpark waker: wakes the holder (step 3). Weak, so the
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
    /// The drivers of a new runtime; `time` enables the timer, `io` the
    /// reactor.
    ///
    /// # Errors
    /// If the OS refuses the reactor's poller.
    pub(crate) fn new(time: bool, io: bool) -> std::io::Result<Driver> {
        let io = if io { Some(Reactor::new()?) } else { None };
        let inner = Arc::new_cyclic(|weak: &Weak<Inner>| Inner {
            time: time.then(|| TimeDriver::new(Waker::from(Arc::new(UnparkHolder(weak.clone()))))),
            io,
            held: AtomicBool::new(false),
            holder: AtomicUsize::new(NO_HOLDER),
            unparkers: OnceLock::new(),
        });
        Ok(Driver { inner })
    }

    /// Tells the driver the parkers of the threads that may hold it (`park`'s
    /// `index` refers to this list), and gives them the reactor's wake hook.
    /// Called once, before any `park`.
    pub(crate) fn set_parkers(&self, parkers: &[&Parker]) {
        if let Some(reactor) = &self.inner.io {
            let reactor = reactor.clone();
            let wake: crate::scheduler::park::DriverWake = Arc::new(move || reactor.notify());
            for parker in parkers {
                parker.set_driver_wake(wake.clone());
            }
        }
        let unparkers = parkers.iter().map(|p| p.unparker()).collect();
        let fresh = self.inner.unparkers.set(unparkers).is_ok();
        debug_assert!(fresh, "set_parkers called twice");
    }

    /// Whether the runtime was built with the timer.
    pub(crate) fn has_time(&self) -> bool {
        self.inner.time.is_some()
    }

    /// How many timers are armed (0 without time).
    pub(crate) fn num_timers(&self) -> usize {
        self.inner.time.as_ref().map_or(0, |t| t.pending())
    }

    /// The reactor, if IO is enabled.
    pub(crate) fn reactor(&self) -> Option<&Arc<Reactor>> {
        self.inner.io.as_ref()
    }

    /// Parks the calling thread, the `index`-th of `set_parkers`, for at
    /// most `timeout`, driving the timer and the reactor if no other thread
    /// does (step 1). Returns early when unparked; fires the due timers
    /// before returning.
    pub(crate) fn park(&self, index: usize, parker: &mut impl Park, timeout: Option<Duration>) {
        // The coarse clock of task dumps, refreshed where a clock read or a
        // syscall is paid anyway (`task/meta.rs`); once more on the way out.
        crate::task::refresh_coarse_now();
        let _refresh = RefreshOnDrop;
        let inner = &*self.inner;
        if (inner.time.is_none() && inner.io.is_none()) || !inner.try_hold() {
            return parker.park(timeout);
        }
        // SeqCst: must be visible to a timer's unpark waker that runs after
        // the `next_deadline` below (step 3; `unpark_holder`).
        inner.holder.store(index, Ordering::SeqCst);
        let timeout = match inner.time.as_ref().and_then(|t| t.next_deadline()) {
            Some(deadline) => {
                let until = deadline.saturating_duration_since(Instant::now());
                Some(timeout.map_or(until, |t| t.min(until)))
            }
            None => timeout,
        };
        match &inner.io {
            // An error of the poller (none is expected) only ends this
            // park early; the caller looks for work and parks again.
            Some(reactor) => parker.park_in_driver(&mut || drop(reactor.turn(timeout))),
            None if timeout == Some(Duration::ZERO) => {}
            None => parker.park(timeout),
        }
        inner.holder.store(NO_HOLDER, Ordering::SeqCst);
        inner.release();
        if let Some(time) = &inner.time {
            time.process(Instant::now());
        }
    }

    /// Step 4, for a busy thread now and then: fires the due timers (one
    /// atomic load and a clock read when none is due) and, if sockets are
    /// registered and no thread holds the driver, takes the reactor's
    /// ready events without blocking.
    pub(crate) fn maintain(&self) {
        crate::task::refresh_coarse_now();
        let inner = &*self.inner;
        if let Some(time) = &inner.time {
            time.process(Instant::now());
        }
        if let Some(reactor) = &inner.io {
            if reactor.sources_len() > 0 && inner.try_hold() {
                drop(reactor.turn(Some(Duration::ZERO)));
                inner.release();
            }
        }
    }

    /// Fires every pending timer as shut down; later timers panic saying
    /// the runtime is gone. Called after the tasks were cancelled.
    pub(crate) fn shutdown(&self) {
        if let Some(time) = &self.inner.time {
            time.shutdown();
        }
        if let Some(reactor) = &self.inner.io {
            reactor.shutdown();
        }
    }

    /// Makes this runtime's drivers the current thread's until the guard
    /// drops, so `runtime::time` finds its timer and `runtime::net` its
    /// reactor (`io`: the runtime's IO handle, `None` without IO).
    pub(crate) fn enter(&self, io: Option<runtime_io::Handle>) -> EnterGuard {
        EnterGuard {
            _time: runtime_timer::context::enter(self.inner.time.clone()),
            _io: runtime_io::context::enter(io),
        }
    }
}

impl Inner {
    /// Takes the driver if no other thread holds it.
    fn try_hold(&self) -> bool {
        // Acquire: pairs with the previous holder's release, so its view
        // of the drivers is ours.
        self.held
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    fn release(&self) {
        // Release: pairs with the next holder's acquire.
        self.held.store(false, Ordering::Release);
    }

    /// Step 3: wakes the thread that holds the driver, if any. A thread
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
    _io: runtime_io::context::EnterGuard,
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("time", &self.inner.time.is_some())
            .field("io", &self.inner.io.is_some())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// Refreshes the coarse clock when a park returns (`Driver::park`).
struct RefreshOnDrop;

impl Drop for RefreshOnDrop {
    fn drop(&mut self) {
        crate::task::refresh_coarse_now();
    }
}
