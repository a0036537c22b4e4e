//! What a task is, for people: its name, where it was spawned, by which
//! task; and what it did last, for dumps. Hooks and dumps read it.
//!
//! # Cost
//!
//! [`Meta`] lives in the cell's cold trailer: a spawn location (a
//! `&'static Location`, which `#[track_caller]` gives for free), the
//! parent's id, and a name that is `None` unless the task was built with
//! [`Builder::name`](super::Builder::name), so an unnamed task allocates
//! nothing more. Per poll the runner does three relaxed stores into it (the
//! poll count, the coarse time of the poll, and the reset of the wait slot,
//! `runtime_coop::wait`), and no clock read: the time is [`coarse_now`], a
//! process-wide millisecond counter that the schedulers refresh when they
//! look at their driver or park anyway.

use super::id::Id;
use runtime_coop::wait::{WaitSlot, WaitsOn};
use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a spawn knows about the task it makes; becomes the cell's
/// [`Meta`] and header id.
pub(crate) struct SpawnMeta {
    pub(crate) id: Id,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    parent: Option<Id>,
}

impl SpawnMeta {
    /// A new task's metadata: a fresh id, the caller's location (keep
    /// `#[track_caller]` on every function between the public spawn and
    /// here), and the task being polled on this thread as the parent.
    #[track_caller]
    pub(crate) fn new(name: Option<&str>) -> SpawnMeta {
        SpawnMeta {
            id: Id::next(),
            name: name.map(Arc::from),
            location: Location::caller(),
            parent: super::try_id(),
        }
    }

    pub(crate) fn into_meta(self) -> Meta {
        Meta {
            #[cfg(feature = "tracing")]
            span: super::trace::span(self.id, self.name.as_deref(), self.location),
            name: self.name,
            location: self.location,
            parent: self.parent,
            wait: WaitSlot::new(),
            polls: AtomicU32::new(0),
            last_poll: AtomicU32::new(0),
        }
    }
}

/// The trailer's part of a task's metadata. `name`, `location` and
/// `parent` never change after the spawn; the atomics are written by the
/// runner only and read by dumps on any thread (`Relaxed`: diagnostics,
/// ordered with nothing).
pub(crate) struct Meta {
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    parent: Option<Id>,
    /// What the last poll waited on (`runtime_coop::wait`).
    pub(crate) wait: WaitSlot,
    polls: AtomicU32,
    /// [`coarse_now`] at the start of the last poll; 0 before the first.
    last_poll: AtomicU32,
    /// The task's span (`trace.rs`), with the `tracing` feature.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl Meta {
    /// The runner, at the start of a poll.
    #[inline]
    pub(crate) fn poll_started(&self) {
        // A plain load and store, not an RMW: only the RUNNING holder
        // writes (rule 1 of `task/mod.rs`).
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls.store(polls.wrapping_add(1), Ordering::Relaxed);
        self.last_poll.store(coarse_now_raw(), Ordering::Relaxed);
    }

    pub(crate) fn task_meta(&self, id: Id) -> TaskMeta<'_> {
        TaskMeta {
            id,
            name: self.name.as_deref(),
            location: self.location,
            parent: self.parent,
        }
    }

    pub(crate) fn name_arc(&self) -> Option<Arc<str>> {
        self.name.clone()
    }

    pub(crate) fn polls(&self) -> u32 {
        self.polls.load(Ordering::Relaxed)
    }

    /// How long ago the last poll started, to [`coarse_now`]'s precision;
    /// `None` before the first poll.
    pub(crate) fn since_last_poll(&self) -> Option<Duration> {
        match self.last_poll.load(Ordering::Relaxed) {
            0 => None,
            at => Some(Duration::from_millis(u64::from(
                coarse_now_raw().saturating_sub(at),
            ))),
        }
    }

    pub(crate) fn waits_on(&self) -> WaitsOn {
        self.wait.get()
    }
}

/// A task's identity, handed to the task hooks of
/// [`Builder`](crate::runtime::Builder) and shown in dumps: tokio's
/// `TaskMeta` (`id`, `spawned_at`), plus the name and the parent task.
#[derive(Clone, Copy)]
pub struct TaskMeta<'a> {
    id: Id,
    name: Option<&'a str>,
    location: &'static Location<'static>,
    parent: Option<Id>,
}

impl<'a> TaskMeta<'a> {
    pub(crate) fn from_parts(
        id: Id,
        name: Option<&'a str>,
        location: &'static Location<'static>,
        parent: Option<Id>,
    ) -> TaskMeta<'a> {
        TaskMeta {
            id,
            name,
            location,
            parent,
        }
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.id
    }

    /// The name given with [`task::Builder::name`](super::Builder::name).
    pub fn name(&self) -> Option<&'a str> {
        self.name
    }

    /// Where the task was spawned: the caller of `spawn`, `spawn_blocking`,
    /// `JoinSet::spawn`, a `task::Builder`'s `spawn`...
    pub fn spawned_at(&self) -> &'static Location<'static> {
        self.location
    }

    /// The task that spawned it, if it was spawned from inside a task (or
    /// while a task's future was being dropped).
    pub fn parent(&self) -> Option<Id> {
        self.parent
    }
}

impl fmt::Debug for TaskMeta<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskMeta")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("spawned_at", &format_args!("{}", self.location))
            .field("parent", &self.parent)
            .finish()
    }
}

impl fmt::Display for TaskMeta<'_> {
    /// `task 12 "conn" (src/main.rs:40:5)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " ({})", self.location)
    }
}

/// Milliseconds since `runtime_coop::wait::epoch()`, plus one (0 means
/// "never"), as last refreshed by [`refresh_coarse_now`].
static COARSE_MS: AtomicU32 = AtomicU32::new(1);

#[inline]
fn coarse_now_raw() -> u32 {
    COARSE_MS.load(Ordering::Relaxed)
}

/// Reads the clock into the coarse counter. The schedulers call it where
/// they pay for a syscall or a clock read anyway: before and after a park,
/// and at each look at the driver (every `event_interval` polls).
pub(crate) fn refresh_coarse_now() {
    let ms = runtime_coop::wait::epoch().elapsed().as_millis();
    let ms = u32::try_from(ms).unwrap_or(u32::MAX - 1) + 1;
    COARSE_MS.fetch_max(ms, Ordering::Relaxed);
}
