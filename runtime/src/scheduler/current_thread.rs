//! The current-thread scheduler: the same tasks, driven by whichever thread
//! is inside `block_on`. Other threads spawn or wake into its injector and
//! unpark it.
//!
//! The *core* (the local queue) is held by at most one `block_on` at a
//! time; a `block_on` on another thread polls its own future while the
//! first drives the tasks, and takes the core over when it is given back.
//!
//! Shutdown: close the owned-task list and cancel every task in it, drop
//! the core's queued `Notified`s, then close the injector (`queue.rs`), so
//! a wake from another thread after that drops its task. A core held by a
//! `block_on` on another thread is emptied when it is given back.

use crate::driver::Driver;
use crate::loom::{Mutex, Ordering};
use crate::runtime::metrics::{stamp_wake, Sampler, WorkerMetrics};
use crate::runtime::Config;
use crate::scheduler::park::{Parker, Unparker};
use crate::scheduler::queue::Inject;
use crate::scheduler::{defer, pick_next};
use crate::task::{
    self, Header, JoinHandle, Notified, OwnedTasks, Refused, Schedule, SpawnMeta, Task,
};
use crossbeam_utils::CachePadded;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::{pin, Pin};
use std::ptr::{self, NonNull};
use std::sync::atomic::AtomicBool as StdAtomicBool;
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

/// State shared by the driving thread and every handle.
pub(crate) struct Shared {
    inject: Inject,
    pub(crate) owned: OwnedTasks,
    /// The core, when no `block_on` holds it.
    core: Mutex<Option<Box<Core>>>,
    /// Wakes the thread driving the core.
    unparker: Unparker,
    parker: Mutex<Option<Parker>>,
    /// `block_on`s on other threads waiting for the core.
    core_waiters: Mutex<Vec<Unparker>>,
    pub(crate) config: Config,
    /// The timer (and, with IO, the reactor): see `driver.rs`.
    pub(crate) driver: Driver,
    /// The driving thread's counters and histograms.
    pub(crate) metrics: CachePadded<WorkerMetrics>,
    /// The local queue's length after the last batch of polls (the queue
    /// itself is the driving thread's alone).
    local_len: AtomicUsize,
}

/// What the driving thread owns.
struct Core {
    local: VecDeque<Notified>,
    /// Tasks that called `yield_now`: queued again at the next checkpoint
    /// (`defer.rs`).
    yielded: Vec<Notified>,
    tick: u32,
}

impl Core {
    /// A checkpoint: the tasks that yielded go to the back of the queue.
    fn requeue_yielded(&mut self) {
        self.local.extend(self.yielded.drain(..));
    }
}

/// The driving thread's view, reached by tasks through `CURRENT`.
struct CoreContext {
    shared: Arc<Shared>,
    core: RefCell<Option<Box<Core>>>,
}

crate::loom::runtime_thread_local! {
    static CURRENT: Cell<*const CoreContext> = const { Cell::new(ptr::null()) };
}

/// Whether this thread drives a current-thread runtime now (inside its
/// `block_on`): `task::block_in_place` refuses to run there.
pub(crate) fn is_driving() -> bool {
    CURRENT.try_with(|c| !c.get().is_null()).unwrap_or(false)
}

fn with_current<R>(shared: &Arc<Shared>, f: impl FnOnce(Option<&CoreContext>) -> R) -> R {
    // A destroyed slot (thread exit) means no core is driven here any more.
    let cx = CURRENT.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: `CURRENT` points to the context on `block_on`'s frame while
    // it drives, and is restored before that frame ends (`Restore`).
    let cx = unsafe { cx.as_ref() }.filter(|cx| Arc::ptr_eq(&cx.shared, shared));
    f(cx)
}

/// The `block_on` future's waker: a flag plus an unpark.
struct BlockOnWaker {
    woken: StdAtomicBool,
    unparker: Unparker,
}

impl Wake for BlockOnWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        // Release: pairs with the acquire swap before the main future's poll.
        self.woken.store(true, Ordering::Release);
        self.unparker.unpark();
    }
}

impl Shared {
    pub(crate) fn new(config: Config, driver: Driver) -> Arc<Shared> {
        let parker = Parker::new();
        // The thread driving the core is the only one that holds the driver.
        driver.set_parkers(&[&parker]);
        Arc::new(Shared {
            inject: Inject::new(),
            owned: OwnedTasks::new(1),
            core: Mutex::new(Some(Box::new(Core {
                local: VecDeque::new(),
                yielded: Vec::new(),
                tick: 0,
            }))),
            unparker: parker.unparker(),
            parker: Mutex::new(Some(parker)),
            core_waiters: Mutex::new(Vec::new()),
            config,
            driver,
            metrics: CachePadded::new(WorkerMetrics::new()),
            local_len: AtomicUsize::new(0),
        })
    }

    pub(crate) fn injector_len(&self) -> usize {
        self.inject.len()
    }

    pub(crate) fn local_queue_len(&self) -> usize {
        self.local_len.load(Ordering::Relaxed)
    }

    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, meta: SpawnMeta) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        task::spawn_task(&self.owned, self.clone(), future, meta)
    }

    /// Runs `future` to completion on this thread, driving the tasks if no
    /// other `block_on` does; a waiting `block_on` takes the core over when
    /// the driving one returns it.
    pub(crate) fn block_on<F: Future>(self: &Arc<Self>, future: F) -> F::Output {
        let mut future = pin!(future);
        loop {
            if let Some((core, parker)) = self.take_core() {
                return self.drive(core, parker, future.as_mut());
            }
            if let Some(v) = self.wait_for_core(future.as_mut()) {
                return v;
            }
        }
    }

    fn take_core(&self) -> Option<(Box<Core>, Parker)> {
        let mut core = self.core.lock();
        let mut parker = self.parker.lock();
        // Both are taken together, and `Restore` gives both back.
        if core.is_none() || parker.is_none() {
            return None;
        }
        Some((core.take()?, parker.take()?))
    }

    /// Polls `future` on this thread while another thread drives the tasks.
    /// Returns `None` once the core is free to take.
    fn wait_for_core<F: Future>(&self, future: Pin<&mut F>) -> Option<F::Output> {
        let parker = Parker::new();
        // Registered before the first look at the core, so a return of the
        // core after that look unparks us.
        self.core_waiters.lock().push(parker.unparker());
        let Some(policy) = self.config.panic_shutdown.as_deref() else {
            return self
                .driver
                .block_on(future, &parker, || self.core.lock().is_some());
        };
        let guarded = pin!(policy.guard(future));
        match self
            .driver
            .block_on(guarded, &parker, || self.core.lock().is_some())
        {
            Some(None) => policy.panic(),
            Some(Some(v)) => Some(v),
            None => None,
        }
    }

    fn drive<F: Future>(
        self: &Arc<Self>,
        core: Box<Core>,
        parker: Parker,
        mut future: Pin<&mut F>,
    ) -> F::Output {
        let cx = CoreContext {
            shared: self.clone(),
            core: RefCell::new(Some(core)),
        };
        let prev = CURRENT.with(|c| c.replace(&cx));

        /// Puts the core and parker back, also when a task's poll or the
        /// main future panics through `block_on`.
        struct Restore<'a> {
            prev: *const CoreContext,
            cx: &'a CoreContext,
            parker: Option<Parker>,
            /// Publishes its poll count when `block_on` returns.
            sampler: Sampler,
        }
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.prev));
                let shared = &self.cx.shared;
                self.sampler.publish(&shared.metrics);
                // No thread drives the runtime now (watchdog.rs).
                if let Some(dog) = &shared.config.watchdog {
                    dog.parking();
                }
                *shared.parker.lock() = self.parker.take();
                let mut core = self.cx.core.borrow_mut().take();
                if let Some(core) = &mut core {
                    core.requeue_yielded();
                    if shared.inject.is_closed() {
                        // Shut down while we drove: what is queued is
                        // cancelled.
                        core.local.clear();
                    }
                }
                *shared.core.lock() = core;
                for waiter in std::mem::take(&mut *shared.core_waiters.lock()) {
                    waiter.unpark();
                }
            }
        }
        let mut restore = Restore {
            prev,
            cx: &cx,
            // Held here, not on this frame, so that a panic through
            // `block_on` still gives the parker back.
            parker: Some(parker),
            sampler: Sampler::new(self.config.sample_every),
        };
        if let Some(dog) = &self.config.watchdog {
            dog.unparked();
        }

        let waker = Arc::new(BlockOnWaker {
            woken: StdAtomicBool::new(true),
            unparker: self.unparker.clone(),
        });
        let main_waker = Waker::from(waker.clone());
        let mut main_cx = Context::from_waker(&main_waker);
        let event_interval = self.config.event_interval;
        let global_interval = self.config.global_queue_interval;
        // `yield_now` on this thread hands its waker here (`defer.rs`).
        let _defer = defer::enter();
        let (mut ran_since_unpark, mut busy_since) = (false, Instant::now());
        let policy = self.config.panic_shutdown.as_deref();
        loop {
            // A task panicked under `UnhandledPanic::ShutdownRuntime`: the
            // tasks are cancelled already (`task_panicked`).
            if let Some(policy) = policy.filter(|p| p.is_tripped()) {
                policy.panic();
            }
            // Acquire: pairs with the release store in `BlockOnWaker`.
            if waker.woken.swap(false, Ordering::Acquire) {
                if let Poll::Ready(v) = runtime_coop::budget(|| future.as_mut().poll(&mut main_cx))
                {
                    return v;
                }
            }
            // A batch of tasks between two looks at the main future, also
            // when it was woken (a self-waking main future must not starve
            // the tasks).
            let mut ran = 0;
            while ran < event_interval {
                let Some(task) = cx.next_task(global_interval) else {
                    break;
                };
                self.metrics.run(task, &mut restore.sampler);
                ran += 1;
            }
            ran_since_unpark |= ran > 0;
            if let Some(core) = cx.core.borrow().as_ref() {
                self.local_len.store(core.local.len(), Ordering::Relaxed);
            }
            let yielded = cx
                .core
                .borrow()
                .as_ref()
                .is_some_and(|c| !c.yielded.is_empty());
            if ran > 0 || waker.woken.load(Ordering::Acquire) || yielded || defer::has_deferred() {
                // Busy (tasks ran, the main future wants a poll, or tasks
                // yielded): look at the driver without blocking, as parking
                // would have.
                self.driver.maintain();
            } else {
                // A remote push or wake after our last look has unparked
                // the parker, so this returns at once (park.rs).
                let parker = restore.parker.as_mut().expect("held until return");
                self.metrics
                    .parking(&mut ran_since_unpark, busy_since, &mut restore.sampler);
                self.config.park_hooks.before_park();
                let dog = self.config.watchdog.as_deref();
                dog.inspect(|d| d.parking());
                let quiet = || self.inject.is_empty() && !waker.woken.load(Ordering::Acquire);
                self.driver.park(0, parker, None, quiet, true);
                self.driver.check_deadlock();
                dog.inspect(|d| d.unparked());
                self.config.park_hooks.after_unpark();
                busy_since = Instant::now();
            }
            // The tasks that yielded run again after all of that.
            if let Some(core) = cx.core.borrow_mut().as_mut() {
                core.requeue_yielded();
            }
            defer::wake_deferred();
        }
    }

    /// How many tasks are alive (for `Debug`).
    pub(crate) fn owned_len(&self) -> usize {
        self.owned.len()
    }

    /// Cancels every task, drops the queued ones, and closes the injector.
    pub(crate) fn shutdown(&self) {
        self.owned.close_and_shutdown_all();
        // The core is absent if a `block_on` on another thread holds it;
        // its queue is emptied when that thread gives it back (`Restore`).
        let core = self.core.lock().take();
        if let Some(mut core) = core {
            core.local.clear();
            core.yielded.clear();
            *self.core.lock() = Some(core);
        }
        self.inject.close();
    }
}

impl CoreContext {
    fn next_task(&self, global_interval: u32) -> Option<Notified> {
        let mut core = self.core.borrow_mut();
        let core = core.as_mut().expect("the core is held while driving");
        pick_next(
            &mut core.tick,
            global_interval,
            || core.local.pop_front(),
            || self.shared.inject.pop(),
        )
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) -> Refused {
        self.push(task, false)
    }

    fn yield_now(&self, task: Notified) -> Refused {
        self.push(task, true)
    }

    fn release(&self, task: NonNull<Header>) -> Option<Task> {
        self.owned.remove(task)
    }

    fn hooks(&self) -> Option<&crate::runtime::TaskHooks> {
        self.config.task_hooks.as_deref()
    }

    fn sample_every(&self) -> u32 {
        self.config.sample_every
    }

    fn task_panicked(&self, task: task::TaskMeta<'_>, payload: &(dyn std::any::Any + Send)) {
        if let Some(unjoined) = &self.config.unjoined {
            unjoined.record(task, payload);
        }
        if let Some(policy) = &self.config.panic_shutdown {
            if policy.begin(task, payload) {
                self.shutdown();
                policy.finish();
                // The driving thread panics at its next look (`drive`).
                self.unparker.unpark();
                for waiter in std::mem::take(&mut *self.core_waiters.lock()) {
                    waiter.unpark();
                }
            }
        }
    }

    fn record_schedule_latency(&self, ns: u64) {
        // Only the thread that holds the core polls this scheduler's tasks:
        // the recorder's one writer.
        self.metrics.schedule_latency.record(ns);
    }
}

impl Shared {
    /// A wake (`is_yield`: during the task's own poll).
    fn push(self: &Arc<Self>, task: Notified, is_yield: bool) -> Refused {
        stamp_wake(&task);
        let remote = with_current(self, |cx| {
            // On the driving thread: its local queue. The core may be
            // borrowed (a task's drop waking another during `next_task`) or
            // absent (between two `block_on`s): then the injector.
            let Some(cx) = cx else { return Some(task) };
            let Ok(mut core) = cx.core.try_borrow_mut() else {
                return Some(task);
            };
            match core.as_mut() {
                Some(core) if is_yield && defer::take_yield() => {
                    core.yielded.push(task);
                    None
                }
                Some(core) => {
                    core.local.push_back(task);
                    None
                }
                None => Some(task),
            }
        });
        let Some(task) = remote else {
            return Refused::NONE;
        };
        if let Err(refused) = self.inject.push(task) {
            return refused;
        }
        self.unparker.unpark();
        Refused::NONE
    }
}
