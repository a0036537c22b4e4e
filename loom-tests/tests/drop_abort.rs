//! Model 3: dropping the `JoinHandle`, aborting, completing and shutting down race, and the future and the output are each dropped exactly once and the cell is freed exactly once.
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::model;
use runtime::__loom::{CellProbe, JoinHandle, TestQueue};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll};

#[derive(Default)]
struct Counters {
    future_drops: AtomicUsize,
    outputs_made: AtomicUsize,
    output_drops: AtomicUsize,
}

/// The task's output; counts its drops.
struct Output(Arc<Counters>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.output_drops.fetch_add(1, SeqCst);
    }
}

/// Completes on its first poll, or (`forever`) never. Holds a loom `Arc`,
/// so a cell that is never freed is reported by loom as a leak.
struct Tracked {
    counters: Arc<Counters>,
    _leak_check: Arc<()>,
    forever: bool,
}

impl Future for Tracked {
    type Output = Output;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Output> {
        if self.forever {
            return Poll::Pending;
        }
        self.counters.outputs_made.fetch_add(1, SeqCst);
        Poll::Ready(Output(self.counters.clone()))
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.counters.future_drops.fetch_add(1, SeqCst);
    }
}

fn spawn(q: &TestQueue, forever: bool) -> (JoinHandle<Output>, CellProbe, Arc<Counters>) {
    let counters = Arc::new(Counters::default());
    let (join, probe) = q.spawn_probed(Tracked {
        counters: counters.clone(),
        _leak_check: Arc::new(()),
        forever,
    });
    (join, probe, counters)
}

/// Called once every handle is gone and the queue is shut down.
fn assert_dropped_once(c: &Counters, probe: &CellProbe) {
    assert_eq!(c.future_drops.load(SeqCst), 1, "future drops");
    assert_eq!(
        c.output_drops.load(SeqCst),
        c.outputs_made.load(SeqCst),
        "output drops"
    );
    assert_eq!(probe.frees(), 1, "cell frees");
}

/// Run, abort (through an `AbortHandle`) and `JoinHandle` drop on three
/// threads; the task completes on its first poll unless aborted first.
#[test]
fn run_abort_and_drop_race() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, counters) = spawn(&q, false);
        let abort = join.abort_handle();

        let runner = {
            let q = q.clone();
            thread::spawn(move || {
                q.run_one();
            })
        };
        let aborter = thread::spawn(move || {
            abort.abort();
            drop(abort);
        });
        drop(join);
        runner.join().unwrap();
        aborter.join().unwrap();
        q.run_all();
        q.shutdown();

        assert!(counters.outputs_made.load(SeqCst) <= 1);
        assert_dropped_once(&counters, &probe);
    });
}

/// An abort racing the task's (pending) poll: the runner or the next run
/// cancels it, and the joiner sees the cancellation.
#[test]
fn abort_races_poll() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, counters) = spawn(&q, true);

        let runner = {
            let q = q.clone();
            thread::spawn(move || {
                // Finds the queue empty if the main thread ran it first.
                q.run_one();
            })
        };
        join.abort();
        q.run_all();
        let res = block_on(join);
        assert!(res.is_err_and(|e| e.is_cancelled()));
        runner.join().unwrap();
        q.shutdown();

        assert_dropped_once(&counters, &probe);
    });
}

/// Shutdown of the owned-task list races an abort and the `JoinHandle`'s
/// drop, on an idle (polled, pending) task.
#[test]
fn shutdown_races_abort_and_drop() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, counters) = spawn(&q, true);
        assert!(q.run_one());
        let abort = join.abort_handle();

        let shutdown = {
            let q = q.clone();
            thread::spawn(move || q.shutdown())
        };
        let aborter = thread::spawn(move || abort.abort());
        drop(join);
        shutdown.join().unwrap();
        aborter.join().unwrap();
        // An abort that lost the race to shutdown's drain queued a stale
        // `Notified`: running it finds the task complete.
        q.run_all();
        q.shutdown();

        assert_eq!(counters.outputs_made.load(SeqCst), 0);
        assert_dropped_once(&counters, &probe);
    });
}

/// Shutdown races the task's completing poll (the completing thread and
/// shutdown both want the task out of the owned-task list) and the
/// `JoinHandle`'s drop.
#[test]
fn shutdown_races_completion_and_drop() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, counters) = spawn(&q, false);

        let runner = {
            let q = q.clone();
            thread::spawn(move || {
                q.run_one();
            })
        };
        let shutdown = {
            let q = q.clone();
            thread::spawn(move || q.shutdown())
        };
        drop(join);
        runner.join().unwrap();
        shutdown.join().unwrap();
        q.run_all();
        q.shutdown();

        assert_dropped_once(&counters, &probe);
    });
}

/// A spawn races the owned-task list's close: the task is either bound in
/// time and cancelled by the shutdown, or sees the list closed and is
/// cancelled by `bind` itself. Either way it never runs, and the joiner is
/// woken with a cancellation (a task that slipped past shutdown would leave
/// it waiting forever: a loom deadlock).
#[test]
fn spawn_races_shutdown() {
    model(|| {
        let q = TestQueue::new();
        let spawner = {
            let q = q.clone();
            thread::spawn(move || spawn(&q, false))
        };
        q.shutdown();
        let (join, probe, counters) = spawner.join().unwrap();
        let res = block_on(join);
        assert!(res.is_err_and(|e| e.is_cancelled()));
        // A push that came after the shutdown's drain.
        q.shutdown();

        assert_eq!(counters.outputs_made.load(SeqCst), 0);
        assert_dropped_once(&counters, &probe);
    });
}
