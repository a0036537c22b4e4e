//! Model 4: wakers cloned, woken and dropped on several threads keep the cell alive while any of them lives, and the cell is freed exactly once.
#![cfg(loom)]

use loom::sync::{Arc, Mutex};
use loom::thread;
use loom_tests::model;
use runtime::__loom::{CellProbe, JoinHandle, TestQueue};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Leaves its waker in the slot on the first poll and returns `Pending`;
/// completes on any later poll.
struct PendingOnce {
    polled: bool,
    slot: Arc<Mutex<Option<Waker>>>,
}

impl Future for PendingOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.polled, true) {
            return Poll::Ready(());
        }
        *self.slot.lock().unwrap() = Some(cx.waker().clone());
        Poll::Pending
    }
}

/// Spawns a `PendingOnce`, runs its first poll and returns the waker it
/// left (an owned ref to the cell).
fn spawn_and_poll(q: &TestQueue) -> (JoinHandle<()>, CellProbe, Waker) {
    let slot = Arc::new(Mutex::new(None));
    let (join, probe) = q.spawn_probed(PendingOnce {
        polled: false,
        slot: slot.clone(),
    });
    assert!(q.run_one());
    let waker = slot
        .lock()
        .unwrap()
        .take()
        .expect("the first poll left its waker");
    (join, probe, waker)
}

/// Clones, wakes (by value and by reference) and drops on two threads,
/// while the main thread drops the `JoinHandle` and runs the (re)queued
/// task to completion. Each thread checks, before every use of a waker it
/// owns, that the cell has not been freed.
#[test]
fn wakers_race_completion() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, w) = spawn_and_poll(&q);
        let w1 = w.clone();
        let abort = join.abort_handle();

        let t1 = {
            let probe = probe.clone();
            thread::spawn(move || {
                probe.assert_live();
                let c = w1.clone();
                w1.wake();
                probe.assert_live();
                c.wake_by_ref();
                probe.assert_live();
                drop(c);
            })
        };
        let t2 = {
            let probe = probe.clone();
            thread::spawn(move || {
                probe.assert_live();
                w.wake_by_ref();
                let a = abort.clone();
                drop(abort);
                probe.assert_live();
                drop(w);
                drop(a);
            })
        };
        drop(join);
        q.run_one();
        t1.join().unwrap();
        t2.join().unwrap();
        q.run_all();
        q.shutdown();
        assert_eq!(probe.frees(), 1);
    });
}

/// After the task completed and its `JoinHandle` is gone, the last refs
/// are two wakers: one thread wakes by value (the `Dealloc` arm of
/// `transition_to_notified_by_val`), the other drops its clone.
#[test]
fn last_ref_is_a_waker() {
    model(|| {
        let q = TestQueue::new();
        let (join, probe, w) = spawn_and_poll(&q);
        let w2 = w.clone();
        w.wake_by_ref();
        assert!(q.run_one());
        assert!(join.is_finished());
        drop(join);
        assert_eq!(probe.frees(), 0);

        let t1 = thread::spawn(move || w.wake());
        let t2 = thread::spawn(move || drop(w2));
        t1.join().unwrap();
        t2.join().unwrap();
        assert_eq!(probe.frees(), 1);
        q.shutdown();
    });
}
