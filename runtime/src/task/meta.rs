//! What a task is, for people: its name, where it was spawned, by which
//! task; and what it did last, for dumps. Hooks and dumps read it.
//!
//! # Cost
//!
//! [`Meta`] lives in the cell's cold trailer, in 24 bytes: the spawn
//! location and the name in one word ([`Origin`]: the `&'static
//! Location` that `#[track_caller]` gives for free, or, for a task built
//! with [`Builder::name`](super::Builder::name), a small box holding it
//! and the name, so an unnamed task allocates nothing more), the parent's
//! id, and the wait slot. The poll count and the time of the last poll are
//! in the hot header (`raw.rs`). Per poll the runner does three relaxed
//! stores (the poll count, the coarse time of the poll, and the reset of
//! the wait slot, `runtime_coop::wait`), and no clock read: the time is
//! [`coarse_now_raw`], a process-wide millisecond counter that the
//! schedulers refresh when they look at their driver or park anyway.

use super::id::Id;
use runtime_coop::wait::{WaitSlot, WaitsOn};
use std::fmt;
use std::panic::Location;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// What a spawn knows about the task it makes; becomes the cell's
/// [`Meta`] and header id.
pub(crate) struct SpawnMeta {
    pub(crate) id: Id,
    origin: Origin,
    parent: Option<Id>,
}

impl SpawnMeta {
    /// A new task's metadata: a fresh id, the caller's location (keep
    /// `#[track_caller]` on every function between the public spawn and
    /// here), and the task being polled on this thread as the parent.
    #[track_caller]
    #[inline]
    pub(crate) fn new(name: Option<&str>) -> SpawnMeta {
        SpawnMeta {
            id: Id::next(),
            origin: Origin::new(Location::caller(), name.map(Arc::from)),
            parent: super::try_id(),
        }
    }

    #[inline]
    pub(crate) fn into_meta(self) -> Meta {
        Meta {
            #[cfg(feature = "tracing")]
            span: {
                let named = self.origin.named();
                let location = named.map_or_else(|| self.origin.location(), |n| n.location);
                super::trace::span(self.id, named.map(|n| &*n.name), location)
            },
            origin: self.origin,
            parent: self.parent,
            wait: WaitSlot::new(),
        }
    }
}

/// The trailer's part of a task's metadata. `name`, `location` and
/// `parent` never change after the spawn; the atomics are written by the
/// runner only and read by dumps on any thread (`Relaxed`: diagnostics,
/// ordered with nothing).
pub(crate) struct Meta {
    origin: Origin,
    parent: Option<Id>,
    /// What the last poll waited on (`runtime_coop::wait`); between a
    /// sampled wake and the poll it leads to, the wake's time stamp.
    pub(crate) wait: WaitSlot,
    /// The task's span (`trace.rs`), with the `tracing` feature.
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

impl Meta {
    pub(crate) fn task_meta(&self, id: Id) -> TaskMeta<'_> {
        let named = self.origin.named();
        TaskMeta {
            id,
            name: named.map(|n| &*n.name),
            location: match named {
                Some(n) => n.location,
                None => self.origin.location(),
            },
            parent: self.parent,
        }
    }

    pub(crate) fn name_arc(&self) -> Option<Arc<str>> {
        self.origin.named().map(|n| n.name.clone())
    }

    pub(crate) fn waits_on(&self) -> WaitsOn {
        self.wait.get()
    }
}

/// Where a task was spawned and its name, in one word: a `&'static
/// Location` for an unnamed task, or a `Box<Named>` with bit 0 set.
/// (`Location` is 8-aligned, so bit 0 of its address is free.)
struct Origin(NonNull<u8>);

struct Named {
    location: &'static Location<'static>,
    name: Arc<str>,
}

const NAMED: usize = 1;
const _: () = assert!(std::mem::align_of::<Location<'static>>() > NAMED);
const _: () = assert!(std::mem::align_of::<Named>() > NAMED);

// SAFETY: an `Origin` is a shared `&'static Location` or an owned
// `Box<Named>`; both are `Send` and `Sync`.
unsafe impl Send for Origin {}
// SAFETY: as for `Send`.
unsafe impl Sync for Origin {}

impl Origin {
    #[inline]
    fn new(location: &'static Location<'static>, name: Option<Arc<str>>) -> Origin {
        match name {
            None => Origin(NonNull::from(location).cast()),
            Some(name) => Origin::named_box(location, name),
        }
    }

    #[cold]
    fn named_box(location: &'static Location<'static>, name: Arc<str>) -> Origin {
        let named = NonNull::from(Box::leak(Box::new(Named { location, name })));
        Origin(named.cast::<u8>().map_addr(|a| a | NAMED))
    }

    #[inline]
    fn is_named(&self) -> bool {
        self.0.addr().get() & NAMED != 0
    }

    #[inline]
    fn named(&self) -> Option<&Named> {
        if !self.is_named() {
            return None;
        }
        let ptr = self.0.as_ptr().map_addr(|a| a & !NAMED).cast::<Named>();
        // SAFETY: a tagged origin was made from a `Box<Named>` by `new` and
        // is freed only by `drop`, so it points to a live `Named`.
        Some(unsafe { &*ptr })
    }

    /// The location of an unnamed task's origin (`named` has a named one's).
    fn location(&self) -> &'static Location<'static> {
        debug_assert!(!self.is_named());
        // SAFETY: an untagged origin was made from a `&'static Location`.
        unsafe { self.0.cast::<Location<'static>>().as_ref() }
    }
}

impl Drop for Origin {
    #[inline]
    fn drop(&mut self) {
        if self.is_named() {
            self.drop_named();
        }
    }
}

impl Origin {
    #[cold]
    fn drop_named(&mut self) {
        let ptr = self.0.as_ptr().map_addr(|a| a & !NAMED).cast::<Named>();
        // SAFETY: as in `named`; `drop` calls this once, for the one owner.
        drop(unsafe { Box::from_raw(ptr) });
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

impl<'a> TaskMeta<'a> {
    /// `task 12 "conn" (spawned at src/main.rs:40:5)`: how the runtime's
    /// reports (slow polls, the panic policy, the drain) name a task.
    pub(crate) fn spawned_line(self) -> SpawnedLine<'a> {
        SpawnedLine(self)
    }
}

/// See [`TaskMeta::spawned_line`].
pub(crate) struct SpawnedLine<'a>(TaskMeta<'a>);

impl fmt::Display for SpawnedLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let task = &self.0;
        write!(f, "task {}", task.id)?;
        if let Some(name) = task.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " (spawned at {})", task.location)
    }
}

/// Milliseconds since `runtime_coop::wait::epoch()`, plus one (0 means
/// "never"), as last refreshed by [`refresh_coarse_now`].
static COARSE_MS: AtomicU32 = AtomicU32::new(1);

#[inline]
pub(super) fn coarse_now_raw() -> u32 {
    COARSE_MS.load(Ordering::Relaxed)
}

/// How long ago a [`coarse_now_raw`] reading, kept modulo 2^30 (the
/// header's poll-time word: about 12 days), was; `None` for 0 ("never").
pub(super) fn since(at: u32) -> Option<Duration> {
    const MASK: u32 = u32::MAX >> 2;
    match at & MASK {
        0 => None,
        at => Some(Duration::from_millis(u64::from(
            (coarse_now_raw() & MASK).wrapping_sub(at) & MASK,
        ))),
    }
}

/// Reads the clock into the coarse counter. The schedulers call it where
/// they pay for a syscall or a clock read anyway: before and after a park,
/// and at each look at the driver (every `event_interval` polls).
pub(crate) fn refresh_coarse_now() {
    let ms = runtime_coop::wait::epoch().elapsed().as_millis();
    let ms = u32::try_from(ms).unwrap_or(u32::MAX - 1) + 1;
    COARSE_MS.fetch_max(ms, Ordering::Relaxed);
}
