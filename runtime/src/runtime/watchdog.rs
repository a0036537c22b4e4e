//! The slow-poll watchdog: a task that stays inside one poll past
//! [`Builder::slow_poll_threshold`](super::Builder::slow_poll_threshold)
//! (100 ms by default, asyncio's `slow_callback_duration`) is reported
//! while it is still running, by name and spawn site, and again when its
//! poll ends.
//!
//! # How it sees a stuck poll
//!
//! Each worker already publishes, per poll, one word saying what it polls
//! (`metrics/worker.rs`: the task id, shifted, with a wrapping count of
//! the worker's polls in the low byte, so two polls of one task in a row
//! differ). The
//! watchdog thread reads those words every `tick` (a twentieth of the
//! threshold, between 1 and 5 ms) while any worker is awake: a word that
//! stays the same and non-zero is one poll going on, and the time since
//! the watchdog first saw it is a lower bound of that poll's length, off
//! by at most one tick. So the poll path pays nothing more, and a report
//! comes at most two ticks (10 ms) after the threshold.
//!
//! # No wake-ups while idle
//!
//! The schedulers tell the watchdog when a worker parks and when it wakes
//! (`parking`, `unparked`: one atomic add each, beside the park's own
//! syscalls). While every worker is parked (or, on a current-thread
//! runtime, no thread drives it), the watchdog sleeps on a condition
//! variable with no timeout; the first worker to wake wakes it.
//!
//! A task reported slow shows as `running on worker N for M ms (slow)` in
//! [`Handle::dump`](super::Handle::dump).
//!
//! # The hand-off
//!
//! On a multi-thread runtime with spare workers
//! ([`Builder::max_spare_workers`](super::Builder::max_spare_workers)) the
//! same look, every 2 ms, also says which workers are stuck (one poll for
//! 5 ms or more, or `block_in_place`), and the scheduler starts a spare
//! worker when all of them are (`scheduler/multi_thread/spare.rs`). So the
//! thread runs while either job is on. Before it sleeps it looks once
//! more: a slow poll that ended is reported then, and no parked worker
//! stays counted as stuck.

use super::metrics::{WorkerMetrics, IN_PLACE};
use crate::scheduler::tuning::{HAND_OFF_TICK, SPARE_AFTER};
use crate::task::Id;
use crate::task::TaskMeta;
use crossbeam_utils::CachePadded;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The default of `Builder::slow_poll_threshold`.
pub(crate) const DEFAULT_SLOW_POLL_THRESHOLD: Duration = Duration::from_millis(100);

/// What `Builder::on_slow_poll` is called with.
pub(crate) type SlowPollHook = Arc<dyn Fn(&SlowPoll) + Send + Sync>;

/// A poll that ran past the slow-poll threshold, handed to
/// [`Builder::on_slow_poll`](super::Builder::on_slow_poll): once while it
/// still runs ([`is_finished`](Self::is_finished) false), once when it
/// ended.
#[derive(Clone, Debug)]
pub struct SlowPoll {
    id: Id,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    parent: Option<Id>,
    worker: usize,
    elapsed: Duration,
    finished: bool,
}

impl SlowPoll {
    /// The task.
    pub fn task(&self) -> TaskMeta<'_> {
        TaskMeta::from_parts(self.id, self.name.as_deref(), self.location, self.parent)
    }

    /// The index of the worker whose thread the poll holds (0 on a
    /// current-thread runtime).
    pub fn worker(&self) -> usize {
        self.worker
    }

    /// How long the poll has run (or ran, once finished), to a few
    /// milliseconds: a lower bound.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Whether the poll has ended (the second report).
    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

impl fmt::Display for SlowPoll {
    /// The line the runtime prints when no hook is set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.task().spawned_line())?;
        let ms = self.elapsed.as_millis();
        if self.finished {
            write!(f, " left its poll on worker {} after {ms} ms", self.worker)
        } else {
            write!(
                f,
                " has been inside one poll on worker {} for {ms} ms; blocking code belongs in \
                 spawn_blocking or block_in_place",
                self.worker
            )
        }
    }
}

/// The watchdog's state, shared by its thread and the schedulers.
pub(crate) struct Watchdog {
    /// `None`: no slow-poll reports (the watchdog runs for the hand-off).
    threshold: Option<Duration>,
    hook: Option<SlowPollHook>,
    /// Whether the watchdog tells the scheduler which workers are stuck
    /// (`multi_thread/spare.rs`).
    hand_off: bool,
    /// Workers awake (not parked).
    awake: AtomicUsize,
    /// The watchdog waits with no timeout (set and cleared under `stop`'s
    /// lock): only then does a waking worker take that lock to wake it.
    sleeping: AtomicBool,
    /// Per worker: the poll word of a poll reported slow, 0 if none (for
    /// dumps).
    slow: Box<[AtomicU64]>,
    /// `true` once the runtime shuts down.
    stop: Mutex<bool>,
    wake: Condvar,
}

impl fmt::Debug for Watchdog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Watchdog")
            .field("threshold", &self.threshold)
            .field("hook", &self.hook.is_some())
            .finish_non_exhaustive()
    }
}

impl Watchdog {
    /// A watchdog for `workers` workers, which all start awake
    /// (multi-thread) or, with `awake` 0, asleep (current-thread: nobody
    /// drives the runtime until a `block_on`).
    pub(crate) fn new(
        threshold: Option<Duration>,
        hook: Option<SlowPollHook>,
        hand_off: bool,
        workers: usize,
        awake: usize,
    ) -> Watchdog {
        Watchdog {
            threshold,
            hook,
            hand_off,
            awake: AtomicUsize::new(awake),
            sleeping: AtomicBool::new(false),
            slow: (0..workers).map(|_| AtomicU64::new(0)).collect(),
            stop: Mutex::new(false),
            wake: Condvar::new(),
        }
    }

    /// A worker goes to sleep (or a `block_on` returns).
    pub(crate) fn parking(&self) {
        self.awake.fetch_sub(1, Ordering::SeqCst);
    }

    /// A worker woke up (or a `block_on` starts driving).
    pub(crate) fn unparked(&self) {
        // SeqCst, as the watchdog's store of `sleeping` and load of
        // `awake`: either it sees this worker awake and does not sleep, or
        // this sees it sleeping and wakes it, under the lock it holds from
        // its look at `awake` to its wait. A busy runtime, whose watchdog
        // does not sleep, pays one add here and no syscall.
        if self.awake.fetch_add(1, Ordering::SeqCst) == 0 && self.sleeping.load(Ordering::SeqCst) {
            let _stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
            self.wake.notify_one();
        }
    }

    /// Ends the watchdog's thread.
    pub(crate) fn shut_down(&self) {
        *self.stop.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_one();
    }

    /// Whether worker `worker`'s poll word `word` belongs to a poll
    /// reported slow.
    pub(crate) fn is_slow(&self, worker: usize, word: u64) -> bool {
        word != 0
            && self
                .slow
                .get(worker)
                .is_some_and(|s| s.load(Ordering::Relaxed) == word)
    }

    fn tick(&self) -> Duration {
        let report = self.threshold.map_or(Duration::MAX, |t| {
            (t / 20).clamp(Duration::from_millis(1), Duration::from_millis(5))
        });
        if self.hand_off {
            report.min(HAND_OFF_TICK)
        } else {
            report
        }
    }

    /// The watchdog thread's body: watches `workers`, asks `lookup` for
    /// the metadata of a task it reports (by id; `None` if the task is
    /// gone), and, with the hand-off on, tells `hand_off` each tick which
    /// workers are stuck.
    pub(crate) fn run(
        &self,
        workers: &[CachePadded<WorkerMetrics>],
        lookup: impl Fn(Id, &mut dyn FnMut(TaskMeta<'_>)),
        hand_off: impl Fn(&[bool]),
    ) {
        // Per worker: the word last seen, when it was first seen, and
        // whether that poll was reported.
        let mut seen: Vec<(u64, Instant, Option<SlowPoll>)> =
            vec![(0, Instant::now(), None); workers.len()];
        let mut stuck = vec![false; workers.len()];
        let tick = self.tick();
        let mut look = || {
            let now = Instant::now();
            for (i, (w, s)) in workers.iter().zip(seen.iter_mut()).enumerate() {
                let word = w.running.load(Ordering::Relaxed);
                if word != 0 && word == s.0 {
                    let elapsed = now - s.1;
                    stuck[i] = word == IN_PLACE || elapsed >= SPARE_AFTER;
                    let slow = self.threshold.is_some_and(|t| elapsed >= t);
                    if s.2.is_none() && slow {
                        if let Some(report) = self.report_start(i, word, elapsed, &lookup) {
                            s.2 = Some(report);
                        }
                    }
                    continue;
                }
                stuck[i] = word == IN_PLACE;
                if let Some(mut report) = s.2.take() {
                    report.elapsed = now - s.1;
                    report.finished = true;
                    self.slow[i].store(0, Ordering::Relaxed);
                    self.emit(&report);
                }
                *s = (word, now, None);
            }
            if self.hand_off {
                hand_off(&stuck);
            }
        };
        loop {
            {
                let mut stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
                if !*stop && self.awake.load(Ordering::SeqCst) == 0 {
                    // Every worker parked: one more look before sleeping,
                    // so a slow poll that ended is reported now and no
                    // worker stays counted as stuck meanwhile.
                    drop(stop);
                    look();
                    stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
                }
                self.sleeping.store(true, Ordering::SeqCst);
                while !*stop && self.awake.load(Ordering::SeqCst) == 0 {
                    stop = self.wake.wait(stop).unwrap_or_else(|e| e.into_inner());
                }
                self.sleeping.store(false, Ordering::SeqCst);
                if *stop {
                    return;
                }
                let (guard, _) = self
                    .wake
                    .wait_timeout(stop, tick)
                    .unwrap_or_else(|e| e.into_inner());
                if *guard {
                    return;
                }
            }
            look();
        }
    }

    fn report_start(
        &self,
        worker: usize,
        word: u64,
        elapsed: Duration,
        lookup: &impl Fn(Id, &mut dyn FnMut(TaskMeta<'_>)),
    ) -> Option<SlowPoll> {
        let id = Id::from_u64(word >> 8)?;
        let mut report = None;
        lookup(id, &mut |meta| {
            report = Some(SlowPoll {
                id,
                name: meta.name().map(Arc::from),
                location: meta.spawned_at(),
                parent: meta.parent(),
                worker,
                elapsed,
                finished: false,
            });
        });
        let report = report?;
        self.slow[worker].store(word, Ordering::Relaxed);
        self.emit(&report);
        Some(report)
    }

    /// Calls the hook (outside every lock), or prints the line.
    fn emit(&self, report: &SlowPoll) {
        match &self.hook {
            // A panicking hook must not end the watchdog.
            Some(hook) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(report)));
            }
            None => eprintln!("runtime: {report}"),
        }
    }
}
