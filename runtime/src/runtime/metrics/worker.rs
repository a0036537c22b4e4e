//! One worker's counters and histograms, written by that worker only (so
//! each update is a relaxed load and store, `histogram::bump`) and read
//! by [`RuntimeMetrics`](super::RuntimeMetrics) on any thread. These are
//! diagnostics ordered with nothing, so they are std atomics, outside the
//! loom models.
//!
//! # What a poll costs
//!
//! Every poll: the id of the task being polled (for dumps: "running on
//! worker 1"), set and cleared, a countdown in the worker's own state
//! ([`Sampler`]), and a look at the task header's sample word. One poll in
//! `sample_every` (64 by default) is sampled, in cold functions so the hot
//! path keeps no frame for them: it publishes the poll count of the polls
//! since the last sample (the count is also published when the worker
//! parks, so it lags by fewer than `sample_every` polls only while the
//! worker is busy, as tokio's batched counts do), and it is timed: two
//! clock reads (`clock.rs`) and a histogram update. Timing every poll
//! would cost two clock reads a poll, about 20 ns against the ~80 ns a
//! yield-and-repoll takes here.
//!
//! # Schedule latency
//!
//! A sampled poll also asks for the task's next wake to be stamped: it sets
//! bit 0 of the poll-count word in the task header. The waker that queues
//! the task sees the request in the header it has just touched anyway, and
//! leaves the time (`clock::stamp`) in the task's wait slot, which says
//! nothing while the task is queued, and sets bit 1; the poll that follows
//! sees that bit in the word it loads to count the poll anyway, reads the
//! stamp before it resets the slot, and hands the latency to its scheduler
//! (`Schedule::record_schedule_latency`: the recorder of the worker it
//! runs on). So a wake costs one load and a test, a poll one test, with no
//! thread-local or shared counter, and the cell no field. A new task asks at its spawn one time in
//! `sample_every` (by id), so the spawn-to-first-poll latency is in the
//! sample too. The header word is written only by whoever holds the task
//! (its runner, or the one waker that queues it: the state word lets one
//! at a time, `task/mod.rs` rule 7), and the queue orders the stamp for
//! the poller.

use super::clock;
use super::histogram::{bump, Recorder};
use crate::task::Notified;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The default of [`Builder::metrics_sample_every`](crate::runtime::Builder::metrics_sample_every).
pub(crate) const DEFAULT_SAMPLE_EVERY: u32 = 64;

/// The request bit of the header's poll-count word: the next wake should
/// stamp the time.
pub(crate) const REQUESTED: u32 = 1;

/// The bit that says a wake left its time stamp in the task's wait slot.
pub(crate) const STAMPED: u32 = 2;

pub(crate) struct WorkerMetrics {
    pub(crate) park_count: AtomicU64,
    pub(crate) noop_count: AtomicU64,
    pub(crate) steal_count: AtomicU64,
    pub(crate) steal_operations: AtomicU64,
    pub(crate) poll_count: AtomicU64,
    pub(crate) busy_ns: AtomicU64,
    /// What this worker polls, 0 between polls: the task id shifted left
    /// by 8, with a wrapping count of the worker's polls in the low byte,
    /// so that two polls of one task in a row differ (the watchdog tells a long poll from many,
    /// `runtime/watchdog.rs`).
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

    /// Runs `task` on this worker, counting the poll in `sampler` and
    /// sampling it if its turn came. Inlined into both run loops: a call
    /// frame here would cost more than the counting.
    #[inline(always)]
    pub(crate) fn run(&self, task: Notified, sampler: &mut Sampler) {
        sampler.seq = sampler.seq.wrapping_add(1);
        sampler.left -= 1;
        let sampled = sampler.left == 0;
        let start = if sampled {
            self.sampled_start(&task, sampler)
        } else {
            0
        };
        self.running
            .store(poll_word(&task, sampler), Ordering::Relaxed);
        task.run();
        self.running.store(0, Ordering::Relaxed);
        if sampled {
            self.poll_time_since(start);
        }
    }

    /// A sampled poll starts: publishes the polls since the last sample,
    /// asks for the task's next wake to be stamped, and reads the clock.
    #[cold]
    #[inline(never)]
    fn sampled_start(&self, task: &Notified, sampler: &mut Sampler) -> u64 {
        sampler.publish(self);
        let word = task.sample_word();
        word.store(word.load(Ordering::Relaxed) | REQUESTED, Ordering::Relaxed);
        clock::now()
    }

    #[cold]
    #[inline(never)]
    fn poll_time_since(&self, start: u64) {
        self.poll_time
            .record(clock::ticks_to_ns(start, clock::now()));
    }

    /// The worker is about to park: `ran` tells whether it polled anything
    /// since it woke at `busy_since` (and is reset).
    pub(crate) fn parking(&self, ran: &mut bool, busy_since: Instant, sampler: &mut Sampler) {
        sampler.publish(self);
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

/// The word `WorkerMetrics::running` holds during a poll of `task`.
#[inline(always)]
fn poll_word(task: &Notified, sampler: &Sampler) -> u64 {
    (task.id().as_u64() << 8) | u64::from(sampler.seq)
}

/// The `running` word of a worker inside `task::block_in_place`: no task
/// (task ids start at 1), so neither dumps nor the slow-poll report see a
/// poll, but the hand-off (`multi_thread/spare.rs`) counts the worker as
/// stuck at once.
pub(crate) const IN_PLACE: u64 = 1;

/// The task id in a `running` word (0: none).
pub(crate) fn polled_task(word: u64) -> u64 {
    word >> 8
}

/// A worker's poll countdown: picks one poll in `every` for the sample,
/// and counts the polls not yet added to `poll_count`.
pub(crate) struct Sampler {
    every: u32,
    /// Polls until the next sampled one, from `every` down to 0.
    left: u32,
    /// Counts polls, wrapping: the low byte of the poll word.
    seq: u8,
}

impl Sampler {
    pub(crate) fn new(every: u32) -> Sampler {
        let every = every.max(1);
        Sampler {
            every,
            left: every,
            seq: 0,
        }
    }

    /// Adds the polls counted since the last publish to `poll_count`.
    pub(crate) fn publish(&mut self, metrics: &WorkerMetrics) {
        let polls = self.every - self.left.min(self.every);
        if polls > 0 {
            bump(&metrics.poll_count, u64::from(polls));
        }
        self.left = self.every;
    }
}

/// A wake is about to queue `task`: if its last sampled poll (or its
/// spawn) asked for it, leave the time in its wait slot.
#[inline(always)]
pub(crate) fn stamp_wake(task: &Notified) {
    let word = task.sample_word();
    let polls = word.load(Ordering::Relaxed);
    if polls & REQUESTED != 0 {
        stamp_now(task, polls);
    }
}

#[cold]
#[inline(never)]
fn stamp_now(task: &Notified, polls: u32) {
    task.wait_slot().set_stamp(clock::stamp());
    task.sample_word()
        .store((polls & !REQUESTED) | STAMPED, Ordering::Relaxed);
}

/// The latency from a wake's stamp to now, for `harness::poll`.
pub(crate) fn latency_since(stamp: u32) -> u64 {
    clock::stamps_to_ns(stamp, clock::stamp())
}

/// A new task's poll-count word: one spawn in `every` (a power of two, by
/// id) asks for its first schedule to be stamped; `every` 0: none.
#[inline]
pub(crate) fn initial_sample_word(id: u64, every: u32) -> u32 {
    debug_assert!(every.is_power_of_two() || every == 0);
    if every != 0 && id & u64::from(every - 1) == 0 {
        REQUESTED
    } else {
        0
    }
}
