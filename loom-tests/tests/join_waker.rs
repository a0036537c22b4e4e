//! Model 2: registering the `JoinHandle`'s waker races with the task's completion, and the joiner is always woken and reads the output exactly once.
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::model;
use runtime::__loom::TestQueue;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Wake, Waker};

/// The task's output; counts its drops.
struct Output(Arc<AtomicUsize>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A waker that only counts its wake-ups.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// The joiner (`block_on`, whose loom waker parks the thread: a lost
/// join wake-up is a loom deadlock) races the runner completing the task.
#[test]
fn joiner_is_woken_once_complete() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };

        let out = block_on(join).expect("the task completed");
        assert_eq!(drops.load(SeqCst), 0, "the output was dropped early");
        drop(out);
        assert_eq!(drops.load(SeqCst), 1);

        runner.join().unwrap();
        q.shutdown();
        assert_eq!(probe.frees(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the output was dropped twice");
    });
}

/// The joiner polls once with one waker, then awaits with another, so the
/// handle replaces its registered waker (`unset_join_waker`, then
/// `set_join_waker`) while the task may be completing.
#[test]
fn join_waker_replaced_while_completing() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };

        let first = std::sync::Arc::new(CountingWaker(AtomicUsize::new(0)));
        let first_waker = Waker::from(first.clone());
        let out = match Pin::new(&mut join).poll(&mut Context::from_waker(&first_waker)) {
            Poll::Ready(out) => out,
            Poll::Pending => block_on(&mut join),
        }
        .expect("the task completed");
        drop(out);
        assert_eq!(drops.load(SeqCst), 1);
        assert!(first.0.load(SeqCst) <= 1);

        runner.join().unwrap();
        drop(join);
        q.shutdown();
        assert_eq!(probe.frees(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the output was dropped twice");
    });
}

/// The task needs a wake-up from a third thread before it completes; the
/// joiner awaits it on its own thread while the main thread runs the queue.
#[test]
fn joiner_on_another_thread() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(loom::sync::Mutex::new((false, None::<Waker>)));
        let join = q.spawn({
            let drops = drops.clone();
            let gate = gate.clone();
            std::future::poll_fn(move |cx| {
                let mut g = gate.lock().unwrap();
                if g.0 {
                    Poll::Ready(Output(drops.clone()))
                } else {
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
        });
        assert!(q.run_one());

        let joiner = thread::spawn(move || {
            let out = block_on(join).expect("the task completed");
            drop(out);
        });
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                let w = {
                    let mut g = gate.lock().unwrap();
                    g.0 = true;
                    g.1.take()
                };
                if let Some(w) = w {
                    w.wake();
                }
            })
        };
        opener.join().unwrap();
        assert_eq!(q.run_all(), 1);
        joiner.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        q.shutdown();
    });
}
