//! `AbortOnDropHandle` and `AbortOnDrop`: tokio-util's handles that abort
//! their task when dropped, so a task cannot outlive the value that owns
//! it.
//!
//! Each wraps the plain handle in an `Option` that is `Some` from `new`
//! until `detach` or the drop takes it; both consume the wrapper, so no
//! method ever sees `None`. (tokio-util moves the handle out with
//! `ManuallyDrop` and a `ptr::read`; the `Option` needs no `unsafe`.)

use super::{AbortHandle, JoinError, JoinHandle};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

const PRESENT: &str = "the handle is present until `detach` or drop";

/// A [`JoinHandle`] that [aborts](JoinHandle::abort) its task when it is
/// dropped, as tokio-util's. Awaiting it gives the task's output, as the
/// `JoinHandle` does; [`detach`](AbortOnDropHandle::detach) gives the
/// plain handle back.
///
/// Made by [`AbortOnDropHandle::new`] or
/// [`JoinHandle::abort_on_drop`](JoinHandle::abort_on_drop).
///
/// ```
/// use runtime::task::AbortOnDropHandle;
///
/// let rt = runtime::Runtime::new().unwrap();
/// rt.block_on(async {
///     let answer = AbortOnDropHandle::new(runtime::spawn(async { 42 }));
///     assert_eq!(answer.await.unwrap(), 42);
///
///     let forever = runtime::spawn(std::future::pending::<()>()).abort_on_drop();
///     let watch = forever.abort_handle();
///     drop(forever); // aborts the task
///     while !watch.is_finished() {
///         runtime::task::yield_now().await;
///     }
/// });
/// ```
#[must_use = "dropping the handle aborts the task at once"]
pub struct AbortOnDropHandle<T> {
    handle: Option<JoinHandle<T>>,
}

impl<T> AbortOnDropHandle<T> {
    /// Wraps `handle`: its task is aborted when the wrapper is dropped.
    pub fn new(handle: JoinHandle<T>) -> AbortOnDropHandle<T> {
        AbortOnDropHandle {
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &JoinHandle<T> {
        self.handle.as_ref().expect(PRESENT)
    }

    /// Aborts the task now, as [`JoinHandle::abort`].
    pub fn abort(&self) {
        self.handle().abort();
    }

    /// Whether the task has finished, as [`JoinHandle::is_finished`].
    pub fn is_finished(&self) -> bool {
        self.handle().is_finished()
    }

    /// A handle that can abort the task but not join it, as
    /// [`JoinHandle::abort_handle`]. It does not abort on drop.
    pub fn abort_handle(&self) -> AbortHandle {
        self.handle().abort_handle()
    }

    /// Gives the plain [`JoinHandle`] back; the task is no longer aborted
    /// when the wrapper goes (it was consumed).
    pub fn detach(mut self) -> JoinHandle<T> {
        self.handle.take().expect(PRESENT)
    }
}

impl<T> Future for AbortOnDropHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let handle = self.get_mut().handle.as_mut().expect(PRESENT);
        Pin::new(handle).poll(cx)
    }
}

impl<T> Drop for AbortOnDropHandle<T> {
    fn drop(&mut self) {
        // `None` after `detach`.
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl<T> AsRef<JoinHandle<T>> for AbortOnDropHandle<T> {
    fn as_ref(&self) -> &JoinHandle<T> {
        self.handle()
    }
}

impl<T> fmt::Debug for AbortOnDropHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortOnDropHandle")
            .field("id", &self.handle().id())
            .finish()
    }
}

/// An [`AbortHandle`] that aborts its task when it is dropped, as
/// tokio-util's: for a struct that must stop its task when it goes, but
/// does not want its output (it has no type parameter, and cannot be
/// awaited).
///
/// ```
/// use runtime::task::AbortOnDrop;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let task = runtime::spawn(std::future::pending::<()>());
/// let guard = AbortOnDrop::new(task.abort_handle());
/// drop(guard);
/// assert!(task.await.unwrap_err().is_cancelled());
/// # });
/// ```
#[must_use = "dropping the handle aborts the task at once"]
pub struct AbortOnDrop {
    handle: Option<AbortHandle>,
}

impl AbortOnDrop {
    /// Wraps `handle`: its task is aborted when the wrapper is dropped.
    pub fn new(handle: AbortHandle) -> AbortOnDrop {
        AbortOnDrop {
            handle: Some(handle),
        }
    }

    fn handle(&self) -> &AbortHandle {
        self.handle.as_ref().expect(PRESENT)
    }

    /// Aborts the task now, as [`AbortHandle::abort`].
    pub fn abort(&self) {
        self.handle().abort();
    }

    /// Whether the task has finished, as [`AbortHandle::is_finished`].
    pub fn is_finished(&self) -> bool {
        self.handle().is_finished()
    }

    /// Gives the plain [`AbortHandle`] back; the task is no longer aborted
    /// when the wrapper goes.
    pub fn detach(mut self) -> AbortHandle {
        self.handle.take().expect(PRESENT)
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.abort();
        }
    }
}

impl fmt::Debug for AbortOnDrop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbortOnDrop")
            .field("id", &self.handle().id())
            .finish()
    }
}
