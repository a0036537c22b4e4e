//! `Builder::build`: a runtime from the builder's knobs (the drivers, the
//! scheduler's `Config`, the worker threads, the watchdog).

use super::{default_workers, Builder, Kind};
use crate::blocking::BlockingPool;
use crate::driver::Driver;
use crate::runtime::threads::ThreadSpawner;
use crate::runtime::unjoined::Unjoined;
use crate::runtime::watchdog::Watchdog;
use crate::runtime::{Config, Handle, PanicShutdown, Runtime, UnhandledPanic};
use crate::scheduler::multi_thread::Trace;
use crate::scheduler::tuning::{GLOBAL_QUEUE_INTERVAL_CURRENT, GLOBAL_QUEUE_INTERVAL_MULTI};
use crate::scheduler::{current_thread, multi_thread, Scheduler};
use std::io;
use std::sync::Arc;

impl Builder {
    /// Builds the runtime; for multi-thread, starts its workers. The
    /// builder can build again (each `build` makes a new runtime).
    ///
    /// ```
    /// let mut builder = runtime::Builder::new_current_thread();
    /// builder.enable_all();
    /// let a = builder.build().unwrap();
    /// let b = builder.build().unwrap();
    /// assert_ne!(a.handle().id(), b.handle().id());
    /// ```
    ///
    /// # Errors
    /// If the OS refuses to start a thread.
    pub fn build(&mut self) -> io::Result<Runtime> {
        crate::runtime::metrics::clock::calibrate();
        assert!(
            self.simulation.is_none() || self.kind == Kind::MultiThread,
            "`simulation` simulates the multi-thread scheduler: use `Builder::new_multi_thread()` \
             (a current-thread runtime is deterministic already; use `start_paused`)"
        );
        let blocking = BlockingPool::new(
            self.max_blocking_threads,
            self.thread_keep_alive,
            self.spawner(),
            self.simulation.is_some(),
        );
        assert!(
            self.enable_time || !self.start_paused,
            "`start_paused` needs the timer: call `enable_time` or `enable_all` on the builder"
        );
        assert!(
            self.enable_time || self.simulation.is_none(),
            "`simulation` needs the timer (its clock is virtual): call `enable_time` or \
             `enable_all` on the builder"
        );
        let driver = Driver::new(self.enable_time, self.enable_io)?;
        if self.start_paused || self.simulation.is_some() {
            driver.start_paused();
        }
        match self.kind {
            Kind::CurrentThread => {
                let config = Config {
                    worker_threads: 1,
                    global_queue_interval: self
                        .global_queue_interval
                        .unwrap_or(GLOBAL_QUEUE_INTERVAL_CURRENT),
                    event_interval: self.event_interval,
                    disable_lifo_slot: false,
                    park_hooks: self.park_hooks.clone(),
                    task_hooks: self.task_hooks.clone().into_option(),
                    sample_every: self.metrics_sample_every,
                    watchdog: self.watchdog(1, 0, false),
                    max_spare_workers: 0,
                    thread_keep_alive: self.thread_keep_alive,
                    panic_shutdown: self.panic_shutdown(),
                    unjoined: self.unjoined.then(|| Arc::new(Unjoined::new())),
                };
                let shared = current_thread::Shared::new(config, driver.clone());
                let handle = Handle::new(
                    Scheduler::CurrentThread(shared),
                    blocking,
                    driver,
                    self.name.clone(),
                );
                let mut rt = Runtime::from_parts(handle, Vec::new());
                rt.start_watchdog()?;
                Ok(rt)
            }
            Kind::MultiThread => {
                let workers = self.worker_threads.unwrap_or_else(default_workers);
                // A simulation has no thread to hand a worker's role to.
                let spares = match self.simulation {
                    Some(_) => 0,
                    None => self.max_spare_workers.unwrap_or(workers),
                };
                let sim = self
                    .simulation
                    .map(|seed| (seed, Arc::new(Trace::default())));
                let mut task_hooks = self.task_hooks.clone();
                if let Some((_, trace)) = &sim {
                    let (trace, user) = (trace.clone(), task_hooks.before_poll.take());
                    task_hooks.before_poll =
                        Some(Arc::new(move |meta: &crate::task::TaskMeta<'_>| {
                            trace.poll(meta.id());
                            if let Some(user) = &user {
                                user(meta);
                            }
                        }));
                }
                let watchdog = self.watchdog(workers + spares, workers, spares > 0);
                let config = Config {
                    worker_threads: workers,
                    global_queue_interval: self
                        .global_queue_interval
                        .unwrap_or(GLOBAL_QUEUE_INTERVAL_MULTI),
                    event_interval: self.event_interval,
                    disable_lifo_slot: false,
                    park_hooks: self.park_hooks.clone(),
                    task_hooks: task_hooks.into_option(),
                    sample_every: self.metrics_sample_every,
                    watchdog,
                    max_spare_workers: spares,
                    thread_keep_alive: self.thread_keep_alive,
                    panic_shutdown: self.panic_shutdown(),
                    unjoined: self.unjoined.then(|| Arc::new(Unjoined::new())),
                };
                let (shared, launch) = multi_thread::Launch::new(config, driver.clone(), sim);
                let handle = Handle::new(
                    Scheduler::MultiThread(shared),
                    blocking,
                    driver,
                    self.name.clone(),
                );
                let spawner = self.spawner();
                if let Scheduler::MultiThread(shared) = &handle.inner.scheduler {
                    shared
                        .spares
                        .set_starter(spare_starter(&handle, spawner.clone()));
                }
                let mut threads = Vec::with_capacity(workers);
                if let Scheduler::MultiThread(shared) = &handle.inner.scheduler {
                    if let Some(sim) = &shared.sim {
                        sim.hold(launch.into_workers());
                        return Ok(Runtime::from_parts(handle, threads));
                    }
                }
                for worker in launch.into_workers() {
                    let h = handle.clone();
                    let started = spawner.spawn(move || {
                        let _driving = crate::context::enter_runtime(&h);
                        drop(h);
                        worker.run();
                    });
                    match started {
                        Ok(t) => threads.push(t),
                        Err(e) => {
                            // Stop the workers already started.
                            // Not `drop`: that panics when called from a task.
                            Runtime::from_parts(handle, threads).shutdown_background();
                            return Err(e);
                        }
                    }
                }
                let mut rt = Runtime::from_parts(handle, threads);
                if let Err(e) = rt.start_watchdog() {
                    rt.shutdown_background();
                    return Err(e);
                }
                Ok(rt)
            }
        }
    }

    fn panic_shutdown(&self) -> Option<Arc<PanicShutdown>> {
        (self.unhandled_panic == UnhandledPanic::ShutdownRuntime).then(Arc::default)
    }

    /// The watchdog for `slots` worker slots of which `awake` start awake;
    /// `None` if neither the slow-poll report nor the hand-off is on.
    fn watchdog(&self, slots: usize, awake: usize, hand_off: bool) -> Option<Arc<Watchdog>> {
        // A simulation's workers are logical: real-time watching means
        // nothing there.
        let threshold = self
            .slow_poll_threshold
            .filter(|_| self.simulation.is_none());
        if threshold.is_none() && !hand_off {
            return None;
        }
        Some(Arc::new(Watchdog::new(
            threshold,
            self.on_slow_poll.clone(),
            hand_off,
            slots,
            awake,
        )))
    }
}

impl Builder {
    /// Builds a [`LocalRuntime`](crate::runtime::LocalRuntime): a current-thread
    /// runtime on which `task::spawn_local` works without a `LocalSet`.
    ///
    /// # Errors
    /// As [`build`](Self::build).
    ///
    /// # Panics
    /// On a builder made by [`new_multi_thread`](Self::new_multi_thread):
    /// a local runtime runs its tasks on one thread.
    pub fn build_local(
        &mut self,
        options: crate::runtime::LocalOptions,
    ) -> io::Result<crate::runtime::LocalRuntime> {
        let crate::runtime::LocalOptions {} = options;
        assert!(
            self.kind == Kind::CurrentThread,
            "`build_local` needs `Builder::new_current_thread()`: a local runtime runs every \
             task on the thread that calls `block_on`"
        );
        Ok(crate::runtime::LocalRuntime::from_runtime(self.build()?))
    }
}

/// How spare worker threads start: as the workers, entered in the runtime.
/// Weak, since the scheduler holding this is part of the handle.
fn spare_starter(handle: &Handle, spawner: ThreadSpawner) -> multi_thread::Starter {
    let weak = Arc::downgrade(&handle.inner);
    Box::new(move |body: Box<dyn FnOnce() + Send>| {
        let inner = weak
            .upgrade()
            .ok_or_else(|| io::Error::other("the runtime is gone"))?;
        let h = Handle { inner };
        spawner.spawn(move || {
            let _driving = crate::context::enter_runtime(&h);
            drop(h);
            body();
        })
    })
}
