//! The runtime: [`Builder`] to configure one, [`Runtime`] to own it, and
//! [`Handle`] to reach it from anywhere.

mod builder;
mod drain;
mod dump;
mod handle;
mod local;
pub(crate) mod metrics;
mod panic_policy;
mod rt;
mod task_hooks;
mod threads;
pub(crate) mod unjoined;
mod waits;
mod watchdog;

pub use builder::Builder;
pub use drain::ShutdownReport;
pub use dump::{Dump, TaskDump, TaskState};
pub(crate) use handle::park_on;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use local::{LocalOptions, LocalRuntime};
pub use metrics::{Histogram, RuntimeMetrics};
pub(crate) use panic_policy::PanicShutdown;
pub use panic_policy::UnhandledPanic;
pub use rt::Runtime;
/// What a task waits on, as a [`TaskDump`] reports it.
pub use runtime_coop::wait::{SyncKind, WaitsOn};
pub use watchdog::SlowPoll;
pub(crate) use watchdog::Watchdog;

pub(crate) use task_hooks::{TaskHook, TaskHooks};
pub(crate) use threads::{Hook, ThreadSpawner};

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which scheduler a runtime runs ([`Handle::runtime_flavor`]).
///
/// ```
/// use runtime::runtime::{Handle, RuntimeFlavor};
///
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// let flavor = rt.block_on(async { Handle::current().runtime_flavor() });
/// assert_eq!(flavor, RuntimeFlavor::CurrentThread);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// The tasks run on the thread that calls `block_on`
    /// ([`Builder::new_current_thread`], and a [`LocalRuntime`]).
    CurrentThread,
    /// The tasks run on worker threads that steal from each other
    /// ([`Builder::new_multi_thread`]).
    MultiThread,
}

/// A runtime's id, unique among the runtimes of this process
/// ([`Handle::id`]).
///
/// ```
/// let a = runtime::Runtime::new().unwrap();
/// let b = runtime::Runtime::new().unwrap();
/// assert_ne!(a.handle().id(), b.handle().id());
/// assert_eq!(a.handle().id(), a.handle().clone().id());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id(NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        // Uniqueness only: no other memory is ordered by it.
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(id).expect("runtime ids do not wrap"))
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a thread of the runtime calls around each sleep
/// ([`Builder::on_thread_park`], [`Builder::on_thread_unpark`]).
#[derive(Clone, Default)]
pub(crate) struct ParkHooks {
    pub(crate) before_park: Option<Hook>,
    pub(crate) after_unpark: Option<Hook>,
}

impl ParkHooks {
    pub(crate) fn before_park(&self) {
        if let Some(hook) = &self.before_park {
            hook();
        }
    }

    pub(crate) fn after_unpark(&self) {
        if let Some(hook) = &self.after_unpark {
            hook();
        }
    }
}

impl fmt::Debug for ParkHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParkHooks")
            .field("before_park", &self.before_park.is_some())
            .field("after_unpark", &self.after_unpark.is_some())
            .finish()
    }
}

/// The scheduler knobs the workers read.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) worker_threads: usize,
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    pub(crate) disable_lifo_slot: bool,
    pub(crate) park_hooks: ParkHooks,
    /// `None` unless a task hook is set (`task_hooks.rs`).
    pub(crate) task_hooks: Option<std::sync::Arc<TaskHooks>>,
    /// One poll and one wake in this many are timed (`metrics`).
    pub(crate) sample_every: u32,
    /// The slow-poll watchdog, unless it is off (`watchdog.rs`).
    pub(crate) watchdog: Option<std::sync::Arc<Watchdog>>,
    /// Spare worker slots of the multi-thread runtime (`spare.rs`).
    pub(crate) max_spare_workers: usize,
    /// How long an idle spare worker thread waits before it exits.
    pub(crate) thread_keep_alive: std::time::Duration,
    /// Set with `UnhandledPanic::ShutdownRuntime` (`panic_policy.rs`).
    pub(crate) panic_shutdown: Option<std::sync::Arc<PanicShutdown>>,
    /// Set for `#[runtime::test]`: the panics nobody joined (`unjoined.rs`).
    pub(crate) unjoined: Option<std::sync::Arc<unjoined::Unjoined>>,
}
