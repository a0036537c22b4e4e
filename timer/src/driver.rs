//! The shared wheel behind one lock, driven by the runtime's workers.
//!
//! There is no timer thread. A worker with nothing to run asks
//! [`Driver::next_deadline`], parks until then (or until its unpark waker
//! is woken), and calls [`Driver::process`] with the time it woke at.
//!
//! # The unpark rule
//!
//! The driver remembers the last deadline it handed out, `announced`:
//! the earliest deadline a parked worker may be sleeping until (none after
//! `next_deadline` returned `None`). Arming or resetting a timer to a tick
//! earlier than `announced` lowers `announced` to it and wakes the unpark
//! waker once, after unlocking; any later deadline wakes nobody. With the
//! usual timers (`now + d` for a few common `d`), this is rare.
//!
//! What the runtime must do for this to hold:
//! - call `next_deadline` right before each park on the timer, and sleep
//!   no longer than it says;
//! - make an unpark that arrives before the park not be lost (the usual
//!   parker semantics), and have it wake the worker that parks on the
//!   timer.
//!
//! # Waking
//!
//! Timers' wakers are woken after the wheel's lock is released, each
//! inside `catch_unwind`: a waker runs code that is not ours, and the
//! driver runs on the runtime's workers. If one panics, the others are
//! still woken and the panic stops there, reported in one line on stderr
//! (the panic hook has printed its message already); it never unwinds
//! into the worker.

use crate::clock::Clock;
use crate::entry::{Entry, Fired};
use crate::loom::{AtomicU64, Mutex, Ordering};
use crate::wheel::{Wheel, MAX_TICK};
use std::fmt;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;
use std::time::{Duration, Instant};

/// log2 of the tick in nanoseconds: one tick is 2^13 ns = 8.192 µs (see
/// the crate doc for why).
const TICK_SHIFT: u32 = 13;

/// The panic message for a timer used after [`Driver::shutdown`].
pub(crate) const SHUTDOWN_MESSAGE: &str =
    "the timer driver has shut down: the runtime is being dropped";

/// The timer driver: a timing wheel shared by all the threads of one
/// runtime.
///
/// It is owned by the runtime (through an `Arc`) and driven by its worker
/// threads: see the module doc of `driver.rs` and [`next_deadline`],
/// [`process`]. Timers reach it through the thread's
/// [`context`](crate::context).
///
/// [`next_deadline`]: Driver::next_deadline
/// [`process`]: Driver::process
pub struct Driver {
    inner: Mutex<Inner>,
    /// A tick at or before the earliest entry's, or `u64::MAX`: lets
    /// `process` skip the lock when nothing can be due. Only ever lowered
    /// outside `process`, so it stays at or before the earliest entry.
    next_tick: AtomicU64,
    /// Woken when a deadline earlier than `announced` is armed.
    unpark: Waker,
    /// The instant tick 0 stands for.
    origin: Instant,
    /// Real or paused time (`clock.rs`): what every deadline and `now` of
    /// this driver's timers is measured on.
    clock: Clock,
}

struct Inner {
    wheel: Wheel<Arc<Entry>>,
    /// The earliest tick a parked worker may sleep until; `u64::MAX` for
    /// "no deadline" (see the unpark rule).
    announced: u64,
    shutdown: bool,
}

/// What [`Driver::arm`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Armed {
    /// The entry is in the wheel.
    Pending,
    /// The deadline's tick has been processed already: the entry was not
    /// filed and the timer is elapsed.
    Due,
}

/// What [`Driver::reset`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reset {
    /// The entry was re-filed at the new deadline.
    Moved,
    /// The new deadline is due: the entry fired (and its waker was woken).
    Fired,
    /// The entry was not in the wheel (it had fired): nothing was done.
    NotArmed,
}

impl Driver {
    /// The wheel's tick: deadlines are rounded up to a multiple of it
    /// (never early), and [`next_deadline`](Self::next_deadline) returns
    /// multiples of it.
    pub const RESOLUTION: Duration = Duration::from_nanos(1 << TICK_SHIFT);

    /// A driver with no timers. `unpark` is woken (by reference) when a
    /// timer is armed earlier than the deadline parked workers were given
    /// by [`next_deadline`](Self::next_deadline).
    pub fn new(unpark: Waker) -> Arc<Driver> {
        let origin = Instant::now();
        Arc::new(Driver {
            inner: Mutex::new(Inner {
                wheel: Wheel::new(),
                announced: u64::MAX,
                shutdown: false,
            }),
            next_tick: AtomicU64::new(u64::MAX),
            unpark,
            origin,
            clock: Clock::new(origin),
        })
    }

    /// Pauses the clock at the driver's origin (the instant it was made),
    /// for a runtime that starts paused: its time then depends only on
    /// what it does, not on when it was built (a simulation's runs must
    /// agree to the nanosecond). Call it before any timer is armed.
    pub fn start_paused(&self) {
        self.clock.pause_at(self.origin);
        self.unpark.wake_by_ref();
    }

    /// The time now on this driver's clock: real time, unless it was
    /// [`pause`](Self::pause)d. The runtime passes it to
    /// [`process`](Self::process) and measures
    /// [`next_deadline`](Self::next_deadline) against it.
    #[inline]
    pub fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Whether the clock is paused.
    #[inline]
    pub fn is_paused(&self) -> bool {
        self.clock.is_paused()
    }

    /// Pauses the clock: [`now`](Self::now) stands still until
    /// [`advance`](Self::advance), [`advance_to`](Self::advance_to) or
    /// [`resume`](Self::resume). Pausing and resuming wake the unpark
    /// waker: a parked worker's deadline no longer holds.
    ///
    /// # Panics
    /// If it is paused already.
    #[track_caller]
    pub fn pause(&self) {
        self.clock.pause();
        // A worker parked until a real deadline looks again now.
        self.unpark.wake_by_ref();
    }

    /// Lets the paused clock run again, from where it stands.
    ///
    /// # Panics
    /// If it is not paused.
    #[track_caller]
    pub fn resume(&self) {
        self.clock.resume();
        // A worker parked with no deadline (paused) parks again with one.
        self.unpark.wake_by_ref();
    }

    /// Moves the paused clock forward by `by` and fires the timers due by
    /// then, to the wheel's resolution: those due before the end of the
    /// tick the clock now stands in, so `advance(d)` fires a `sleep(d)`
    /// begun at a time that is not on a tick's edge (a timer due less than
    /// 8.192 µs after the new time fires too).
    ///
    /// # Panics
    /// If the clock is not paused.
    #[track_caller]
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        let now = self.clock.now();
        self.process(self.instant_of(self.tick_ceil(now)));
    }

    /// Moves the paused clock forward to `to` (if later) and fires the
    /// timers due by then: the runtime's auto-advance. Returns `false`,
    /// doing nothing, if the clock runs.
    pub fn advance_to(&self, to: Instant) -> bool {
        if !self.clock.advance_to(to) {
            return false;
        }
        self.process(self.clock.now());
        true
    }

    /// The earliest pending deadline, rounded up to the wheel's
    /// resolution, or `None` if no timer is pending. A worker about to park
    /// on the timer calls this and sleeps at most until then.
    ///
    /// It may be earlier than every timer's deadline (a crowded slot that
    /// must be moved down the wheel first), never later; it may be in the
    /// past, if timers are due and not yet processed.
    pub fn next_deadline(&self) -> Option<Instant> {
        let mut inner = self.inner.lock();
        // Both are at or before the earliest entry's tick; the later one
        // is the better bound. The wheel's alone can be the start of a
        // top-level slot, hours before its entries, while `process` skips
        // the wheel until `next_tick`: a worker woken then would find
        // nothing to do and ask again, in a loop, until `next_tick`.
        let tick = inner
            .wheel
            .next_deadline()
            .map(|t| t.max(self.next_tick.load(Ordering::Relaxed)));
        inner.announced = tick.unwrap_or(u64::MAX);
        drop(inner);
        tick.map(|tick| self.instant_of(tick))
    }

    /// Fires every timer due at `now`: takes them out of the wheel and
    /// collects their wakers with the lock held, then wakes them after
    /// releasing it. Returns how many timers fired.
    ///
    /// Cheap when nothing is due: one atomic load, no lock. Wakers are
    /// collected 32 at a time, and the lock is released to wake
    /// each batch, so a burst of timers does not hold the lock throughout.
    /// A waker that panics does not keep the others from being woken, and
    /// its panic does not reach the caller (see "Waking" in the module
    /// doc of `driver.rs`).
    pub fn process(&self, now: impl Into<Instant>) -> usize {
        let now = self.tick_floor(now.into());
        if now < self.next_tick.load(Ordering::Relaxed) {
            // Nothing is due. A timer armed concurrently with this check
            // is handled by the unpark rule, as if we had come just before.
            return 0;
        }
        let mut wakers = WakeList::new();
        let mut fired = 0;
        let mut inner = self.inner.lock();
        while let Some(entry) = inner.wheel.poll(now) {
            entry.set_key(None);
            fired += 1;
            if let Some(waker) = entry.fire(Fired::Deadline) {
                wakers.push(waker);
            }
            // Not the last reference: the owner holds one until it has
            // seen FIRED or cancelled (which needs this lock).
            drop(entry);
            if wakers.is_full() {
                // The wheel stays consistent meanwhile: entries found due
                // wait on its pending list, where they can be cancelled.
                drop(inner);
                wakers.wake_all();
                inner = self.inner.lock();
            }
        }
        let next = inner.wheel.next_deadline().unwrap_or(u64::MAX);
        self.next_tick.store(next, Ordering::Relaxed);
        drop(inner);
        wakers.finish();
        fired
    }

    /// Shuts the driver down: every pending timer fires as shut down (its
    /// owner panics if polled again), and arming a timer from now on
    /// panics with "the timer driver has shut down: the runtime is being
    /// dropped". Dropping timers stays fine. Idempotent. A panicking
    /// waker is handled as in [`process`](Self::process).
    pub fn shutdown(&self) {
        let mut inner = self.inner.lock();
        if inner.shutdown {
            return;
        }
        inner.shutdown = true;
        let wakers: Vec<Waker> = inner
            .wheel
            .drain()
            .filter_map(|entry| {
                entry.set_key(None);
                entry.fire(Fired::Shutdown)
            })
            .collect();
        self.next_tick.store(u64::MAX, Ordering::Relaxed);
        drop(inner);
        let mut batch = WakeList::new();
        for waker in wakers {
            batch.push(waker);
            if batch.is_full() {
                batch.wake_all();
            }
        }
        batch.finish();
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_shutdown(&self) -> bool {
        self.inner.lock().shutdown
    }

    /// How many timers are in the wheel (armed, not yet fired).
    pub fn pending(&self) -> usize {
        self.inner.lock().wheel.len()
    }

    /// Files `entry`, which is out of the wheel, to fire at `deadline`;
    /// `now` is the caller's current time.
    ///
    /// # Panics
    ///
    /// After [`shutdown`](Self::shutdown).
    pub(crate) fn arm(&self, entry: &Arc<Entry>, deadline: Instant, now: Instant) -> Armed {
        let tick = self.tick_ceil(deadline);
        let mut inner = self.inner.lock();
        if inner.shutdown {
            drop(inner);
            panic!("{SHUTDOWN_MESSAGE}");
        }
        debug_assert!(entry.key().is_none(), "armed a timer entry twice");
        self.catch_up(&mut inner, now);
        if tick <= inner.wheel.elapsed() {
            return Armed::Due;
        }
        entry.arm();
        let key = inner
            .wheel
            .insert(tick, entry.clone())
            .unwrap_or_else(|_| unreachable!("the tick is after `elapsed`"));
        entry.set_key(Some(key));
        let unpark = self.lower_next(&mut inner, tick);
        drop(inner);
        if unpark {
            self.unpark.wake_by_ref();
        }
        Armed::Pending
    }

    /// Moves `entry` to `deadline` if it is still in the wheel; `now` is
    /// the caller's current time. If `deadline` has passed, the entry
    /// fires at once, without waiting for the wheel to reach it.
    pub(crate) fn reset(&self, entry: &Arc<Entry>, deadline: Instant, now: Instant) -> Reset {
        // Tick 0 is never after `elapsed`: the wheel hands the entry back.
        let tick = if deadline <= now {
            0
        } else {
            self.tick_ceil(deadline)
        };
        let mut inner = self.inner.lock();
        let Some(key) = entry.key() else {
            return Reset::NotArmed;
        };
        self.catch_up(&mut inner, now);
        match inner.wheel.reset(key, tick) {
            Ok(()) => {
                let unpark = self.lower_next(&mut inner, tick);
                drop(inner);
                if unpark {
                    self.unpark.wake_by_ref();
                }
                Reset::Moved
            }
            Err(removed) => {
                entry.set_key(None);
                let waker = removed.fire(Fired::Deadline);
                drop(inner);
                drop(removed);
                if let Some(waker) = waker {
                    // The owner's own waker, but woken as `process` would.
                    let mut wakers = WakeList::new();
                    wakers.push(waker);
                    wakers.finish();
                }
                Reset::Fired
            }
        }
    }

    /// Takes `entry` out of the wheel, if it is there.
    pub(crate) fn cancel(&self, entry: &Arc<Entry>) {
        let mut inner = self.inner.lock();
        if let Some(key) = entry.key() {
            entry.set_key(None);
            // Not the last reference: the caller holds one.
            drop(inner.wheel.remove(key));
        }
    }

    /// Moves the wheel up to `now` if nothing can be due by then, so that
    /// new entries are filed relative to the present (on the level their
    /// distance calls for) even when `process` has been skipping the lock.
    fn catch_up(&self, inner: &mut Inner, now: Instant) {
        let now = self.tick_floor(now);
        // `next_tick` is at or before every entry's tick: if `now` is
        // before it, polling finds nothing due, it only cascades slots and
        // advances `elapsed`.
        if now > inner.wheel.elapsed() && now < self.next_tick.load(Ordering::Relaxed) {
            let due = inner.wheel.poll(now);
            debug_assert!(due.is_none(), "`next_tick` was after a due timer");
        }
    }

    /// Records that an entry was filed at `tick`; returns whether the
    /// unpark waker must be woken (the unpark rule).
    fn lower_next(&self, inner: &mut Inner, tick: u64) -> bool {
        if tick < self.next_tick.load(Ordering::Relaxed) {
            self.next_tick.store(tick, Ordering::Relaxed);
        }
        if tick < inner.announced {
            inner.announced = tick;
            true
        } else {
            false
        }
    }

    /// The first tick at or after `t`: a deadline's tick.
    pub(crate) fn tick_ceil(&self, t: Instant) -> u64 {
        let nanos = t.saturating_duration_since(self.origin).as_nanos();
        let ticks = nanos.div_ceil(1 << TICK_SHIFT);
        u64::try_from(ticks).unwrap_or(MAX_TICK).min(MAX_TICK)
    }

    /// The last tick at or before `t`: how far the wheel may advance at
    /// `t`.
    fn tick_floor(&self, t: Instant) -> u64 {
        let nanos = t.saturating_duration_since(self.origin).as_nanos();
        u64::try_from(nanos >> TICK_SHIFT)
            .unwrap_or(MAX_TICK)
            .min(MAX_TICK)
    }

    /// The instant at which `tick` starts.
    fn instant_of(&self, tick: u64) -> Instant {
        let nanos = u128::from(tick) << TICK_SHIFT;
        let since = Duration::new(
            (nanos / 1_000_000_000) as u64,
            (nanos % 1_000_000_000) as u32,
        );
        // Past what `Instant` can hold is so far that "the end of time"
        // will do.
        self.origin
            .checked_add(since)
            .unwrap_or_else(|| self.origin + Duration::from_secs(u32::MAX.into()))
    }
}

impl fmt::Debug for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.inner.lock();
        f.debug_struct("Driver")
            .field("pending", &inner.wheel.len())
            .field("elapsed_ticks", &inner.wheel.elapsed())
            .field("shutdown", &inner.shutdown)
            .finish_non_exhaustive()
    }
}

/// How many wakers `process` collects before it unlocks to wake them.
pub(crate) const WAKE_BATCH: usize = 32;

/// A batch of wakers to wake once the lock is released, and whether any
/// of them panicked.
struct WakeList {
    wakers: [Option<Waker>; WAKE_BATCH],
    len: usize,
    panicked: bool,
}

impl WakeList {
    fn new() -> WakeList {
        WakeList {
            wakers: Default::default(),
            len: 0,
            panicked: false,
        }
    }

    fn push(&mut self, waker: Waker) {
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    fn is_full(&self) -> bool {
        self.len == WAKE_BATCH
    }

    /// Wakes and empties the batch. A panicking waker does not keep the
    /// others from being woken: its panic is caught and remembered for
    /// [`finish`](Self::finish).
    fn wake_all(&mut self) {
        for slot in &mut self.wakers[..self.len] {
            let waker = slot.take().expect("a waker in each filled slot");
            // Unwind safety: the wheel is not borrowed here, and the waker
            // is consumed whether or not it panics.
            self.panicked |= panic::catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err();
        }
        self.len = 0;
    }

    /// Wakes what is left, then reports on stderr, once, if any waker
    /// panicked since [`new`](Self::new).
    fn finish(mut self) {
        self.wake_all();
        if self.panicked {
            // Not `eprintln!`, which panics if stderr cannot be written.
            let _ = writeln!(
                io::stderr(),
                "runtime: a waker panicked while the timer woke it; \
                 the other wakers were still woken"
            );
        }
    }
}
