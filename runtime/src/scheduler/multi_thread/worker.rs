//! The worker's run loop: find a task, run it, and park when there is none.

use super::lifo::{self, Watch};
use super::{Remote, Shared};
use crate::runtime::metrics::{bump, Sampler, WorkerMetrics, IN_PLACE};
use crate::scheduler::defer;
use crate::scheduler::park::Parker;
use crate::scheduler::queue::{Local, Steal};
use crate::scheduler::tuning::{INJECT_BATCH, MAX_LIFO_POLLS};
use crate::task::{Notified, Refused};
use crossbeam_utils::CachePadded;
use std::cell::{Cell, RefCell};
use std::ptr;
use std::sync::Arc;
use std::time::Instant;

/// What tasks running on a worker thread reach through the thread-local:
/// the worker's own queue and slot.
pub(crate) struct WorkerContext {
    shared: Arc<Shared>,
    pub(super) index: usize,
    local: Local,
    /// Tasks that called `yield_now`: queued again at the next checkpoint
    /// (`defer.rs`). Not stealable meanwhile, as tokio's deferred wakers.
    yielded: RefCell<Vec<Notified>>,
}

crate::loom::runtime_thread_local! {
    /// The worker this thread runs, while it runs it.
    static CURRENT: Cell<*const WorkerContext> = const { Cell::new(ptr::null()) };
}

/// Calls `f` with this thread's worker context if it is a worker of
/// `shared`'s runtime.
pub(super) fn with_current<R>(
    shared: &Arc<Shared>,
    f: impl FnOnce(Option<&WorkerContext>) -> R,
) -> R {
    // A destroyed slot (thread exit) means no worker runs here any more.
    let cx = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` points to the context of the worker that
    // `Worker::run_role` runs, which stays in place while it runs, and is
    // reset before that call ends (`ResetCurrent`).
    let cx = unsafe { cx.as_ref() }.filter(|cx| Arc::ptr_eq(&cx.shared, shared));
    f(cx)
}

impl WorkerContext {
    fn remote(&self) -> &Remote {
        &self.shared.remotes[self.index]
    }

    /// A wake or spawn on this worker: the LIFO slot for message passing,
    /// the back of the queue for a yield. Never refused (the worker drops
    /// its queue and slot when it exits).
    pub(super) fn schedule_local(&self, task: Notified, is_yield: bool) -> Refused {
        crate::runtime::metrics::stamp_wake(&task);
        if is_yield && defer::take_yield() {
            if let Ok(mut yielded) = self.yielded.try_borrow_mut() {
                yielded.push(task);
                return Refused::NONE;
            }
        }
        if is_yield || self.shared.config.disable_lifo_slot {
            self.local.push(task);
            self.shared.notify_parked();
            return Refused::NONE;
        }
        match self.remote().lifo.push(task) {
            Some(displaced) => {
                self.local.push(displaced);
                self.shared.notify_parked();
            }
            None if !self.shared.watcher.someone_watching() => self.shared.notify_parked(),
            None => {}
        }
        Refused::NONE
    }
}

/// `task::block_in_place` on a worker thread: the worker's queued tasks (its
/// LIFO slot, its local queue, the tasks that yielded) go to the injector
/// and a sleeping worker is woken, so nothing waits behind the blocking
/// closure; the worker counts as stuck at once, so if every other worker
/// is stuck too a spare worker starts (`spare.rs`). The driver needs no
/// hand-off: only a parked worker holds it. The returned guard (`None` off
/// a worker) hides the poll from the slow-poll report until it is dropped
/// (a task inside `block_in_place` blocks on purpose) by putting the
/// [`IN_PLACE`] word in its place.
pub(crate) fn hand_off_current() -> Option<InPlace> {
    let cx = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: as in `with_current`.
    let cx = unsafe { cx.as_ref() }?;
    let word = cx.shared.metrics[cx.index]
        .running
        .swap(IN_PLACE, std::sync::atomic::Ordering::Relaxed);
    if cx.give_away_queued() {
        cx.shared.notify_parked();
    }
    cx.shared.spares.in_place(&cx.shared, cx.index);
    Some(InPlace {
        shared: cx.shared.clone(),
        index: cx.index,
        word,
    })
}

/// Puts a worker's poll word back after `block_in_place` (see
/// [`hand_off_current`]).
pub(crate) struct InPlace {
    shared: Arc<Shared>,
    index: usize,
    word: u64,
}

impl Drop for InPlace {
    fn drop(&mut self) {
        self.shared.metrics[self.index]
            .running
            .store(self.word, std::sync::atomic::Ordering::Relaxed);
    }
}

impl WorkerContext {
    /// Moves what this worker has queued (its LIFO slot, its local queue,
    /// the tasks that yielded) to the injector. Returns whether anything
    /// moved; the caller wakes a worker for it.
    fn give_away_queued(&self) -> bool {
        let mut moved = Vec::new();
        moved.extend(self.remote().lifo.take());
        while let Some(task) = self.local.pop() {
            moved.push(task);
        }
        if let Ok(mut yielded) = self.yielded.try_borrow_mut() {
            moved.append(&mut yielded);
        }
        let any = !moved.is_empty();
        for task in moved {
            // A refused task is already cancelled (shutdown): dropped here.
            drop(self.shared.inject.push(task));
        }
        any
    }
}

/// The workers of a new runtime, before their threads start.
pub(crate) struct Launch(Vec<Worker>);

/// One worker: its context and the state only its thread touches.
pub(crate) struct Worker {
    cx: WorkerContext,
    parker: Parker,
    tick: u32,
    lifo_polls: u32,
    is_searching: bool,
    rng: u32,
    watch: Watch,
    /// Which polls are timed (`runtime/metrics`).
    sampler: Sampler,
    /// Whether a task ran since the last unpark (else the wake-up was a
    /// no-op, for `worker_noop_count`).
    ran: bool,
    /// When the worker last woke up, for `worker_total_busy_duration`.
    busy_since: Instant,
}

impl Launch {
    /// Builds the shared state and the workers (not yet running).
    pub(crate) fn new(
        config: crate::runtime::Config,
        driver: crate::driver::Driver,
        sim: Option<(u64, Arc<super::Trace>)>,
    ) -> (Arc<Shared>, Launch) {
        let core = config.worker_threads;
        // The spare slots follow the core ones (`spare.rs`).
        let n = core + config.max_spare_workers;
        let mut parts = Vec::with_capacity(n);
        let mut remotes = Vec::with_capacity(n);
        for _ in 0..n {
            let local = Local::new();
            let parker = Parker::new();
            remotes.push(CachePadded::new(Remote {
                stealer: local.stealer(),
                lifo: lifo::Slot::new(),
                unparker: parker.unparker(),
            }));
            parts.push((local, parker));
        }
        driver.set_parkers(&parts.iter().map(|(_, parker)| parker).collect::<Vec<_>>());
        let shared = Arc::new(Shared {
            remotes: remotes.into_boxed_slice(),
            inject: crate::scheduler::queue::Inject::new(),
            idle: super::Idle::new(core, n),
            watcher: lifo::Watcher::new(),
            owned: crate::task::OwnedTasks::new(core),
            metrics: (0..n)
                .map(|_| CachePadded::new(WorkerMetrics::new()))
                .collect(),
            shutdown: crate::loom::AtomicBool::new(false),
            spares: super::spare::Spares::new(
                core,
                config.max_spare_workers,
                config.thread_keep_alive,
            ),
            config,
            driver,
            sim: sim.map(|(seed, trace)| super::sim::Sim::new(seed, trace)),
        });
        if shared.sim.is_some() {
            shared.hold_watcher_role();
        }
        let mut workers: Vec<Worker> = parts
            .into_iter()
            .enumerate()
            .map(|(index, (local, parker))| Worker {
                cx: WorkerContext {
                    shared: shared.clone(),
                    index,
                    local,
                    yielded: RefCell::new(Vec::new()),
                },
                parker,
                tick: 0,
                lifo_polls: 0,
                is_searching: false,
                rng: (index as u32).wrapping_mul(0x9E37_79B9) | 1,
                watch: Watch::default(),
                sampler: Sampler::new(shared.config.sample_every),
                ran: false,
                busy_since: Instant::now(),
            })
            .collect();
        shared.spares.fill(workers.split_off(core));
        (shared, Launch(workers))
    }

    pub(crate) fn into_workers(self) -> Vec<Worker> {
        self.0
    }
}

/// Clears `CURRENT` when `run` ends, also by unwinding.
struct ResetCurrent;

impl Drop for ResetCurrent {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(ptr::null()));
    }
}

impl Worker {
    /// Runs until the runtime shuts down (a core worker).
    pub(crate) fn run(mut self) {
        self.run_role::<false>();
    }

    /// The slot's index (core workers first, then spares).
    pub(super) fn index(&self) -> usize {
        self.cx.index
    }

    /// Runs a spare role (`spare.rs`) until it retires or the runtime
    /// shuts down; the worker then no longer counts as active.
    pub(super) fn run_spare(&mut self) {
        self.run_role::<true>();
        let shared = self.cx.shared.clone();
        let was_searching = std::mem::take(&mut self.is_searching);
        let moved = !shared.is_shutdown() && self.cx.give_away_queued();
        let last_searcher = shared.idle.retire(was_searching);
        if let Some(dog) = shared.config.watchdog.as_deref() {
            dog.parking();
        }
        shared.spares.retired(self.cx.index);
        if moved || (last_searcher && shared.has_queued_work()) {
            shared.notify_parked();
        }
    }

    /// The run loop; a spare's (`SPARE`) also ends when it should retire.
    fn run_role<const SPARE: bool>(&mut self) {
        CURRENT.with(|c| c.set(&self.cx));
        let _reset = ResetCurrent;
        // `yield_now` on this thread hands its waker here (`defer.rs`).
        let deferring = defer::enter();
        loop {
            match self.turn::<SPARE>() {
                Turn::Ran => {}
                Turn::Exit => break,
                Turn::Park => {
                    if let Some(task) = self.park() {
                        self.run_task(task);
                    }
                    if self.cx.shared.is_shutdown() {
                        break;
                    }
                }
            }
        }
        // The deferred wakes first, since they may queue here.
        drop(deferring);
        self.finish();
    }

    /// One turn of the run loop: runs one task (or, now and then, looks
    /// at the driver), or says that the worker should park or exit. The
    /// simulation (`sim.rs`) calls it for one logical worker at a time.
    #[inline(always)]
    pub(super) fn turn<const SPARE: bool>(&mut self) -> Turn {
        if SPARE && self.cx.shared.spares.should_retire() {
            return Turn::Exit;
        }
        self.tick = self.tick.wrapping_add(1);
        if self
            .tick
            .is_multiple_of(self.cx.shared.config.event_interval)
        {
            if self.cx.shared.is_shutdown() {
                return Turn::Exit;
            }
            // A busy worker never parks: fire due timers now and then,
            // and let the tasks that yielded run again.
            self.cx.shared.driver.maintain();
            self.wake_deferred();
        }
        if let Some(task) = self.next_task().or_else(|| self.steal_work()) {
            self.run_task(task);
            return Turn::Ran;
        }
        if self.cx.shared.is_shutdown() {
            return Turn::Exit;
        }
        if self.has_deferred() {
            // Only yielded tasks are left: look at the driver without
            // blocking, then run them again (as tokio's `park_yield`).
            self.cx.shared.driver.maintain();
            self.wake_deferred();
            return Turn::Ran;
        }
        if SPARE && self.cx.shared.spares.should_retire() {
            return Turn::Exit;
        }
        Turn::Park
    }

    /// After the run loop: publishes the metrics and, at shutdown, drops
    /// what the worker still holds.
    pub(super) fn finish(&mut self) {
        let metrics = &self.cx.shared.metrics[self.cx.index];
        self.sampler.publish(metrics);
        if !self.cx.shared.is_shutdown() {
            return; // a retiring spare: `run_spare` gives its tasks away
        }
        // Shutdown step 4: these tasks were cancelled by step 2 (or will be,
        // by their list's shutdown); drop our refs.
        drop(self.cx.yielded.take());
        while let Some(task) = self.cx.local.pop() {
            drop(task);
        }
        drop(self.cx.remote().lifo.take());
    }

    fn has_deferred(&self) -> bool {
        !self.cx.yielded.borrow().is_empty() || defer::has_deferred()
    }

    /// A checkpoint: the tasks that yielded go to the back of the local
    /// queue.
    fn wake_deferred(&self) {
        let mut yielded = self.cx.yielded.take();
        if !yielded.is_empty() {
            for task in yielded.drain(..) {
                self.cx.local.push(task);
            }
            self.cx.shared.notify_parked();
        }
        // The buffer goes back (nothing queued into it meanwhile: no task
        // ran), so steady yields do not allocate.
        *self.cx.yielded.borrow_mut() = yielded;
        defer::wake_deferred();
    }

    // Inlined into both copies of `run_role` (one per role), as they were
    // into the one run loop before spares: out of line they cost 6% more
    // instructions on a yield loop (callgrind).
    #[inline(always)]
    fn run_task(&mut self, task: Notified) {
        if self.is_searching {
            self.is_searching = false;
            if self.cx.shared.idle.transition_worker_from_searching() {
                // The last searcher found work: more may be coming, so let
                // another worker look (ramp-up, as Go and tokio do).
                self.cx.shared.notify_parked();
            }
        }
        self.cx.remote().lifo.count_poll();
        self.ran = true;
        let metrics = &self.cx.shared.metrics[self.cx.index];
        metrics.run(task, &mut self.sampler);
    }

    fn metrics(&self) -> &WorkerMetrics {
        &self.cx.shared.metrics[self.cx.index]
    }

    #[inline(always)]
    fn next_task(&mut self) -> Option<Notified> {
        if self
            .tick
            .is_multiple_of(self.cx.shared.config.global_queue_interval)
        {
            if let Some(task) = self.pop_inject() {
                return Some(task);
            }
        }
        let slot = &self.cx.remote().lifo;
        if self.lifo_polls < MAX_LIFO_POLLS {
            if let Some(task) = slot.take() {
                self.lifo_polls += 1;
                return Some(task);
            }
        }
        if let Some(task) = self.cx.local.pop() {
            self.lifo_polls = 0;
            return Some(task);
        }
        if let Some(task) = slot.take() {
            self.lifo_polls = 1;
            return Some(task);
        }
        self.lifo_polls = 0;
        self.pop_inject()
    }

    /// Moves a batch from the injector into the local queue, returning one.
    fn pop_inject(&self) -> Option<Notified> {
        self.cx
            .shared
            .inject
            .pop_batch(&self.cx.local, INJECT_BATCH)
    }

    fn next_rand(&mut self) -> u32 {
        // xorshift32: enough to spread the victims.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        x
    }

    /// Steals half of a random victim's queue, or a batch of the injector.
    fn steal_work(&mut self) -> Option<Notified> {
        if !self.is_searching {
            if !self.cx.shared.idle.transition_worker_to_searching() {
                return None;
            }
            self.is_searching = true;
        }
        let n = self.cx.shared.spares.stealable();
        let start = self.next_rand() as usize % n;
        loop {
            let mut retry = false;
            for i in 0..n {
                let victim = (start + i) % n;
                if victim == self.cx.index {
                    continue;
                }
                let stealer = &self.cx.shared.remotes[victim].stealer;
                let before = self.cx.local.len();
                match stealer.steal_batch_and_pop(&self.cx.local) {
                    Steal::Success(task) => {
                        let stolen = self.cx.local.len().saturating_sub(before) + 1;
                        bump(&self.metrics().steal_count, stolen as u64);
                        bump(&self.metrics().steal_operations, 1);
                        return Some(task);
                    }
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if let Some(task) = self.pop_inject() {
                return Some(task);
            }
            if !retry {
                return None;
            }
        }
    }

    /// Sleeps until notified (or, as the LIFO watcher, for a while); may
    /// return a task stolen from a stuck worker's LIFO slot.
    fn park(&mut self) -> Option<Notified> {
        let timeout = self.park_begin();
        let shared = self.cx.shared.clone();
        if !shared.is_shutdown() {
            let metrics = &shared.metrics[self.cx.index];
            metrics.parking(&mut self.ran, self.busy_since, &mut self.sampler);
            shared.config.park_hooks.before_park();
            let dog = shared.config.watchdog.as_deref();
            dog.inspect(|d| d.parking());
            let quiet = || shared.is_quiet();
            shared
                .driver
                .park(self.cx.index, &mut self.parker, timeout, quiet, false);
            dog.inspect(|d| d.unparked());
            shared.config.park_hooks.after_unpark();
            self.busy_since = Instant::now();
        }
        self.park_end()
    }

    /// The half of [`park`](Self::park) before blocking: the worker counts
    /// as parked from here on. Returns how long the LIFO watcher may sleep.
    pub(super) fn park_begin(&mut self) -> Option<std::time::Duration> {
        let shared = &self.cx.shared;
        let was_searching = std::mem::take(&mut self.is_searching);
        if shared
            .idle
            .transition_worker_to_parked(self.cx.index, was_searching)
            && shared.has_queued_work()
        {
            // The last searcher's final look (idle.rs): work arrived while
            // nobody was being woken. This may pick this very worker, whose
            // park then returns at once.
            shared.notify_parked();
        }
        shared.watcher.begin(
            &mut self.watch,
            shared.idle.any_unparked(),
            &shared.remotes,
            self.cx.index,
        )
    }

    /// The half of [`park`](Self::park) after blocking.
    pub(super) fn park_end(&mut self) -> Option<Notified> {
        let shared = &self.cx.shared;
        let stolen = shared.watcher.end(&mut self.watch, &shared.remotes);
        self.is_searching = shared.idle.transition_worker_from_parked(self.cx.index);
        stolen
    }

    /// Whether the worker's parker holds an unpark: the simulation's test
    /// for "this parked worker was woken".
    pub(super) fn has_unpark(&self) -> bool {
        self.parker.is_notified()
    }

    /// Consumes the parker's unpark, if any.
    pub(super) fn take_unpark(&self) -> bool {
        self.parker.try_take_unpark()
    }

    /// Makes this worker the current thread's until `f` returns (the
    /// simulation runs several workers on one thread, a step at a time).
    pub(super) fn enter<R>(&mut self, f: impl FnOnce(&mut Worker) -> R) -> R {
        let prev = CURRENT.with(|c| c.replace(&self.cx));
        struct Restore(*const WorkerContext);
        impl Drop for Restore {
            fn drop(&mut self) {
                let _ = CURRENT.try_with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(prev);
        f(self)
    }

    /// Runs `task` as the run loop does (the simulation's wake-up steps).
    pub(super) fn run_one(&mut self, task: Notified) {
        self.run_task(task);
    }

    /// Seeds the victim choice (the simulation draws it from its seed).
    pub(super) fn seed(&mut self, seed: u32) {
        self.rng = seed | 1;
    }
}

/// What one [`Worker::turn`] did.
pub(super) enum Turn {
    /// Ran a task or looked at the driver: turn again.
    Ran,
    /// Found nothing to do: park.
    Park,
    /// Shutdown (or a spare's retirement): leave the run loop.
    Exit,
}
