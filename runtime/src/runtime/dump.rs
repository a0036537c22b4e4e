//! [`Handle::dump`](super::Handle::dump): a snapshot of every live task.
//!
//! The dump takes a snapshot of the runtime's owned-task list with every
//! shard locked (`OwnedTasks::snapshot`: the shards' lists walked side by
//! side, then read in id order), and reads of each task only what is safe
//! to read from any thread while the task may be running elsewhere: the
//! header's id, state word and diagnostic atomics (poll count, coarse time
//! of the last poll), the trailer's metadata (written once at spawn,
//! before the cell was shared) and its wait slot. It never touches a
//! future or an output and never waits for a worker, so it works from any
//! thread, also while a worker is stuck inside a poll; spawns and
//! completions wait for it meanwhile: about 5 ms for 100k tasks (`cargo
//! bench -p benches --bench task_dump`).
//!
//! Not in the dump: tasks of a `LocalSet` (they live in the set's own
//! list) and `spawn_blocking` closures (the blocking pool has no list of
//! them). A running task shows the worker polling it (each worker
//! publishes the id of the task it polls, `runtime/metrics/worker.rs`).
//! A task's "running" time is the time since its poll started, to
//! the precision of the coarse clock (`task/meta.rs`): a few milliseconds
//! on a busy runtime, the last park or maintenance otherwise.

use super::metrics::{polled_task, WorkerMetrics};
use super::watchdog::Watchdog;
use crate::task::{Id, OwnedTasks, RawTask, TaskMeta};
use crossbeam_utils::CachePadded;
use runtime_coop::wait::WaitsOn;
use std::collections::HashMap;
use std::fmt;
use std::panic::Location;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

/// A snapshot of a runtime's tasks ([`Handle::dump`](super::Handle::dump)).
///
/// `Display` prints a tree by parent task, one line a task, as
/// `python -m asyncio pstree` does:
///
/// ```text
/// runtime: 3 tasks
/// ├── task 1 "server" (src/main.rs:12:5) idle, 4 polls, last 2 ms ago, waits on accept on 127.0.0.1:8080
/// │   └── task 7 "conn" (src/main.rs:20:9) idle, 2 polls, last 15 ms ago, waits on TCP read from 127.0.0.1:50312
/// └── task 2 (src/main.rs:14:5) scheduled, 0 polls
/// ```
#[derive(Clone, Debug)]
pub struct Dump {
    tasks: Vec<TaskDump>,
}

/// One task in a [`Dump`].
///
/// ```
/// use runtime::runtime::TaskState;
///
/// let rt = runtime::Runtime::new().unwrap();
/// let (tx, rx) = runtime::sync::oneshot::channel::<()>();
/// let task = rt.spawn(async move {
///     let _ = rx.await;
/// });
/// let id = task.id();
/// // Wait until it has been polled once and is waiting.
/// while rt.handle().dump().task(id).is_none_or(|t| t.polls() == 0) {
///     std::thread::yield_now();
/// }
/// let dump = rt.handle().dump();
/// let t = dump.task(id).unwrap();
/// assert_eq!(t.id(), id);
/// assert_eq!(t.name(), None);
/// assert!(matches!(t.state(), TaskState::Idle | TaskState::Running));
/// drop(tx);
/// rt.block_on(task).unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct TaskDump {
    id: Id,
    name: Option<Arc<str>>,
    spawned_at: &'static Location<'static>,
    parent: Option<Id>,
    state: TaskState,
    polls: u32,
    since_last_poll: Option<Duration>,
    waits_on: WaitsOn,
    worker: Option<usize>,
    slow: bool,
}

/// What a task is doing when the dump reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskState {
    /// Waiting for a wake-up: see [`TaskDump::waits_on`].
    Idle,
    /// Woken, in a run queue.
    Scheduled,
    /// Inside a poll on some worker (or being cancelled).
    Running,
    /// Finished; still in the list for an instant.
    Complete,
}

impl TaskState {
    fn as_str(self) -> &'static str {
        match self {
            TaskState::Idle => "idle",
            TaskState::Scheduled => "scheduled",
            TaskState::Running => "running",
            TaskState::Complete => "complete",
        }
    }
}

impl TaskDump {
    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// Its name, if it was built with one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where it was spawned.
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.spawned_at
    }

    /// The task that spawned it, if any (it may have finished since).
    pub fn parent(&self) -> Option<Id> {
        self.parent
    }

    /// Its state.
    pub fn state(&self) -> TaskState {
        self.state
    }

    /// How many times it was polled.
    pub fn polls(&self) -> u32 {
        self.polls
    }

    /// How long ago its last poll started (for a running task: how long it
    /// has been running), to the coarse clock's precision; `None` if it was
    /// never polled.
    pub fn since_last_poll(&self) -> Option<Duration> {
        self.since_last_poll
    }

    /// What its last poll waited on: the runtime resource that returned
    /// `Pending` last, or [`WaitsOn::Unknown`] for a future of another
    /// crate. Meaningful for an idle task.
    pub fn waits_on(&self) -> WaitsOn {
        self.waits_on
    }

    /// For a running task, the index of the worker polling it (a
    /// current-thread runtime's driving thread is worker 0); `None` when
    /// it is not inside a poll, or its poll ended while the dump was taken.
    pub fn worker(&self) -> Option<usize> {
        self.worker
    }

    /// Whether it is running a poll that the slow-poll watchdog reported
    /// ([`Builder::slow_poll_threshold`](super::Builder::slow_poll_threshold)).
    pub fn is_slow(&self) -> bool {
        self.slow
    }

    /// Its metadata, as hooks see it.
    pub fn meta(&self) -> TaskMeta<'_> {
        TaskMeta::from_parts(self.id, self.name(), self.spawned_at, self.parent)
    }

    fn read(task: RawTask, running: &[u64], watchdog: Option<&Watchdog>) -> TaskDump {
        let header = task.header();
        let meta = &task.trailer().meta;
        let snapshot = header.state_now();
        let state = if snapshot.is_complete() {
            TaskState::Complete
        } else if snapshot.is_running() {
            TaskState::Running
        } else if snapshot.is_notified() {
            TaskState::Scheduled
        } else {
            TaskState::Idle
        };
        let task_meta = meta.task_meta(header.id());
        let id = header.id().as_u64();
        let worker = match state {
            TaskState::Running => running.iter().position(|&r| polled_task(r) == id),
            _ => None,
        };
        let slow = match (worker, watchdog) {
            (Some(w), Some(dog)) => dog.is_slow(w, running[w]),
            _ => false,
        };
        TaskDump {
            id: header.id(),
            name: meta.name_arc(),
            spawned_at: task_meta.spawned_at(),
            parent: task_meta.parent(),
            state,
            polls: header.polls(),
            since_last_poll: header.since_last_poll(),
            waits_on: meta.waits_on(),
            worker,
            slow,
        }
    }
}

impl Dump {
    pub(crate) fn capture(
        owned: &OwnedTasks,
        workers: &[CachePadded<WorkerMetrics>],
        watchdog: Option<&Watchdog>,
    ) -> Dump {
        // The coarse clock is refreshed by busy workers; parked ones leave
        // it behind, and "last poll N ms ago" would read short.
        crate::task::refresh_coarse_now();
        // What each worker polls now (read once: a poll that ends during
        // the walk shows its task as running on no worker).
        let running: Vec<u64> = workers
            .iter()
            .map(|w| w.running.load(Ordering::Relaxed))
            .collect();
        let tasks = owned.snapshot(|task| TaskDump::read(task, &running, watchdog));
        Dump { tasks }
    }

    /// The tasks, by id.
    pub fn tasks(&self) -> &[TaskDump] {
        &self.tasks
    }

    /// The task with this id, if it was alive.
    pub fn task(&self, id: Id) -> Option<&TaskDump> {
        self.tasks
            .binary_search_by_key(&id, |t| t.id)
            .ok()
            .map(|i| &self.tasks[i])
    }
}

impl fmt::Display for TaskDump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.meta(), self.state.as_str())?;
        match (self.state, self.since_last_poll) {
            (TaskState::Running, since) => {
                if let Some(w) = self.worker {
                    write!(f, " on worker {w}")?;
                }
                if let Some(d) = since {
                    write!(f, " for {}", Ms(d))?;
                }
                if self.slow {
                    f.write_str(" (slow)")?;
                }
            }
            (_, Some(d)) => write!(f, ", {}, last {} ago", Polls(self.polls), Ms(d))?,
            (_, None) => write!(f, ", {}", Polls(self.polls))?,
        }
        if self.state == TaskState::Idle {
            write!(f, ", waits on {}", super::waits::describe(self.waits_on))?;
        }
        Ok(())
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.tasks.len();
        writeln!(f, "runtime: {n} task{}", if n == 1 { "" } else { "s" })?;
        // Children by parent; a task whose parent is not in the dump (none,
        // or finished) is a root.
        let mut children: HashMap<Id, Vec<usize>> = HashMap::new();
        let mut roots = Vec::new();
        for (i, t) in self.tasks.iter().enumerate() {
            match t.parent.filter(|p| self.task(*p).is_some()) {
                Some(p) => children.entry(p).or_default().push(i),
                None => roots.push(i),
            }
        }
        // Depth-first, iteratively (a chain of 100k spawns must not
        // overflow the stack): (task, prefix of its line, is last child).
        let mut stack: Vec<(usize, String, bool)> = roots
            .iter()
            .rev()
            .enumerate()
            .map(|(k, &i)| (i, String::new(), k == 0))
            .collect();
        while let Some((i, prefix, last)) = stack.pop() {
            let task = &self.tasks[i];
            writeln!(f, "{prefix}{}{task}", if last { "└── " } else { "├── " })?;
            if let Some(kids) = children.get(&task.id) {
                let child_prefix = format!("{prefix}{}", if last { "    " } else { "│   " });
                for (k, &c) in kids.iter().rev().enumerate() {
                    stack.push((c, child_prefix.clone(), k == 0));
                }
            }
        }
        Ok(())
    }
}

/// `1 poll`, `2 polls`.
struct Polls(u32);

impl fmt::Display for Polls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => write!(f, "1 poll"),
            n => write!(f, "{n} polls"),
        }
    }
}

/// A duration in whole milliseconds (`<1 ms` under one).
struct Ms(Duration);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0.as_millis();
        if ms == 0 {
            write!(f, "<1 ms")
        } else {
            write!(f, "{ms} ms")
        }
    }
}
