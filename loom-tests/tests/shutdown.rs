//! Model 9: a spawn from another thread races the real multi-thread shutdown, and the new task is either run or dropped, exactly once, its `JoinHandle` learns which, and its cell is freed.
#![cfg(loom)]

use loom::future::block_on;
use loom::thread;
use loom_tests::{model, Outcomes};
use runtime::__loom::{JoinHandle, MultiThread};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{Context, Poll};

/// What happened to the spawned future. Plain atomics: they are read only
/// after the threads that touch them were joined.
#[derive(Default)]
struct Counters {
    polls: AtomicUsize,
    future_drops: AtomicUsize,
}

/// Completes on its first poll with 7. Holds a loom `Arc`, so a future
/// that is never dropped (a leaked cell) is reported by loom.
struct Tracked {
    counters: Arc<Counters>,
    _leak_check: loom::sync::Arc<()>,
}

impl Future for Tracked {
    type Output = u32;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<u32> {
        self.counters.polls.fetch_add(1, SeqCst);
        Poll::Ready(7)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

fn tracked() -> (Tracked, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let future = Tracked {
        counters: counters.clone(),
        _leak_check: loom::sync::Arc::new(()),
    };
    (future, counters)
}

/// One real worker on a model thread, and the scheduler in a loom `Arc`
/// (which, unlike std's, loom threads may share without `Sync`) for a
/// spawner thread to share with the main thread.
fn start_one() -> (loom::sync::Arc<MultiThread>, thread::JoinHandle<()>) {
    let mut rt = MultiThread::new(1);
    let worker = rt.take_workers().pop().unwrap();
    let t = thread::spawn(move || worker.run());
    (loom::sync::Arc::new(rt), t)
}

/// The real shutdown sequence of `Runtime::shutdown`: steps 1 to 3
/// (`begin_shutdown`, which closes and drains the injector), then step 4
/// (join the worker). Nothing is drained a second time: a push after the
/// close is refused and its task dropped by the pusher.
fn shut_down(rt: &MultiThread, worker: thread::JoinHandle<()>) {
    rt.begin_shutdown();
    worker.join().unwrap();
}

/// Checks the task's fate once every thread is joined: polled at most
/// once, its future dropped exactly once, and (once `rt` is quiet) no
/// cell left.
fn assert_run_or_dropped_once(rt: &MultiThread, c: &Counters) {
    assert!(c.polls.load(SeqCst) <= 1, "the task ran twice");
    assert_eq!(c.future_drops.load(SeqCst), 1, "future drops");
    assert_eq!(rt.live_tasks(), 0, "a task cell was not freed");
}

/// The task's fates in `spawn_races_shutdown`: both must be explored.
static FATES: Outcomes<2> = Outcomes::new(["ran", "cancelled"]);

/// The spawner hands its `JoinHandle` to the main thread, which shuts down
/// meanwhile and then joins: `Ok(7)` exactly when the task was polled,
/// a cancellation exactly when it was not. (A task that slipped past the
/// shutdown would leave the joiner waiting forever: a loom deadlock; one
/// left in the closed injector would keep its cell: `live_tasks` and
/// loom's leak check.)
#[test]
fn spawn_races_shutdown() {
    model(|| {
        let (rt, worker) = start_one();
        let (future, counters) = tracked();
        let spawner = {
            let rt = rt.clone();
            thread::spawn(move || rt.spawn(future))
        };
        shut_down(&rt, worker);
        // A push that came after step 3 was refused by the closed injector
        // and dropped by the spawner: no `Notified` is left anywhere, so
        // the cell count below is exact without a second drain.
        let join = spawner.join().unwrap();

        match block_on(join) {
            Ok(v) => {
                assert_eq!(v, 7);
                assert_eq!(counters.polls.load(SeqCst), 1, "Ok without a poll");
                FATES.record("ran");
            }
            Err(e) => {
                assert!(e.is_cancelled());
                assert_eq!(counters.polls.load(SeqCst), 0, "ran, yet cancelled");
                FATES.record("cancelled");
            }
        }
        assert_run_or_dropped_once(&rt, &counters);
    });
    FATES.assert_all_seen("spawn_races_shutdown");
}

/// The spawner awaits its own `JoinHandle` while the main thread shuts
/// down: registering the join waker races the run, the cancellation by
/// the list's shutdown or by `bind`, and the worker's exit. The joiner
/// always returns, with the right answer.
#[test]
fn joiner_races_shutdown() {
    model(|| {
        let (rt, worker) = start_one();
        let (future, counters) = tracked();
        let spawner = {
            let rt = rt.clone();
            let counters = counters.clone();
            thread::spawn(move || {
                let join: JoinHandle<u32> = rt.spawn(future);
                match block_on(join) {
                    Ok(v) => assert_eq!(v, 7),
                    Err(e) => {
                        assert!(e.is_cancelled());
                        assert_eq!(counters.polls.load(SeqCst), 0, "ran, yet cancelled");
                    }
                }
            })
        };
        shut_down(&rt, worker);
        // A push after step 3 was refused: see `spawn_races_shutdown`.
        spawner.join().unwrap();
        assert_run_or_dropped_once(&rt, &counters);
    });
}

/// The spawner drops its `JoinHandle` at once: the handle's drop races the
/// run or cancellation, and the future is still dropped exactly once and
/// the cell freed.
#[test]
fn detached_spawn_races_shutdown() {
    model(|| {
        let (rt, worker) = start_one();
        let (future, counters) = tracked();
        let spawner = {
            let rt = rt.clone();
            thread::spawn(move || drop(rt.spawn(future)))
        };
        shut_down(&rt, worker);
        // A push after step 3 was refused: see `spawn_races_shutdown`.
        spawner.join().unwrap();
        assert_run_or_dropped_once(&rt, &counters);
    });
}

/// As `detached_spawn_races_shutdown`, with two workers: step 1's unparks
/// and the spawn's notify race two workers' search, park and exit.
#[test]
fn spawn_races_shutdown_two_workers() {
    model(|| {
        let mut rt = MultiThread::without_lifo(2);
        let workers: Vec<_> = rt
            .take_workers()
            .into_iter()
            .map(|w| thread::spawn(move || w.run()))
            .collect();
        let rt = loom::sync::Arc::new(rt);
        let (future, counters) = tracked();
        let spawner = {
            let rt = rt.clone();
            thread::spawn(move || drop(rt.spawn(future)))
        };
        rt.begin_shutdown();
        for w in workers {
            w.join().unwrap();
        }
        // A push after step 3 was refused: see `spawn_races_shutdown`.
        spawner.join().unwrap();
        assert_run_or_dropped_once(&rt, &counters);
    });
}
