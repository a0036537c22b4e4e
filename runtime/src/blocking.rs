//! The blocking pool: threads for `spawn_blocking`, started on demand up to
//! `max_blocking_threads`; an idle one exits after `thread_keep_alive`.
//!
//! A blocking closure runs as an ordinary task (one poll), so it has a
//! `JoinHandle`, its panic is caught, and it can be aborted before it
//! starts.
//!
//! At shutdown, a queued closure that was handed to a thread (one was
//! started for it, or an idle one notified for it) still runs: that thread
//! takes it from the queue as it would have anyway. Only the closures no
//! thread was handed to (the pool was at its cap) are cancelled. The
//! running ones are waited for, up to the caller's timeout.

use crate::loom::{Condvar, Mutex};
use crate::runtime::{Handle, ThreadSpawner};
use crate::task::{self, Header, JoinHandle, Notified, Refused, Schedule, SpawnMeta, Task};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub(crate) struct BlockingPool {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    /// Work queued or shutdown, for idle threads.
    work: Condvar,
    /// A thread exited, for `shutdown`.
    exited: Condvar,
    max_threads: usize,
    keep_alive: Duration,
    spawner: ThreadSpawner,
    /// A simulation's pool (`multi_thread/sim.rs`): no threads; the
    /// stepping thread runs the queued closures ([`BlockingPool::run_one`]).
    inline: bool,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    num_threads: usize,
    num_idle: usize,
    /// Idle threads notified but not yet awake: spawns don't over-notify.
    num_notify: usize,
    shutdown: bool,
    next_id: usize,
    threads: HashMap<usize, std::thread::JoinHandle<()>>,
}

/// [`BlockingPool::stats`].
pub(crate) struct PoolStats {
    pub(crate) threads: usize,
    pub(crate) idle: usize,
    pub(crate) queued: usize,
}

/// A closure waiting for a thread.
struct Queued {
    task: Notified,
    /// A thread was started, or an idle one notified, for this closure: it
    /// runs even if shutdown comes first. There are never more of these in
    /// the queue than threads still to come to it (each started thread
    /// takes from the queue once it runs; each notify is taken by an idle
    /// thread, which then does), so none is left behind.
    assigned: bool,
}

/// The future of a blocking task: runs the closure on its one poll.
struct BlockingTask<F>(Option<F>);

impl<F> Unpin for BlockingTask<F> {}

impl<F: FnOnce() -> R, R> Future for BlockingTask<F> {
    type Output = R;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<R> {
        let f = self.0.take().expect("a blocking task is polled once");
        Poll::Ready(f())
    }
}

/// Blocking tasks are never woken (their one poll completes them) and live
/// in no owned-task list: the pool's queue reaches them at shutdown.
struct NoSchedule;

impl Schedule for NoSchedule {
    fn schedule(&self, task: Notified) -> Refused {
        // Unreachable: only an abort of an idle task schedules, and a
        // blocking task is never idle. Dropping the ref is the safe answer.
        debug_assert!(false, "a blocking task was scheduled");
        Refused::new(vec![task])
    }

    fn release(&self, _task: NonNull<Header>) -> Option<Task> {
        None
    }
}

impl BlockingPool {
    pub(crate) fn new(
        max_threads: usize,
        keep_alive: Duration,
        spawner: ThreadSpawner,
        inline: bool,
    ) -> BlockingPool {
        BlockingPool {
            inner: Arc::new(Inner {
                state: Mutex::new(State::default()),
                work: Condvar::new(),
                exited: Condvar::new(),
                max_threads,
                keep_alive,
                spawner,
                inline,
            }),
        }
    }

    /// Whether a closure waits in an inline pool's queue.
    pub(crate) fn has_queued(&self) -> bool {
        !self.inner.state.lock().queue.is_empty()
    }

    /// Runs the oldest queued closure on this thread (an inline pool's
    /// way of running them).
    pub(crate) fn run_one(&self, driver: &crate::driver::Driver) {
        let queued = self.inner.state.lock().queue.pop_front();
        if let Some(Queued { task, .. }) = queued {
            task.run();
            driver.blocking_done();
        }
    }

    /// The pool's size and backlog now, for `RuntimeMetrics`.
    pub(crate) fn stats(&self) -> PoolStats {
        let state = self.inner.state.lock();
        PoolStats {
            threads: state.num_threads,
            // A notified idle thread is about to take a closure.
            idle: state.num_idle.saturating_sub(state.num_notify),
            queued: state.queue.len(),
        }
    }

    /// Queues `f`, starting a thread if none is idle and the cap allows.
    pub(crate) fn spawn<F, R>(&self, f: F, handle: &Handle, meta: SpawnMeta) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (task, notified, join) = task::new_task(BlockingTask(Some(f)), NoSchedule, meta);
        drop(task); // No owned-task list: see `NoSchedule`.
        let mut state = self.inner.state.lock();
        if state.shutdown {
            drop(state);
            notified.cancel();
            return join;
        }
        // Auto-advance waits for it (`driver.rs`, step 5).
        handle.inner.driver.blocking_queued();
        let assigned = if self.inner.inline {
            // Run by the simulation's stepping thread; cancelled at
            // shutdown if still queued.
            false
        } else if state.num_idle > state.num_notify {
            state.num_notify += 1;
            self.inner.work.notify_one();
            true
        } else if state.num_threads < self.inner.max_threads {
            let id = state.next_id;
            state.next_id += 1;
            let inner = self.inner.clone();
            let handle = handle.clone();
            match self.inner.spawner.spawn(move || run(inner, handle, id)) {
                // It takes from the queue once we unlock.
                Ok(thread) => {
                    state.num_threads += 1;
                    state.threads.insert(id, thread);
                    true
                }
                Err(e) if state.num_threads == 0 => {
                    let queued = std::mem::take(&mut state.queue);
                    drop(state);
                    notified.cancel();
                    queued.into_iter().for_each(|q| q.task.cancel());
                    panic!("the blocking pool could not start a thread, and has none: {e}");
                }
                // The running threads will get to it, unless shutdown
                // comes first.
                Err(_) => false,
            }
        } else {
            false
        };
        state.queue.push_back(Queued {
            task: notified,
            assigned,
        });
        join
    }

    /// Cancels the queued closures no thread was handed to, and waits for
    /// the others, at most `timeout` (`None`: no limit). Returns whether
    /// every thread exited.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let unassigned: VecDeque<Queued> = {
            let mut state = self.inner.state.lock();
            state.shutdown = true;
            self.inner.work.notify_all();
            let (assigned, unassigned) = std::mem::take(&mut state.queue)
                .into_iter()
                .partition(|q| q.assigned);
            state.queue = assigned;
            unassigned
        };
        unassigned.into_iter().for_each(|q| q.task.cancel());

        let me = std::thread::current().id();
        let mut state = self.inner.state.lock();
        // A closure that shuts its own runtime down cannot wait for itself.
        let own = state.threads.values().any(|t| t.thread().id() == me);
        while state.num_threads > usize::from(own) {
            match deadline {
                None => state = self.inner.exited.wait(state),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    state = self.inner.exited.wait_timeout(state, deadline - now);
                }
            }
        }
        let threads = std::mem::take(&mut state.threads);
        drop(state);
        for (_, thread) in threads {
            if thread.thread().id() != me {
                let _ = thread.join();
            }
        }
        true
    }
}

/// A blocking thread's loop.
fn run(inner: Arc<Inner>, handle: Handle, id: usize) {
    let _current = crate::context::set_current(&handle);
    let mut state = inner.state.lock();
    'outer: loop {
        // After shutdown, only closures handed to a thread are left here.
        while let Some(Queued { task, .. }) = state.queue.pop_front() {
            drop(state);
            task.run();
            handle.inner.driver.blocking_done();
            state = inner.state.lock();
        }
        if state.shutdown {
            break;
        }
        state.num_idle += 1;
        let deadline = Instant::now() + inner.keep_alive;
        loop {
            state = inner
                .work
                .wait_timeout(state, deadline.saturating_duration_since(Instant::now()));
            if state.num_notify > 0 {
                state.num_notify -= 1;
                state.num_idle -= 1;
                continue 'outer;
            }
            if state.shutdown || Instant::now() >= deadline {
                state.num_idle -= 1;
                break 'outer;
            }
        }
    }
    state.num_threads -= 1;
    if !state.shutdown {
        // Exiting on keep-alive: nobody will join this thread.
        state.threads.remove(&id);
    }
    inner.exited.notify_all();
}

impl std::fmt::Debug for BlockingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.inner.state.lock();
        f.debug_struct("BlockingPool")
            .field("threads", &state.num_threads)
            .field("idle", &state.num_idle)
            .field("queued", &state.queue.len())
            .finish()
    }
}
