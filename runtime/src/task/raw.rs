//! The task cell's layout, its type-erased pointer and its vtable. Every
//! cast between `NonNull<Header>` and `Cell<F, S>` happens in this file.

use super::harness;
use super::id::Id;
use super::list::Link;
use super::meta::{Meta, SpawnMeta};
use super::stage::{Stage, Tag};
use super::state::State;
use super::Schedule;
use crate::loom::UnsafeCell;
use std::future::Future;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Waker;

/// The one heap allocation of a task. `repr(C)` puts the header first, so a
/// `NonNull<Header>` is also a pointer to the whole cell.
#[repr(C)]
pub(super) struct Cell<F: Future, S> {
    pub(super) header: Header,
    pub(super) core: Core<F, S>,
    pub(super) trailer: Trailer,
}

/// The part of a task every reference type reads: hot, and untyped.
pub(crate) struct Header {
    pub(super) state: State,
    pub(super) vtable: &'static Vtable,
    pub(super) id: Id,
    /// The owned-task list's link; only touched under that list's shard lock.
    pub(super) link: UnsafeCell<Link>,
    /// The poll count, times 4; bit 0 asks the next wake to stamp the time
    /// for the schedule-latency sample, and bit 1 says that the wake did
    /// (`runtime/metrics/worker.rs`). The word is written only by whoever
    /// holds the task: its runner (rule 1), or the waker that queues it
    /// (rule 7 lets one at a time).
    pub(super) polls: AtomicU32,
    /// Bits 2-31: the coarse time (`meta.rs`, in ms, modulo 2^30) at the
    /// start of the last poll, 0 before the first; bits 0-1: the stage's
    /// tag (`stage.rs`). Written only by whoever owns the stage (the runner
    /// while it runs), read by dumps.
    pub(super) poll_time: AtomicU32,
}

impl Header {
    pub(crate) fn id(&self) -> Id {
        self.id
    }

    /// The state word now (for dumps: any thread may read it).
    pub(crate) fn state_now(&self) -> super::state::Snapshot {
        self.state.load()
    }

    /// The runner, at the start of a poll: the count, and the coarse time.
    /// Returns whether the wake that queued the task left a time stamp (and
    /// clears that bit). Plain loads and stores, not RMWs: only the task's
    /// holder writes.
    #[inline]
    pub(super) fn poll_started(&self) -> bool {
        use crate::runtime::metrics::STAMPED;
        let polls = self.polls.load(Ordering::Relaxed);
        self.polls
            .store((polls & !STAMPED).wrapping_add(4), Ordering::Relaxed);
        let tag = self.poll_time.load(Ordering::Relaxed) & TAG_BITS;
        let at = (super::meta::coarse_now_raw() << 2).max(1 << 2);
        self.poll_time.store(at | tag, Ordering::Relaxed);
        polls & STAMPED != 0
    }

    /// The stage's tag (only its owner asks).
    #[inline]
    pub(super) fn stage_tag(&self) -> Tag {
        Tag::from_bits(self.poll_time.load(Ordering::Relaxed))
    }

    /// Sets the stage's tag (only its owner does).
    #[inline]
    pub(super) fn set_stage_tag(&self, tag: Tag) {
        let word = self.poll_time.load(Ordering::Relaxed);
        self.poll_time
            .store((word & !TAG_BITS) | tag as u32, Ordering::Relaxed);
    }

    /// How many times the task was polled (any thread; a diagnostic).
    pub(crate) fn polls(&self) -> u32 {
        self.polls.load(Ordering::Relaxed) >> 2
    }

    /// How long ago the last poll started, to the coarse clock's precision;
    /// `None` before the first poll.
    pub(crate) fn since_last_poll(&self) -> Option<std::time::Duration> {
        super::meta::since(self.poll_time.load(Ordering::Relaxed) >> 2)
    }

    /// The schedule-latency bits of `polls` (`runtime/metrics`).
    #[inline]
    pub(crate) fn sample_word(&self) -> &AtomicU32 {
        &self.polls
    }
}

/// The typed part: the scheduler handle and the future or its output.
pub(super) struct Core<F: Future, S> {
    pub(super) scheduler: S,
    /// Owned by the RUNNING bit holder, then (after COMPLETE) by the
    /// `JoinHandle` if JOIN_INTEREST is set, else by the completing thread
    /// (rules 1 and 6 of `task/mod.rs`).
    pub(super) stage: UnsafeCell<Stage<F>>,
}

/// The stage-tag bits of the header's `poll_time` word.
const TAG_BITS: u32 = 0b11;

/// The cold part: the `JoinHandle`'s waker (rules 2-5 of `task/mod.rs`)
/// and what dumps and hooks read (`meta.rs`). Reached from an untyped
/// header through [`Vtable::trailer`].
pub(crate) struct Trailer {
    pub(super) join_waker: UnsafeCell<Option<Waker>>,
    pub(crate) meta: Meta,
}

/// The typed operations of one `Cell<F, S>`, reached from untyped pointers.
/// Each function requires that `ptr` points to a live `Cell<F, S>` of the
/// vtable's own `F` and `S`, and states what else it needs.
pub(super) struct Vtable {
    /// Runs a `Notified`: requires the caller to hand over that ref.
    pub(super) poll: unsafe fn(NonNull<Header>),
    /// Submits a `Notified` to the task's scheduler: hands over one ref.
    pub(super) schedule: unsafe fn(NonNull<Header>),
    /// Frees the cell: requires that the ref count reached zero.
    pub(super) dealloc: unsafe fn(NonNull<Header>),
    /// Polls for the output: `dst` must be a `*mut Poll<Result<F::Output,
    /// JoinError>>`, called by the `JoinHandle` only.
    pub(super) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    /// The `JoinHandle` is dropped: its waker, the output if complete,
    /// then its ref (rule 5 of `task/mod.rs`).
    pub(super) drop_join_handle: unsafe fn(NonNull<Header>),
    /// Cancels the task at runtime shutdown: hands over the list's ref.
    pub(super) shutdown: unsafe fn(NonNull<Header>),
    /// The trailer's offset from the header: `Cell<F, S>`'s layout.
    pub(super) trailer: usize,
}

/// The vtable of a `Cell<F, S>`: `HOOKED` if its runtime has poll hooks,
/// so a runtime without them polls through a `poll` compiled without them.
fn vtable<F, S, const HOOKED: bool>() -> &'static Vtable
where
    F: Future + 'static,
    F::Output: 'static,
    S: Schedule,
{
    // A constant promoted to a `'static`: one vtable per (F, S, HOOKED).
    &Vtable {
        poll: harness::poll::<F, S, HOOKED>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle: harness::drop_join_handle::<F, S>,
        shutdown: harness::shutdown::<F, S>,
        trailer: std::mem::offset_of!(Cell<F, S>, trailer),
    }
}

/// An untyped pointer to a task cell. It carries no ownership: the
/// reference types (`Task`, `Notified`, `JoinHandle`, ...) own one ref each.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

impl RawTask {
    /// Allocates a cell in the initial state (three refs: the owned-task
    /// list's, the first `Notified`'s and the `JoinHandle`'s).
    ///
    /// No `Send` bound here: `spawn_task` requires it, and `spawn_local_task`
    /// (`!Send` futures) makes its caller promise the thread discipline
    /// instead (`task/mod.rs`).
    pub(super) fn new<F, S>(future: F, scheduler: S, meta: SpawnMeta) -> RawTask
    where
        F: Future + 'static,
        F::Output: 'static,
        S: Schedule,
    {
        let header = Header {
            state: State::new(),
            vtable: if scheduler.hooks().is_some_and(|h| h.has_poll_hooks()) {
                vtable::<F, S, true>()
            } else {
                vtable::<F, S, false>()
            },
            id: meta.id,
            link: UnsafeCell::new(Link::default()),
            polls: AtomicU32::new(crate::runtime::metrics::initial_sample_word(
                meta.id.as_u64(),
                scheduler.sample_every(),
            )),
            poll_time: AtomicU32::new(Tag::Running as u32),
        };
        let trailer = Trailer {
            join_waker: UnsafeCell::new(None),
            meta: meta.into_meta(),
        };
        // Written part by part into the allocation: built whole on the
        // stack, a cell was copied into it with a `memcpy` call.
        let mut cell = Box::<Cell<F, S>>::new_uninit();
        let ptr = cell.as_mut_ptr();
        // SAFETY: `ptr` points to the uninitialized cell; each part is
        // written once, through a raw pointer to its field, so no reference
        // to uninitialized memory is made, and all three are written
        // before `assume_init`.
        let cell = unsafe {
            (&raw mut (*ptr).header).write(header);
            (&raw mut (*ptr).core).write(Core {
                scheduler,
                stage: UnsafeCell::new(Stage::new(future)),
            });
            (&raw mut (*ptr).trailer).write(trailer);
            cell.assume_init()
        };
        if let Some(hooks) = cell.core.scheduler.hooks() {
            hooks.on_spawn(&cell.trailer.meta.task_meta(cell.header.id));
        }
        #[cfg(feature = "tracing")]
        super::trace::spawned(&cell.trailer.meta.span);
        let ptr = NonNull::from(Box::leak(cell)).cast::<Header>();
        RawTask { ptr }
    }

    /// Rebuilds the pointer of a cell.
    ///
    /// # Safety
    /// `ptr` must point to a cell made by [`RawTask::new`], and the result
    /// may only be used while some ref keeps that cell alive (`header`
    /// reads it).
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    pub(crate) fn header(&self) -> &Header {
        // SAFETY: a `RawTask` is only made from a live cell (`new`, or
        // `from_raw`'s contract), and is only used by a reference type that
        // owns a ref, which keeps the cell alive.
        unsafe { self.ptr.as_ref() }
    }

    pub(super) fn state(&self) -> &State {
        &self.header().state
    }

    /// The cell's trailer, of any task type.
    pub(crate) fn trailer(&self) -> &Trailer {
        let header = self.header();
        // SAFETY: the vtable was made for this cell's `Cell<F, S>`, whose
        // trailer lies `trailer` bytes after its header (offset 0, by
        // `repr(C)`); the cell is alive as for `header`.
        unsafe {
            &*self
                .ptr
                .as_ptr()
                .cast::<u8>()
                .add(header.vtable.trailer)
                .cast::<Trailer>()
        }
    }

    /// Runs the task.
    ///
    /// # Safety
    /// The caller hands over a `Notified`'s ref.
    pub(super) unsafe fn poll(self) {
        // SAFETY: the vtable matches the cell (set in `new`); the caller
        // hands over the `Notified` ref that `poll` requires.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Submits a new `Notified` to the task's scheduler.
    ///
    /// # Safety
    /// The caller hands over one ref, which becomes the `Notified`'s, and
    /// has set NOTIFIED for it.
    pub(super) unsafe fn schedule(self) {
        // SAFETY: as `poll`; the caller hands over one ref.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    /// Frees the cell.
    ///
    /// # Safety
    /// The caller saw the ref count reach zero: no other pointer to the
    /// cell is used again.
    pub(super) unsafe fn dealloc(self) {
        // SAFETY: as `poll`; the caller's contract.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// Polls for the output, or registers `waker` (rules 2-4).
    ///
    /// # Safety
    /// Only the task's `JoinHandle` calls it, and `dst` points to a
    /// `Poll<Result<T, JoinError>>` with the task's output type `T`.
    pub(super) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the vtable matches the cell; the caller guarantees `dst`'s
        // type and that it is the `JoinHandle`.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    /// Drops what a dropped `JoinHandle` leaves (its waker, the output),
    /// then the handle's ref (rule 5).
    ///
    /// # Safety
    /// Only the task's `JoinHandle` calls it, once, as it is dropped, and
    /// hands over its ref.
    pub(super) unsafe fn drop_join_handle(self) {
        // SAFETY: the vtable matches the cell; the caller's contract.
        unsafe { (self.header().vtable.drop_join_handle)(self.ptr) }
    }

    /// Cancels the task at runtime shutdown.
    ///
    /// # Safety
    /// The caller hands over the owned-task list's ref.
    pub(super) unsafe fn shutdown(self) {
        // SAFETY: the vtable matches the cell; the caller hands over the
        // list's ref.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }
}

impl<F: Future, S> Cell<F, S> {
    /// # Safety
    /// `ptr` points to a `Cell<F, S>` (the vtable's types) that stays alive
    /// for `'a`.
    pub(super) unsafe fn from_header<'a>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
        // SAFETY: `repr(C)` puts the header at offset 0, and the caller
        // guarantees the cell's type and that it is alive for 'a.
        unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
    }

    /// # Safety
    /// `ptr` points to a `Cell<F, S>` whose ref count reached zero, so no
    /// other pointer to it is used again.
    pub(super) unsafe fn dealloc(ptr: NonNull<Header>) {
        // SAFETY: the cell was made by `Box::leak` in `RawTask::new` with
        // this exact type, and the caller guarantees no other use remains.
        let cell = unsafe { Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()) };
        // The union has no drop glue: what it still holds (normally
        // nothing by now) is dropped by its tag. The last ref's release
        // ordered the tag and the stage for us.
        let tag = cell.header.stage_tag();
        // SAFETY: the tag names the live field; nobody else uses the cell.
        cell.core.stage.with_mut(|s| unsafe { (*s).drop_live(tag) });
        drop(cell);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::task::{Refused, Schedule, Task};

    struct Sched(#[allow(dead_code)] std::sync::Arc<()>);

    impl Schedule for Sched {
        fn schedule(&self, _: super::super::Notified) -> Refused {
            Refused::NONE
        }
        fn release(&self, _: NonNull<Header>) -> Option<Task> {
            None
        }
    }

    fn cell_size<F: Future>(_: &F) -> usize {
        std::mem::size_of::<Cell<F, Sched>>()
    }

    /// glibc serves chunks of up to 128 bytes (requests of up to 120) from
    /// its fastbins, whose frees cost a fraction of the others: a spawn of
    /// a small task must stay there (the benches' tasks capture two
    /// pointers; at 128 bytes, spawn_many_local ran up to 60% slower).
    #[test]
    fn a_small_task_fits_in_a_fastbin() {
        let size = cell_size(&async { std::hint::black_box(1) });
        let (a, b) = (std::sync::Arc::new(1), std::sync::Arc::new(2));
        let two = cell_size(&async move {
            std::hint::black_box((&a, &b));
        });
        assert!(two <= 120, "{two} bytes with two captured `Arc`s");
        assert!(
            size <= 120,
            "{size} bytes: header {}, trailer {}",
            std::mem::size_of::<Header>(),
            std::mem::size_of::<Trailer>()
        );
    }
}
