//! Issue 11's behaviour fixes, on both flavors: a panicking task's future
//! is dropped during the unwind, `task::id()` is set while a future or
//! output is dropped, and `yield_now` lets the `block_on` future and the
//! driver run between two polls of a task that loops on it.

use runtime::runtime::Runtime;
use runtime::task::{self, yield_now};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn both_flavors() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current_thread",
            runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
        ),
        (
            "multi_thread",
            runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// The task id a `DropProbe` saw when dropped (outer `None`: not yet).
type SeenId = Arc<Mutex<Option<Option<task::Id>>>>;

/// Records, when dropped, whether the thread was panicking and which task
/// id was current.
struct DropProbe {
    panicking: Arc<AtomicBool>,
    id: SeenId,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        self.panicking.store(std::thread::panicking(), SeqCst);
        *self.id.lock().unwrap() = Some(task::try_id());
    }
}

fn new_probe() -> (DropProbe, Arc<AtomicBool>, SeenId) {
    let panicking = Arc::new(AtomicBool::new(false));
    let id = Arc::new(Mutex::new(None));
    let p = DropProbe {
        panicking: panicking.clone(),
        id: id.clone(),
    };
    (p, panicking, id)
}

/// A hand-written future whose poll panics (an `async` block drops its
/// locals during the unwind by itself; this one relies on the runtime).
struct PanicsOnSecondPoll {
    polled: bool,
    _probe: DropProbe,
}

impl std::future::Future for PanicsOnSecondPoll {
    type Output = ();
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.polled {
            panic!("boom");
        }
        self.polled = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[test]
fn a_panicking_future_is_dropped_during_the_unwind() {
    for (flavor, rt) in both_flavors() {
        let (probe, panicking, id) = new_probe();
        let h = rt.spawn(PanicsOnSecondPoll {
            polled: false,
            _probe: probe,
        });
        let task_id = h.id();
        let err = rt.block_on(h).unwrap_err();
        assert!(err.is_panic(), "{flavor}");
        assert!(panicking.load(SeqCst), "{flavor}: dropped after the unwind");
        assert_eq!(*id.lock().unwrap(), Some(Some(task_id)), "{flavor}");
    }
}

#[test]
fn the_task_id_is_set_while_an_aborted_future_is_dropped() {
    for (flavor, rt) in both_flavors() {
        let (probe, panicking, id) = new_probe();
        let h = rt.spawn(async move {
            let _probe = probe;
            std::future::pending::<()>().await;
        });
        let task_id = h.id();
        rt.block_on(async {
            // Let it run once, so the abort cancels an idle task.
            for _ in 0..10 {
                yield_now().await;
            }
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled(), "{flavor}");
        });
        assert!(!panicking.load(SeqCst), "{flavor}");
        assert_eq!(*id.lock().unwrap(), Some(Some(task_id)), "{flavor}");
    }
}

#[test]
fn the_task_id_is_set_while_a_future_is_dropped_at_shutdown() {
    for (flavor, rt) in both_flavors() {
        let (probe, _, id) = new_probe();
        let h = rt.spawn(async move {
            let _probe = probe;
            std::future::pending::<()>().await;
        });
        let task_id = h.id();
        rt.block_on(async {
            for _ in 0..10 {
                yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(*id.lock().unwrap(), Some(Some(task_id)), "{flavor}");
    }
}

#[test]
fn the_task_id_is_set_while_an_unread_output_is_dropped() {
    for (flavor, rt) in both_flavors() {
        let (probe, _, id) = new_probe();
        let h = rt.spawn(async move { probe });
        let task_id = h.id();
        rt.block_on(async {
            while !h.is_finished() {
                yield_now().await;
            }
        });
        // The output is dropped by the handle's drop.
        drop(h);
        assert_eq!(*id.lock().unwrap(), Some(Some(task_id)), "{flavor}");

        // And by the runtime when the handle went first.
        let (probe, _, id) = new_probe();
        let h = rt.spawn(async move {
            yield_now().await;
            probe
        });
        let task_id = h.id();
        drop(h);
        rt.block_on(async {
            for _ in 0..100 {
                if id.lock().unwrap().is_some() {
                    break;
                }
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
        });
        assert_eq!(*id.lock().unwrap(), Some(Some(task_id)), "{flavor}");
    }
}

/// A task that loops on `yield_now` runs about once per poll of the
/// `block_on` future (which yields too), not a whole batch of times: its
/// wake waits until the scheduler took its other work and looked at the
/// driver (tokio's deferred yield).
#[test]
fn a_yield_loop_does_not_starve_the_block_on_future() {
    let rt = runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spins = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (s, st) = (spins.clone(), stop.clone());
    let spinner = rt.spawn(async move {
        while !st.load(SeqCst) {
            s.fetch_add(1, SeqCst);
            yield_now().await;
        }
    });
    const MAIN_POLLS: usize = 200;
    rt.block_on(async {
        for _ in 0..MAIN_POLLS {
            yield_now().await;
        }
        stop.store(true, SeqCst);
        spinner.await.unwrap();
    });
    let spins = spins.load(SeqCst);
    // About one spin per main poll; before the fix, about 57.
    assert!(
        spins <= 3 * MAIN_POLLS,
        "the spinner ran {spins} times for {MAIN_POLLS} polls of the block_on future"
    );
}

/// A task that loops on `yield_now` lets the driver run between two of its
/// polls: a timer already due when the loop starts fires, and its task
/// runs, within a couple of yields (before the deferral: only at the
/// periodic look at the driver, `event_interval` = 61 polls later).
#[test]
fn a_yield_loop_lets_the_driver_run() {
    for (flavor, rt) in one_worker_flavors() {
        let yields = rt.block_on(async {
            let (armed, fired) = (
                Arc::new(AtomicBool::new(false)),
                Arc::new(AtomicBool::new(false)),
            );
            let (a, f) = (armed.clone(), fired.clone());
            let sleeper = runtime::spawn(async move {
                let sleep = runtime::time::sleep(Duration::from_millis(1));
                a.store(true, SeqCst);
                sleep.await; // registers the timer in this same poll
                f.store(true, SeqCst);
            });
            // One thread runs the tasks, so the spinner starts after the
            // poll in which the sleeper registered its timer.
            while !armed.load(SeqCst) {
                yield_now().await;
            }
            let spinner = runtime::spawn(async move {
                // Let the timer fall due while nobody looks at the driver.
                std::thread::sleep(Duration::from_millis(20));
                let mut yields = 0u32;
                while !fired.load(SeqCst) && yields < 100_000 {
                    yield_now().await;
                    yields += 1;
                }
                yields
            });
            sleeper.await.unwrap();
            spinner.await.unwrap()
        });
        assert!(
            yields <= 3,
            "{flavor}: the due timer fired only after {yields} yields"
        );
    }
}

fn one_worker_flavors() -> Vec<(&'static str, Runtime)> {
    let mut rts = both_flavors();
    rts[1].1 = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rts
}

/// Polls its inner future with a waker of its own that forwards to the
/// task's, as combinators (`FuturesUnordered`, `select!`) do.
struct ForwardingWaker<F>(std::pin::Pin<Box<F>>);

impl<F: std::future::Future> std::future::Future for ForwardingWaker<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        struct Forward(std::task::Waker);
        impl std::task::Wake for Forward {
            fn wake(self: Arc<Self>) {
                self.0.wake_by_ref();
            }
        }
        let waker = std::task::Waker::from(Arc::new(Forward(cx.waker().clone())));
        self.0
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&waker))
    }
}

/// The deferral also holds when `yield_now` sees a combinator's waker,
/// not the task's own.
#[test]
fn a_yield_through_a_combinator_waker_is_deferred_too() {
    let rt = runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let spins = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let (s, st) = (spins.clone(), stop.clone());
    let spinner = rt.spawn(ForwardingWaker(Box::pin(async move {
        while !st.load(SeqCst) {
            s.fetch_add(1, SeqCst);
            yield_now().await;
        }
    })));
    const MAIN_POLLS: usize = 200;
    rt.block_on(async {
        for _ in 0..MAIN_POLLS {
            yield_now().await;
        }
        stop.store(true, SeqCst);
        spinner.await.unwrap();
    });
    let spins = spins.load(SeqCst);
    assert!(
        spins <= 3 * MAIN_POLLS,
        "the spinner ran {spins} times for {MAIN_POLLS} polls of the block_on future"
    );
}

/// A minimal foreign executor: polls on this thread, parks until woken.
fn foreign_block_on<F: std::future::Future>(fut: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut fut = std::pin::pin!(fut);
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::park();
    }
}

/// `yield_now` inside a foreign executor's `block_on`, itself inside a
/// task, wakes that executor at once: the scheduler never holds a waker it
/// may not get back to (before: the waker waited for a checkpoint of the
/// worker blocked in that very `block_on`, a hang).
#[test]
fn a_yield_inside_a_foreign_block_on_does_not_hang() {
    for (flavor, rt) in both_flavors() {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            rt.block_on(async {
                runtime::spawn(async {
                    foreign_block_on(async {
                        for _ in 0..10 {
                            yield_now().await;
                        }
                    })
                })
                .await
                .unwrap();
            });
            let _ = done.send(());
        });
        finished
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("{flavor}: hung in the foreign block_on"));
    }
}
