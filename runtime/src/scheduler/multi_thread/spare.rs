//! Spare workers: when every worker is stuck inside one poll (or inside
//! `block_in_place`), a spare worker thread runs what is queued and drives
//! the timer and the reactor, as Go's scheduler hands a processor to a new
//! thread when one blocks.
//!
//! # Roles and threads
//!
//! A runtime of N workers has `N + max_spare_workers` worker *slots*, each
//! with its queue, LIFO slot, parker and counters (`worker.rs`'s
//! `Worker`); the first N are the core workers, whose threads run as long
//! as the runtime. A spare slot is *active* while a thread runs it: it
//! then takes part in everything a core worker does (stealing, the LIFO
//! watcher, parking on the driver), and counts in `Idle`'s active count.
//!
//! # Who decides
//!
//! The watchdog thread (`runtime/watchdog.rs`) reads every slot's poll
//! word each tick and calls [`Spares::supervise`] with which slots are
//! stuck: inside one poll for `tuning::SPARE_AFTER` or more, or inside
//! `block_in_place` (which also calls [`Spares::check`] itself, so it does
//! not wait for a tick). When every active slot is stuck, one spare slot
//! is activated, on a lingering spare thread if one waits, else on a new
//! thread. Activations happen under the pool's lock, one at a time.
//!
//! # Going back to N
//!
//! A spare retires as soon as some core worker is not stuck: at the top of
//! its run loop (so after the poll it is in, if any), or when
//! `supervise` unparks it because a core worker came back. Retiring gives
//! its queued tasks to the injector and leaves `Idle`'s counts; the thread
//! then lingers for `thread_keep_alive` in case it is needed again, and
//! exits. So more than N workers run tasks at once only for the moment
//! between a stuck poll's return and the spare's next loop.
//!
//! # Shutdown
//!
//! The pool holds the free `Worker`s, which hold the scheduler: a cycle,
//! broken by [`Spares::shut_down`], which drops them and wakes the
//! lingering threads; a spare thread that ends its role after that drops
//! its `Worker` instead of returning it.

use super::worker::Worker;
use super::Shared;
use crate::loom::{Condvar, Mutex};
use std::fmt;
// Plain atomics: hints read by the watchdog and the spares, not part of a
// model-checked protocol (the loom models run no spare).
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Starts a thread, entered in the runtime, that runs the given body.
pub(crate) type Starter =
    Box<dyn Fn(Box<dyn FnOnce() + Send>) -> std::io::Result<JoinHandle<()>> + Send + Sync>;

pub(crate) struct Spares {
    /// The core worker count: spare slots are `core..core + max`.
    core: usize,
    max: usize,
    keep_alive: Duration,
    /// Per slot: stuck at the last look (written by the watchdog, and by
    /// `block_in_place` for its own slot).
    stuck: Box<[AtomicBool]>,
    /// Per spare slot: a thread runs it.
    active: Box<[AtomicBool]>,
    /// How many core workers were stuck at the last look.
    stuck_core: AtomicUsize,
    /// Spare roles started since the runtime was built (a metric).
    started: AtomicUsize,
    /// Spare slots active now.
    running: AtomicUsize,
    pool: Mutex<Pool>,
    /// Wakes lingering threads (a role was handed to one, or shutdown).
    cond: Condvar,
    starter: std::sync::OnceLock<Starter>,
}

struct Pool {
    /// Spare slots without a thread.
    free: Vec<Worker>,
    /// Roles given to lingering threads, not yet picked up.
    handed: Vec<Worker>,
    /// Spare threads waiting for a role.
    lingering: usize,
    /// Every spare thread started, to join at shutdown.
    threads: Vec<JoinHandle<()>>,
    shut_down: bool,
}

impl Spares {
    /// No spare slot is free until [`fill`](Self::fill).
    pub(super) fn new(core: usize, max: usize, keep_alive: Duration) -> Spares {
        Spares {
            core,
            max,
            keep_alive,
            stuck: (0..core + max).map(|_| AtomicBool::new(false)).collect(),
            active: (0..max).map(|_| AtomicBool::new(false)).collect(),
            stuck_core: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
            running: AtomicUsize::new(0),
            pool: Mutex::new(Pool {
                free: Vec::new(),
                handed: Vec::new(),
                lingering: 0,
                threads: Vec::new(),
                shut_down: false,
            }),
            cond: Condvar::new(),
            starter: std::sync::OnceLock::new(),
        }
    }

    /// Gives the pool its spare slots (built after the scheduler, since
    /// they hold it).
    pub(super) fn fill(&self, spares: Vec<Worker>) {
        debug_assert_eq!(spares.len(), self.max);
        self.pool.lock().free = spares;
    }

    /// Whether spares may start at all (`max_spare_workers` above zero).
    pub(crate) fn enabled(&self) -> bool {
        self.max > 0
    }

    /// How spare threads are started; set once, by the builder, after the
    /// runtime's handle exists.
    pub(crate) fn set_starter(&self, starter: Starter) {
        let fresh = self.starter.set(starter).is_ok();
        debug_assert!(fresh, "set_starter called twice");
    }

    /// Spare roles started so far.
    pub(crate) fn started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// How many slots a thief looks at: the core ones, and the spare ones
    /// while any spare is active (a spare gives its queue away when it
    /// retires, and only its own thread pushes to it). A thief that misses
    /// a spare that just started loses nothing: the spare runs its queue.
    pub(super) fn stealable(&self) -> usize {
        if self.running.load(Ordering::Relaxed) == 0 {
            self.core
        } else {
            self.core + self.max
        }
    }

    /// Whether a spare should stop: some core worker is not stuck.
    pub(super) fn should_retire(&self) -> bool {
        self.stuck_core.load(Ordering::Relaxed) < self.core
    }

    /// The watchdog's look (module doc): `stuck[i]` says whether slot `i`
    /// is stuck. Starts a spare if every active slot is; wakes the parked
    /// spares if a core worker came back, so they retire.
    pub(crate) fn supervise(&self, shared: &Arc<Shared>, stuck: &[bool]) {
        for (flag, &s) in self.stuck.iter().zip(stuck) {
            flag.store(s, Ordering::Relaxed);
        }
        let core_stuck = stuck[..self.core].iter().filter(|&&s| s).count();
        let before = self.stuck_core.swap(core_stuck, Ordering::Relaxed);
        if core_stuck < self.core {
            if before == self.core {
                for (i, active) in self.active.iter().enumerate() {
                    if active.load(Ordering::Relaxed) {
                        shared.unpark_slot(self.core + i);
                    }
                }
            }
            return;
        }
        self.check(shared);
    }

    /// `block_in_place` on slot `index`: it counts as stuck at once, and a
    /// spare starts now if every other worker is stuck too.
    pub(super) fn in_place(&self, shared: &Arc<Shared>, index: usize) {
        if !self.enabled() {
            return;
        }
        self.stuck[index].store(true, Ordering::Relaxed);
        if index < self.core {
            let core_stuck = self.stuck[..self.core]
                .iter()
                .filter(|s| s.load(Ordering::Relaxed))
                .count();
            self.stuck_core.store(core_stuck, Ordering::Relaxed);
        }
        self.check(shared);
    }

    /// Starts a spare if every active slot is stuck and one is free.
    pub(super) fn check(&self, shared: &Arc<Shared>) {
        let mut pool = self.pool.lock();
        let all_stuck = (0..self.core + self.max).all(|i| {
            let active = i < self.core || self.active[i - self.core].load(Ordering::Relaxed);
            !active || self.stuck[i].load(Ordering::Relaxed)
        });
        if !all_stuck || pool.shut_down || shared.is_shutdown() {
            return;
        }
        let Some(worker) = pool.free.pop() else {
            return; // all spares run already
        };
        let index = worker.index();
        self.active[index - self.core].store(true, Ordering::Relaxed);
        self.running.fetch_add(1, Ordering::Relaxed);
        self.stuck[index].store(false, Ordering::Relaxed);
        shared.idle.activate();
        if let Some(dog) = shared.config.watchdog.as_deref() {
            dog.unparked();
        }
        self.started.fetch_add(1, Ordering::Relaxed);
        if pool.lingering > pool.handed.len() {
            pool.handed.push(worker);
            self.cond.notify_all();
            return;
        }
        pool.threads.retain(|t| !t.is_finished());
        let Some(starter) = self.starter.get() else {
            pool.free.push(worker);
            drop(pool);
            self.undo(shared, index);
            return;
        };
        // The worker goes to the new thread through a shared cell, so a
        // failed spawn (which drops the closure) does not lose it.
        let cell = Arc::new(Mutex::new(Some(worker)));
        let theirs = cell.clone();
        let me = shared.clone();
        match starter(Box::new(move || {
            if let Some(worker) = theirs.lock().take() {
                spare_thread(me, worker);
            }
        })) {
            Ok(thread) => pool.threads.push(thread),
            Err(_) => {
                // Out of threads: stay at N; the next look tries again.
                if let Some(worker) = cell.lock().take() {
                    pool.free.push(worker);
                }
                drop(pool);
                self.undo(shared, index);
            }
        }
    }

    /// Takes back an activation whose thread did not start.
    fn undo(&self, shared: &Shared, index: usize) {
        self.retired(index);
        shared.idle.retire(false);
        if let Some(dog) = shared.config.watchdog.as_deref() {
            dog.parking();
        }
    }

    /// A spare's role ended (its worker already left `Idle`'s counts).
    pub(super) fn retired(&self, index: usize) {
        self.active[index - self.core].store(false, Ordering::Relaxed);
        self.running.fetch_sub(1, Ordering::Relaxed);
    }

    /// Shutdown: drops the free workers (breaking the cycle, module doc),
    /// wakes the lingering threads and returns every spare thread, to join.
    pub(crate) fn shut_down(&self) -> Vec<JoinHandle<()>> {
        let (free, threads) = {
            let mut pool = self.pool.lock();
            pool.shut_down = true;
            let mut free = std::mem::take(&mut pool.free);
            free.append(&mut pool.handed);
            (free, std::mem::take(&mut pool.threads))
        };
        self.cond.notify_all();
        drop(free);
        threads
    }
}

/// A spare thread: runs `worker`'s role until it retires, then lingers for
/// `thread_keep_alive`, taking another role if one is handed to it.
fn spare_thread(shared: Arc<Shared>, mut worker: Worker) {
    let spares = &shared.spares;
    loop {
        worker.run_spare();
        let mut pool = spares.pool.lock();
        if pool.shut_down {
            drop(pool);
            drop(worker);
            return;
        }
        pool.free.push(worker);
        pool.lingering += 1;
        let deadline = Instant::now() + spares.keep_alive;
        worker = loop {
            if let Some(w) = pool.handed.pop() {
                pool.lingering -= 1;
                break w;
            }
            let now = Instant::now();
            if pool.shut_down || now >= deadline {
                pool.lingering -= 1;
                return;
            }
            pool = spares.cond.wait_timeout(pool, deadline - now);
        };
    }
}

impl fmt::Debug for Spares {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spares")
            .field("max", &self.max)
            .field("started", &self.started())
            .finish_non_exhaustive()
    }
}
