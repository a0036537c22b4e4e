//! The multi-thread, work-stealing scheduler.
//!
//! Each worker thread owns a local FIFO queue (crossbeam-deque) whose
//! stealer the others hold, and a stealable LIFO slot (`lifo.rs`); one
//! global injector takes spawns from outside the workers. A worker runs its
//! LIFO slot, then its queue, checks the injector every
//! `global_queue_interval` ticks, and when out of work steals half of a
//! random victim's queue. At most half of the workers search at once, and a
//! push wakes a sleeper only if nobody searches (`idle.rs`). When every
//! worker is stuck inside one poll, a spare worker thread takes over
//! (`spare.rs`).
//!
//! # Shutdown, in steps
//!
//! 1. `shutdown` is set and every worker is unparked.
//! 2. The owned-task list is closed and every task in it is cancelled
//!    (`OwnedTasks::close_and_shutdown_all`): idle or queued ones at once,
//!    running ones by their worker right after the current poll, since
//!    their state has CANCELLED. A spawn after step 2 finds the list closed
//!    and is cancelled at once, so no task escapes.
//! 3. The injector is closed and drained (`queue.rs`): a wake or spawn
//!    that pushes after that drops its task, so no `Notified` is left in a
//!    queue nobody drains (it would keep its cell, this scheduler and the
//!    reactor alive: a cycle).
//! 4. Workers see `shutdown` at their next tick or wake-up, drop what their
//!    queue and slot still hold (the tasks are already cancelled), and
//!    exit; a push from a worker's thread after that goes to the closed
//!    injector.
//!    Spare workers do the same; then the spare pool is ended
//!    ([`Shared::end_spares`]) and their threads are joined with the
//!    workers'.

mod idle;
mod lifo;
mod sim;
mod spare;
mod worker;

pub(crate) use sim::Trace;

pub(crate) use spare::Starter;
pub(crate) use worker::hand_off_current;

use crate::driver::Driver;
use crate::loom::{AtomicBool, Ordering};
use crate::runtime::metrics::stamp_wake;
use crate::runtime::metrics::WorkerMetrics;
use crate::runtime::Config;
use crate::scheduler::park::Unparker;
use crate::scheduler::queue::{Inject, Stealer};
use crate::task::{
    self, Header, JoinHandle, Notified, OwnedTasks, Refused, Schedule, SpawnMeta, Task,
};
use crossbeam_utils::CachePadded;
use idle::Idle;
use std::future::Future;
use std::ptr::NonNull;
use std::sync::Arc;

#[cfg(loom)]
pub(crate) use lifo::{Seen, Slot};
pub(crate) use worker::Launch;

/// State shared by the workers and every handle of the runtime.
pub(crate) struct Shared {
    remotes: Box<[CachePadded<Remote>]>,
    inject: Inject,
    pub(crate) idle: Idle,
    /// The LIFO watcher role (`lifo.rs`).
    watcher: lifo::Watcher,
    pub(crate) owned: OwnedTasks,
    /// Each worker's counters and histograms, by index.
    pub(crate) metrics: Box<[CachePadded<WorkerMetrics>]>,
    shutdown: AtomicBool,
    /// The spare worker slots and who runs them (`spare.rs`).
    pub(crate) spares: spare::Spares,
    pub(crate) config: Config,
    /// The timer (and, with IO, the reactor): see `driver.rs`.
    pub(crate) driver: Driver,
    /// `Some` for a simulated runtime (`sim.rs`): it holds the workers.
    pub(crate) sim: Option<sim::Sim>,
}

/// What the other threads may touch of one worker.
struct Remote {
    stealer: Stealer,
    lifo: lifo::Slot,
    unparker: Unparker,
}

impl Shared {
    /// Spawns a task. From a worker of this runtime it goes to that
    /// worker's LIFO slot; from elsewhere, to the injector.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        task::spawn_task(&self.owned, self.clone(), future, meta)
    }

    /// Queues a task from outside the workers and wakes a sleeper. Refused
    /// once the runtime shut down (then `self` may be gone after the
    /// caller drops the `Refused`).
    pub(crate) fn push_remote(&self, task: Notified) -> Refused {
        stamp_wake(&task);
        if let Err(refused) = self.inject.push(task) {
            return refused;
        }
        self.notify_parked();
        Refused::NONE
    }

    /// Wakes a sleeping worker if nobody is searching.
    pub(super) fn notify_parked(&self) {
        if let Some(index) = self.idle.worker_to_notify() {
            self.remotes[index].unparker.unpark();
        }
    }

    /// Wakes the worker of slot `index` if it is parked.
    fn unpark_slot(&self, index: usize) {
        self.remotes[index].unparker.unpark();
    }

    /// Whether some queue holds work (a last searcher's final look).
    fn has_queued_work(&self) -> bool {
        !self.inject.is_empty() || self.remotes.iter().any(|r| !r.stealer.is_empty())
    }

    pub(crate) fn injector_len(&self) -> usize {
        self.inject.len()
    }

    /// Whether every worker is parked with nothing queued: the condition
    /// of auto-advance under a paused clock (`driver.rs`, step 5). A parked
    /// worker's LIFO slot is empty (it parks only when it found nothing,
    /// and only it fills its slot).
    fn is_quiet(&self) -> bool {
        !self.idle.any_unparked() && !self.has_queued_work()
    }

    pub(crate) fn local_queue_len(&self, index: usize) -> usize {
        self.remotes[index].stealer.len()
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    /// Steps 1 to 3 of the shutdown (module doc); the caller then joins the
    /// workers (step 4) and the spare threads ([`Self::end_spares`]).
    pub(crate) fn begin_shutdown(&self) {
        // Release: pairs with the workers' acquire load.
        self.shutdown.store(true, Ordering::Release);
        for remote in self.remotes.iter() {
            remote.unparker.unpark();
        }
        self.owned.close_and_shutdown_all();
        self.inject.close();
    }

    /// After `begin_shutdown`: ends the spare pool and returns its threads,
    /// to join.
    pub(crate) fn end_spares(&self) -> Vec<std::thread::JoinHandle<()>> {
        self.spares.shut_down()
    }
}

impl Shared {
    /// No worker becomes the LIFO watcher (`__loom::MultiThread::without_lifo`,
    /// and a simulation, where no poll blocks a worker for real).
    pub(crate) fn hold_watcher_role(&self) {
        self.watcher.hold();
    }

    /// The simulation's trace hash; 0 for a runtime that is not simulated.
    pub(crate) fn trace_hash(&self) -> u64 {
        self.sim.as_ref().map_or(0, |sim| sim.trace.hash())
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) -> Refused {
        worker::with_current(self, |worker| match worker {
            Some(worker) => worker.schedule_local(task, false),
            None => self.push_remote(task),
        })
    }

    fn yield_now(&self, task: Notified) -> Refused {
        worker::with_current(self, |worker| match worker {
            Some(worker) => worker.schedule_local(task, true),
            None => self.push_remote(task),
        })
    }

    fn release(&self, task: NonNull<Header>) -> Option<Task> {
        self.owned.remove(task)
    }

    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        self.config.task_hooks.as_deref()
    }

    fn sample_every(&self) -> u32 {
        self.config.sample_every
    }

    fn task_panicked(&self, task: task::TaskMeta<'_>, payload: &(dyn std::any::Any + Send)) {
        if let Some(unjoined) = &self.config.unjoined {
            unjoined.record(task, payload);
        }
        if let Some(policy) = &self.config.panic_shutdown {
            if policy.begin(task, payload) {
                // Every other task is cancelled now; this one, RUNNING,
                // completes with its panic when the poll returns.
                self.begin_shutdown();
                policy.finish();
            }
        }
    }

    fn record_schedule_latency(&self, ns: u64) {
        // Into the recorder of the worker polling the task: its one writer.
        worker::with_current(self, |worker| {
            if let Some(worker) = worker {
                self.metrics[worker.index].schedule_latency.record(ns);
            }
        });
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("multi_thread::Shared")
            .field("workers", &self.remotes.len())
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}
