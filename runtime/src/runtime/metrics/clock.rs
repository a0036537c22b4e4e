//! The clock of the metrics: cheap enough to read on sampled polls.
//!
//! On x86_64 it is the time-stamp counter (`rdtsc`, about 10 ns here
//! against about 25 ns for `Instant::now`), converted to nanoseconds by a
//! factor measured once per process against `Instant` ([`calibrate`], a
//! 300 µs spin the first time a runtime is built). Every x86_64 CPU Linux
//! picks the TSC as its clock source on has an invariant TSC (one rate on
//! all cores, through frequency changes and sleep states). Elsewhere it is
//! `Instant` itself.
//!
//! A reading is an opaque tick count; only the difference of two readings,
//! through [`ticks_to_ns`], means anything.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Nanoseconds per tick, as a 32.32 fixed-point factor.
static NS_PER_TICK: OnceLock<u64> = OnceLock::new();

/// The ticks now; never 0 (0 means "not stamped" to the callers).
#[inline]
pub(crate) fn now() -> u64 {
    ticks() | 1
}

#[cfg(target_arch = "x86_64")]
#[inline]
fn ticks() -> u64 {
    // SAFETY: `rdtsc` exists on every x86_64 CPU and touches no memory.
    unsafe { std::arch::x86_64::_rdtsc() }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn ticks() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// Measures the tick rate, once per process (a runtime's build calls it, so
/// that no poll pays for it).
pub(crate) fn calibrate() {
    NS_PER_TICK.get_or_init(measure);
}

#[cfg(not(target_arch = "x86_64"))]
fn measure() -> u64 {
    1 << 32
}

#[cfg(target_arch = "x86_64")]
fn measure() -> u64 {
    /// One (Instant, ticks) pair, read close together: retried if the
    /// thread was descheduled between the two reads.
    fn pair() -> (Instant, u64) {
        let mut best = None;
        for _ in 0..5 {
            let before = Instant::now();
            let t = ticks();
            let after = Instant::now();
            let gap = after - before;
            if gap < Duration::from_micros(2) {
                return (before + gap / 2, t);
            }
            best = Some((before + gap / 2, t));
        }
        best.expect("five tries")
    }
    let (i0, t0) = pair();
    while i0.elapsed() < Duration::from_micros(300) {
        std::hint::spin_loop();
    }
    let (i1, t1) = pair();
    let ns = u128::from(u64::try_from((i1 - i0).as_nanos()).unwrap_or(u64::MAX));
    let ticks = u128::from(t1.wrapping_sub(t0).max(1));
    u64::try_from((ns << 32) / ticks).unwrap_or(1 << 32)
}

/// The nanoseconds between two readings of [`now`] (0 if `to` is not
/// after `from`: a reading on another core may lag by a few ticks).
#[inline]
pub(crate) fn ticks_to_ns(from: u64, to: u64) -> u64 {
    let factor = *NS_PER_TICK.get_or_init(measure);
    let ticks = u128::from(to.saturating_sub(from));
    u64::try_from((ticks * u128::from(factor)) >> 32).unwrap_or(u64::MAX)
}

/// A reading shortened to 32 bits for a task header: ticks in units of
/// `1 << STAMP_SHIFT` (about 20 ns of TSC, 64 ns elsewhere), so it wraps
/// after a minute or more; never 0 or 1 (the header's "no stamp" and
/// "stamp requested", `worker.rs`).
pub(crate) fn stamp() -> u32 {
    stamp_of(now())
}

/// [`stamp`] of a reading of [`now`].
pub(crate) fn stamp_of(ticks: u64) -> u32 {
    ((ticks >> STAMP_SHIFT) as u32).max(2)
}

const STAMP_SHIFT: u32 = 6;

/// The nanoseconds from a [`stamp`] to a later one (0 if `to` is not after
/// `from`; a gap longer than half the wrap period reads as that).
pub(crate) fn stamps_to_ns(from: u32, to: u32) -> u64 {
    let delta = to.wrapping_sub(from);
    if delta > u32::MAX / 2 {
        return 0;
    }
    ticks_to_ns(0, u64::from(delta) << STAMP_SHIFT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_measure_real_time() {
        calibrate();
        let (i0, t0) = (Instant::now(), now());
        std::thread::sleep(Duration::from_millis(20));
        let (t1, i1) = (now(), Instant::now());
        let measured = ticks_to_ns(t0, t1) as f64;
        let real = (i1 - i0).as_nanos() as f64;
        assert!(
            (measured / real - 1.0).abs() < 0.05,
            "{measured} ns by ticks, {real} ns by Instant"
        );
        assert_eq!(ticks_to_ns(t1, t0), 0);
    }

    #[test]
    fn stamps_measure_real_time_and_wrap() {
        calibrate();
        let (i0, s0) = (Instant::now(), stamp());
        std::thread::sleep(Duration::from_millis(20));
        let (s1, i1) = (stamp(), Instant::now());
        let measured = stamps_to_ns(s0, s1) as f64;
        let real = (i1 - i0).as_nanos() as f64;
        assert!(
            (measured / real - 1.0).abs() < 0.05,
            "{measured} ns by stamps, {real} ns by Instant"
        );
        assert_eq!(stamps_to_ns(s1, s0), 0);
        // Across the wrap of the 32-bit stamp.
        assert_eq!(
            stamps_to_ns(u32::MAX - 9, 10),
            ticks_to_ns(0, 20 << STAMP_SHIFT)
        );
    }
}
