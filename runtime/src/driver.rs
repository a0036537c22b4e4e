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
//!
//! # Paused time
//!
//! 5. While the timer's clock is paused (`time::pause`, `start_paused`),
//!    the holder does not sleep until the next deadline: it polls the
//!    reactor without blocking, then asks its scheduler whether the
//!    runtime is *quiet*: every worker parked with nothing queued (the
//!    `quiet` argument of [`Driver::park`]), no blocking closure queued or
//!    running, and every thread inside a `block_on` of this runtime
//!    parked ([`Driver::block_on`]). If so, it moves the clock to the next
//!    deadline and fires what is due (auto-advance, as tokio's); if not,
//!    it parks until unparked (or for its caller's timeout).
//! 6. Whoever makes the runtime quieter while the clock is paused wakes
//!    the holder to look again (`poke`): a worker that parks without the
//!    driver, a `block_on` thread once it is parked, a blocking closure
//!    that ends. Each changes its own state first, then reads `holder`;
//!    the holder stores `holder` first, then reads their states (all
//!    `SeqCst`): one of the two sees the other.
//! 7. Quiet with no timer pending, no IO source registered and a
//!    `block_on` waiting: nothing can ever happen. The holder marks the
//!    runtime deadlocked and unparks the `block_on`s, which panic with
//!    "deadlock: no task can make progress" and the task dump.

use crate::loom::{AtomicBool, AtomicUsize, Mutex, OnceLock, Ordering};
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
    /// Blocking closures queued or running (step 5).
    blocking: AtomicUsize,
    /// The parkers of the threads inside a `block_on` that do not drive
    /// tasks (step 5), with a key each.
    block_ons: Mutex<Vec<(usize, Unparker)>>,
    next_block_on: AtomicUsize,
    /// Step 7: set by the holder, seen by the `block_on`s.
    deadlocked: AtomicBool,
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
            blocking: AtomicUsize::new(0),
            block_ons: Mutex::new(Vec::new()),
            next_block_on: AtomicUsize::new(0),
            deadlocked: AtomicBool::new(false),
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
    /// before returning. `quiet` is asked only while the clock is paused:
    /// whether the scheduler has nothing to run (step 5); `in_block_on`
    /// says that the caller itself is inside a `block_on` (a current-thread
    /// runtime), so a deadlock is to be reported to it (step 7).
    pub(crate) fn park(
        &self,
        index: usize,
        parker: &mut impl Park,
        timeout: Option<Duration>,
        quiet: impl Fn() -> bool,
        in_block_on: bool,
    ) {
        // The coarse clock of task dumps, refreshed where a clock read or a
        // syscall is paid anyway (`task/meta.rs`); once more on the way out.
        crate::task::refresh_coarse_now();
        let _refresh = RefreshOnDrop;
        let inner = &*self.inner;
        if (inner.time.is_none() && inner.io.is_none()) || !inner.try_hold() {
            // Step 6: this thread's idle state is stored (by its scheduler)
            // before this look at `holder`.
            self.poke();
            return parker.park(timeout);
        }
        // SeqCst: must be visible to a timer's unpark waker that runs after
        // the `next_deadline` below (step 3; `unpark_holder`), and to a
        // poke (step 6).
        inner.holder.store(index, Ordering::SeqCst);
        let paused = inner.time.as_ref().filter(|t| t.is_paused());
        let timeout = match paused {
            Some(time) => {
                if self.auto_advance(time, &quiet, in_block_on) {
                    Some(Duration::ZERO)
                } else {
                    timeout
                }
            }
            None => match inner.time.as_ref().and_then(|t| t.next_deadline()) {
                Some(deadline) => {
                    let until = deadline.saturating_duration_since(inner.now());
                    Some(timeout.map_or(until, |t| t.min(until)))
                }
                None => timeout,
            },
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
            time.process(time.now());
        }
    }

    /// Steps 5 and 7, for the holder while the clock is paused: returns
    /// whether the clock moved (the caller then only polls the reactor).
    fn auto_advance(
        &self,
        time: &TimeDriver,
        quiet: &impl Fn() -> bool,
        in_block_on: bool,
    ) -> bool {
        let inner = &*self.inner;
        if let Some(reactor) = &inner.io {
            // IO first: an event makes the runtime busy, not the clock move.
            drop(reactor.turn(Some(Duration::ZERO)));
        }
        if !(quiet() && self.others_quiet()) {
            return false;
        }
        if let Some(deadline) = time.next_deadline() {
            return time.advance_to(deadline);
        }
        let io_sources = inner.io.as_ref().is_some_and(|r| r.sources_len() > 0);
        if !io_sources {
            let block_ons = inner.block_ons.lock();
            if in_block_on || !block_ons.is_empty() {
                inner.deadlocked.store(true, Ordering::SeqCst);
                block_ons.iter().for_each(|(_, u)| u.unpark());
                // The caller returns at once and sees it.
                return in_block_on;
            }
        }
        false
    }

    /// Step 5's conditions outside the scheduler: no blocking closure,
    /// every `block_on` thread parked.
    fn others_quiet(&self) -> bool {
        let inner = &*self.inner;
        inner.blocking.load(Ordering::SeqCst) == 0
            && inner.block_ons.lock().iter().all(|(_, u)| u.is_parked())
    }

    /// Step 6: wakes the holder to look again, if the clock is paused.
    fn poke(&self) {
        if self.is_paused() {
            self.inner.unpark_holder();
        }
    }

    /// For the simulation (`multi_thread/sim.rs`), with nothing to run:
    /// moves the paused clock to the next timer and fires what is due;
    /// `false` if no timer is pending.
    pub(crate) fn advance_to_next_timer(&self) -> bool {
        let Some(time) = &self.inner.time else {
            return false;
        };
        match time.next_deadline() {
            Some(deadline) => {
                time.advance_to(deadline);
                time.process(time.now());
                true
            }
            None => false,
        }
    }

    /// Whether IO sources are registered (an event may still come).
    pub(crate) fn has_io_sources(&self) -> bool {
        self.inner.io.as_ref().is_some_and(|r| r.sources_len() > 0)
    }

    /// Polls the reactor for up to `timeout` (the simulation, idle).
    pub(crate) fn turn_io(&self, timeout: Duration) {
        if let Some(reactor) = &self.inner.io {
            if self.inner.try_hold() {
                drop(reactor.turn(Some(timeout)));
                self.inner.release();
            }
        }
    }

    /// Pauses the clock from the start (`Builder::start_paused`); needs
    /// the timer.
    pub(crate) fn start_paused(&self) {
        if let Some(time) = &self.inner.time {
            time.start_paused();
        }
    }

    /// Whether the runtime's clock is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.inner.time.as_ref().is_some_and(|t| t.is_paused())
    }

    /// A blocking closure was queued (step 5).
    pub(crate) fn blocking_queued(&self) {
        self.inner.blocking.fetch_add(1, Ordering::SeqCst);
    }

    /// A blocking closure ended (step 6).
    pub(crate) fn blocking_done(&self) {
        self.inner.blocking.fetch_sub(1, Ordering::SeqCst);
        self.poke();
    }

    /// Polls `future` to completion on this thread, parking on `parker`
    /// between polls, as a `block_on` that does not drive tasks: the
    /// thread counts as busy for auto-advance unless parked (step 5), and
    /// panics with the task dump if the runtime deadlocks (step 7).
    /// `give_up`, asked after each `Pending` poll, ends it early (`None`).
    pub(crate) fn block_on<F: std::future::Future>(
        &self,
        future: std::pin::Pin<&mut F>,
        parker: &Parker,
        mut give_up: impl FnMut() -> bool,
    ) -> Option<F::Output> {
        let inner = &*self.inner;
        let key = inner.next_block_on.fetch_add(1, Ordering::Relaxed);
        inner.block_ons.lock().push((key, parker.unparker()));
        struct Leave<'a>(&'a Inner, usize);
        impl Drop for Leave<'_> {
            fn drop(&mut self) {
                self.0.block_ons.lock().retain(|(k, _)| *k != self.1);
            }
        }
        let _leave = Leave(inner, key);
        let poke = || self.poke();
        crate::scheduler::park::block_on_with(future, parker, &poke, || {
            // Taken by the one that reports it: the runtime stays usable
            // for a later `block_on` (whose future may make progress).
            if inner.deadlocked.swap(false, Ordering::SeqCst) {
                deadlock_panic();
            }
            give_up()
        })
    }

    /// Step 7 on a thread that drives the tasks itself (current-thread),
    /// after its park: panics if the runtime was found deadlocked.
    pub(crate) fn check_deadlock(&self) {
        if self.inner.deadlocked.swap(false, Ordering::SeqCst) {
            deadlock_panic();
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
            time.process(time.now());
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
    fn now(&self) -> Instant {
        self.time.as_ref().map_or_else(Instant::now, |t| t.now())
    }

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

/// Step 7's panic, with the task dump of the runtime this thread is in.
pub(crate) fn deadlock_panic() -> ! {
    let dump = crate::context::try_current()
        .map(|h| h.dump().to_string())
        .unwrap_or_default();
    panic!("deadlock: no task can make progress (the clock is paused, no timer is pending, no IO source is registered and no blocking task runs); the runtime's tasks:\n{dump}");
}

/// Refreshes the coarse clock when a park returns (`Driver::park`).
struct RefreshOnDrop;

impl Drop for RefreshOnDrop {
    fn drop(&mut self) {
        crate::task::refresh_coarse_now();
    }
}
