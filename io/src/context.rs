//! Which [`Reactor`] the current thread's IO types register with.
//!
//! The runtime enters its [`Handle`] on each thread that runs its futures
//! (workers, `block_on`, `Handle::enter`) with [`enter`]; the net types and
//! [`AsyncFd`](crate::AsyncFd) read it from there when they are created, and
//! keep the reactor for as long as they live.
//!
//! The thread-local goes through the loom shim (`loom.rs`). Every access
//! tolerates a thread-local that is already destroyed, as happens when a
//! runtime kept in another thread-local is dropped at thread exit: a
//! panic there would abort the process. [`enter`] then changes nothing,
//! and `handle` (the crate-private lookup) panics as outside a runtime.

use crate::loom::thread_local;
use crate::reactor::Reactor;
use std::cell::RefCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

/// A closure that runs a job on the runtime's blocking pool.
pub type SpawnBlocking = Arc<dyn Fn(Box<dyn FnOnce() + Send>) + Send + Sync>;

/// What an IO type needs from its runtime: the reactor to register with,
/// and a way to run blocking work (name resolution) off the workers.
#[derive(Clone)]
pub struct Handle {
    reactor: Arc<Reactor>,
    spawn_blocking: SpawnBlocking,
}

impl Handle {
    /// A handle on `reactor`, running blocking jobs with `spawn_blocking`.
    pub fn new(reactor: Arc<Reactor>, spawn_blocking: SpawnBlocking) -> Handle {
        Handle {
            reactor,
            spawn_blocking,
        }
    }

    /// The reactor.
    pub fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    /// Runs `job` on the blocking pool.
    pub(crate) fn spawn_blocking(&self, job: Box<dyn FnOnce() + Send>) {
        (self.spawn_blocking)(job);
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("reactor", &self.reactor)
            .finish_non_exhaustive()
    }
}

/// What [`enter`] set on this thread.
enum Current {
    /// Not inside a runtime.
    Outside,
    /// Inside a runtime built without IO.
    Disabled,
    /// Inside a runtime with this IO handle.
    Enabled(Handle),
}

thread_local! {
    static CURRENT: RefCell<Current> = const { RefCell::new(Current::Outside) };
}

const NO_REACTOR: &str = "there is no reactor running: this thread is not inside a runtime; \
     call this inside a runtime (from a task, `block_on` or a runtime `enter` guard)";

const IO_DISABLED: &str = "IO is disabled: the runtime was built without \
     `enable_io` or `enable_all`; call one of them on the runtime builder";

/// Makes `handle` the current thread's IO handle until the guard is
/// dropped; `None` marks a runtime built without IO.
///
/// Guards restore the previous handle when dropped, so they nest; drop
/// them in the reverse order of creation.
///
/// While the thread is exiting and its thread-locals are already
/// destroyed (in the destructor of another thread-local), this does
/// nothing and returns a guard that restores nothing.
pub fn enter(handle: Option<Handle>) -> EnterGuard {
    let new = match handle {
        Some(handle) => Current::Enabled(handle),
        None => Current::Disabled,
    };
    // On an error the thread-local is gone, and `new` was dropped with
    // the closure.
    let previous = CURRENT.try_with(|current| current.replace(new)).ok();
    EnterGuard {
        previous,
        _not_send: PhantomData,
    }
}

/// Restores the thread's previous IO handle when dropped; see [`enter`].
#[must_use = "the handle is entered only while the guard lives"]
pub struct EnterGuard {
    previous: Option<Current>,
    /// The guard is tied to the thread whose thread-local it changed.
    _not_send: PhantomData<*const ()>,
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            // Swap rather than assign: the replaced handle is dropped
            // after the thread-local's borrow has ended. If the
            // thread-local is gone, there is nothing to restore.
            let _entered = CURRENT.try_with(|current| current.replace(previous));
        }
    }
}

impl fmt::Debug for EnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnterGuard").finish_non_exhaustive()
    }
}

/// This thread's IO handle.
///
/// # Panics
///
/// With a message saying what is missing, if the thread is outside a
/// runtime or its runtime has no IO.
#[track_caller]
pub(crate) fn handle() -> Handle {
    let found = CURRENT
        .try_with(|current| match &*current.borrow() {
            Current::Enabled(handle) => Ok(handle.clone()),
            Current::Disabled => Err(IO_DISABLED),
            Current::Outside => Err(NO_REACTOR),
        })
        // The thread is exiting and its thread-locals are gone.
        .unwrap_or(Err(NO_REACTOR));
    match found {
        Ok(handle) => handle,
        Err(message) => panic!("{message}"),
    }
}
