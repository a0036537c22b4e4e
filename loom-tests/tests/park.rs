//! Model 5: an unpark sent before, during or after a park is never lost (and publishes the unparker's writes), and a task pushed from outside while the last worker goes to sleep is always run.
#![cfg(loom)]

use loom::cell::UnsafeCell;
use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::model;
use runtime::__loom::{MultiThread, Parker};
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

/// One unpark against one park, anywhere in it. A lost unpark is a loom
/// deadlock; the plain write before `unpark` must be visible after `park`
/// (loom checks the cell's accesses for a happens-before edge).
#[test]
fn unpark_is_not_lost_and_publishes() {
    model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let data = Arc::new(UnsafeCell::new(0));

        let t = {
            let data = data.clone();
            thread::spawn(move || {
                // SAFETY: the main thread reads only after `park` returned,
                // i.e. after this thread's `unpark`, which happens-after
                // this write.
                data.with_mut(|d| unsafe { *d = 1 });
                unparker.unpark();
            })
        };
        parker.park();
        // SAFETY: see the writer.
        assert_eq!(data.with(|d| unsafe { *d }), 1);
        t.join().unwrap();
    });
}

/// The usual pattern: the owner parks until a counter reaches 2, the other
/// thread bumps it twice, unparking after each. Any lost unpark deadlocks.
#[test]
fn park_loop_sees_every_unpark() {
    model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();
        let count = Arc::new(AtomicUsize::new(0));

        let t = {
            let count = count.clone();
            thread::spawn(move || {
                for _ in 0..2 {
                    count.fetch_add(1, Relaxed);
                    unparker.unpark();
                }
            })
        };
        while count.load(Relaxed) < 2 {
            parker.park();
        }
        t.join().unwrap();
    });
}

/// A timed park (which loom times out at once) racing an unpark leaves the
/// parker in a state from which the next unpark/park pair still works.
#[test]
fn timed_park_leaves_a_clean_state() {
    model(|| {
        let parker = Parker::new();
        let unparker = parker.unparker();

        let t = {
            let unparker = unparker.clone();
            thread::spawn(move || unparker.unpark())
        };
        parker.park_timeout(Duration::from_millis(1));
        t.join().unwrap();
        unparker.unpark();
        parker.park();
    });
}

/// The real worker loop with one worker (so it is always the last one to
/// go to sleep) and the real remote spawn (injector, then
/// `Idle::worker_to_notify`): the joiner waits for the task, so a task that
/// the worker never finds is a loom deadlock. Then the real shutdown.
#[test]
fn remote_push_wakes_the_last_worker() {
    model(|| {
        let mut rt = MultiThread::new(1);
        let worker = rt.take_workers().pop().unwrap();
        let t = thread::spawn(move || worker.run());

        let join = rt.spawn(async { 7 });
        assert_eq!(block_on(join).unwrap(), 7);

        // Quiescent: the worker sleeps and nobody searches.
        while !rt.all_parked() {
            thread::yield_now();
        }
        assert!(rt.no_searchers());

        rt.begin_shutdown();
        t.join().unwrap();
        assert_eq!(rt.live_tasks(), 0, "a task cell was not freed");
    });
}
