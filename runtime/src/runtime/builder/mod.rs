//! `Builder`: every knob of a runtime, checked; `build.rs` makes the
//! runtime from them.

mod build;

use super::threads::{Hook, ThreadSpawner};
use super::watchdog::{SlowPoll, SlowPollHook, DEFAULT_SLOW_POLL_THRESHOLD};
use super::{ParkHooks, TaskHook, TaskHooks, UnhandledPanic};
use crate::scheduler::tuning::EVENT_INTERVAL;
use crate::task::TaskMeta;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Runtime`] with custom settings.
///
/// Start from [`new_multi_thread`](Builder::new_multi_thread) or
/// [`new_current_thread`](Builder::new_current_thread), set the knobs,
/// turn the drivers on ([`enable_all`](Builder::enable_all), or
/// [`enable_io`](Builder::enable_io) and
/// [`enable_time`](Builder::enable_time): without them, sockets and timers
/// panic), then [`build`](Builder::build).
///
/// # Examples
///
/// ```
/// use runtime::runtime::RuntimeFlavor;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// use std::time::Duration;
///
/// let started = Arc::new(AtomicUsize::new(0));
/// let counter = started.clone();
/// let rt = runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .thread_name("my-worker")
///     .thread_stack_size(4 * 1024 * 1024)
///     .on_thread_start(move || {
///         counter.fetch_add(1, Ordering::Relaxed);
///     })
///     .max_blocking_threads(4)
///     .thread_keep_alive(Duration::from_secs(1))
///     .name("api")
///     .enable_all()
///     .build()
///     .unwrap();
///
/// let thread_name = rt.block_on(async {
///     runtime::spawn(async { std::thread::current().name().map(String::from) })
///         .await
///         .unwrap()
/// });
/// assert_eq!(thread_name.as_deref(), Some("my-worker"));
/// // The worker that ran the task ran `on_thread_start` first.
/// assert!(started.load(Ordering::Relaxed) >= 1);
/// assert_eq!(rt.handle().name(), Some("api"));
/// assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
/// assert_eq!(rt.metrics().num_workers(), 2);
///
/// // A current-thread runtime runs its tasks on the thread in `block_on`.
/// let rt = runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// let me = std::thread::current().id();
/// let there = rt.block_on(async {
///     runtime::time::sleep(Duration::from_millis(1)).await;
///     runtime::spawn(async { std::thread::current().id() }).await.unwrap()
/// });
/// assert_eq!(there, me);
/// ```
pub struct Builder {
    kind: Kind,
    name: Option<String>,
    worker_threads: Option<usize>,
    thread_name: Arc<dyn Fn() -> String + Send + Sync>,
    thread_stack_size: Option<usize>,
    on_thread_start: Option<Hook>,
    on_thread_stop: Option<Hook>,
    park_hooks: ParkHooks,
    task_hooks: TaskHooks,
    max_blocking_threads: usize,
    thread_keep_alive: Duration,
    global_queue_interval: Option<u32>,
    metrics_sample_every: u32,
    slow_poll_threshold: Option<Duration>,
    on_slow_poll: Option<SlowPollHook>,
    /// `None`: as many as workers.
    max_spare_workers: Option<usize>,
    /// `Builder::simulation`'s seed.
    simulation: Option<u64>,
    /// `#[runtime::test]` asks for it (`unjoined.rs`).
    unjoined: bool,
    unhandled_panic: UnhandledPanic,
    event_interval: u32,
    enable_io: bool,
    enable_time: bool,
    start_paused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    MultiThread,
    CurrentThread,
}

impl Builder {
    /// A runtime with one worker thread per core, stealing work from each
    /// other.
    ///
    /// ```
    /// let rt = runtime::Builder::new_multi_thread().worker_threads(3).build().unwrap();
    /// assert_eq!(rt.metrics().num_workers(), 3);
    /// let on_worker = rt.block_on(async {
    ///     let caller = std::thread::current().id();
    ///     runtime::spawn(async move { std::thread::current().id() != caller })
    ///         .await
    ///         .unwrap()
    /// });
    /// assert!(on_worker);
    /// ```
    pub fn new_multi_thread() -> Builder {
        Builder::new(Kind::MultiThread)
    }

    /// A runtime that runs its tasks on the thread that calls `block_on`.
    /// While no thread is inside `block_on`, its tasks do not run.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// use std::sync::Arc;
    ///
    /// let rt = runtime::Builder::new_current_thread().build().unwrap();
    /// let ran = Arc::new(AtomicBool::new(false));
    /// let flag = ran.clone();
    /// let task = rt.spawn(async move { flag.store(true, Ordering::Relaxed) });
    /// assert!(!ran.load(Ordering::Relaxed)); // nobody drives it yet
    /// rt.block_on(task).unwrap();
    /// assert!(ran.load(Ordering::Relaxed));
    /// ```
    pub fn new_current_thread() -> Builder {
        Builder::new(Kind::CurrentThread)
    }

    fn new(kind: Kind) -> Builder {
        Builder {
            kind,
            name: None,
            worker_threads: None,
            thread_name: Arc::new(|| "runtime-worker".to_string()),
            thread_stack_size: None,
            on_thread_start: None,
            on_thread_stop: None,
            park_hooks: ParkHooks::default(),
            task_hooks: TaskHooks::default(),
            max_blocking_threads: 512,
            thread_keep_alive: Duration::from_secs(10),
            global_queue_interval: None,
            metrics_sample_every: crate::runtime::metrics::DEFAULT_SAMPLE_EVERY,
            slow_poll_threshold: Some(DEFAULT_SLOW_POLL_THRESHOLD),
            on_slow_poll: None,
            max_spare_workers: None,
            simulation: None,
            unjoined: false,
            unhandled_panic: UnhandledPanic::Ignore,
            event_interval: EVENT_INTERVAL,
            enable_io: false,
            enable_time: false,
            start_paused: false,
        }
    }

    /// The number of worker threads (multi-thread only). Default: the
    /// number of cores.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn worker_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "worker_threads must be greater than 0");
        self.worker_threads = Some(n);
        self
    }

    /// The name of the runtime's threads. Default: `runtime-worker`.
    pub fn thread_name(&mut self, name: impl Into<String>) -> &mut Builder {
        let name = name.into();
        self.thread_name = Arc::new(move || name.clone());
        self
    }

    /// A function that names each new thread of the runtime.
    pub fn thread_name_fn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() -> String + Send + Sync + 'static,
    {
        self.thread_name = Arc::new(f);
        self
    }

    /// The stack size of the runtime's threads, in bytes.
    pub fn thread_stack_size(&mut self, size: usize) -> &mut Builder {
        self.thread_stack_size = Some(size);
        self
    }

    /// Runs on each new worker or blocking thread before it does any work.
    pub fn on_thread_start<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_start = Some(Arc::new(f));
        self
    }

    /// Runs on each worker or blocking thread before it exits.
    pub fn on_thread_stop<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.on_thread_stop = Some(Arc::new(f));
        self
    }

    /// Called on a thread of the runtime (a worker, or the thread in
    /// `block_on` of a current-thread runtime) just before it sleeps for
    /// lack of work.
    pub fn on_thread_park<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.park_hooks.before_park = Some(Arc::new(f));
        self
    }

    /// Called on a thread of the runtime just after it wakes from the sleep
    /// that [`on_thread_park`](Self::on_thread_park) announced.
    pub fn on_thread_unpark<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn() + Send + Sync + 'static,
    {
        self.park_hooks.after_unpark = Some(Arc::new(f));
        self
    }

    /// Called with the new task's [`TaskMeta`] just before it is spawned
    /// (tokio's hook, stable here). It runs inside the runtime's context,
    /// so it may spawn (which calls it again). One hook per runtime: a
    /// second call replaces the first. Not called for tasks of a
    /// `LocalSet` nor for `spawn_blocking` closures, as in tokio.
    pub fn on_task_spawn<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.spawn = Some(hook(f));
        self
    }

    /// Called once for each task when it terminates: it completed,
    /// panicked, was aborted, or was cancelled at shutdown. Its output (or
    /// the future, if cancelled) is dropped by then, unless a `JoinHandle`
    /// still holds it. The same exceptions as
    /// [`on_task_spawn`](Self::on_task_spawn).
    pub fn on_task_terminate<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.terminate = Some(hook(f));
        self
    }

    /// Called on the worker thread just before each poll of a task, with
    /// the task's id current (`task::id()` works).
    pub fn on_before_task_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.before_poll = Some(hook(f));
        self
    }

    /// Called on the worker thread just after each poll of a task, whether
    /// it returned `Pending`, `Ready` or panicked.
    pub fn on_after_task_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&TaskMeta<'_>) + Send + Sync + 'static,
    {
        self.task_hooks.after_poll = Some(hook(f));
        self
    }

    /// The runtime's name, returned by [`Handle::name`] (and shown in
    /// dumps). Thread names stay [`thread_name`](Self::thread_name)'s.
    pub fn name(&mut self, name: impl Into<String>) -> &mut Builder {
        self.name = Some(name.into());
        self
    }

    /// The most threads the blocking pool starts. Default: 512.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn max_blocking_threads(&mut self, n: usize) -> &mut Builder {
        assert!(n > 0, "max_blocking_threads must be greater than 0");
        self.max_blocking_threads = n;
        self
    }

    /// How long an idle blocking thread, or an idle spare worker thread
    /// ([`max_spare_workers`](Self::max_spare_workers)), waits for work
    /// before it exits. Default: 10 s.
    pub fn thread_keep_alive(&mut self, d: Duration) -> &mut Builder {
        self.thread_keep_alive = d;
        self
    }

    /// One poll in `n` on each worker is timed for the
    /// [poll-time histogram](crate::runtime::RuntimeMetrics::poll_time_histogram),
    /// and the next wake of its task, and one spawn in `n`, for the
    /// [schedule-latency histogram](crate::runtime::RuntimeMetrics::schedule_latency_histogram).
    /// `n` is rounded up to a power of two. Default: 64, at which the clock
    /// reads cost a yield-heavy workload about 1% (at 16, perf put them at
    /// 5% of `yield_many`); 1 times every poll and wake (two clock reads a
    /// poll). The counters are exact either way (a worker's poll count is
    /// published at each sampled poll and when it parks). tokio has no such
    /// knob: its poll-time histogram, off by default, times every poll.
    ///
    /// # Panics
    /// If `n` is 0 or above 2^31.
    #[track_caller]
    pub fn metrics_sample_every(&mut self, n: u32) -> &mut Builder {
        assert!(
            n > 0 && n <= 1 << 31,
            "metrics_sample_every must be between 1 and 2^31"
        );
        self.metrics_sample_every = n.next_power_of_two();
        self
    }

    /// How long one poll of a task may run before the slow-poll watchdog
    /// reports it, while it still runs (asyncio's `slow_callback_duration`).
    /// Default: 100 ms; `None` turns the watchdog off. The report comes at
    /// most 10 ms after the threshold, through
    /// [`on_slow_poll`](Self::on_slow_poll) or, without that hook, as one
    /// line on stderr:
    ///
    /// ```text
    /// runtime: task 12 "conn" (spawned at src/main.rs:40:5) has been inside one poll on worker 1 for 104 ms; blocking code belongs in spawn_blocking or block_in_place
    /// runtime: task 12 "conn" (spawned at src/main.rs:40:5) left its poll on worker 1 after 2003 ms
    /// ```
    ///
    /// The watchdog is one thread per runtime (it also starts the spare
    /// workers, [`max_spare_workers`](Self::max_spare_workers), and runs
    /// while either is on); it sleeps without a timeout while every worker
    /// is parked, so an idle runtime wakes nobody for it, and the poll path
    /// pays nothing for it. tokio has no such knob.
    ///
    /// # Panics
    /// If the threshold is zero.
    #[track_caller]
    pub fn slow_poll_threshold(&mut self, threshold: Option<Duration>) -> &mut Builder {
        assert!(
            threshold != Some(Duration::ZERO),
            "slow_poll_threshold must be greater than zero (None turns the watchdog off)"
        );
        self.slow_poll_threshold = threshold;
        self
    }

    /// Called by the slow-poll watchdog (see
    /// [`slow_poll_threshold`](Self::slow_poll_threshold)) instead of
    /// printing: once when a poll has run past the threshold, while it still
    /// runs, and once when it ended ([`SlowPoll::is_finished`]). It runs on
    /// the watchdog's thread; a panic in it is caught.
    pub fn on_slow_poll<F>(&mut self, f: F) -> &mut Builder
    where
        F: Fn(&SlowPoll) + Send + Sync + 'static,
    {
        self.on_slow_poll = Some(Arc::new(f));
        self
    }

    /// What a panic in a spawned task does to the runtime (tokio's
    /// `unhandled_panic`, which tokio has only on the current-thread runtime
    /// behind `tokio_unstable`; stable here, on both flavors). Default:
    /// [`UnhandledPanic::Ignore`], the panic goes to the task's
    /// `JoinHandle`. With [`UnhandledPanic::ShutdownRuntime`], the first
    /// panicking poll shuts the runtime down at once: every other task is
    /// cancelled, and `block_on` panics naming the task and its panic:
    ///
    /// ```text
    /// a spawned task panicked and the runtime is configured to shut down on an unhandled panic (`UnhandledPanic::ShutdownRuntime`): task 3 "worker" (spawned at src/main.rs:9:5) panicked with "boom"
    /// ```
    ///
    /// Panics in `spawn_blocking` closures and `LocalSet` tasks are not
    /// counted (their `JoinHandle`s report them), as in tokio.
    ///
    /// ```
    /// use runtime::runtime::{Builder, UnhandledPanic};
    ///
    /// let rt = Builder::new_multi_thread()
    ///     .unhandled_panic(UnhandledPanic::ShutdownRuntime)
    ///     .build()
    ///     .unwrap();
    /// let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
    ///     rt.block_on(async {
    ///         runtime::spawn(async { panic!("boom") });
    ///         std::future::pending::<()>().await
    ///     })
    /// }));
    /// assert!(stopped.is_err());
    /// ```
    pub fn unhandled_panic(&mut self, behavior: UnhandledPanic) -> &mut Builder {
        self.unhandled_panic = behavior;
        self
    }

    /// How many spare worker threads the multi-thread runtime may start
    /// while every worker is stuck. Default: the worker count; 0 turns the
    /// hand-off off.
    ///
    /// A worker counts as stuck when one poll has held its thread for 5 ms,
    /// or at once inside [`task::block_in_place`](crate::task::block_in_place).
    /// While one worker is stuck the others take its queue and its LIFO
    /// slot, and drive the timer and the reactor (only a parked worker holds
    /// them). When every worker is stuck, a spare thread starts (within
    /// about 10 ms) and runs the queued tasks, the timers and the IO, as
    /// Go's scheduler hands a blocked thread's processor to a new one; when
    /// a stuck poll returns, the spare stops taking tasks, so more than
    /// `worker_threads` run tasks at once only for a moment, and its thread
    /// exits after [`thread_keep_alive`](Self::thread_keep_alive). The
    /// per-worker [metrics](crate::runtime::RuntimeMetrics) cover the core
    /// workers only; a spare's index in a
    /// [`SlowPoll`](crate::runtime::SlowPoll) report is `worker_threads`
    /// or more. tokio starts a new worker only for `block_in_place`; a
    /// task stuck in a poll stalls its worker's queue there. No effect on
    /// the current-thread runtime (one thread runs everything).
    pub fn max_spare_workers(&mut self, n: usize) -> &mut Builder {
        self.max_spare_workers = Some(n);
        self
    }

    /// Every how many tasks a worker looks at the global queue first, so
    /// spawns from outside are not starved by local work. Default: 61
    /// (multi-thread), 31 (current-thread).
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn global_queue_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "global_queue_interval must be greater than 0");
        self.global_queue_interval = Some(n);
        self
    }

    /// Every how many tasks a worker checks for outside events (shutdown
    /// now; IO and timers when enabled). Default: 61.
    ///
    /// # Panics
    /// If `n` is 0.
    #[track_caller]
    pub fn event_interval(&mut self, n: u32) -> &mut Builder {
        assert!(n > 0, "event_interval must be greater than 0");
        self.event_interval = n;
        self
    }

    /// Enables the IO and time drivers.
    pub fn enable_all(&mut self) -> &mut Builder {
        self.enable_io().enable_time()
    }

    /// Enables the IO driver.
    pub fn enable_io(&mut self) -> &mut Builder {
        self.enable_io = true;
        self
    }

    /// Enables the time driver.
    pub fn enable_time(&mut self) -> &mut Builder {
        self.enable_time = true;
        self
    }

    /// Starts the runtime with its clock paused, as if the first thing
    /// `block_on` did were [`time::pause()`](crate::time::pause): time
    /// moves only by [`time::advance`](crate::time::advance) or by
    /// auto-advance when the runtime has nothing else to do (see
    /// [`time::pause`](crate::time::pause)). Works on both flavors (tokio:
    /// current-thread only). Needs [`enable_time`](Self::enable_time).
    ///
    /// ```
    /// use runtime::time::{sleep, Duration, Instant};
    ///
    /// let rt = runtime::runtime::Builder::new_multi_thread()
    ///     .enable_time()
    ///     .start_paused(true)
    ///     .build()
    ///     .unwrap();
    /// rt.block_on(async {
    ///     let start = std::time::Instant::now();
    ///     sleep(Duration::from_secs(24 * 3600)).await;
    ///     assert!(start.elapsed() < Duration::from_secs(1)); // real time
    /// });
    /// ```
    pub fn start_paused(&mut self, start_paused: bool) -> &mut Builder {
        self.start_paused = start_paused;
        self
    }

    /// Makes the multi-thread runtime a seeded simulation of itself: its
    /// `worker_threads` workers run no thread of their own; the thread
    /// inside `block_on` steps them (the same worker code: local queues,
    /// LIFO slots, stealing, the injector, parking) in an order drawn from
    /// `seed`, and runs blocking closures itself, also in that order. The
    /// clock is paused from the start (see
    /// [`start_paused`](Self::start_paused)), and a run in which no task
    /// can make progress panics with "deadlock" and the task dump.
    ///
    /// The same seed gives the same run: [`Handle::trace_hash`] (a hash of
    /// which worker polled which task, in order) is the same over runs
    /// and machines, and another seed gives another interleaving. Real
    /// sockets work but their timing is not the seed's: use
    /// [`io::duplex`](crate::io::duplex) for in-memory streams. Threads
    /// the tasks start themselves are not simulated either. Not in tokio.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    /// use std::sync::Arc;
    ///
    /// let run = |seed| {
    ///     let rt = runtime::runtime::Builder::new_multi_thread()
    ///         .worker_threads(2)
    ///         .enable_all()
    ///         .simulation(seed)
    ///         .build()
    ///         .unwrap();
    ///     let hits = Arc::new(AtomicUsize::new(0));
    ///     rt.block_on(async {
    ///         let tasks: Vec<_> = (0..4)
    ///             .map(|_| {
    ///                 let hits = hits.clone();
    ///                 runtime::spawn(async move { hits.fetch_add(1, SeqCst) })
    ///             })
    ///             .collect();
    ///         for t in tasks {
    ///             t.await.unwrap();
    ///         }
    ///     });
    ///     rt.handle().trace_hash()
    /// };
    /// assert_eq!(run(7), run(7));
    /// ```
    ///
    /// # Panics
    /// At `build`, on a current-thread builder (which is deterministic
    /// already: use `start_paused`).
    pub fn simulation(&mut self, seed: u64) -> &mut Builder {
        self.simulation = Some(seed);
        self
    }

    /// For `#[runtime::test]`: remember the panics of spawned tasks that no
    /// `JoinHandle` returns, for [`Runtime::__unjoined_panics`]. Not an API.
    #[doc(hidden)]
    pub fn __track_unjoined_panics(&mut self) -> &mut Builder {
        self.unjoined = true;
        self
    }

    fn spawner(&self) -> ThreadSpawner {
        ThreadSpawner {
            name: self.thread_name.clone(),
            stack_size: self.thread_stack_size,
            on_start: self.on_thread_start.clone(),
            on_stop: self.on_thread_stop.clone(),
        }
    }
}

fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("worker_threads", &self.worker_threads)
            .field("max_blocking_threads", &self.max_blocking_threads)
            .field("enable_io", &self.enable_io)
            .field("enable_time", &self.enable_time)
            .field("slow_poll_threshold", &self.slow_poll_threshold)
            .field("max_spare_workers", &self.max_spare_workers)
            .field("unhandled_panic", &self.unhandled_panic)
            .finish_non_exhaustive()
    }
}

fn hook<F: Fn(&TaskMeta<'_>) + Send + Sync + 'static>(f: F) -> TaskHook {
    Arc::new(f)
}
