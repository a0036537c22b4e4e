//! One worker's counters and histograms, written by that worker only (so
//! each update is a relaxed load and store, `histogram::bump`) and read
//! by [`RuntimeMetrics`](super::RuntimeMetrics) on any thread. These are
//! diagnostics ordered with nothing, so they are std atomics, outside the
//! loom models.
//!
//! # What a poll costs
//!
//! Every poll: the poll count, and the id of the task being polled (for
//! dumps: "running on worker 1"), set and cleared. One poll in
//! `sample_every` (64 by default) is timed: two clock reads
//! (`clock.rs`) and a histogram update. A wake stamps the task with the
//! clock one time in `sample_every` (a thread-local countdown), and the
//! poll that follows a stamped wake records the schedule latency. Timing
//! every poll would cost two clock reads a poll, about 20 ns against the
//! ~80 ns a yield-and-repoll takes here; the sampled paths are cold
//! functions, so the hot path keeps no frame for them.

use super::clock;
use super::histogram::{bump, Recorder};
use crate::task::Notified;
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The default of [`Builder::metrics_sample_every`](crate::runtime::Builder::metrics_sample_every).
pub(crate) const DEFAULT_SAMPLE_EVERY: u32 = 64;

pub(crate) struct WorkerMetrics {
    pub(crate) park_count: AtomicU64,
    pub(crate) noop_count: AtomicU64,
    pub(crate) steal_count: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) poll_count: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    /// The id of the task inside a poll on this worker, 0 between polls.
    pub(crate) running: AtomicU64,
    pub(crate) poll_time: Recorder,
    pub(crate) schedule_latency: Recorder,
}

impl WorkerMetrics {
    pub(crate) fn new() -> WorkerMetrics {
        WorkerMetrics {
            park_count: AtomicU64::new(0),
            noop_count: AtomicU64::new(0),
            steal_count: AtomicU64::new(0),
            steal_operations: AtomicU64::new(0),
            poll_count: AtomicU64::new(0),
            busy_ns: AtomicU64::new(0),
            running: AtomicU64::new(0),
            poll_time: Recorder::new(),
            schedule_latency: Recorder::new(),
        }
    }

    /// Runs `task` on this worker, counting the poll; `timed` when this
    /// poll is one of the sample ([`Sampler::next`]). Inlined into both
    /// run loops: a call frame here would cost more than the counting.
    #[inline(always)]
    pub(crate) fn run(&self, task: Notified, timed: bool) {
        let stamp = task.take_scheduled_at();
        let start = if timed || stamp != 0 {
            self.started_sampled(stamp)
        } else {
            0
        };
        bump(&self.poll_count, 1);
        self.running.store(task.id().as_u64(), Ordering::Relaxed);
        task.run();
        self.running.store(0, Ordering::Relaxed);
        if timed {
            self.poll_time_since(start);
        }
    }

    /// A sampled poll starts: the clock, and the schedule latency if the
    /// wake was stamped.
    #[cold]
    #[inline(never)]
    fn started_sampled(&self, stamp: u64) -> u64 {
        let now = clock::now();
        if stamp != 0 {
            self.schedule_latency.record(clock::ticks_to_ns(stamp, now));
        }
        now
    }

    #[cold]
    #[inline(never)]
    fn poll_time_since(&self, start: u64) {
        self.poll_time
            .record(clock::ticks_to_ns(start, clock::now()));
    }

    /// The worker is about to park: `ran` tells whether it polled anything
    /// since it woke at `busy_since` (and is reset).
    pub(crate) fn parking(&self, ran: &mut bool, busy_since: Instant) {
        bump(&self.park_count, 1);
        if !std::mem::take(ran) {
            bump(&self.noop_count, 1);
        }
        let busy = u64::try_from(busy_since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        bump(&self.busy_ns, busy);
    }

    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Picks one poll in `every` on a worker, by countdown.
pub(crate) struct Sampler {
    every: u32,
    left: u32,
}

impl Sampler {
    pub(crate) fn new(every: u32) -> Sampler {
        Sampler {
            every: every.max(1),
            left: 0,
        }
    }

    /// Whether the next poll is timed.
    #[inline]
    pub(crate) fn next(&mut self) -> bool {
        if self.left == 0 {
            self.left = self.every - 1;
            true
        } else {
            self.left -= 1;
            false
        }
    }
}

std::thread_local! {
    /// Wakes on this thread until the next stamped one.
    static WAKES_LEFT: Cell<u32> = const { Cell::new(0) };
}

/// A wake is about to queue `task`: one in `every` gets the time, for the
/// schedule latency its next poll records.
#[inline(always)]
pub(crate) fn stamp_wake(task: &Notified, every: u32) {
    let left = WAKES_LEFT.with(Cell::get);
    if left == 0 {
        stamp_now(task, every);
    } else {
        WAKES_LEFT.set(left - 1);
    }
}

#[cold]
#[inline(never)]
fn stamp_now(task: &Notified, every: u32) {
    WAKES_LEFT.set(every.max(1) - 1);
    task.set_scheduled_at(clock::now());
}
