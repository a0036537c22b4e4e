//! Task ids, and which task the current thread is polling.

use super::raw::{Header, RawTask};
use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque id, unique among the tasks of the process.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let a = runtime::spawn(async { runtime::task::id() });
/// let b = runtime::spawn(async { runtime::task::id() });
/// let (ida, idb) = (a.id(), b.id());
/// assert_ne!(ida, idb);
/// assert_eq!(a.await.unwrap(), ida);
/// assert_eq!(b.await.unwrap(), idb);
/// # });
/// ```
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
    /// The next id of this thread's block, and the end of the block. Not a
    /// protocol (uniqueness only), so outside the loom shim: under loom all
    /// model threads share it, and ids stay unique.
    static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
}

crate::loom::runtime_thread_local! {
    /// The cell of the task whose future or output this thread polls or
    /// drops: its id is in the header, its name in the trailer.
    static CURRENT: Cell<Option<NonNull<Header>>> = const { Cell::new(None) };
}

impl Id {
    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }

    /// The id whose `as_u64` is `v`, if `v` is not 0.
    pub(crate) fn from_u64(v: u64) -> Option<Id> {
        NonZeroU64::new(v).map(Id)
    }

    #[inline]
    pub(crate) fn next() -> Id {
        let from_block = IDS.try_with(|ids| {
            let (mut next, mut end) = ids.get();
            if next == end {
                // Relaxed: uniqueness needs only the atomicity of the add.
                next = NEXT_BLOCK.fetch_add(BLOCK, Ordering::Relaxed);
                end = next + BLOCK;
            }
            ids.set((next + 1, end));
            next
        });
        // During thread exit (a spawn from a thread-local's destructor):
        // a block of one.
        let next = from_block.unwrap_or_else(|_| NEXT_BLOCK.fetch_add(1, Ordering::Relaxed));
        Id(NonZeroU64::new(next).expect("task ids start at 1"))
    }
}

/// The id of the task being polled on this thread (or whose future or
/// output is being dropped).
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime::spawn(async { runtime::task::id() });
/// let id = task.id();
/// assert_eq!(task.await.unwrap(), id);
/// # });
/// ```
///
/// # Panics
/// Outside a task. [`try_id`] returns `None` there instead.
#[track_caller]
pub fn id() -> Id {
    try_id().expect("runtime::task::id() called outside of a task")
}

/// The id of the task being polled on this thread, if any. Also set while
/// a task's future or output is dropped (abort, cancellation, shutdown, a
/// dropped `JoinHandle`), so it works in a `Drop`.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// assert!(runtime::task::try_id().is_none()); // not in a task
/// // `block_on`'s future is not a task either.
/// assert!(rt.block_on(async { runtime::task::try_id() }).is_none());
/// let inside = rt.block_on(rt.spawn(async { runtime::task::try_id() }));
/// assert!(inside.unwrap().is_some());
/// ```
#[inline]
pub fn try_id() -> Option<Id> {
    let header = CURRENT.try_with(Cell::get).ok().flatten()?;
    // SAFETY: set by `CurrentIdGuard::enter` from a cell that the runner's
    // ref keeps alive until the guard restores the previous value.
    Some(unsafe { RawTask::from_raw(header) }.header().id())
}

/// The name of the task being polled on this thread, given with
/// [`task::Builder::name`](super::Builder::name); `None` outside a task or
/// for an unnamed one. (tokio has no such function; it is an `Arc` so that
/// it may outlive the poll.)
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use runtime::task;
///
/// let named = task::Builder::new()
///     .name("fetcher")
///     .spawn(async { task::name() })
///     .unwrap();
/// assert_eq!(named.await.unwrap().as_deref(), Some("fetcher"));
/// let unnamed = task::spawn(async { task::name() });
/// assert_eq!(unnamed.await.unwrap(), None);
/// # });
/// ```
pub fn name() -> Option<std::sync::Arc<str>> {
    let header = CURRENT.try_with(Cell::get).ok().flatten()?;
    // SAFETY: as in `try_id`.
    unsafe { RawTask::from_raw(header) }
        .trailer()
        .meta
        .name_arc()
}

/// The wait slot of the task current on this thread, or null: how
/// `runtime_coop::wait::record` finds it (registered by
/// [`register_wait_slot`]).
fn current_wait_slot() -> *const runtime_coop::wait::WaitSlot {
    match CURRENT.try_with(Cell::get) {
        // SAFETY: as in `try_id`.
        Ok(Some(header)) => &unsafe { RawTask::from_raw(header) }.trailer().meta.wait,
        _ => std::ptr::null(),
    }
}

/// Tells `runtime_coop::wait::record` how to find the current task's wait
/// slot; every scheduler's task list calls it when it is made.
pub(crate) fn register_wait_slot() {
    // SAFETY: a slot `current_wait_slot` returns is in the cell of the
    // current task, which the guard's owner keeps alive until
    // `CurrentIdGuard` restores the previous task: after the poll or drop
    // it covers ends.
    unsafe { runtime_coop::wait::set_current_slot(current_wait_slot) };
}

/// Marks the task being polled until dropped; restores the previous one
/// (a `block_on` inside `spawn_blocking` inside a task nests).
pub(crate) struct CurrentIdGuard(Option<NonNull<Header>>);

impl CurrentIdGuard {
    /// Makes the task of `header` current. The cell must outlive the guard
    /// (the caller holds a ref).
    pub(crate) fn enter(header: NonNull<Header>) -> CurrentIdGuard {
        CurrentIdGuard(CURRENT.try_with(|c| c.replace(Some(header))).ok().flatten())
    }
}

impl Drop for CurrentIdGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}
