//! `TaskGroup`: structured concurrency with asyncio.TaskGroup's rules: the
//! first failure cancels the siblings, and `join` reports it.
//!
//! Built on [`JoinSet`]: each task is wrapped so that it knows its spawn
//! index and, when it fails (returns `Err` or panics), aborts its siblings
//! at once through their [`AbortHandle`]s, not only when `join` gets to it.

use super::{AbortHandle, JoinError, JoinSet};
use crate::loom::Mutex;
use std::any::Any;
use std::fmt;
use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

/// A group of tasks that succeed together or fail together, as Python's
/// `asyncio.TaskGroup`.
///
/// Each task returns a `Result<T, E>`. [`join`](TaskGroup::join) waits for
/// all of them and returns their values in spawn order. When a task
/// returns `Err` or panics, every other task of the group is aborted at
/// once (its future is dropped at its next scheduling point), `join` waits
/// until they have all stopped, and then returns the first error, or
/// resumes the first panic on the joiner (as tokio's `JoinSet::join_all`).
/// Dropping the group without joining it aborts its tasks.
///
/// ```
/// use runtime::task::TaskGroup;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut group = TaskGroup::new();
/// for i in 0..3u32 {
///     group.spawn(async move { Ok::<_, String>(i * 10) });
/// }
/// assert_eq!(group.join().await, Ok(vec![0, 10, 20]));
///
/// let mut group = TaskGroup::new();
/// group.spawn(async { Err::<u32, _>("bad input") });
/// group.spawn(std::future::pending()); // cancelled by the failure
/// assert_eq!(group.join().await, Err("bad input"));
/// # });
/// ```
///
/// # No borrowing from the caller
///
/// The tasks are `'static`, as with [`spawn`](crate::spawn): they cannot
/// borrow the stack of the function that owns the group. A "scope" whose
/// tasks borrow (like `std::thread::scope`) would be sound only if the
/// scope were guaranteed to wait for its tasks; but a future can be
/// forgotten (`mem::forget`) while its tasks still run on other workers,
/// and blocking the thread to wait (what `thread::scope` does) would stall
/// a worker. Share data through `Arc` (or move it in) instead.
pub struct TaskGroup<T, E> {
    set: JoinSet<(usize, Result<T, E>)>,
    shared: Arc<Shared>,
    spawned: usize,
}

/// What the tasks of a group share: who failed first, and how to cancel
/// the others.
#[derive(Default)]
struct Shared {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The spawn index of the first task that failed.
    first_failure: Option<usize>,
    handles: Vec<AbortHandle>,
}

impl Shared {
    /// Task `index` failed: if it is the first, cancels every other task.
    fn fail(&self, index: usize) {
        let mut inner = self.inner.lock();
        if inner.first_failure.is_some() {
            return;
        }
        inner.first_failure = Some(index);
        let me = super::try_id();
        for handle in &inner.handles {
            // Aborting itself would be harmless (a task that completes
            // keeps its output), but there is no need.
            if Some(handle.id()) != me {
                handle.abort();
            }
        }
    }

    fn first_failure(&self) -> Option<usize> {
        self.inner.lock().first_failure
    }
}

/// Why a group failed, kept until every task has stopped.
enum Failure<E> {
    Err(E),
    Panic(Box<dyn Any + Send>),
    /// A task was cancelled from outside the group (its runtime shut down).
    Cancelled(JoinError),
}

impl<T, E> TaskGroup<T, E> {
    /// An empty group.
    pub fn new() -> TaskGroup<T, E> {
        TaskGroup {
            set: JoinSet::new(),
            shared: Arc::default(),
            spawned: 0,
        }
    }

    /// The number of tasks spawned into the group.
    pub fn len(&self) -> usize {
        self.spawned
    }

    /// Whether no task was spawned into the group.
    pub fn is_empty(&self) -> bool {
        self.spawned == 0
    }

    /// Aborts every task of the group; `join` then waits for them to stop.
    /// Tasks that already finished keep their results.
    pub fn abort_all(&mut self) {
        self.set.abort_all();
    }
}

impl<T: Send + 'static, E: Send + 'static> TaskGroup<T, E> {
    /// Spawns a task into the group, on the current runtime. If the group
    /// has already failed, the task is cancelled at once.
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
    {
        let index = self.spawned;
        self.spawned += 1;
        let shared = self.shared.clone();
        let abort = self.set.spawn(async move {
            match catch_unwind_future(future).await {
                Ok(Ok(v)) => (index, Ok(v)),
                Ok(Err(e)) => {
                    shared.fail(index);
                    (index, Err(e))
                }
                Err(payload) => {
                    shared.fail(index);
                    // Report the panic as this task's own (a `JoinError`).
                    resume_unwind(payload)
                }
            }
        });
        let mut inner = self.shared.inner.lock();
        if inner.first_failure.is_some() {
            abort.abort();
        }
        inner.handles.push(abort);
    }

    /// Waits for every task. Returns their values in spawn order, or the
    /// error of the first task that failed, once all the others have
    /// stopped.
    ///
    /// ```
    /// use runtime::task::TaskGroup;
    /// use runtime::time::{sleep, Duration};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut group = TaskGroup::<_, std::io::Error>::new();
    /// for ms in [3u64, 1, 2] {
    ///     group.spawn(async move {
    ///         sleep(Duration::from_millis(ms)).await;
    ///         Ok(ms)
    ///     });
    /// }
    /// assert_eq!(group.len(), 3);
    /// // Spawn order, not finishing order.
    /// assert_eq!(group.join().await.unwrap(), [3, 1, 2]);
    /// # });
    /// ```
    ///
    /// # Panics
    /// Resumes the panic of the first task that panicked, if that was the
    /// first failure. Panics if a task was cancelled from outside the group
    /// (its runtime shut down) while none had failed.
    pub async fn join(mut self) -> Result<Vec<T>, E> {
        let mut values: Vec<Option<T>> = (0..self.spawned).map(|_| None).collect();
        let mut failure = None;
        while let Some(res) = self.set.join_next().await {
            let (index, outcome) = match res {
                Ok((index, Ok(v))) => {
                    values[index] = Some(v);
                    continue;
                }
                Ok((index, Err(e))) => (Some(index), Failure::Err(e)),
                Err(e) if e.is_panic() => (self.index_of(&e), Failure::Panic(e.into_panic())),
                Err(e) => {
                    if self.shared.first_failure().is_some() {
                        continue; // a sibling we cancelled
                    }
                    // Cancelled from outside: treat as the group's failure.
                    self.set.abort_all();
                    (None, Failure::Cancelled(e))
                }
            };
            let first = self.shared.first_failure();
            if failure.is_none() && (index.is_none() || index == first) {
                failure = Some(outcome);
            }
        }
        match failure {
            None => Ok(values
                .into_iter()
                .map(|v| v.expect("every task of a group that did not fail has a value"))
                .collect()),
            Some(Failure::Err(e)) => Err(e),
            Some(Failure::Panic(payload)) => resume_unwind(payload),
            Some(Failure::Cancelled(e)) => panic!("a task of the TaskGroup failed: {e}"),
        }
    }

    /// The spawn index of the task a `JoinError` is about.
    fn index_of(&self, e: &JoinError) -> Option<usize> {
        let inner = self.shared.inner.lock();
        inner.handles.iter().position(|h| h.id() == e.id())
    }
}

impl<T, E> Default for TaskGroup<T, E> {
    fn default() -> Self {
        TaskGroup::new()
    }
}

impl<T, E> fmt::Debug for TaskGroup<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("len", &self.spawned)
            .field("running", &self.set.len())
            .field("failed", &self.shared.first_failure().is_some())
            .finish()
    }
}

/// Polls `future`, catching a panic as a value, so the group can cancel
/// the siblings before the panic is resumed as the task's own.
async fn catch_unwind_future<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        },
    )
    .await
}
