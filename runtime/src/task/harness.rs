//! What happens to a task: poll, complete, cancel, read the output, free.
//! These are the typed functions behind the vtable in `raw.rs`. User code
//! (poll, drop of the future or output, the join waker) runs inside
//! `catch_unwind`, so a panic never reaches the worker.

use super::error::Failure;
use super::raw::{Cell, Header, RawTask};
use super::stage::Tag;
use super::state::{ToIdle, ToNotified, ToRunning};
use super::{id, waker, JoinError, Notified, Schedule};
use std::any::Any;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// Runs one `Notified` (its ref is handed over).
///
/// `HOOKED`: the runtime has poll hooks (`raw.rs` picks the vtable at the
/// spawn), so a runtime without them runs a `poll` compiled without them.
pub(super) unsafe fn poll<F: Future, S: Schedule, const HOOKED: bool>(ptr: NonNull<Header>) {
    // SAFETY: the vtable's contract: `ptr` is a live `Cell<F, S>`.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    // SAFETY: as above; the `Notified`'s ref keeps the cell alive.
    let raw = unsafe { RawTask::from_raw(ptr) };
    match cell.header.state.transition_to_running() {
        ToRunning::Success => {}
        ToRunning::Cancelled => return cancel_and_complete(cell, raw),
        ToRunning::Failed => return,
        // SAFETY: that was the last ref.
        ToRunning::Dealloc => return unsafe { raw.dealloc() },
    }
    if cell.header.poll_started() {
        record_schedule_latency(cell);
    }
    let hooks = if HOOKED {
        cell.core.scheduler.hooks()
    } else {
        None
    };
    if let Some(hooks) = hooks {
        poll_hook(cell, raw, hooks, Hook::Before);
    }
    #[cfg(feature = "tracing")]
    let entered = cell.trailer.meta.span.enter();
    // SAFETY: this thread holds RUNNING, so it owns the stage (rule 1).
    let ready = unsafe { poll_future::<F, S, HOOKED>(cell, raw) }.is_ready();
    #[cfg(feature = "tracing")]
    drop(entered);
    if let Some(hooks) = hooks {
        poll_hook(cell, raw, hooks, Hook::After);
    }
    if ready {
        return complete(cell, raw);
    }
    match cell.header.state.transition_to_idle() {
        ToIdle::Ok => {}
        // Woken while it ran: back of the queue, so others get a turn.
        ToIdle::OkNotified => {
            // SAFETY: the runner's ref became this `Notified`'s (`ToIdle`).
            let task = unsafe { Notified::from_raw(ptr) };
            let refused = cell.core.scheduler.yield_now(task);
            // Dropped once `cell` is no longer used: it may free the cell.
            drop(refused);
        }
        // SAFETY: that was the last ref.
        ToIdle::OkDealloc => unsafe { raw.dealloc() },
        ToIdle::Cancelled => cancel_and_complete(cell, raw),
    }
}

/// The wake that queued the task left a time stamp in its wait slot
/// (`runtime/metrics/worker.rs`): the scheduler records the latency.
#[cold]
#[inline(never)]
fn record_schedule_latency<F: Future, S: Schedule>(cell: &Cell<F, S>) {
    if let Some(stamp) = cell.trailer.meta.wait.stamp() {
        let ns = crate::runtime::metrics::latency_since(stamp);
        cell.core.scheduler.record_schedule_latency(ns);
    }
}

enum Hook {
    Before,
    After,
}

/// Runs a poll hook with the task's id current; out of line and cold.
#[cold]
#[inline(never)]
fn poll_hook<F: Future, S>(
    cell: &Cell<F, S>,
    raw: RawTask,
    hooks: &crate::runtime::TaskHooks,
    which: Hook,
) {
    let meta = cell.trailer.meta.task_meta(cell.header.id);
    let _id = id::CurrentIdGuard::enter(raw.header_ptr());
    match which {
        Hook::Before => hooks.before_poll(&meta),
        Hook::After => hooks.after_poll(&meta),
    }
}

/// Polls the future once; on `Ready` or a panic, stores the output.
///
/// # Safety
/// The caller holds RUNNING (rule 1).
///
/// `HOOKED` only keeps the two `poll`s from sharing one instance (its
/// `catch_unwind` closure would then have two callers, and the compiler
/// would stop inlining it: 15 instructions a poll under callgrind).
#[inline(always)]
unsafe fn poll_future<F: Future, S: Schedule, const HOOKED: bool>(
    cell: &Cell<F, S>,
    raw: RawTask,
) -> Poll<()> {
    let waker = waker::waker_ref(raw);
    let mut cx = Context::from_waker(&waker);
    let meta = &cell.trailer.meta;
    let _id = id::CurrentIdGuard::enter(raw.header_ptr());
    let res = catch_unwind(AssertUnwindSafe(|| {
        // A poll that panics drops its future during the unwind, as tokio
        // does, so the future's `Drop` sees `thread::panicking()`.
        let guard = DropFutureOnUnwind(cell);
        // Each poll gets a fresh cooperative budget and records what it
        // waits on in the task's slot (runtime-coop).
        let res = runtime_coop::wait::poll(&meta.wait, || {
            debug_assert_eq!(cell.header.stage_tag(), Tag::Running);
            cell.core.stage.with_mut(|stage| {
                // SAFETY: RUNNING gives this thread the stage (rule 1), whose
                // tag is `Running` until the future completes or is dropped
                // (`drop_stage`), after which no poll comes.
                let fut = unsafe { (*stage).future() };
                // SAFETY: the future is pinned in the heap cell: it stays at
                // this address until it is dropped in place by `drop_stage`.
                unsafe { std::pin::Pin::new_unchecked(fut) }.poll(&mut cx)
            })
        });
        std::mem::forget(guard);
        res
    }));
    let output = match res {
        Ok(Poll::Pending) => return Poll::Pending,
        Ok(Poll::Ready(out)) => Ok(out),
        Err(payload) => {
            // The panic policy (`runtime/panic_policy.rs`); cold.
            cell.core
                .scheduler
                .task_panicked(meta.task_meta(cell.header.id), &*payload);
            Err(Failure::panic(payload))
        }
    };
    // SAFETY: still RUNNING (rule 1); the id is still current.
    unsafe { store_output(cell, output) };
    Poll::Ready(())
}

/// Drops the future when a poll unwinds through it (`poll_future`).
struct DropFutureOnUnwind<'a, F: Future, S>(&'a Cell<F, S>);

impl<F: Future, S> Drop for DropFutureOnUnwind<'_, F, S> {
    fn drop(&mut self) {
        // SAFETY: only reached while `poll_future`'s caller holds RUNNING
        // (rule 1), after the poll's borrow of the stage ended.
        let _ = unsafe { drop_stage(self.0) };
    }
}

/// Drops the future (a panic in its drop is reported as the task's panic)
/// and stores the output.
///
/// # Safety
/// The caller holds RUNNING (rule 1).
unsafe fn store_output<F: Future, S>(cell: &Cell<F, S>, output: Result<F::Output, Failure>) {
    // SAFETY: the caller holds RUNNING.
    let dropped = unsafe { drop_stage(cell) };
    let output = match (output, dropped) {
        (Ok(out), Ok(())) => Ok(out),
        (Err(e), _) => Err(e),
        (Ok(_), Err(payload)) => Err(Failure::panic(payload)),
    };
    // The stage holds nothing now: writing the output drops nothing.
    cell.core.stage.with_mut(|stage| {
        // SAFETY: the caller holds RUNNING, so it owns the stage.
        unsafe { (*stage).put_output(output) }
    });
    cell.header.set_stage_tag(Tag::Finished);
}

/// Drops what the stage holds, in place, inside `catch_unwind`; the stage
/// then holds nothing (`Consumed`), also if that drop panicked.
///
/// What the stage holds is dropped where it lies, never moved out first: a
/// running future is pinned, and a future may write into its own fields
/// while it is dropped (futures-util's `ReadLine` gives its buffer back to
/// the caller's `String`, another field of the same future). Dropped after
/// a move, such a write lands in the cell's old bytes, which the output
/// then overwrites: the value is lost without being dropped.
///
/// # Safety
/// The caller owns the stage (rules 1 and 6).
#[inline]
unsafe fn drop_stage<F: Future, S>(cell: &Cell<F, S>) -> Result<(), Box<dyn Any + Send>> {
    let tag = cell.header.stage_tag();
    if tag == Tag::Consumed {
        return Ok(());
    }
    let dropped = cell.core.stage.with_mut(|stage| {
        // SAFETY: the caller owns the stage and its tag, which names what
        // lives there; it is dropped in place, once. A panic in that drop
        // still drops the rest of the old value (drop glue unwinds through
        // it), and the stage is then treated as holding nothing.
        catch_unwind(AssertUnwindSafe(|| unsafe { (*stage).drop_live(tag) }))
    });
    cell.header.set_stage_tag(Tag::Consumed);
    dropped
}

/// Cancels the future (abort or shutdown) and completes the task.
fn cancel_and_complete<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) {
    let _id = id::CurrentIdGuard::enter(raw.header_ptr());
    // SAFETY: the caller holds RUNNING (rule 1).
    let output = match unsafe { drop_stage(cell) } {
        Ok(()) => Err(Failure::Cancelled),
        Err(payload) => Err(Failure::panic(payload)),
    };
    // SAFETY: still RUNNING.
    unsafe { store_output(cell, output) };
    drop(_id);
    complete(cell, raw);
}

/// RUNNING -> COMPLETE; hands the output to the `JoinHandle` or drops it;
/// leaves the owned-task list and drops the runner's refs.
fn complete<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) {
    let prev = cell.header.state.transition_to_complete();
    if !prev.is_join_interested() {
        // Nobody will read the output: it is ours to drop (rule 6). The
        // handle took its waker with it (rule 5).
        let _id = id::CurrentIdGuard::enter(raw.header_ptr());
        // SAFETY: COMPLETE without JOIN_INTEREST gives the stage to us.
        let _ = unsafe { drop_stage(cell) };
    } else if prev.is_join_waker_set() {
        cell.trailer.join_waker.with(|w| {
            // SAFETY: rule 4: the handle does not write while the bit is
            // set, and cannot unset it any more (the task is complete).
            if let Some(w) = unsafe { &*w } {
                let _ = catch_unwind(AssertUnwindSafe(|| w.wake_by_ref()));
            }
        });
        // Rule 4: give the slot back to the handle; rule 5: if the handle
        // was dropped meanwhile, it left the waker to us.
        if !cell
            .header
            .state
            .unset_join_waker_after_complete()
            .is_join_interested()
        {
            // SAFETY: COMPLETE, JOIN_WAKER now unset and no handle: nobody
            // else touches the slot again (rule 5).
            let waker = cell.trailer.join_waker.with_mut(|w| unsafe { (*w).take() });
            drop_waker(waker);
        }
    }
    if let Some(hooks) = cell.core.scheduler.hooks() {
        let meta = &cell.trailer.meta;
        let _id = id::CurrentIdGuard::enter(raw.header_ptr());
        hooks.on_terminate(&meta.task_meta(cell.header.id));
    }
    #[cfg(feature = "tracing")]
    super::trace::terminated(&cell.trailer.meta.span);
    // The list's ref, if the task was still in the list (not at shutdown).
    let released = cell.core.scheduler.release(raw.header_ptr());
    let count = 1 + usize::from(released.is_some());
    std::mem::forget(released);
    if cell.header.state.transition_to_terminal(count) {
        // SAFETY: those were the last refs.
        unsafe { raw.dealloc() };
    }
}

/// Drops a join waker (user code: a panic in its drop is caught).
fn drop_waker(waker: Option<Waker>) {
    if waker.is_some() {
        let _ = catch_unwind(AssertUnwindSafe(move || drop(waker)));
    }
}

/// Submits a `Notified` (its ref is handed over) to the task's scheduler.
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable's contract.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    // SAFETY: the caller hands over the ref of this new `Notified`.
    let task = unsafe { Notified::from_raw(ptr) };
    let refused = cell.core.scheduler.schedule(task);
    // Dropped once `cell` is no longer used: it may free the cell.
    drop(refused);
}

pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable's contract: the count reached zero.
    unsafe { Cell::<F, S>::dealloc(ptr) }
}

/// The `JoinHandle`'s poll: reads the output if complete, else registers
/// the waker. `dst` is a `*mut Poll<Result<F::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the vtable's contract.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    if !can_read_output(cell, waker) {
        return;
    }
    // COMPLETE with JOIN_INTEREST: the stage is the handle's (rule 6).
    if cell.header.stage_tag() != Tag::Finished {
        panic!("JoinHandle polled after it returned Ready")
    }
    // SAFETY: the handle owns the stage, whose tag says `Finished`; the tag
    // says `Consumed` right after, so the output is moved out once.
    let output = cell.core.stage.with_mut(|s| unsafe { (*s).take_output() });
    cell.header.set_stage_tag(Tag::Consumed);
    let output = output.map_err(|failure| {
        if matches!(failure, Failure::Panic(_)) {
            // A test's check of unjoined panics (`runtime/unjoined.rs`).
            crate::runtime::unjoined::joined(cell.header.id);
        }
        JoinError::new(cell.header.id, failure)
    });
    // SAFETY: the caller guarantees `dst`'s type.
    unsafe { *(dst as *mut Poll<Result<F::Output, JoinError>>) = Poll::Ready(output) };
}

/// The join-waker protocol (rules 2-4 of `task/mod.rs`), from the handle's
/// side. Returns `true` if the task is complete and the output can be read.
fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    let state = &cell.header.state;
    let snapshot = state.load();
    if snapshot.is_complete() {
        return true;
    }
    if snapshot.is_join_waker_set() {
        // Rule 3: shared access while the bit is set.
        let same = cell.trailer.join_waker.with(|w| {
            // SAFETY: rule 3: nobody writes while JOIN_WAKER is set.
            unsafe { &*w }.as_ref().is_some_and(|w| w.will_wake(waker))
        });
        if same {
            return false;
        }
        // Take exclusive access back before replacing the waker.
        if state.unset_join_waker().is_err() {
            return true;
        }
    }
    // Rule 2: JOIN_WAKER unset, so the slot is the handle's alone.
    let old = cell.trailer.join_waker.with_mut(|w| {
        // SAFETY: rule 2.
        unsafe { (*w).replace(waker.clone()) }
    });
    drop_waker(old);
    if state.set_join_waker().is_ok() {
        return false;
    }
    // Completed meanwhile (rule 3): the bit stays unset, the slot ours.
    // SAFETY: rule 2.
    let ours = cell.trailer.join_waker.with_mut(|w| unsafe { (*w).take() });
    drop_waker(ours);
    true
}

/// The `JoinHandle` is dropped (rule 5): drops its waker, the output if
/// the task is complete, then the handle's ref.
pub(super) unsafe fn drop_join_handle<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable's contract.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    let state = &cell.header.state;
    if let Some(drop) = state.transition_to_join_handle_dropped() {
        if drop.drop_output {
            let _id = id::CurrentIdGuard::enter(ptr);
            // SAFETY: COMPLETE with JOIN_INTEREST at the transition: the
            // stage is the handle's (rule 6).
            let _ = unsafe { drop_stage(cell) };
        }
        if drop.drop_waker {
            // SAFETY: JOIN_WAKER is unset: the slot is the handle's (rules 2
            // and 5).
            let waker = cell.trailer.join_waker.with_mut(|w| unsafe { (*w).take() });
            drop_waker(waker);
        }
        if state.ref_dec() {
            // SAFETY: that was the last ref.
            unsafe { RawTask::from_raw(ptr).dealloc() };
        }
    }
}

/// Runtime shutdown: cancels the task now if it is idle or queued; a task
/// running elsewhere is cancelled by its runner after the poll.
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the vtable's contract; we hold the list's ref.
    let cell = unsafe { Cell::<F, S>::from_header(ptr) };
    // SAFETY: as above.
    let raw = unsafe { RawTask::from_raw(ptr) };
    if cell.header.state.transition_to_shutdown() {
        // The list's ref is the runner's ref now; `complete` drops it.
        cancel_and_complete(cell, raw);
    } else if cell.header.state.ref_dec() {
        // SAFETY: that was the last ref.
        unsafe { raw.dealloc() };
    }
}

/// `wake`/`wake_by_ref` after the state transition said what to do.
///
/// # Safety
/// `raw`'s cell is alive, and `action` was returned by a notify transition
/// of this caller, whose ref (or the new one it took) is handed over.
pub(super) unsafe fn after_notify(raw: RawTask, action: ToNotified) {
    match action {
        ToNotified::DoNothing => {}
        // SAFETY: the transition set NOTIFIED and gave us its ref.
        ToNotified::Submit => unsafe { raw.schedule() },
        // SAFETY: the transition dropped the last ref.
        ToNotified::Dealloc => unsafe { raw.dealloc() },
    }
}
