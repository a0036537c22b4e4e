//! Model 1: a wake racing with a poll reschedules the task exactly once, a task is never polled by two threads at once, and no wake is lost.
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::sync::{Arc, Mutex};
use loom::thread;
use loom_tests::model;
use runtime::__loom::TestQueue;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, Waker};

/// What the task and the threads that wake it share.
#[derive(Default)]
struct Shared {
    polls: AtomicUsize,
    /// Set for the length of a poll; a poll that finds it set overlaps
    /// another one.
    in_poll: AtomicBool,
    overlaps: AtomicUsize,
    /// `(woken, waker)`: under one lock, so that the future itself can
    /// never lose a wake-up; any lost wake-up is the runtime's.
    slot: Mutex<(bool, Option<Waker>)>,
}

impl Shared {
    /// Marks the task woken and takes the waker it left, if any.
    fn take_waker(&self) -> Option<Waker> {
        let mut slot = self.slot.lock().unwrap();
        slot.0 = true;
        slot.1.take()
    }
}

/// Leaves its waker in `Shared::slot` and returns `Pending` until woken.
/// (Assertions inside `poll` would be caught by the runtime's
/// `catch_unwind`, so overlaps are counted and checked afterwards.)
struct WaitForWake(Arc<Shared>);

impl Future for WaitForWake {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let s = &*self.0;
        if s.in_poll.swap(true, SeqCst) {
            s.overlaps.fetch_add(1, SeqCst);
        }
        s.polls.fetch_add(1, SeqCst);
        let ready = {
            let mut slot = s.slot.lock().unwrap();
            if !slot.0 {
                slot.1 = Some(cx.waker().clone());
            }
            slot.0
        };
        s.in_poll.store(false, SeqCst);
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// Two threads run the queue while a third wakes the task (by value) at
/// any point of the first poll or after it.
#[test]
fn wake_races_poll() {
    model(|| {
        let q = TestQueue::new();
        let s = Arc::new(Shared::default());
        let (join, probe) = q.spawn_probed(WaitForWake(s.clone()));

        let waker = {
            let s = s.clone();
            thread::spawn(move || match s.take_waker() {
                Some(w) => {
                    w.wake();
                    true
                }
                None => false,
            })
        };
        let runner = {
            let q = q.clone();
            thread::spawn(move || {
                q.run_one();
            })
        };
        q.run_one();
        let woke = waker.join().unwrap();
        runner.join().unwrap();
        q.run_all();

        assert_eq!(s.overlaps.load(SeqCst), 0, "polled twice at once");
        if woke {
            // The wake came after the first poll left its waker: exactly
            // one more poll, which completes the task (no lost wake-up).
            assert_eq!(s.polls.load(SeqCst), 2);
            assert!(join.is_finished(), "a wake-up was lost");
        } else {
            // Woken before the first poll: the first poll completes it.
            assert_eq!(s.polls.load(SeqCst), 1);
            assert!(join.is_finished());
        }

        drop(join);
        q.shutdown();
        drop(s);
        assert_eq!(probe.frees(), 1);
    });
}

/// Two wakers (one by value, one by reference) race each other and the
/// second poll: the task is queued at most once at a time (`TestQueue`
/// panics on a second submission) and polled exactly twice.
#[test]
fn two_wakes_requeue_once() {
    model(|| {
        let q = TestQueue::new();
        let s = Arc::new(Shared::default());
        let (join, probe) = q.spawn_probed(WaitForWake(s.clone()));
        assert!(q.run_one());
        let w1 = s
            .slot
            .lock()
            .unwrap()
            .1
            .take()
            .expect("first poll left its waker");
        let w2 = w1.clone();

        let by_val = {
            let s = s.clone();
            thread::spawn(move || {
                s.slot.lock().unwrap().0 = true;
                w1.wake();
            })
        };
        let by_ref = {
            let s = s.clone();
            thread::spawn(move || {
                s.slot.lock().unwrap().0 = true;
                w2.wake_by_ref();
                drop(w2);
            })
        };
        q.run_one();
        by_val.join().unwrap();
        by_ref.join().unwrap();
        q.run_all();

        assert_eq!(s.overlaps.load(SeqCst), 0, "polled twice at once");
        assert_eq!(s.polls.load(SeqCst), 2, "requeued more than once");
        assert!(join.is_finished(), "a wake-up was lost");

        drop(join);
        q.shutdown();
        drop(s);
        assert_eq!(probe.frees(), 1);
    });
}
