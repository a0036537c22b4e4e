//! The task hooks of [`Builder`](super::Builder): `on_task_spawn`,
//! `on_task_terminate`, `on_before_task_poll`, `on_after_task_poll`.
//!
//! The schedulers hold `Option<Arc<TaskHooks>>`, `None` unless a hook is
//! set. A task's vtable is picked at its spawn: the `poll` of a runtime
//! without poll hooks is compiled without them, so it pays nothing for
//! them (the hook calls in the one `poll` cost every poll some 35
//! instructions under callgrind: they changed what the compiler inlined).
//! The spawn and terminate hooks cost one branch per spawn and completion. A panicking hook is caught. Tasks of a `LocalSet` and blocking tasks do not call
//! them, as in tokio.

use crate::task::TaskMeta;
use std::fmt;
use std::sync::Arc;

/// One task hook.
pub(crate) type TaskHook = Arc<dyn Fn(&TaskMeta<'_>) + Send + Sync>;

/// The task hooks of one runtime.
#[derive(Clone, Default)]
pub(crate) struct TaskHooks {
    pub(crate) spawn: Option<TaskHook>,
    pub(crate) terminate: Option<TaskHook>,
    pub(crate) before_poll: Option<TaskHook>,
    pub(crate) after_poll: Option<TaskHook>,
}

impl TaskHooks {
    /// `None` if no hook is set: what the schedulers keep.
    pub(crate) fn into_option(self) -> Option<Arc<TaskHooks>> {
        let any = self.spawn.is_some()
            || self.terminate.is_some()
            || self.before_poll.is_some()
            || self.after_poll.is_some();
        any.then(|| Arc::new(self))
    }

    /// Whether a before- or after-poll hook is set: the tasks of such a
    /// runtime get the vtable whose `poll` calls them (`task/raw.rs`).
    pub(crate) fn has_poll_hooks(&self) -> bool {
        self.before_poll.is_some() || self.after_poll.is_some()
    }

    pub(crate) fn on_spawn(&self, meta: &TaskMeta<'_>) {
        if let Some(f) = &self.spawn {
            call(f, meta);
        }
    }

    pub(crate) fn on_terminate(&self, meta: &TaskMeta<'_>) {
        if let Some(f) = &self.terminate {
            call(f, meta);
        }
    }

    pub(crate) fn before_poll(&self, meta: &TaskMeta<'_>) {
        if let Some(f) = &self.before_poll {
            call(f, meta);
        }
    }

    pub(crate) fn after_poll(&self, meta: &TaskMeta<'_>) {
        if let Some(f) = &self.after_poll {
            call(f, meta);
        }
    }
}

impl fmt::Debug for TaskHooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHooks")
            .field("spawn", &self.spawn.is_some())
            .field("terminate", &self.terminate.is_some())
            .field("before_poll", &self.before_poll.is_some())
            .field("after_poll", &self.after_poll.is_some())
            .finish()
    }
}

/// Runs a hook. A panic in it stops here, as a waker's does, so it never
/// unwinds into a worker or a spawn; the panic hook has printed it.
fn call(f: &TaskHook, meta: &TaskMeta<'_>) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(meta)));
}
