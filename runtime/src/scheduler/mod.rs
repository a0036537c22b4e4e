//! The two schedulers and what they share: queues and thread parking.

pub(crate) mod current_thread;
pub(crate) mod defer;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;
pub(crate) mod tuning;

use crate::runtime::metrics::WorkerMetrics;
use crate::task::{JoinHandle, SpawnMeta};
use crossbeam_utils::CachePadded;
use std::future::Future;
use std::sync::Arc;

/// The scheduler of one runtime.
#[derive(Clone, Debug)]
pub(crate) enum Scheduler {
    MultiThread(Arc<multi_thread::Shared>),
    CurrentThread(Arc<current_thread::Shared>),
}

impl Scheduler {
    pub(crate) fn spawn<F>(&self, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Scheduler::MultiThread(s) => s.spawn(future, meta),
            Scheduler::CurrentThread(s) => s.spawn(future, meta),
        }
    }

    /// The workers' metrics, by worker index (one for current-thread):
    /// the core workers only, as the public per-worker metrics show them.
    pub(crate) fn worker_metrics(&self) -> &[CachePadded<WorkerMetrics>] {
        match self {
            Scheduler::MultiThread(s) => &s.metrics[..s.config.worker_threads],
            Scheduler::CurrentThread(s) => std::slice::from_ref(&s.metrics),
        }
    }

    /// Every worker slot's metrics, spares included (`multi_thread/spare.rs`):
    /// what the watchdog watches, dumps show and the summed histograms add.
    pub(crate) fn slot_metrics(&self) -> &[CachePadded<WorkerMetrics>] {
        match self {
            Scheduler::MultiThread(s) => &s.metrics,
            Scheduler::CurrentThread(s) => std::slice::from_ref(&s.metrics),
        }
    }

    /// How many tasks wait in the injector.
    pub(crate) fn injector_len(&self) -> usize {
        match self {
            Scheduler::MultiThread(s) => s.injector_len(),
            Scheduler::CurrentThread(s) => s.injector_len(),
        }
    }

    /// How many tasks wait in worker `index`'s local queue.
    pub(crate) fn local_queue_len(&self, index: usize) -> usize {
        match self {
            Scheduler::MultiThread(s) => s.local_queue_len(index),
            Scheduler::CurrentThread(s) => s.local_queue_len(),
        }
    }

    /// The owned-task list, for dumps.
    /// The slow-poll watchdog, unless it is off.
    pub(crate) fn watchdog(&self) -> Option<&crate::runtime::Watchdog> {
        match self {
            Scheduler::MultiThread(s) => s.config.watchdog.as_deref(),
            Scheduler::CurrentThread(s) => s.config.watchdog.as_deref(),
        }
    }

    pub(crate) fn watchdog_arc(&self) -> Option<std::sync::Arc<crate::runtime::Watchdog>> {
        match self {
            Scheduler::MultiThread(s) => s.config.watchdog.clone(),
            Scheduler::CurrentThread(s) => s.config.watchdog.clone(),
        }
    }

    pub(crate) fn owned(&self) -> &crate::task::OwnedTasks {
        match self {
            Scheduler::MultiThread(s) => &s.owned,
            Scheduler::CurrentThread(s) => &s.owned,
        }
    }
}

impl std::fmt::Debug for current_thread::Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("current_thread::Shared")
            .field("tasks", &self.owned_len())
            .finish_non_exhaustive()
    }
}

/// The task picker of the single-threaded schedulers (the current-thread
/// runtime's core and a `LocalSet`): the local queue first, except every
/// `interval` ticks, when the remote queue goes first, so that remote wakes
/// are not starved by tasks that keep waking each other locally.
#[inline]
pub(crate) fn pick_next<T>(
    tick: &mut u32,
    interval: u32,
    local: impl FnOnce() -> Option<T>,
    remote: impl FnOnce() -> Option<T>,
) -> Option<T> {
    *tick = tick.wrapping_add(1);
    if tick.is_multiple_of(interval) {
        remote().or_else(local)
    } else {
        local().or_else(remote)
    }
}
