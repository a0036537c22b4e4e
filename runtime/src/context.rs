//! What the current thread knows of runtimes: the current [`Handle`] (set
//! by `enter`, `block_on`, worker and blocking threads) and whether the
//! thread drives a runtime, so misuse gets a plain panic. The schedulers
//! keep their own worker/core thread-locals next to their code.

use crate::runtime::{Handle, TryCurrentError};
use std::cell::{Cell, RefCell};

thread_local! {
    static HANDLE: RefCell<Option<Handle>> = const { RefCell::new(None) };
    static DRIVING: Cell<bool> = const { Cell::new(false) };
}

const NO_RUNTIME: &str = "there is no runtime on this thread: call this from a task, from inside \
     `Runtime::block_on`, or after `Runtime::enter`/`Handle::enter` (or use `Runtime::spawn`/`Handle::spawn`)";

/// Calls `f` with the current handle.
///
/// # Panics
/// With a plain message if there is none.
#[track_caller]
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
/// restored, so guards nest).
/// The runtime's drivers (its timer) become the thread's too.
pub(crate) fn set_current(handle: &Handle) -> SetCurrentGuard {
    let drivers = handle.inner.driver.enter(handle.inner.io.clone());
    let prev = HANDLE.with(|h| h.borrow_mut().replace(handle.clone()));
    SetCurrentGuard {
        prev,
        _drivers: drivers,
    }
}

#[derive(Debug)]
pub(crate) struct SetCurrentGuard {
    prev: Option<Handle>,
    /// Dropped after `drop` below restored the handle.
    _drivers: crate::driver::EnterGuard,
}

impl Drop for SetCurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        // During thread exit the slot may be gone: nothing to restore then.
        let _ = HANDLE.try_with(|h| *h.borrow_mut() = prev);
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
    if DRIVING.with(|d| d.replace(true)) {
        panic!(
            "cannot block on a future from inside a runtime: this thread is already driving \
             asynchronous tasks (`block_on` was called from within a task or another `block_on`); \
             `.await` the future instead, or call `block_on` from `spawn_blocking`"
        );
    }
    DrivingGuard {
        _current: set_current(handle),
    }
}

#[derive(Debug)]
pub(crate) struct DrivingGuard {
    _current: SetCurrentGuard,
}

impl Drop for DrivingGuard {
    fn drop(&mut self) {
        let _ = DRIVING.try_with(|d| d.set(false));
    }
}
