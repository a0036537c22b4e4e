//! The seeded simulation of the multi-thread scheduler
//! (`Builder::simulation(seed)`).
//!
//! The N workers are the real ones (`worker.rs`: the same local queues,
//! LIFO slots, stealing, injector and idle counts), but no thread runs
//! them: the thread inside `block_on` steps them, one [`Worker::turn`] at
//! a time, in an order drawn from the seed. A worker whose turn says
//! "park" does the first half of the real park (`park_begin`: it counts as
//! parked, sleepers get it) and is left alone until something unparks its
//! parker; then its next step is the second half (`park_end`). Each step
//! chooses among the ready parties: the `block_on` future if it was woken,
//! each worker that is running or was unparked, and the oldest queued
//! blocking closure (which runs on this thread).
//!
//! The clock is paused from the start. When no party is ready, the clock
//! jumps to the next timer (auto-advance); with no timer and no IO source,
//! nothing can ever happen and `block_on` panics with "deadlock" and the
//! task dump. With IO sources registered, the reactor is polled for up to
//! a millisecond of real time: real sockets work, but their timing is not
//! the seed's (the docs say so).
//!
//! Same seed, same run: the trace hash ([`Trace`]) folds in, in order,
//! which party polled which task (tasks numbered in order of first poll,
//! so ids from other runtimes in the process do not matter). What the
//! seed does not control: real IO, threads the tasks start themselves, and
//! the LIFO watcher (no worker ever holds its role here: no poll blocks a
//! simulated worker for real, so there is nothing to watch).

use super::worker::{Turn, Worker};
use crate::blocking::BlockingPool;
use crate::driver::Driver;
use crate::loom::Mutex;
use crate::task::Id;
use std::collections::HashMap;
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// The simulation of one runtime: its seed, its workers between runs, and
/// its trace.
pub(crate) struct Sim {
    seed: u64,
    /// The workers, while no `block_on` steps them.
    workers: Mutex<Option<Vec<Worker>>>,
    pub(crate) trace: Arc<Trace>,
}

/// The trace hash of a simulation, fed by a before-poll hook.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    state: Mutex<TraceState>,
}

#[derive(Debug)]
struct TraceState {
    hash: u64,
    /// Which party steps now: a worker's index + 1, or 0.
    stepping: u64,
    /// Task ids by order of first poll.
    ordinals: HashMap<Id, u64>,
}

impl Default for TraceState {
    fn default() -> TraceState {
        TraceState {
            hash: FNV_OFFSET,
            stepping: 0,
            ordinals: HashMap::new(),
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv(mut hash: u64, word: u64) -> u64 {
    for byte in word.to_le_bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

impl Trace {
    /// A task's poll begins (the before-poll hook).
    pub(crate) fn poll(&self, id: Id) {
        let mut state = self.state.lock();
        let next = state.ordinals.len() as u64;
        let ordinal = *state.ordinals.entry(id).or_insert(next);
        let stepping = state.stepping;
        state.hash = fnv(fnv(state.hash, stepping), ordinal);
    }

    fn stepping(&self, party: u64) {
        self.state.lock().stepping = party;
    }

    /// The hash of every (party, task) poll so far.
    pub(crate) fn hash(&self) -> u64 {
        self.state.lock().hash
    }
}

/// splitmix64: the simulation's choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The `block_on` future's waker: a flag (the stepping thread never
/// sleeps while a party is ready, and polls the reactor with a short
/// timeout otherwise).
struct Woken(AtomicBool);

impl Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One party of a step.
#[derive(Clone, Copy)]
enum Party {
    Main,
    Worker(usize),
    Blocking,
}

impl Sim {
    pub(crate) fn new(seed: u64, trace: Arc<Trace>) -> Sim {
        Sim {
            seed,
            workers: Mutex::new(None),
            trace,
        }
    }

    /// Takes the workers, seeding each from the simulation's seed.
    pub(crate) fn hold(&self, mut workers: Vec<Worker>) {
        let mut rng = Rng(self.seed);
        for worker in &mut workers {
            worker.seed(rng.next() as u32);
        }
        *self.workers.lock() = Some(workers);
    }

    /// Drops the workers at shutdown (after the tasks were cancelled):
    /// what they still queue goes with them.
    pub(crate) fn end(&self) {
        let workers = self.workers.lock().take();
        for mut worker in workers.into_iter().flatten() {
            worker.finish();
        }
    }

    /// Runs `future` to completion, stepping the workers (module doc).
    pub(crate) fn block_on<F: Future>(
        &self,
        blocking: &BlockingPool,
        driver: &Driver,
        future: F,
    ) -> F::Output {
        let mut workers = self
            .workers
            .lock()
            .take()
            .expect("a simulated runtime runs one `block_on` at a time");
        // Put back on the way out, also when a task's poll panics through.
        struct PutBack<'a>(&'a Sim, Option<Vec<Worker>>);
        impl Drop for PutBack<'_> {
            fn drop(&mut self) {
                *self.0.workers.lock() = self.1.take();
            }
        }
        let mut rng = Rng(self.seed ^ 0x5eed);
        // `select!`'s random branch follows the seed too.
        crate::__private::seed_select_rng(self.seed);
        let _defer = crate::scheduler::defer::enter();
        let mut parked = vec![false; workers.len()];
        let woken = Arc::new(Woken(AtomicBool::new(true)));
        let waker = Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        let mut ready = Vec::with_capacity(workers.len() + 2);
        let result = loop {
            ready.clear();
            if woken.0.load(Ordering::SeqCst) {
                ready.push(Party::Main);
            }
            for (i, worker) in workers.iter().enumerate() {
                if !parked[i] || worker.has_unpark() {
                    ready.push(Party::Worker(i));
                }
            }
            if blocking.has_queued() {
                ready.push(Party::Blocking);
            }
            if ready.is_empty() {
                idle(driver);
                continue;
            }
            match ready[rng.below(ready.len())] {
                Party::Main => {
                    self.trace.stepping(0);
                    woken.0.store(false, Ordering::SeqCst);
                    let poll = runtime_coop::budget(|| future.as_mut().poll(&mut cx));
                    if let Poll::Ready(v) = poll {
                        break v;
                    }
                }
                Party::Worker(i) => {
                    self.trace.stepping(i as u64 + 1);
                    let worker = &mut workers[i];
                    if parked[i] {
                        worker.take_unpark();
                        parked[i] = false;
                        worker.enter(|w| {
                            if let Some(task) = w.park_end() {
                                w.run_one(task);
                            }
                        });
                    } else {
                        match worker.enter(|w| w.turn::<false>()) {
                            Turn::Ran => {}
                            Turn::Park | Turn::Exit => {
                                worker.park_begin();
                                parked[i] = true;
                            }
                        }
                    }
                }
                Party::Blocking => {
                    self.trace.stepping(u64::MAX);
                    blocking.run_one(driver);
                }
            }
        };
        drop(PutBack(self, Some(workers)));
        result
    }
}

/// No party is ready: move the clock, poll real IO, or give up.
fn idle(driver: &Driver) {
    if driver.advance_to_next_timer() {
        return;
    }
    if driver.has_io_sources() {
        driver.turn_io(Duration::from_millis(1));
        return;
    }
    crate::driver::deadlock_panic();
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim").field("seed", &self.seed).finish()
    }
}
