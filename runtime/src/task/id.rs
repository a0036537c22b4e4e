//! Task ids, and which task the current thread is polling.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque id, unique among the tasks of the process.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(NonZeroU64);

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Ids are handed out in blocks, so spawning does not contend on one
/// global counter.
const BLOCK: u64 = 1024;
static NEXT_BLOCK: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The next id of this thread's block, and the end of the block.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
}

impl Id {
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }

    pub(crate) fn next() -> Id {
        IDS.with(|ids| {
            let (mut next, mut end) = ids.get();
            if next == end {
                // Relaxed: uniqueness needs only the atomicity of the add.
                next = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                end = next + BLOCK;
            }
            ids.set((next + 1, end));
            Id(NonZeroU64::new(next).expect("task ids start at 1"))
        })
    }
}

/// The id of the task being polled on this thread.
///
/// # Panics
/// Outside a task. [`try_id`] returns `None` there instead.
#[track_caller]
pub fn id() -> Id {
    try_id().expect("runtime::task::id() called outside of a task")
}

/// The id of the task being polled on this thread, if any.
pub fn try_id() -> Option<Id> {
    CURRENT.with(Cell::get)
}

/// Marks the task being polled until dropped; restores the previous one
/// (a `block_on` inside `spawn_blocking` inside a task nests).
pub(crate) struct CurrentIdGuard(Option<Id>);

impl CurrentIdGuard {
    pub(crate) fn enter(id: Id) -> CurrentIdGuard {
        CurrentIdGuard(CURRENT.with(|c| c.replace(Some(id))))
    }
}

impl Drop for CurrentIdGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}
