//! `JoinSet`: a collection of tasks, joined in the order they finish, and
//! its task [`Builder`].

use super::{AbortHandle, JoinError, JoinHandle};
use crate::loom::Mutex;
use crate::runtime::Handle;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A set of tasks spawned on a runtime, joined in completion order.
///
/// Each task gets its own join waker, which queues the task's slot when it
/// finishes, so `join_next` only polls tasks that made progress: joining
/// n tasks costs O(n), not O(n²). Dropping the set aborts every task in it.
///
/// # Examples
///
/// ```
/// use runtime::task::JoinSet;
/// use runtime::time::{sleep, Duration};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..5u64 {
///     set.spawn(async move {
///         // The later ones finish first.
///         sleep(Duration::from_millis(5 - i)).await;
///         i
///     });
/// }
/// assert_eq!(set.len(), 5);
/// let mut seen = Vec::new();
/// while let Some(res) = set.join_next().await {
///     seen.push(res.unwrap());
/// }
/// seen.sort();
/// assert_eq!(seen, [0, 1, 2, 3, 4]);
/// assert!(set.is_empty());
///
/// // Dropping a set (or `shutdown`) cancels the tasks still in it.
/// set.spawn(std::future::pending::<u64>());
/// set.shutdown().await;
/// assert!(set.is_empty());
/// # });
/// ```
pub struct JoinSet<T> {
    slots: Vec<Option<Slot<T>>>,
    free: Vec<usize>,
    len: usize,
    ready: Arc<Ready>,
}

struct Slot<T> {
    handle: JoinHandle<T>,
    waker: Waker,
}

/// Slots whose task finished (or may have), and the joiner to wake.
#[derive(Default)]
struct Ready {
    queue: Mutex<VecDeque<usize>>,
    joiner: Mutex<Option<Waker>>,
}

/// The join waker of one slot.
struct SlotWaker {
    index: usize,
    ready: Arc<Ready>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.queue.lock().push_back(self.index);
        let joiner = self.ready.joiner.lock().take();
        if let Some(w) = joiner {
            w.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            slots: Vec::new(),
            free: Vec::new(),
            len: 0,
            ready: Arc::default(),
        }
    }

    /// The number of tasks in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set holds no task.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn insert(&mut self, handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let index = self.free.pop().unwrap_or(self.slots.len());
        let waker = Waker::from(Arc::new(SlotWaker {
            index,
            ready: self.ready.clone(),
        }));
        let slot = Some(Slot { handle, waker });
        if index == self.slots.len() {
            self.slots.push(slot);
        } else {
            self.slots[index] = slot;
        }
        self.len += 1;
        // Polled once by the next `join_next`, which registers the waker.
        self.ready.queue.lock().push_back(index);
        abort
    }

    /// Aborts every task; they stay in the set until joined.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = runtime::task::JoinSet::new();
    /// for _ in 0..3 {
    ///     set.spawn(std::future::pending::<()>());
    /// }
    /// set.abort_all();
    /// let mut cancelled = 0;
    /// while let Some(res) = set.join_next().await {
    ///     cancelled += res.unwrap_err().is_cancelled() as usize;
    /// }
    /// assert_eq!(cancelled, 3);
    /// # });
    /// ```
    pub fn abort_all(&mut self) {
        for slot in self.slots.iter().flatten() {
            slot.handle.abort();
        }
    }

    /// Removes every task without aborting it: they keep running detached.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (tx, rx) = runtime::sync::oneshot::channel();
    /// let mut set = runtime::task::JoinSet::new();
    /// set.spawn(async move { tx.send(1).unwrap() });
    /// set.detach_all();
    /// drop(set); // aborts nothing now
    /// assert_eq!(rx.await.unwrap(), 1);
    /// # });
    /// ```
    pub fn detach_all(&mut self) {
        self.slots.clear();
        self.free.clear();
        self.len = 0;
        self.ready.queue.lock().clear();
    }

    /// Polls for the next finished task (see [`JoinSet::join_next`]).
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        // One unit of the joiner's cooperative budget per join.
        let mut coop = std::task::ready!(runtime_coop::poll_proceed(cx));
        // Registered before looking at the queue, so a finish that lands
        // after the look still wakes us.
        {
            let mut joiner = self.ready.joiner.lock();
            if !joiner.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *joiner = Some(cx.waker().clone());
            }
        }
        match self.next_finished() {
            Some(res) => {
                coop.made_progress();
                Poll::Ready(Some(res))
            }
            None => Poll::Pending,
        }
    }

    /// Polls each queued slot with its own waker; returns the first output.
    fn next_finished(&mut self) -> Option<Result<T, JoinError>> {
        // The handles are polled exempt from the budget: a handle that
        // returned `Pending` for lack of budget would wake its slot, which
        // requeues it, and this loop would spin. The set spends one unit
        // per join instead (`poll_join_next`).
        runtime_coop::with_unconstrained(|| self.next_finished_unbudgeted())
    }

    fn next_finished_unbudgeted(&mut self) -> Option<Result<T, JoinError>> {
        loop {
            let index = self.ready.queue.lock().pop_front()?;
            let Some(Some(slot)) = self.slots.get_mut(index) else {
                continue; // a stale wake of a slot already joined
            };
            let mut cx = Context::from_waker(&slot.waker);
            if let Poll::Ready(res) = Pin::new(&mut slot.handle).poll(&mut cx) {
                self.slots[index] = None;
                self.free.push(index);
                self.len -= 1;
                return Some(res);
            }
        }
    }

    /// Waits for a task to finish and returns its output; `None` if the set
    /// is empty. Cancel-safe: a task whose output was not returned stays in
    /// the set.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = runtime::task::JoinSet::new();
    /// set.spawn(async { "ok" });
    /// set.spawn(async { panic!("failed") });
    /// let (mut ok, mut panicked) = (0, 0);
    /// while let Some(res) = set.join_next().await {
    ///     match res {
    ///         Ok(v) => {
    ///             assert_eq!(v, "ok");
    ///             ok += 1;
    ///         }
    ///         Err(e) => panicked += e.is_panic() as usize,
    ///     }
    /// }
    /// assert_eq!((ok, panicked), (1, 1));
    /// assert!(set.join_next().await.is_none()); // empty
    /// # });
    /// ```
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Returns the output of a task that already finished, without waiting.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = runtime::task::JoinSet::new();
    /// set.spawn(std::future::pending::<i32>());
    /// assert!(set.try_join_next().is_none()); // nothing finished
    /// set.spawn(async { 3 });
    /// let out = loop {
    ///     if let Some(res) = set.try_join_next() {
    ///         break res.unwrap();
    ///     }
    ///     runtime::task::yield_now().await;
    /// };
    /// assert_eq!(out, 3);
    /// assert_eq!(set.len(), 1); // the pending one
    /// # });
    /// ```
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.next_finished()
    }

    /// Waits for every task and returns their outputs in completion order.
    ///
    /// # Panics
    /// If a task panicked, its panic is resumed here (after aborting the
    /// others, when the set is dropped); if one was cancelled, this panics.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = runtime::task::JoinSet::new();
    /// for i in 1..=4 {
    ///     set.spawn(async move { i * 10 });
    /// }
    /// let mut all = set.join_all().await;
    /// all.sort();
    /// assert_eq!(all, [10, 20, 30, 40]);
    /// # });
    /// ```
    pub async fn join_all(mut self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.len);
        while let Some(res) = self.join_next().await {
            match res {
                Ok(v) => out.push(v),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("a task of the JoinSet failed: {e}"),
            }
        }
        out
    }

    /// Aborts every task and waits until all have stopped.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Spawns a task on the current runtime into the set. The returned
    /// [`AbortHandle`] cancels that one task.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut set = runtime::task::JoinSet::new();
    /// let slow = set.spawn(std::future::pending::<&str>());
    /// set.spawn(async { "fast" });
    /// slow.abort();
    /// let mut outs = Vec::new();
    /// while let Some(res) = set.join_next().await {
    ///     outs.push(res.map_err(|e| e.is_cancelled()));
    /// }
    /// outs.sort();
    /// assert_eq!(outs, [Ok("fast"), Err(true)]);
    /// # });
    /// ```
    ///
    /// # Panics
    /// Outside a runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(crate::spawn(future))
    }

    /// Spawns a task on the runtime of `handle` into the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, future: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
    {
        self.insert(handle.spawn(future))
    }

    /// Runs a blocking closure on the current runtime's blocking pool, as a
    /// task of the set.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(super::spawn_blocking(f))
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns a `!Send` task on the current [`LocalSet`](super::LocalSet)
    /// into the set.
    ///
    /// # Panics
    /// Outside a `LocalSet` (as [`spawn_local`](super::spawn_local)).
    #[track_caller]
    pub fn spawn_local<F>(&mut self, future: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(future))
    }

    /// Spawns a `!Send` task on `local_set` into the set; it runs when the
    /// set is driven (`run_until`, `block_on`, or awaited).
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, future: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(future))
    }
}

impl<T: Send + 'static> JoinSet<T> {
    /// Runs a blocking closure on the blocking pool of `handle`'s runtime,
    /// as a task of the set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
    {
        self.insert(handle.spawn_blocking(f))
    }
}

impl<T> JoinSet<T> {
    /// A [`Builder`] for a task of this set: a name, then any of the
    /// `spawn*` methods (tokio's `JoinSet::build_task`, stable here).
    pub fn build_task(&mut self) -> Builder<'_, T> {
        Builder {
            set: self,
            builder: super::Builder::new(),
        }
    }
}

/// Spawns a task into a [`JoinSet`] with options
/// ([`JoinSet::build_task`]); as [`task::Builder`](super::Builder), but
/// each `spawn*` returns the task's [`AbortHandle`] and the set joins it.
#[must_use = "a builder does nothing until one of its spawn methods is called"]
pub struct Builder<'a, T> {
    set: &'a mut JoinSet<T>,
    builder: super::Builder<'a>,
}

impl<'a, T: 'static> Builder<'a, T> {
    /// Names the task.
    pub fn name(self, name: &'a str) -> Builder<'a, T> {
        Builder {
            set: self.set,
            builder: self.builder.name(name),
        }
    }

    /// Spawns a `!Send` task on the current `LocalSet` into the set.
    #[track_caller]
    pub fn spawn_local<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self.set.insert(self.builder.spawn_local(future)?))
    }

    /// Spawns a `!Send` task on `local_set` into the set.
    #[track_caller]
    pub fn spawn_local_on<F>(
        self,
        future: F,
        local_set: &super::LocalSet,
    ) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + 'static,
    {
        Ok(self
            .set
            .insert(self.builder.spawn_local_on(future, local_set)?))
    }
}

impl<T: Send + 'static> Builder<'_, T> {
    /// Spawns a task on the current runtime into the set.
    #[track_caller]
    pub fn spawn<F>(self, future: F) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + Send + 'static,
    {
        Ok(self.set.insert(self.builder.spawn(future)?))
    }

    /// Spawns a task on the runtime of `handle` into the set.
    #[track_caller]
    pub fn spawn_on<F>(self, future: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: Future<Output = T> + Send + 'static,
    {
        Ok(self.set.insert(self.builder.spawn_on(future, handle)?))
    }

    /// Runs a blocking closure on the current runtime's pool, into the set.
    #[track_caller]
    pub fn spawn_blocking<F>(self, f: F) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        Ok(self.set.insert(self.builder.spawn_blocking(f)?))
    }

    /// Runs a blocking closure on `handle`'s runtime's pool, into the set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(self, f: F, handle: &Handle) -> std::io::Result<AbortHandle>
    where
        F: FnOnce() -> T + Send + 'static,
    {
        Ok(self.set.insert(self.builder.spawn_blocking_on(f, handle)?))
    }
}

impl<T> fmt::Debug for Builder<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("builder", &self.builder)
            .finish_non_exhaustive()
    }
}

/// Spawns each future on the current runtime into the set, as
/// [`JoinSet::spawn`].
impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for future in iter {
            self.spawn(future);
        }
    }
}

/// A set of the futures, each spawned on the current runtime.
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// use runtime::task::JoinSet;
/// let set: JoinSet<u32> = (0..4).map(|i| async move { i * 2 }).collect();
/// let mut all = set.join_all().await;
/// all.sort();
/// assert_eq!(all, [0, 2, 4, 6]);
/// # });
/// ```
impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    #[track_caller]
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}
