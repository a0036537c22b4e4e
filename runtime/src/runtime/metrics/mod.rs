//! [`RuntimeMetrics`]: what a runtime counts, stable and on by default.
//!
//! The names and meanings are tokio's (`tokio::runtime::RuntimeMetrics`,
//! most of it behind `tokio_unstable` there). The counters are exact; the
//! two histograms, [poll time](RuntimeMetrics::poll_time_histogram) and
//! [schedule latency](RuntimeMetrics::schedule_latency_histogram), are
//! recorded on a sample of one poll (and one wake) in
//! [`Builder::metrics_sample_every`](super::Builder::metrics_sample_every)
//! (64 by default; 1 records every one), so that the clock reads cost a
//! yield-heavy workload about 1% (`worker.rs`). Recording never allocates or locks.

pub(crate) mod clock;
mod histogram;
mod worker;

pub(crate) use histogram::bump;
pub use histogram::Histogram;
pub(crate) use worker::{
    initial_sample_word, latency_since, polled_task, stamp_wake, Sampler, WorkerMetrics,
    DEFAULT_SAMPLE_EVERY, IN_PLACE, STAMPED,
};

use super::Handle;
use crate::scheduler::Scheduler;
use std::time::Duration;

/// A view of a runtime's metrics ([`Handle::metrics`]). Each call reads
/// the current values; cloning is cheap.
///
/// Methods taking a `worker` index count one worker thread of a
/// multi-thread runtime (0 to [`num_workers`](Self::num_workers) − 1); a
/// current-thread runtime has one "worker": whichever thread drives it.
///
/// ```
/// let rt = runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// rt.block_on(async {
///     for i in 0..10 {
///         runtime::spawn(async move { i }).await.unwrap();
///     }
/// });
/// assert!(metrics.spawned_tasks_count() >= 10);
/// // All joined; a task leaves the count just after its output is
/// // handed over, so the count may lag by an instant.
/// while metrics.num_alive_tasks() > 0 {
///     std::thread::yield_now();
/// }
/// let polls: u64 = (0..metrics.num_workers()).map(|w| metrics.worker_poll_count(w)).sum();
/// assert!(polls >= 10);
/// ```
///
/// # Panics
/// A `worker` method panics if the index is not below `num_workers()`, as
/// tokio's do.
#[derive(Clone, Debug)]
pub struct RuntimeMetrics {
    handle: Handle,
}

impl RuntimeMetrics {
    pub(crate) fn new(handle: Handle) -> RuntimeMetrics {
        RuntimeMetrics { handle }
    }

    fn scheduler(&self) -> &Scheduler {
        &self.handle.inner.scheduler
    }

    fn worker(&self, worker: usize) -> &WorkerMetrics {
        let workers = self.scheduler().worker_metrics();
        assert!(
            worker < workers.len(),
            "worker {worker} of a runtime with {} workers",
            workers.len()
        );
        &workers[worker]
    }

    /// How many worker threads run tasks (1 for a current-thread runtime).
    pub fn num_workers(&self) -> usize {
        self.scheduler().worker_metrics().len()
    }

    /// How many times a spare worker took over since the runtime was built:
    /// each time every worker was stuck inside one poll or in
    /// `block_in_place` ([`Builder::max_spare_workers`]). 0 on a
    /// current-thread runtime. Not in tokio.
    ///
    /// [`Builder::max_spare_workers`]: crate::runtime::Builder::max_spare_workers
    pub fn num_spare_workers_started(&self) -> usize {
        match self.scheduler() {
            Scheduler::MultiThread(s) => s.spares.started(),
            Scheduler::CurrentThread(_) => 0,
        }
    }

    /// How many tasks are alive: spawned and not yet complete and dropped
    /// from the runtime (blocking closures and `LocalSet` tasks are not
    /// counted).
    pub fn num_alive_tasks(&self) -> usize {
        self.scheduler().owned().len()
    }

    /// How many tasks were spawned on this runtime since it was built
    /// (blocking closures and `LocalSet` tasks are not counted).
    pub fn spawned_tasks_count(&self) -> u64 {
        self.scheduler().owned().spawned()
    }

    /// How many tasks wait in the global (injector) queue.
    pub fn global_queue_depth(&self) -> usize {
        self.scheduler().injector_len()
    }

    /// How many threads the blocking pool has, idle or busy.
    pub fn num_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.stats().threads
    }

    /// How many threads of the blocking pool wait for work.
    pub fn num_idle_blocking_threads(&self) -> usize {
        self.handle.inner.blocking.stats().idle
    }

    /// How many blocking closures wait for a thread.
    pub fn blocking_queue_depth(&self) -> usize {
        self.handle.inner.blocking.stats().queued
    }

    /// How many times the worker parked (went to sleep with no work).
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).park_count)
    }

    /// How many times the worker woke up and parked again without polling
    /// a task.
    pub fn worker_noop_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).noop_count)
    }

    /// How many tasks the worker stole from other workers' queues.
    pub fn worker_steal_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steal_count)
    }

    /// How many successful steals (each of one or more tasks) the worker
    /// made.
    pub fn worker_steal_operations(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).steal_operations)
    }

    /// How many polls the worker ran. A busy worker publishes its count at
    /// every sampled poll and when it parks, so the figure lags by fewer
    /// than `metrics_sample_every` polls while it runs (tokio's batched
    /// counts lag the same way).
    pub fn worker_poll_count(&self, worker: usize) -> u64 {
        WorkerMetrics::get(&self.worker(worker).poll_count)
    }

    /// How long the worker was busy (not parked), up to its last park.
    pub fn worker_total_busy_duration(&self, worker: usize) -> Duration {
        Duration::from_nanos(WorkerMetrics::get(&self.worker(worker).busy_ns))
    }

    /// How many tasks wait in the worker's local queue (not counting its
    /// LIFO slot).
    pub fn worker_local_queue_depth(&self, worker: usize) -> usize {
        self.worker(worker);
        self.scheduler().local_queue_len(worker)
    }

    /// How many times the worker's local queue overflowed into the global
    /// queue: always 0 here, since the local queue (crossbeam-deque) grows
    /// instead of overflowing. Kept for tokio's users.
    pub fn worker_overflow_count(&self, worker: usize) -> u64 {
        self.worker(worker);
        0
    }

    /// The mean time of the worker's sampled polls (tokio gives a moving
    /// average; this is the mean since the runtime was built).
    pub fn worker_mean_poll_time(&self, worker: usize) -> Duration {
        self.worker_poll_time_histogram(worker).mean()
    }

    /// How many IO readiness events the reactor delivered (0 without IO).
    pub fn io_driver_ready_count(&self) -> u64 {
        self.handle
            .inner
            .driver
            .reactor()
            .map_or(0, |r| r.ready_count())
    }

    /// How many timers (sleeps, timeouts, intervals) are armed.
    pub fn num_timers(&self) -> usize {
        self.handle.inner.driver.num_timers()
    }

    /// Poll times of all workers: from a task's poll starting to its
    /// return, sampled (module doc).
    pub fn poll_time_histogram(&self) -> Histogram {
        self.merged(|w| &w.poll_time)
    }

    /// [`poll_time_histogram`](Self::poll_time_histogram) of one worker.
    pub fn worker_poll_time_histogram(&self, worker: usize) -> Histogram {
        snapshot(&self.worker(worker).poll_time)
    }

    /// Schedule latencies of all workers: from the wake (or spawn) that
    /// queued a task to the start of its poll, sampled (module doc).
    pub fn schedule_latency_histogram(&self) -> Histogram {
        self.merged(|w| &w.schedule_latency)
    }

    /// [`schedule_latency_histogram`](Self::schedule_latency_histogram) of
    /// one worker (the one that ran the task).
    pub fn worker_schedule_latency_histogram(&self, worker: usize) -> Histogram {
        snapshot(&self.worker(worker).schedule_latency)
    }

    /// One recorder of every worker, summed.
    fn merged(&self, recorder: impl Fn(&WorkerMetrics) -> &histogram::Recorder) -> Histogram {
        let mut h = Histogram::new();
        for w in self.scheduler().slot_metrics() {
            recorder(w).add_to(&mut h);
        }
        h
    }

    /// Always `true`: the poll-time histogram is on by default here
    /// (tokio's is opt-in).
    pub fn poll_time_histogram_enabled(&self) -> bool {
        true
    }

    /// How many buckets the histograms have (tokio's name).
    pub fn poll_time_histogram_num_buckets(&self) -> usize {
        histogram::NUM_BUCKETS
    }

    /// The range of bucket `bucket` (tokio's name); see
    /// [`Histogram::bucket_range`].
    pub fn poll_time_histogram_bucket_range(&self, bucket: usize) -> std::ops::Range<Duration> {
        histogram::bucket_range(bucket)
    }

    /// How many sampled polls of `worker` fell in `bucket` (tokio's name).
    pub fn poll_time_histogram_bucket_count(&self, worker: usize, bucket: usize) -> u64 {
        self.worker_poll_time_histogram(worker).bucket_count(bucket)
    }
}

fn snapshot(recorder: &histogram::Recorder) -> Histogram {
    let mut h = Histogram::new();
    recorder.add_to(&mut h);
    h
}
