//! Panics nobody joined, for `#[runtime::test]`: a test fails when one of
//! its spawned tasks panicked and the panic was never seen through the
//! task's `JoinHandle` (tokio's tests would pass, with the panic only
//! printed).
//!
//! A runtime built for a test keeps an [`Unjoined`] (`Config::unjoined`):
//! each task panic is recorded there with the task's name, spawn site and
//! message (`Schedule::task_panicked`). A `JoinHandle` that returns a
//! panic's `JoinError` marks the task joined in a process-wide set, which
//! is written only while some runtime keeps an `Unjoined` (joins of
//! panics are rare, and so is this lock). After the body, the test asks
//! [`Unjoined::check`] for the panics never joined.

use crate::task::{Id, TaskMeta};
use std::any::Any;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How many `Unjoined` exist: while 0, joins record nothing.
static TRACKERS: AtomicUsize = AtomicUsize::new(0);

/// Tasks whose panic a `JoinHandle` returned.
static JOINED: Mutex<Option<HashSet<Id>>> = Mutex::new(None);

/// One runtime's recorded panics.
#[derive(Debug)]
pub(crate) struct Unjoined {
    panics: Mutex<Vec<(Id, String)>>,
}

impl Unjoined {
    pub(crate) fn new() -> Unjoined {
        TRACKERS.fetch_add(1, Ordering::SeqCst);
        Unjoined {
            panics: Mutex::new(Vec::new()),
        }
    }

    /// A task of this runtime panicked.
    pub(crate) fn record(&self, task: TaskMeta<'_>, payload: &(dyn Any + Send)) {
        let message = payload
            .downcast_ref::<&'static str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .map_or_else(
                || "a payload that is not a string".to_owned(),
                |m| format!("{m:?}"),
            );
        let line = format!("{} panicked with {message}", task.spawned_line());
        lock(&self.panics).push((task.id(), line));
    }

    /// The panics no `JoinHandle` returned, one line each; forgets them.
    pub(crate) fn check(&self) -> Vec<String> {
        let panics = std::mem::take(&mut *lock(&self.panics));
        let mut joined = lock(&JOINED);
        let joined = joined.get_or_insert_with(HashSet::new);
        panics
            .into_iter()
            .filter(|(id, _)| !joined.remove(id))
            .map(|(_, line)| line)
            .collect()
    }
}

impl Drop for Unjoined {
    fn drop(&mut self) {
        if TRACKERS.fetch_sub(1, Ordering::SeqCst) == 1 {
            *lock(&JOINED) = None;
        }
    }
}

/// A `JoinHandle` returned the panic of task `id`.
#[cold]
pub(crate) fn joined(id: Id) {
    if TRACKERS.load(Ordering::SeqCst) > 0 {
        lock(&JOINED).get_or_insert_with(HashSet::new).insert(id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
