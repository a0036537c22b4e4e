//! `sync::Semaphore`, from tokio's documented behaviour: FIFO for any
//! number of permits, cancel safety, `try_*` errors, `close`, adding and
//! forgetting permits, `MAX_PERMITS`, permits that merge, split and forget.

mod common;

use common::{both_flavors, counting_waker, panic_message, poll_noop, poll_with, run};
use runtime::sync::{AcquireError, OwnedSemaphorePermit, Semaphore, TryAcquireError};
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn try_acquire_errors() {
    let sem = Semaphore::new(2);
    let two = sem.try_acquire_many(2).unwrap();
    assert_eq!(two.num_permits(), 2);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    assert_eq!(
        sem.try_acquire_many(1).unwrap_err(),
        TryAcquireError::NoPermits
    );
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "no permits available"
    );
    drop(two);
    assert_eq!(
        sem.try_acquire_many(3).unwrap_err(),
        TryAcquireError::NoPermits
    );
    sem.close();
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
    assert_eq!(TryAcquireError::Closed.to_string(), "semaphore closed");
    let _: &dyn std::error::Error = &TryAcquireError::Closed;

    let sem = Arc::new(Semaphore::new(1));
    let p = sem.clone().try_acquire_owned().unwrap();
    assert_eq!(
        sem.clone().try_acquire_many_owned(1).unwrap_err(),
        TryAcquireError::NoPermits
    );
    drop(p);
    assert_eq!(
        sem.clone().try_acquire_many_owned(1).unwrap().num_permits(),
        1
    );
}

#[test]
fn a_waiter_for_many_is_not_overtaken_by_later_waiters_for_few() {
    let sem = Semaphore::new(2);
    let held = sem.try_acquire_many(2).unwrap();
    let mut many = pin!(sem.acquire_many(3));
    assert!(poll_noop(many.as_mut()).is_pending());
    let mut one = pin!(sem.acquire());
    assert!(poll_noop(one.as_mut()).is_pending());
    sem.add_permits(1); // `many` collects it ...
    assert!(
        poll_noop(one.as_mut()).is_pending(),
        "... and `one` waits behind it"
    );
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::NoPermits);
    drop(held);
    let Poll::Ready(Ok(many)) = poll_noop(many.as_mut()) else {
        panic!("3 permits are free: `many` has them");
    };
    assert_eq!(many.num_permits(), 3);
    assert!(poll_noop(one.as_mut()).is_pending());
    drop(many);
    let Poll::Ready(Ok(one)) = poll_noop(one.as_mut()) else {
        panic!("`many` is gone: `one`'s turn");
    };
    assert_eq!((one.num_permits(), sem.available_permits()), (1, 2));
}

#[test]
fn permits_go_to_waiting_tasks_in_fifo_order() {
    for (flavor, rt) in both_flavors() {
        let order = run(flavor, &rt, async {
            let sem = Arc::new(Semaphore::new(0));
            let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
            let mut tasks = Vec::new();
            for i in 0..5 {
                let (sem, tx) = (sem.clone(), tx.clone());
                let (queued_tx, queued) = runtime::sync::oneshot::channel();
                tasks.push(runtime::spawn(async move {
                    let mut acquire = pin!(sem.acquire());
                    let mut queued_tx = Some(queued_tx);
                    let permit = std::future::poll_fn(|cx| {
                        let p = std::future::Future::poll(acquire.as_mut(), cx);
                        if let Some(q) = queued_tx.take() {
                            let _ = q.send(());
                        }
                        p
                    })
                    .await
                    .unwrap();
                    tx.send(i).unwrap();
                    permit.forget();
                }));
                queued.await.unwrap();
            }
            // One permit at a time: the task it went to reports, then the
            // next permit is added. Grant order, not run order.
            let mut order = Vec::new();
            for _ in 0..5 {
                sem.add_permits(1);
                order.push(rx.recv().await.unwrap());
            }
            for t in tasks {
                t.await.unwrap();
            }
            order
        });
        assert_eq!(order, [0, 1, 2, 3, 4], "{flavor}");
    }
}

#[test]
fn a_dropped_acquire_passes_on_what_it_was_given() {
    // Granted in full, then dropped before it was polled again.
    let sem = Semaphore::new(0);
    let mut first = Box::pin(sem.acquire());
    let (w2, woken2) = counting_waker();
    let mut second = pin!(sem.acquire());
    assert!(poll_noop(first.as_mut()).is_pending());
    assert!(poll_with(second.as_mut(), &w2).is_pending());
    sem.add_permits(1);
    assert_eq!(woken2.load(SeqCst), 0);
    drop(first);
    assert_eq!(woken2.load(SeqCst), 1, "the permit went on to `second`");
    assert!(matches!(
        poll_with(second.as_mut(), &w2),
        Poll::Ready(Ok(_))
    ));

    // Given a part of what it asked for, then dropped.
    let sem = Semaphore::new(1);
    let mut big = Box::pin(sem.acquire_many(3));
    assert!(poll_noop(big.as_mut()).is_pending());
    assert_eq!(
        sem.available_permits(),
        0,
        "the waiter holds the one permit"
    );
    let mut small = pin!(sem.acquire_many(2));
    assert!(poll_noop(small.as_mut()).is_pending());
    sem.add_permits(1);
    drop(big); // 2 permits back: `small` has them
    let Poll::Ready(Ok(small)) = poll_noop(small.as_mut()) else {
        panic!("`big` gave back 2 permits");
    };
    assert_eq!((small.num_permits(), sem.available_permits()), (2, 0));
}

#[test]
fn cancelled_acquire_tasks_lose_no_permit() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let sem = Arc::new(Semaphore::new(2));
            let held = sem.clone().acquire_many_owned(2).await.unwrap();
            let waiters: Vec<_> = (0..10)
                .map(|i| {
                    let sem = sem.clone();
                    runtime::spawn(async move {
                        let _p = sem.acquire_many(1 + i % 2).await.unwrap();
                        runtime::task::yield_now().await;
                    })
                })
                .collect();
            runtime::task::yield_now().await;
            drop(held);
            // Half of them cancelled, whether waiting, granted or running.
            for (i, w) in waiters.iter().enumerate() {
                if i % 3 == 0 {
                    w.abort();
                }
            }
            for w in waiters {
                let _ = w.await;
            }
            assert_eq!(sem.available_permits(), 2, "{flavor}");
        });
    }
}

#[test]
fn close_wakes_every_waiter_with_acquire_error() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let sem = Arc::new(Semaphore::new(0));
            let waiters: Vec<_> = (0..4)
                .map(|i| {
                    let sem = sem.clone();
                    runtime::spawn(async move {
                        if i % 2 == 0 {
                            sem.acquire().await.map(drop)
                        } else {
                            sem.acquire_many_owned(i).await.map(drop)
                        }
                    })
                })
                .collect();
            runtime::time::sleep(std::time::Duration::from_millis(10)).await;
            assert!(!sem.is_closed());
            sem.close();
            assert!(sem.is_closed());
            for w in waiters {
                let err: AcquireError = w.await.unwrap().unwrap_err();
                assert_eq!(err.to_string(), "semaphore closed");
            }
            assert!(
                sem.acquire().await.is_err(),
                "{flavor}: later acquires fail"
            );
        });
    }
}

#[test]
fn a_permit_held_across_close_stays_valid_and_comes_back() {
    let sem = Semaphore::new(2);
    let p = sem.try_acquire().unwrap();
    let mut partial = pin!(sem.acquire_many(3));
    assert!(poll_noop(partial.as_mut()).is_pending()); // holds the other one
    sem.close();
    assert!(matches!(poll_noop(partial.as_mut()), Poll::Ready(Err(_))));
    assert_eq!(sem.available_permits(), 1, "the waiter's part came back");
    drop(p);
    assert_eq!(sem.available_permits(), 2);
    assert_eq!(sem.try_acquire().unwrap_err(), TryAcquireError::Closed);
}

#[test]
fn add_and_forget_permits_open_or_closed() {
    for closed in [false, true] {
        for size in 0..4 {
            for n in 0..4 {
                let sem = Semaphore::new(size);
                if closed {
                    sem.close();
                }
                sem.add_permits(n);
                assert_eq!(sem.available_permits(), size + n);
                let forgotten = sem.forget_permits(n + 1);
                assert_eq!(forgotten, (size + n).min(n + 1));
                assert_eq!(sem.available_permits(), (size + n).saturating_sub(n + 1));
                assert_eq!(sem.is_closed(), closed);
            }
        }
    }
    // Permits assigned to a waiter are not available, so not forgotten.
    let sem = Semaphore::new(1);
    let mut waiter = pin!(sem.acquire_many(2));
    assert!(poll_noop(waiter.as_mut()).is_pending());
    assert_eq!(sem.forget_permits(1), 0);
    sem.add_permits(1);
    assert!(matches!(poll_noop(waiter.as_mut()), Poll::Ready(Ok(_))));
}

#[test]
fn max_permits_and_overflow_panic() {
    assert_eq!(Semaphore::MAX_PERMITS, usize::MAX >> 3);
    let sem = Semaphore::new(0);
    sem.add_permits(Semaphore::MAX_PERMITS);
    assert_eq!(sem.available_permits(), Semaphore::MAX_PERMITS);
    let sem = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    sem.add_permits(1);
    let msg = panic_message(std::panic::AssertUnwindSafe(|| sem.add_permits(1)));
    assert!(msg.contains("MAX_PERMITS"), "{msg}");
    assert_eq!(
        sem.available_permits(),
        Semaphore::MAX_PERMITS,
        "the failed add added nothing"
    );
    let msg = panic_message(|| drop(Semaphore::new(Semaphore::MAX_PERMITS + 1)));
    assert!(msg.contains("MAX_PERMITS"), "{msg}");
    let one = Semaphore::new(1);
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        one.add_permits(Semaphore::MAX_PERMITS)
    }));
    assert!(msg.contains("MAX_PERMITS"), "{msg}");
}

#[test]
fn permits_forget_merge_split() {
    let sem = Semaphore::new(5);
    let p = sem.try_acquire().unwrap();
    p.forget();
    assert_eq!(sem.available_permits(), 4);

    let mut p1 = sem.try_acquire().unwrap();
    let p2 = sem.try_acquire_many(2).unwrap();
    p1.merge(p2);
    assert_eq!((p1.num_permits(), sem.available_permits()), (3, 1));
    let p3 = p1.split(2).unwrap();
    assert_eq!((p1.num_permits(), p3.num_permits()), (1, 2));
    assert!(p1.split(2).is_none(), "cannot split more than it holds");
    assert_eq!(p1.split(0).unwrap().num_permits(), 0);
    drop(p3);
    assert_eq!(sem.available_permits(), 3);
    drop(p1);
    assert_eq!(sem.available_permits(), 4);

    let other = Semaphore::new(1);
    let mut a = sem.try_acquire().unwrap();
    let b = other.try_acquire().unwrap();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| a.merge(b)));
    assert_eq!(msg, "merging permits from different semaphore instances");
}

#[test]
fn owned_permits_cross_spawn_merge_split() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let sem = Arc::new(Semaphore::new(4));
            let mut p: OwnedSemaphorePermit = sem.clone().acquire_many_owned(3).await.unwrap();
            assert!(Arc::ptr_eq(p.semaphore(), &sem));
            let one = p.split(1).unwrap();
            let sem2 = sem.clone();
            runtime::spawn(async move {
                assert_eq!(sem2.available_permits(), 1);
                drop(one);
            })
            .await
            .unwrap();
            assert_eq!(sem.available_permits(), 2);
            let q = sem.clone().acquire_owned().await.unwrap();
            p.merge(q);
            assert_eq!(p.num_permits(), 3);
            let other = Arc::new(Semaphore::new(1));
            let r = other.try_acquire_owned().unwrap();
            let msg = panic_message(std::panic::AssertUnwindSafe(|| p.merge(r)));
            assert_eq!(msg, "merging permits from different semaphore instances");
            p.forget();
            assert_eq!(sem.available_permits(), 1, "{flavor}");
        });
    }
}

#[test]
fn zero_permits_are_acquired_at_once() {
    let sem = Semaphore::new(0);
    let p = sem.try_acquire_many(0).unwrap();
    assert_eq!(p.num_permits(), 0);
    let mut acquire = pin!(sem.acquire_many(0));
    assert!(matches!(poll_noop(acquire.as_mut()), Poll::Ready(Ok(_))));
}

static LIMIT: Semaphore = Semaphore::const_new(2);

#[test]
fn const_new_and_blocking_acquire() {
    assert_eq!(LIMIT.available_permits(), 2);
    let p = LIMIT.blocking_acquire_many(2).unwrap();
    assert_eq!(p.num_permits(), 2);
    drop(p);

    for (flavor, rt) in both_flavors() {
        let sem = Arc::new(Semaphore::new(0));
        let sem2 = sem.clone();
        let thread = std::thread::spawn(move || {
            let a = sem2.blocking_acquire().unwrap();
            let b = sem2.clone().blocking_acquire_owned().unwrap();
            let c = sem2.clone().blocking_acquire_many_owned(2).unwrap();
            a.num_permits() + b.num_permits() + c.num_permits()
        });
        rt.block_on(async {
            for _ in 0..4 {
                runtime::time::sleep(std::time::Duration::from_millis(5)).await;
                sem.add_permits(1);
            }
        });
        assert_eq!(thread.join().unwrap(), 4, "{flavor}");
        sem.close();
        assert!(sem.blocking_acquire().is_err());

        let msg = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let _ = sem.blocking_acquire();
            })
        }));
        assert!(
            msg.contains("Cannot block the current thread"),
            "{flavor}: {msg}"
        );
    }
}

#[test]
fn bounds_concurrency_under_load() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let sem = Arc::new(Semaphore::new(3));
            let now = Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let tasks: Vec<_> = (0..50)
                .map(|i| {
                    let (sem, now) = (sem.clone(), now.clone());
                    runtime::spawn(async move {
                        let k = 1 + i % 3;
                        let _p = sem.acquire_many(k).await.unwrap();
                        let n = now.fetch_add(k as usize, SeqCst) + k as usize;
                        assert!(n <= 3, "{n} permits out at once");
                        runtime::task::yield_now().await;
                        now.fetch_sub(k as usize, SeqCst);
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(sem.available_permits(), 3, "{flavor}");
        });
    }
}

#[test]
fn more_waiters_than_one_wake_batch() {
    // Wakers are woken 32 at a time with the lock released in between:
    // all of them, for a release and for a close.
    let sem = Semaphore::new(0);
    let (waker, woken) = counting_waker();
    let mut waiters: Vec<_> = (0..100).map(|_| Box::pin(sem.acquire())).collect();
    for w in &mut waiters {
        assert!(poll_with(w.as_mut(), &waker).is_pending());
    }
    sem.add_permits(70);
    assert_eq!(woken.load(SeqCst), 70);
    let mut permits = Vec::new();
    for w in &mut waiters[..70] {
        let Poll::Ready(Ok(p)) = poll_with(w.as_mut(), &waker) else {
            panic!("granted")
        };
        permits.push(p);
    }
    sem.close();
    assert_eq!(woken.load(SeqCst), 100);
    for w in &mut waiters[70..] {
        assert!(matches!(poll_with(w.as_mut(), &waker), Poll::Ready(Err(_))));
    }
    drop(permits);
    assert_eq!(sem.available_permits(), 70);
}

#[test]
fn a_waker_that_uses_the_semaphore_when_dropped_does_not_deadlock() {
    struct AddOnDrop(Arc<Semaphore>);
    impl std::task::Wake for AddOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for AddOnDrop {
        fn drop(&mut self) {
            self.0.add_permits(1); // takes the waiter lock
        }
    }
    let sem = Arc::new(Semaphore::new(0));
    {
        let mut acquire = Box::pin(sem.acquire());
        let waker = std::task::Waker::from(Arc::new(AddOnDrop(sem.clone())));
        assert!(poll_with(acquire.as_mut(), &waker).is_pending());
        drop(waker);
        // Dropped while waiting: its entry, and the last clone of the
        // waker, go with it.
    }
    assert_eq!(sem.available_permits(), 1);
    let mut acquire = pin!(sem.acquire_many(2));
    let waker = std::task::Waker::from(Arc::new(AddOnDrop(sem.clone())));
    assert!(poll_with(acquire.as_mut(), &waker).is_pending());
    drop(waker);
    // Replacing the waker drops the old one, which adds the missing permit.
    assert!(poll_noop(acquire.as_mut()).is_pending());
    assert!(matches!(poll_noop(acquire.as_mut()), Poll::Ready(Ok(_))));
}
