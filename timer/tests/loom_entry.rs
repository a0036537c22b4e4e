//! loom models of the timer entry protocol (entry.rs): the driver firing
//! an entry while its owner registers a waker, or cancels it.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" cargo test -p runtime-timer --release --test loom_entry`
#![cfg(loom)]

use loom::thread;
use runtime_timer::__loom::{arm, cancel, Entry, Fired};
use runtime_timer::Driver;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, Instant};

struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let count = Arc::new(Count(AtomicUsize::new(0)));
    (count.clone(), Waker::from(count))
}

/// The owner registers (twice, with two wakers) while the driver fires:
/// the owner either sees `Ready` or its latest waker is woken, exactly once
/// overall, and the entry ends fired.
#[test]
fn fire_races_register() {
    loom::model(|| {
        let entry = Arc::new(Entry::new());
        let (first, w1) = counter();
        let (second, w2) = counter();
        assert!(entry.poll_fired(&w1).is_pending());

        let driver = thread::spawn({
            let entry = entry.clone();
            move || {
                if let Some(waker) = entry.fire(Fired::Deadline) {
                    waker.wake();
                }
            }
        });
        let polled = entry.poll_fired(&w2);
        driver.join().unwrap();

        let woken = first.0.load(Ordering::SeqCst) + second.0.load(Ordering::SeqCst);
        match polled {
            Poll::Ready(Fired::Deadline) => assert!(woken <= 1),
            Poll::Ready(Fired::Shutdown) => unreachable!(),
            Poll::Pending => assert_eq!(second.0.load(Ordering::SeqCst), 1),
        }
        assert!(entry.is_fired());
        assert_eq!(entry.poll_fired(&w2), Poll::Ready(Fired::Deadline));
    });
}

/// The driver processes (fires) while the owner polls and then drops the
/// timer the way `Sleep` does (cancel unless fired): the entry leaves the
/// wheel exactly once, and the wheel ends empty.
#[test]
fn fire_races_cancel() {
    loom::model(|| {
        let (_, unpark) = counter();
        let driver = Driver::new(unpark);
        let entry = Arc::new(Entry::new());
        let now = Instant::now();
        assert!(arm(&driver, &entry, now + Duration::from_millis(1)));
        let (count, waker) = counter();
        assert!(entry.poll_fired(&waker).is_pending());

        let worker = thread::spawn({
            let driver = driver.clone();
            move || driver.process(now + Duration::from_secs(1))
        });
        let polled = entry.poll_fired(&waker);
        if !entry.is_fired() {
            cancel(&driver, &entry);
        }
        let fired = worker.join().unwrap();

        assert_eq!(driver.pending(), 0);
        assert!(fired <= 1);
        if polled.is_ready() {
            assert_eq!(fired, 1);
        }
        // Woken only if it fired, at most once.
        assert!(count.0.load(Ordering::SeqCst) <= fired);
    });
}

/// Shutdown fires the entry as shut down while the owner registers.
#[test]
fn shutdown_races_register() {
    loom::model(|| {
        let (_, unpark) = counter();
        let driver = Driver::new(unpark);
        let entry = Arc::new(Entry::new());
        assert!(arm(
            &driver,
            &entry,
            Instant::now() + Duration::from_secs(5)
        ));
        let (count, waker) = counter();

        let closer = thread::spawn({
            let driver = driver.clone();
            move || driver.shutdown()
        });
        let polled = entry.poll_fired(&waker);
        closer.join().unwrap();

        match polled {
            Poll::Ready(why) => assert_eq!(why, Fired::Shutdown),
            Poll::Pending => assert_eq!(count.0.load(Ordering::SeqCst), 1),
        }
        assert_eq!(entry.poll_fired(&waker), Poll::Ready(Fired::Shutdown));
        assert_eq!(driver.pending(), 0);
    });
}
