//! `AbortHandle`: cancel a task without owning its output.

use super::{Id, RawTask};
use std::fmt;

/// A handle that can cancel a task, but not await it. Dropping it does
/// nothing to the task. Made by [`JoinHandle::abort_handle`](super::JoinHandle::abort_handle)
/// or [`JoinSet::spawn`](super::JoinSet::spawn); cloneable.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime::spawn(std::future::pending::<()>());
/// let abort = task.abort_handle();
/// let copy = abort.clone();
/// drop(abort); // does nothing to the task
/// assert!(!copy.is_finished());
/// copy.abort();
/// assert!(task.await.unwrap_err().is_cancelled());
/// assert!(copy.is_finished());
/// # });
/// ```
pub struct AbortHandle {
    raw: RawTask,
}

// SAFETY: an `AbortHandle` only touches the task's atomic state word.
unsafe impl Send for AbortHandle {}
// SAFETY: as for `Send`.
unsafe impl Sync for AbortHandle {}

impl AbortHandle {
    /// Takes over one ref (already counted by the caller).
    pub(super) fn new(raw: RawTask) -> AbortHandle {
        AbortHandle { raw }
    }

    /// Cancels the task, as [`JoinHandle::abort`](super::JoinHandle::abort).
    pub fn abort(&self) {
        remote_abort(self.raw);
    }

    /// Whether the task has finished.
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// The task's id.
    pub fn id(&self) -> Id {
        self.raw.header().id
    }
}

impl Clone for AbortHandle {
    fn clone(&self) -> AbortHandle {
        self.raw.state().ref_inc();
        AbortHandle::new(self.raw)
    }
}

impl Drop for AbortHandle {
    fn drop(&mut self) {
        if self.raw.state().ref_dec() {
            // SAFETY: that was the last ref.
            unsafe { self.raw.dealloc() };
        }
    }
}

impl fmt::Debug for AbortHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortHandle")
            .field("id", &self.id())
            .finish()
    }
}

/// Marks the task cancelled and, if it is idle, schedules it so that a
/// worker runs the cancellation (the caller keeps its own ref).
pub(super) fn remote_abort(raw: RawTask) {
    if raw.state().transition_to_notified_and_cancel() {
        // SAFETY: the transition set NOTIFIED and took a ref for it.
        unsafe { raw.schedule() };
    }
}
