//! `runtime-timer`: the timers of the `runtime` crate (re-exported as
//! `runtime::time`).
//!
//! # For users
//!
//! The API and its semantics are tokio's:
//!
//! - [`sleep()`], [`sleep_until`] → [`Sleep`]: a named future with
//!   [`deadline`](Sleep::deadline), [`is_elapsed`](Sleep::is_elapsed) and
//!   [`reset`](Sleep::reset). A deadline in the past completes on the
//!   first poll; dropping a `Sleep` cancels its timer.
//! - [`timeout()`], [`timeout_at`] → [`Timeout`], which gives
//!   `Err(`[`error::Elapsed`]`)` if the deadline passes first. The inner
//!   future is polled first; a timer is armed only if it is pending.
//! - [`interval()`], [`interval_at`] → [`Interval`], with
//!   [`MissedTickBehavior`] `Burst` (default), `Delay` or `Skip`.
//!
//! They must be created on a thread inside a runtime built with time
//! enabled, or they panic saying so.
//!
//! # For the runtime
//!
//! This crate knows `Waker`s, never tasks. The runtime owns a [`Driver`]
//! (`Arc<Driver>`), enters it on its threads with [`context::enter`], and
//! drives it from its workers; there is no timer thread. A worker with
//! nothing to run takes [`Driver::next_deadline`], parks until then (or
//! until the driver's unpark waker is woken, which happens when a timer is
//! armed earlier than that), then calls [`Driver::process`] with the time,
//! which wakes the due timers' wakers after releasing the wheel's lock.
//! [`Driver::shutdown`] fires every pending timer as "shut down" and makes
//! any later use of a timer panic.
//!
//! # Design
//!
//! - `wheel/`: a hierarchical timing wheel, pure data: 6 levels of 64
//!   slots, a bitmap per level, entries in a slab linked by index.
//! - `entry.rs`: the state a timer shares with the driver, an
//!   `AtomicWaker`-like protocol with a sticky "fired" bit.
//! - `driver.rs`: the wheel behind one mutex, plus the unpark rule.
//! - `sleep.rs`, `timeout.rs`, `interval.rs`: the futures, over one shared
//!   `Timer` state that arms lazily and reuses its entry.
//!
//! Costs: a timer that completes on its first poll (a past deadline, a
//! `timeout` whose future is ready) touches neither the wheel nor the
//! allocator. The first wait of a timer allocates its entry once and takes
//! the lock once; later polls refresh the waker with two uncontended
//! compare-exchanges and no lock; a reset re-files the same entry in O(1);
//! dropping a pending timer takes the lock once and unlinks it in O(1);
//! dropping a fired one takes no lock. `process` wakes outside the lock,
//! 32 wakers at a time. Measured in release on the 2-core dev machine:
//! `timeout(1s, ready(x))` 21 ns (the `Instant::now()` it needs), `sleep`
//! armed then dropped 133 ns, re-poll of an armed `Sleep` 12 ns, reset
//! 39 ns, firing 80 ns per timer in a burst of 100 000.
//!
//! # Resolution
//!
//! One wheel tick is 2^13 ns = 8.192 µs ([`Driver::RESOLUTION`]).
//! Deadlines are rounded *up* to a tick, so a timer never fires early, and
//! [`Driver::next_deadline`] returns the start of the earliest timer's own
//! tick, so a worker parks exactly until then (see below for the one
//! exception).
//!
//! Why this tick: a timer's lateness is the rounding (half a tick on
//! average: 4 µs here) plus the OS's lateness in waking a parked thread
//! (Linux's timer slack alone is 50 µs). tokio's 1 ms tick adds 0.5 ms on
//! average to that, and its park is in whole milliseconds too (≈1.5 ms
//! late on average); smol keeps exact deadlines in a `BTreeMap`
//! and is as late as the OS makes it (≈0.06 ms). At 8 µs we are at smol's
//! level and keep a wheel's O(1) operations. On the 2-core dev machine,
//! where `thread::park_timeout` alone wakes ≈92 µs late, sleeps driven by
//! a parked thread were late by (mean) ≈95–100 µs with this tick, the
//! same with a 1 ns tick, ≈150–170 µs with a 131 µs tick and ≈620 µs with
//! a 1 ms tick (`tests/driver.rs`, `lateness_is_small`, prints it).
//!
//! What it costs: a finer tick means more levels to descend. With 6
//! levels of 64 the wheel spans 2^36 ticks ≈ 6.5 days (later deadlines
//! wait in the top level and are re-filed once per rotation), and a 1 s
//! timer starts on level 2, so it is moved down the wheel at most twice
//! before it fires (tokio: once), each move an O(1) relink under the lock.
//! [`next_deadline`] gives a timer's own tick, not its slot's start,
//! whenever the slot holds at most 32 timers, so a lone timer does not
//! wake a worker for each move. Only timers less than 8 µs apart share a
//! wake-up (tokio coalesces 1 ms), so spread-out timers cost more worker
//! wake-ups than on tokio; Linux's timer slack coalesces those anyway.
//!
//! [`next_deadline`]: Driver::next_deadline
#![warn(missing_docs)]

mod clock;
pub mod context;
mod driver;
mod entry;
pub mod error;
mod instant;
mod interval;
mod loom;
mod sleep;
mod timeout;
mod wheel;

pub use clock::{advance, pause, resume};
pub use driver::Driver;
pub use instant::Instant;
pub use interval::{interval, interval_at, Interval, MissedTickBehavior};
pub use sleep::{sleep, sleep_until, Sleep};
pub use std::time::Duration;
pub use timeout::{timeout, timeout_at, Timeout};

/// What the loom model of the timer entry protocol (model 7, in
/// `loom-tests/tests/timer_entry.rs`) needs beyond the public API; not an
/// API. The model cancels through the real `Sleep`'s drop, never a copy.
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    pub use crate::entry::{Entry, Fired};
    use crate::Driver;
    use std::sync::Arc;
    use std::time::Instant;

    /// Files `entry` in `driver` to fire at `deadline`, as a timer's first
    /// wait does; `false` if the deadline was due already.
    pub fn arm(driver: &Driver, entry: &Arc<Entry>, deadline: Instant) -> bool {
        driver.arm(entry, deadline, Instant::now()) == crate::driver::Armed::Pending
    }
}
