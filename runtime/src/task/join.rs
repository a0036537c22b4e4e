//! `JoinHandle`: the owned permission to await a task's output.

use super::{AbortHandle, Id, JoinError, RawTask};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

/// An owned permission to join a task: awaiting it gives the task's output,
/// or a [`JoinError`] if the task panicked or was cancelled.
///
/// Dropping a `JoinHandle` detaches the task: it keeps running, and its
/// output is dropped when it completes.
///
/// # Examples
///
/// ```
/// use runtime::sync::oneshot;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // Awaiting the handle gives the task's output.
/// let task = runtime::spawn(async { 2 + 2 });
/// assert_eq!(task.await.unwrap(), 4);
///
/// // A panic in the task comes back as an error, not a panic here.
/// let task = runtime::spawn(async { panic!("boom") });
/// let err = task.await.unwrap_err();
/// assert!(err.is_panic());
///
/// // A dropped handle detaches the task: it still runs to the end.
/// let (tx, rx) = oneshot::channel();
/// drop(runtime::spawn(async move { tx.send("done").unwrap() }));
/// assert_eq!(rx.await.unwrap(), "done");
/// # });
/// ```
pub struct JoinHandle<T> {
    raw: RawTask,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output `T` (which is `Send`) out of the
// cell, under the join protocol of `task/mod.rs`.
unsafe impl<T: Send> Send for JoinHandle<T> {}
// SAFETY: `&JoinHandle` only reads the state word or aborts, both atomic.
unsafe impl<T: Send> Sync for JoinHandle<T> {}

impl<T> Unpin for JoinHandle<T> {}

impl<T> JoinHandle<T> {
    pub(super) fn new(raw: RawTask) -> JoinHandle<T> {
        JoinHandle {
            raw,
            _output: PhantomData,
        }
    }

    /// Cancels the task. If it is running, it is cancelled after its
    /// current poll; awaiting the handle then gives a cancelled
    /// [`JoinError`], unless the task completed first.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = runtime::spawn(std::future::pending::<()>());
    /// task.abort();
    /// let err = task.await.unwrap_err();
    /// assert!(err.is_cancelled());
    ///
    /// // Aborting a task that already completed changes nothing.
    /// let task = runtime::spawn(async { 1 });
    /// while !task.is_finished() {
    ///     runtime::task::yield_now().await;
    /// }
    /// task.abort();
    /// assert_eq!(task.await.unwrap(), 1);
    /// # });
    /// ```
    pub fn abort(&self) {
        super::abort::remote_abort(self.raw);
    }

    /// Whether the task has finished (completed, panicked or cancelled).
    /// Once true, awaiting the handle returns at once.
    ///
    /// ```
    /// use runtime::sync::oneshot;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, rx) = oneshot::channel::<()>();
    /// let task = runtime::spawn(async move { rx.await.is_ok() });
    /// assert!(!task.is_finished()); // waits for `tx`
    /// tx.send(()).unwrap();
    /// while !task.is_finished() {
    ///     runtime::task::yield_now().await;
    /// }
    /// assert!(task.await.unwrap());
    /// # });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.raw.state().load().is_complete()
    }

    /// A handle that can abort the task but not join it.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = runtime::spawn(std::future::pending::<()>());
    /// let abort = task.abort_handle();
    /// assert_eq!(abort.id(), task.id());
    /// // The abort handle can go elsewhere (another task, a thread).
    /// std::thread::spawn(move || abort.abort()).join().unwrap();
    /// assert!(task.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort_handle(&self) -> AbortHandle {
        self.raw.state().ref_inc();
        AbortHandle::new(self.raw)
    }

    /// The task's id, the same as [`task::id()`](super::id) inside it.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = runtime::spawn(async { runtime::task::id() });
    /// let id = task.id();
    /// assert_eq!(task.await.unwrap(), id);
    /// # });
    /// ```
    pub fn id(&self) -> Id {
        self.raw.header().id
    }

    /// This handle, made to abort the task when dropped: the same as
    /// [`AbortOnDropHandle::new(self)`](super::AbortOnDropHandle::new).
    /// tokio has no such method; it saves naming the wrapper.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = runtime::spawn(async { 5 }).abort_on_drop();
    /// assert_eq!(task.await.unwrap(), 5);
    /// # });
    /// ```
    pub fn abort_on_drop(self) -> super::AbortOnDropHandle<T> {
        super::AbortOnDropHandle::new(self)
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // A join that is ready costs one unit of the cooperative budget.
        let mut coop = std::task::ready!(runtime_coop::poll_proceed(cx));
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: this is the task's `JoinHandle`, and `out` has the type of
        // the task's output (`T` was fixed when the task was made).
        unsafe {
            self.raw
                .try_read_output(&mut out as *mut _ as *mut (), cx.waker())
        };
        if out.is_ready() {
            coop.made_progress();
        } else {
            // For task dumps: what this task waits on (one store).
            runtime_coop::wait::record(runtime_coop::wait::WaitsOn::Join {
                task: self.id().as_u64(),
            });
        }
        out
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        // SAFETY: this is the task's `JoinHandle`, dropped once; its ref is
        // handed over.
        unsafe { self.raw.drop_join_handle() };
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("id", &self.id())
            .finish()
    }
}
