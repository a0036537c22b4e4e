//! [`Interval`]: ticks at a fixed period.

use crate::sleep::{far_future, Timer};
use crate::Instant;
use std::future::poll_fn;
use std::task::{Context, Poll};
use std::time::Duration;

/// A tick later than its deadline by more than this counts as missed, and
/// the [`MissedTickBehavior`] decides the next one; below it, ticks keep
/// their schedule. The same tolerance as tokio's.
const MISSED_TOLERANCE: Duration = Duration::from_millis(5);

/// An [`Interval`] whose first tick is now, then every `period`.
///
/// ```
/// use runtime::time::{interval, Duration, Instant};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now();
/// let mut every = interval(Duration::from_millis(2));
/// every.tick().await; // at once
/// every.tick().await; // 2 ms later
/// every.tick().await; // 4 ms after the start
/// assert!(start.elapsed() >= Duration::from_millis(4));
/// # });
/// ```
///
/// # Panics
///
/// If `period` is zero ("`period` must be non-zero."), outside a runtime,
/// or in a runtime built without time.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// An [`Interval`] whose first tick is at `start`, then every `period`.
///
/// ```
/// use runtime::time::{interval_at, Duration, Instant};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let start = Instant::now() + Duration::from_millis(3);
/// let mut every = interval_at(start, Duration::from_millis(1));
/// // Each tick returns the instant it was due at.
/// assert_eq!(every.tick().await, start); // not before `start`
/// assert_eq!(every.tick().await, start + Duration::from_millis(1));
/// assert!(Instant::now() >= start + Duration::from_millis(1));
/// # });
/// ```
///
/// # Panics
///
/// As [`interval`].
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(!period.is_zero(), "`period` must be non-zero.");
    Interval {
        timer: Timer::new(start),
        period,
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when ticks were missed: when
/// [`tick`](Interval::tick) is called more than a few milliseconds after a
/// tick was due (the task was busy, or the interval was not polled).
///
/// In the examples, the period is 50 ms, ticks were due at 0, 50, 100,
/// 150, ... ms, and the tick due at 100 ms is taken at 185 ms. The same,
/// run on a paused clock (each tick returns the instant it was due at):
///
/// ```
/// use runtime::time::{self, Duration, MissedTickBehavior};
///
/// async fn due_after_late_tick(behavior: MissedTickBehavior) -> Vec<u128> {
///     let ms = Duration::from_millis;
///     let mut ticks = time::interval(ms(50));
///     ticks.set_missed_tick_behavior(behavior);
///     let start = ticks.tick().await; // due at 0
///     time::advance(ms(50)).await;
///     ticks.tick().await; // due at 50, on time
///     time::advance(ms(135)).await; // now 185: the tick due at 100 is late
///     let mut due = Vec::new();
///     for _ in 0..3 {
///         due.push((ticks.tick().await - start).as_millis());
///     }
///     due
/// }
///
/// let rt = runtime::Builder::new_current_thread()
///     .enable_time()
///     .start_paused(true)
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     use MissedTickBehavior::*;
///     assert_eq!(due_after_late_tick(Burst).await, [100, 150, 200]);
///     assert_eq!(due_after_late_tick(Delay).await, [100, 235, 285]);
///     assert_eq!(due_after_late_tick(Skip).await, [100, 200, 250]);
/// });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks complete at once, one per call, until the
    /// schedule is met again, which it then keeps (the tick due at 100 at
    /// 185, the one due at 150 at once, then 200, 250, ... on time). This
    /// is the default.
    #[default]
    Burst,
    /// Start again from now: the next tick is due one period after the
    /// late tick was taken (185, then 235, 285, ...).
    Delay,
    /// Skip the missed ticks: the next tick is due at the next multiple of
    /// the period on the original schedule (185, then 200, 250, ...).
    Skip,
}

impl MissedTickBehavior {
    /// When the tick after a late one is due: `timeout` is the late tick's
    /// deadline, `now` when it was taken.
    fn next_timeout(self, timeout: Instant, now: Instant, period: Duration) -> Instant {
        let after = |t: Instant| t.checked_add(period).unwrap_or_else(|| far_future(t));
        match self {
            MissedTickBehavior::Burst => after(timeout),
            MissedTickBehavior::Delay => after(now),
            MissedTickBehavior::Skip => {
                let late = (now - timeout).as_nanos() % period.as_nanos();
                // `late < period`, which is a `Duration`: it fits in u64 nanos
                // unless the period is over 584 years.
                let late = u64::try_from(late)
                    .expect("too much time has elapsed since the interval was supposed to tick");
                after(now) - Duration::from_nanos(late)
            }
        }
    }
}

/// Ticks at a fixed period; see [`interval`], [`interval_at`].
///
/// The first tick completes at the start instant (at once, for
/// [`interval`]). Each tick returns the instant it was due at. When ticks
/// are missed, [`MissedTickBehavior`] decides what follows. An `Interval`
/// holds one timer entry for its whole life, re-filed on each tick.
///
/// ```
/// use runtime::time::{self, Duration};
///
/// // A paused clock, so the count is exact (it jumps from timer to timer).
/// let rt = runtime::Builder::new_current_thread()
///     .enable_time()
///     .start_paused(true)
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     let mut heartbeat = time::interval(Duration::from_secs(1));
///     let mut stop = std::pin::pin!(time::sleep(Duration::from_millis(10_500)));
///     let mut beats = 0;
///     loop {
///         runtime::select! {
///             _ = heartbeat.tick() => beats += 1,
///             _ = stop.as_mut() => break,
///         }
///     }
///     // The first tick at once, then one a second: 0 s, 1 s, ..., 10 s.
///     assert_eq!(beats, 11);
///     assert_eq!(heartbeat.period(), Duration::from_secs(1));
/// });
/// ```
#[derive(Debug)]
pub struct Interval {
    timer: Timer,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Completes at the next tick, returning the instant the tick was due
    /// at. Cancel-safe: dropping the future loses no tick.
    ///
    /// ```
    /// use runtime::time::{interval, Duration, Instant};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_millis(2));
    /// let first = ticks.tick().await;
    /// let second = ticks.tick().await;
    /// // The schedule, not the time the tick was taken.
    /// assert_eq!(second - first, Duration::from_millis(2));
    /// assert!(Instant::now() >= second);
    /// # });
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: `Ready` with the instant it was due at, or
    /// `Pending` and `cx`'s waker is woken when it is due.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        if self.timer.poll_elapsed(cx).is_pending() {
            return Poll::Pending;
        }
        let timeout = self.timer.deadline();
        let now = Instant::now();
        let missed = timeout
            .checked_add(MISSED_TOLERANCE)
            .is_some_and(|limit| now > limit);
        let next = if missed {
            self.missed_tick_behavior
                .next_timeout(timeout, now, self.period)
        } else {
            timeout
                .checked_add(self.period)
                .unwrap_or_else(|| far_future(timeout))
        };
        // The timer fired, so this costs no lock: it is armed again on the
        // next poll, unless that deadline has passed by then.
        self.timer.reset(next);
        Poll::Ready(timeout)
    }

    /// Restarts the schedule: the next tick is one period from now.
    ///
    /// ```
    /// use runtime::time::{interval, Duration, Instant};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_millis(2));
    /// ticks.tick().await;
    /// let before = Instant::now();
    /// ticks.reset(); // e.g. some other activity happened
    /// assert!(ticks.tick().await >= before + Duration::from_millis(2));
    /// # });
    /// ```
    pub fn reset(&mut self) {
        self.timer.reset(Instant::now() + self.period);
    }

    /// Restarts the schedule: the next tick is now.
    ///
    /// ```
    /// use runtime::time::{interval, Duration, Instant};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut ticks = interval(Duration::from_secs(3600));
    /// ticks.tick().await;
    /// ticks.reset_immediately();
    /// let start = Instant::now();
    /// ticks.tick().await; // not an hour
    /// assert!(start.elapsed() < Duration::from_secs(60));
    /// # });
    /// ```
    pub fn reset_immediately(&mut self) {
        self.timer.reset(Instant::now());
    }

    /// Restarts the schedule: the next tick is `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.timer.reset(Instant::now() + after);
    }

    /// Restarts the schedule: the next tick is at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.timer.reset(deadline);
    }

    /// What happens when ticks are missed.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what happens when ticks are missed (see the example of
    /// [`MissedTickBehavior`]).
    ///
    /// ```
    /// use runtime::time::{interval, Duration, MissedTickBehavior};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # let _enter = rt.enter();
    /// let mut ticks = interval(Duration::from_millis(10));
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Burst);
    /// ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    /// assert_eq!(ticks.missed_tick_behavior(), MissedTickBehavior::Skip);
    /// ```
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The period between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn next_timeout_follows_each_behavior() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let period = ms(50);
        let (timeout, now) = (t0 + ms(100), t0 + ms(185));
        let next = |b: MissedTickBehavior| b.next_timeout(timeout, now, period) - t0;
        assert_eq!(next(MissedTickBehavior::Burst), ms(150));
        assert_eq!(next(MissedTickBehavior::Delay), ms(235));
        assert_eq!(next(MissedTickBehavior::Skip), ms(200));
        // Skip lands on the schedule even when `now` is exactly on it.
        let on = MissedTickBehavior::Skip.next_timeout(timeout, t0 + ms(200), period);
        assert_eq!(on - t0, ms(250));
    }
}
