//! The drain shutdown: [`Runtime::shutdown_graceful`](super::Runtime::shutdown_graceful)
//! and what it reports.
//!
//! 1. The runtime's shutdown token is cancelled: tasks that select on
//!    [`shutdown_token`](crate::shutdown_token) stop accepting work and
//!    finish what they hold.
//! 2. The runtime keeps running until no task is alive or the deadline
//!    passes, looking at the count of alive tasks every millisecond (on a
//!    current-thread runtime, from inside `block_on`, which drives the
//!    tasks meanwhile). Tasks spawned during the drain run too.
//! 3. What is still alive is recorded and then cancelled by the ordinary
//!    shutdown.
//!
//! The report compares two dumps, taken when the drain starts and at its
//! end: a task in the first and not the second finished during the drain;
//! a task in the second is cut. Tasks spawned and finished during the
//! drain are only counted, from the runtime's spawn counter.

use super::{Handle, RuntimeFlavor, TaskDump};
use crate::task::Id;
use std::collections::HashSet;
use std::fmt;
use std::time::{Duration, Instant};

/// How often the drain looks at the count of alive tasks.
const POLL: Duration = Duration::from_millis(1);

/// What [`Runtime::shutdown_graceful`](super::Runtime::shutdown_graceful)
/// did: which tasks finished during the drain and which were cancelled at
/// its deadline. Its `Display` is the summary a service prints:
///
/// ```text
/// graceful shutdown after 5.00 s (grace 5 s): 3 tasks finished, 1 cancelled at the deadline
///   cancelled: task 14 "conn" (spawned at src/main.rs:40:5)
/// ```
#[derive(Clone, Debug)]
pub struct ShutdownReport {
    grace: Duration,
    elapsed: Duration,
    finished: Vec<TaskDump>,
    finished_new: u64,
    cancelled: Vec<TaskDump>,
}

impl ShutdownReport {
    /// The tasks alive when the drain started that finished during it
    /// (by id), as the dump at the start of the drain saw them.
    pub fn finished(&self) -> &[TaskDump] {
        &self.finished
    }

    /// How many tasks were spawned during the drain and finished before
    /// its end (not named: only counted).
    pub fn finished_spawned_during_drain(&self) -> u64 {
        self.finished_new
    }

    /// The tasks still alive at the deadline, cancelled then (by id), as
    /// the dump just before the cancellation saw them (what each waited
    /// on, in [`TaskDump::waits_on`]).
    pub fn cancelled(&self) -> &[TaskDump] {
        &self.cancelled
    }

    /// Whether every task finished on its own (nothing was cancelled).
    pub fn is_clean(&self) -> bool {
        self.cancelled.is_empty()
    }

    /// How long the drain took: at most the grace period, less if the
    /// runtime went idle first.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The grace period it was given.
    pub fn grace(&self) -> Duration {
        self.grace
    }
}

impl fmt::Display for ShutdownReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let finished = self.finished.len() as u64 + self.finished_new;
        write!(
            f,
            "graceful shutdown after {:.2} s (grace {:?}): {finished} task{} finished, {} \
             cancelled at the deadline",
            self.elapsed.as_secs_f64(),
            self.grace,
            if finished == 1 { "" } else { "s" },
            self.cancelled.len(),
        )?;
        for task in &self.cancelled {
            write!(f, "\n  cancelled: {}", task.meta().spawned_line())?;
        }
        Ok(())
    }
}

/// Steps 1 and 2 of the module doc, and the report of step 3 (the caller
/// then shuts down).
pub(crate) fn drain(handle: &Handle, grace: Duration) -> ShutdownReport {
    let start = Instant::now();
    let deadline = start.checked_add(grace);
    let metrics = handle.metrics();
    let before = handle.dump().tasks().to_vec();
    let spawned_before = metrics.spawned_tasks_count();
    handle.shutdown_token().cancel();
    let done = || metrics.num_alive_tasks() == 0 || deadline.is_some_and(|d| Instant::now() >= d);
    match handle.runtime_flavor() {
        // The workers run the tasks; this thread only looks.
        RuntimeFlavor::MultiThread => {
            while !done() {
                std::thread::sleep(POLL);
            }
        }
        // Nothing runs the tasks unless a `block_on` drives them.
        _ => handle.block_on(async {
            let timer = handle.inner.driver.has_time();
            while !done() {
                if timer {
                    crate::time::sleep(POLL).await;
                } else {
                    crate::task::yield_now().await;
                }
            }
        }),
    }
    let after = handle.dump().tasks().to_vec();
    let spawned_during = metrics.spawned_tasks_count() - spawned_before;
    let alive: HashSet<Id> = after.iter().map(TaskDump::id).collect();
    let old: HashSet<Id> = before.iter().map(TaskDump::id).collect();
    let new_alive = after.iter().filter(|t| !old.contains(&t.id())).count() as u64;
    ShutdownReport {
        grace,
        elapsed: start.elapsed(),
        finished: before
            .into_iter()
            .filter(|t| !alive.contains(&t.id()))
            .collect(),
        finished_new: spawned_during.saturating_sub(new_alive),
        cancelled: after,
    }
}
