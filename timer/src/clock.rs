//! The driver's clock: real time, or a paused clock that moves only when
//! told to (tokio's `pause`, `resume` and `advance`).
//!
//! The clock reads `base + (real time since unfrozen)` while it runs and
//! `base` while it is paused; [`Clock::advance`] moves `base`. A fresh
//! clock is real time (`base` and `unfrozen` both the driver's creation);
//! resuming continues from where the paused clock stood, so the clock
//! never goes back.
//!
//! [`now`], behind [`Instant::now`](crate::Instant::now), costs one
//! relaxed load over `std::time::Instant::now` as long as no clock in the
//! process was ever paused; after that it asks the current thread's
//! driver, under its lock.

use crate::loom::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Whether any clock in the process was ever paused: until then every
/// clock is real time and [`now`] need not look one up.
static EVER_PAUSED: AtomicBool = AtomicBool::new(false);

/// The time now on the current thread's clock: its runtime's, if a clock
/// was ever paused and the thread is inside a runtime with time; else the
/// real time.
#[inline]
pub(crate) fn now() -> Instant {
    if !EVER_PAUSED.load(Ordering::Relaxed) {
        return Instant::now();
    }
    crate::context::clock_now().unwrap_or_else(Instant::now)
}

pub(crate) struct Clock {
    state: Mutex<State>,
    /// Mirrors `state.unfrozen.is_none()`, for [`is_paused`](Self::is_paused)
    /// without the lock: the runtime asks it at every park.
    paused: AtomicBool,
}

struct State {
    base: Instant,
    /// When the clock last started running; `None` while paused.
    unfrozen: Option<Instant>,
}

impl State {
    fn now(&self) -> Instant {
        match self.unfrozen {
            Some(at) => self.base + at.elapsed(),
            None => self.base,
        }
    }
}

impl Clock {
    /// A running clock that reads real time, from `now` (the driver's
    /// origin, so that both agree to the nanosecond).
    pub(crate) fn new(now: Instant) -> Clock {
        Clock {
            state: Mutex::new(State {
                base: now,
                unfrozen: Some(now),
            }),
            paused: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn now(&self) -> Instant {
        if !EVER_PAUSED.load(Ordering::Relaxed) {
            // No clock was ever paused: every clock reads real time.
            return Instant::now();
        }
        self.state.lock().now()
    }

    #[inline]
    pub(crate) fn is_paused(&self) -> bool {
        // Acquire: pairs with the release stores below, so a thread that
        // sees the clock paused also sees `EVER_PAUSED`.
        self.paused.load(Ordering::Acquire)
    }

    /// # Panics
    /// If the clock is paused already.
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut state = self.state.lock();
        if state.unfrozen.is_none() {
            drop(state);
            panic!("time is already paused: `pause` was called twice without `resume`");
        }
        EVER_PAUSED.store(true, Ordering::Relaxed);
        state.base = state.now();
        state.unfrozen = None;
        self.paused.store(true, Ordering::Release);
    }

    /// Pauses the clock at `at`, which must not be later than now: a
    /// runtime that starts paused stops it at its driver's origin, so the
    /// paused time does not depend on how long building took.
    pub(crate) fn pause_at(&self, at: Instant) {
        let mut state = self.state.lock();
        EVER_PAUSED.store(true, Ordering::Relaxed);
        state.base = at.min(state.now());
        state.unfrozen = None;
        self.paused.store(true, Ordering::Release);
    }

    /// # Panics
    /// If the clock is not paused.
    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!("time is not paused: `resume` needs a `pause` first");
        }
        state.unfrozen = Some(Instant::now());
        self.paused.store(false, Ordering::Release);
    }

    /// Moves the paused clock forward by `by`.
    ///
    /// # Panics
    /// If the clock is not paused.
    #[track_caller]
    pub(crate) fn advance(&self, by: Duration) {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!("time is not paused: call `time::pause()` before `time::advance`");
        }
        state.base = state.base.checked_add(by).unwrap_or(state.base);
    }

    /// Moves the paused clock forward to `to`, if that is later; `false`
    /// (and nothing done) if the clock runs.
    pub(crate) fn advance_to(&self, to: Instant) -> bool {
        let mut state = self.state.lock();
        if state.unfrozen.is_some() {
            return false;
        }
        state.base = state.base.max(to);
        true
    }
}

/// Pauses the current runtime's clock, as tokio's `time::pause`:
/// [`Instant::now`](crate::Instant::now) stands still, and when the runtime
/// has nothing else to do (no task runnable, no IO event, no blocking task
/// running) the clock jumps to the next timer's deadline, so sleeps and
/// timeouts complete at once in the order of their deadlines. Unlike
/// tokio's, it works on the multi-thread runtime too (there the condition
/// is "every worker idle").
///
/// ```
/// use runtime::time::{self, Duration, Instant};
///
/// # let rt = runtime::runtime::Builder::new_multi_thread()
/// #     .worker_threads(2).enable_time().build().unwrap();
/// # rt.block_on(async {
/// time::pause();
/// let start = Instant::now();
/// time::sleep(Duration::from_secs(3600)).await; // at once
/// // To the wheel's resolution: the clock lands on the timer's 8.192 µs tick.
/// assert!(start.elapsed() - Duration::from_secs(3600) < Duration::from_micros(9));
/// time::resume();
/// # });
/// ```
///
/// # Panics
/// Outside a runtime with time, or if the clock is paused already.
#[track_caller]
pub fn pause() {
    crate::context::driver().pause();
}

/// Lets the current runtime's paused clock run again, from where it
/// stands (tokio's `time::resume`).
///
/// ```
/// use runtime::time::{self, Duration, Instant};
///
/// # let rt = runtime::runtime::Builder::new_current_thread()
/// #     .enable_time().start_paused(true).build().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now();
/// time::advance(Duration::from_secs(60)).await; // paused: a jump
/// time::resume();
/// // Running again: real time passes from 60 s on.
/// time::sleep(Duration::from_millis(1)).await;
/// assert!(start.elapsed() > Duration::from_secs(60));
/// # });
/// ```
///
/// # Panics
/// Outside a runtime with time, or if the clock is not paused.
#[track_caller]
pub fn resume() {
    crate::context::driver().resume();
}

/// Moves the current runtime's paused clock forward by `duration` at once
/// and fires the timers due by then (tokio's `time::advance`); then yields
/// once, so the woken tasks can run. It does not wait for them: to wait
/// for a sleep, await it and let the clock auto-advance.
///
/// ```
/// use runtime::time::{self, Duration, Instant};
///
/// # let rt = runtime::runtime::Builder::new_current_thread()
/// #     .enable_time().start_paused(true).build().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now();
/// time::advance(Duration::from_millis(250)).await;
/// assert_eq!(start.elapsed(), Duration::from_millis(250));
/// # });
/// ```
///
/// # Panics
/// Outside a runtime with time, or if the clock is not paused.
pub async fn advance(duration: Duration) {
    crate::context::driver().advance(duration);
    let mut yielded = false;
    std::future::poll_fn(move |cx| {
        if yielded {
            return std::task::Poll::Ready(());
        }
        yielded = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    })
    .await;
}
