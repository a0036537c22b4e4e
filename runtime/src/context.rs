//! What the current thread knows of runtimes: the current [`Handle`] (set
//! by `enter`, `block_on`, worker and blocking threads) and whether the
//! thread drives a runtime, so misuse gets a plain panic. The schedulers
//! keep their own worker/core thread-locals next to their code.
//!
//! Every access goes through `try_with`: a runtime kept in a
//! `thread_local!` is dropped while the thread's thread-locals are being
//! destroyed, and a `with` there panics inside a TLS destructor, which
//! aborts the process. A destroyed slot reads as "no runtime" and "not
//! driving", and a guard over it restores nothing.

use crate::runtime::{Handle, TryCurrentError};
use std::cell::{Cell, RefCell};

crate::loom::runtime_thread_local! {
    static HANDLE: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

crate::loom::runtime_thread_local! {
    /// How many `SetCurrentGuard`s that set `HANDLE` are alive: each
    /// guard records its depth, so one dropped out of order is caught.
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

const NO_RUNTIME: &str = "there is no runtime on this thread: call this from a task, from inside \
     `Runtime::block_on`, or after `Runtime::enter`/`Handle::enter` (or use `Runtime::spawn`/`Handle::spawn`)";

const OUT_OF_ORDER: &str = "`EnterGuard` values dropped out of order. Guards returned by \
     `runtime::runtime::Handle::enter()` (or `Runtime::enter()`) must be dropped in the reverse \
     order as they were acquired.";

const CANNOT_BLOCK: &str = "Cannot block the current thread from within a runtime. This happens \
     because a function attempted to block the current thread while the thread is being used to \
     drive asynchronous tasks (inside a task or `block_on`); use the async method (`.await`) \
     instead, or call this from `spawn_blocking` or a thread of your own";

/// Calls `f` with the current handle.
///
/// # Panics
/// With a plain message if there is none.
#[track_caller]
#[inline]
pub(crate) fn with_handle<R>(f: impl FnOnce(&Handle) -> R) -> R {
    let f = HANDLE
        .try_with(|h| match h.borrow().as_ref() {
            Some(handle) => Ok(f(handle)),
            None => Err(f),
        })
        .unwrap_or_else(|_| panic!("{NO_RUNTIME} (the thread-local was already destroyed)"));
    match f {
        Ok(r) => r,
        Err(_) => panic!("{NO_RUNTIME}"),
    }
}

pub(crate) fn try_current() -> Result<Handle, TryCurrentError> {
    match HANDLE.try_with(|h| h.borrow().clone()) {
        Ok(Some(handle)) => Ok(handle),
        Ok(None) => Err(TryCurrentError::no_context()),
        Err(_) => Err(TryCurrentError::thread_local_destroyed()),
    }
}

/// Makes `handle` current until the guard drops (the previous one is
/// restored, so guards nest and must be dropped in reverse order).
/// The runtime's drivers (its timer) become the thread's too.
pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let drivers = handle.inner.driver.enter(handle.inner.io.clone());
    // During thread exit the slot may be gone: the guard restores nothing.
    let entered = HANDLE
        .try_with(|h| h.replace(Some(handle.clone())))
        .ok()
        .map(|prev| {
            // `Err` (the thread is exiting) stays `Err` in `drop`, which
            // then checks nothing: 0 is never compared.
            let depth = DEPTH
                .try_with(|d| {
                    let depth = d.get() + 1;
                    d.set(depth);
                    depth
                })
                .unwrap_or(0);
            Entered { prev, depth }
        });
    SetCurrentGuard {
        entered,
        _drivers: drivers,
    }
}

#[derive(Debug)]
pub(crate) struct SetCurrentGuard {
    /// `None` if the thread-local was already destroyed.
    entered: Option<Entered>,
    /// Dropped after `drop` below restored the handle.
    _drivers: crate::driver::EnterGuard,
}

/// What a `SetCurrentGuard` changed, to undo it.
#[derive(Debug)]
struct Entered {
    prev: Option<Handle>,
    /// `DEPTH` once this guard was made.
    depth: usize,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let Some(Entered { prev, depth }) = self.entered.take() else {
            return;
        };
        let in_order = DEPTH.try_with(|d| {
            let in_order = d.get() == depth;
            if in_order {
                d.set(depth - 1);
            }
            in_order
        });
        match in_order {
            // `Err`: the thread is exiting, there is no order left to check.
            Ok(true) | Err(_) => {}
            // A second panic would abort: the handle stays as it is.
            Ok(false) if std::thread::panicking() => return,
            Ok(false) => panic!("{OUT_OF_ORDER}"),
        }
        // The handle replaced is dropped after the borrow has ended.
        let _replaced = HANDLE.try_with(|h| h.replace(prev));
    }
}

/// Whether this thread drives a runtime's tasks (a worker thread, or inside
/// `block_on`): an async context, where blocking the thread is misuse.
/// Blocking threads and threads that only `enter` a runtime are not.
pub(crate) fn is_driving() -> bool {
    // A thread whose thread-locals are gone is exiting, not driving.
    DRIVING.try_with(Cell::get).unwrap_or(false)
}

/// Panics, with a plain message, if this thread drives a runtime: for the
/// blocking calls of the sync types (`blocking_recv`, `blocking_send`).
#[track_caller]
pub(crate) fn assert_can_block() {
    if is_driving() {
        panic!("{CANNOT_BLOCK}");
    }
}

/// Marks this thread as driving a runtime (a worker, or inside
/// `block_on`) and makes `handle` current.
///
/// # Panics
/// If the thread already drives one: blocking it would stall that
/// runtime's tasks.
#[track_caller]
pub(crate) fn enter_runtime(handle: &Handle) -> DrivingGuard {
    // `Err`: the thread is exiting; nothing to mark (nor to unmark later).
    let marked = DRIVING.try_with(|d| d.replace(true));
    if matches!(marked, Ok(true)) {
        panic!(
            "cannot block on a future from inside a runtime: this thread is already driving \
             asynchronous tasks (`block_on` was called from within a task or another `block_on`); \
             `.await` the future instead, or call `block_on` from `spawn_blocking`"
        );
    }
    DrivingGuard {
        marked: marked.is_ok(),
        _current: set_current(handle),
    }
}

#[derive(Debug)]
pub(crate) struct DrivingGuard {
    /// Whether `DRIVING` was set by this guard.
    marked: bool,
    _current: SetCurrentGuard,
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        if self.marked {
            let _ = DRIVING.try_with(|d| d.set(false));
        }
    }
}
