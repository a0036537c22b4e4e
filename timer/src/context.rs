//! Which [`Driver`] the current thread's timers use.
//!
//! The runtime enters its driver on each thread that runs its futures
//! (workers, `block_on`, `Handle::enter`) with [`enter`]; the time
//! functions read it from there. A timer looks the driver up when it is
//! created (to fail early, with a clear message) and takes a reference to
//! it the first time it must wait, so a timer that completes at once never
//! touches the driver.
//!
//! The thread-locals go through the loom shim (`loom.rs`). Every access
//! tolerates a thread-local that is already destroyed, as happens when a
//! runtime kept in another thread-local is dropped at thread exit: a
//! panic there would abort the process. [`enter`] then changes nothing,
//! and the timer functions panic as outside a runtime.

use crate::driver::Driver;
use crate::loom::thread_local;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// What [`enter`] set on this thread.
enum Current {
    /// Not inside a runtime.
    Outside,
    /// Inside a runtime built without time.
    Disabled,
    /// Inside a runtime with this driver.
    Enabled(Arc<Driver>),
}

thread_local! {
    static CURRENT: RefCell<Current> = const { RefCell::new(Current::Outside) };
    /// Mirrors `CURRENT`'s variant (`Current::kind`) in a plain `Cell`,
    /// which needs no lazy registration: `assert_entered` runs for every
    /// timer created, and reads only this.
    static KIND: Cell<u8> = const { Cell::new(OUTSIDE) };
}

const OUTSIDE: u8 = 0;
const DISABLED: u8 = 1;
const ENABLED: u8 = 2;

impl Current {
    fn kind(&self) -> u8 {
        match self {
            Current::Outside => OUTSIDE,
            Current::Disabled => DISABLED,
            Current::Enabled(_) => ENABLED,
        }
    }
}

const NO_TIMER: &str = "there is no timer: this thread is not inside a runtime; \
     call this inside a runtime (from a task, `block_on` or a runtime `enter` guard)";

const TIME_DISABLED: &str = "the timer is disabled: the runtime was built without \
     `enable_time` or `enable_all`; call one of them on the runtime builder";

/// Makes `driver` the current thread's timer driver until the guard is
/// dropped; `None` marks a runtime built without time.
///
/// Guards restore the previous driver when dropped, so they nest; drop
/// them in the reverse order of creation.
///
/// While the thread is exiting and its thread-locals are already
/// destroyed (in the destructor of another thread-local), this does
/// nothing and returns a guard that restores nothing.
pub fn enter(driver: Option<Arc<Driver>>) -> EnterGuard {
    let new = match driver {
        Some(driver) => Current::Enabled(driver),
        None => Current::Disabled,
    };
    let kind = new.kind();
    // On an error the thread-local is gone, and `new` was dropped with
    // the closure.
    let previous = CURRENT.try_with(|current| current.replace(new)).ok();
    if previous.is_some() {
        set_kind(kind);
    }
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Sets `KIND`, unless the thread is exiting and it is gone (std never
/// destroys it, as it needs no drop).
fn set_kind(kind: u8) {
    let _ = KIND.try_with(|cell| cell.set(kind));
}

/// Restores the thread's previous timer driver when dropped; see
/// [`enter`].
#[must_use = "the driver is entered only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Current>,
    /// The guard is tied to the thread whose thread-local it changed.
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            // Swap rather than assign: the replaced driver handle is
            // dropped after the thread-local's borrow has ended. If the
            // thread-local is gone, there is nothing to restore.
            let kind = previous.kind();
            let entered = CURRENT.try_with(|current| current.replace(previous));
            if entered.is_ok() {
                set_kind(kind);
            }
        }
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// Panics unless this thread has a timer driver, with a message saying
/// what is missing.
#[track_caller]
pub(crate) fn assert_entered() {
    match KIND.try_with(Cell::get).unwrap_or(OUTSIDE) {
        ENABLED => {}
        DISABLED => panic!("{TIME_DISABLED}"),
        _ => panic!("{NO_TIMER}"),
    }
}

/// This thread's timer driver.
///
/// # Panics
///
/// As [`assert_entered`].
#[track_caller]
pub(crate) fn driver() -> Arc<Driver> {
    match lookup(Arc::clone) {
        Ok(driver) => driver,
        Err(message) => panic!("{message}"),
    }
}

/// The time on this thread's driver's clock, if the thread is inside a
/// runtime with time.
pub(crate) fn clock_now() -> Option<std::time::Instant> {
    lookup(|driver| driver.now()).ok()
}

/// Applies `f` to this thread's driver, or says why there is none.
fn lookup<R>(f: impl FnOnce(&Arc<Driver>) -> R) -> Result<R, &'static str> {
    CURRENT
        .try_with(|current| match &*current.borrow() {
            Current::Enabled(driver) => Ok(f(driver)),
            Current::Disabled => Err(TIME_DISABLED),
            Current::Outside => Err(NO_TIMER),
        })
        // The thread is exiting and its thread-locals are gone.
        .unwrap_or(Err(NO_TIMER))
}
