//! `runtime::sync`: each primitive's core behaviour, on the runtime (both
//! flavors where tasks interleave).

mod common;

use common::each_flavor;
use runtime::sync::{broadcast, mpsc, oneshot, watch};
use runtime::sync::{Barrier, Mutex, Notify, RwLock, Semaphore};
use runtime::task::{self, JoinSet};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

/// Polls a future once with a no-op waker: is it ready now?
fn ready_now<F: Future>(f: std::pin::Pin<&mut F>) -> Option<F::Output> {
    match f.poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
    }
}

#[test]
fn mutex_serializes_tasks_across_awaits() {
    each_flavor(|flavor, rt| {
        let n = rt.block_on(async {
            let m = Arc::new(Mutex::new(0u64));
            let mut set = JoinSet::new();
            for _ in 0..50 {
                let m = m.clone();
                set.spawn(async move {
                    for _ in 0..20 {
                        let mut g = m.lock().await;
                        let v = *g;
                        task::yield_now().await; // held across an await
                        *g = v + 1;
                    }
                });
            }
            set.join_all().await;
            let v = *m.lock().await;
            v
        });
        assert_eq!(n, 1000, "{flavor}");
    });
}

#[test]
fn rwlock_readers_share_and_writers_exclude() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().expect("a reader");
    let r2 = lock.try_read().expect("readers share");
    assert!(lock.try_write().is_err(), "a writer waits for readers");
    drop((r1, r2));
    let mut w = lock.try_write().expect("the writer");
    *w = 2;
    assert!(lock.try_read().is_err(), "readers wait for the writer");
    drop(w);
    each_flavor(|flavor, rt| {
        let lock = Arc::new(RwLock::new(0));
        let out = rt.block_on(async move {
            let w = lock.write().await;
            let l = lock.clone();
            let reader = runtime::spawn(async move { *l.read().await });
            task::yield_now().await;
            drop(w);
            *lock.write().await += 5; // may run before the reader or after
            let seen = reader.await.unwrap();
            assert!(seen == 0 || seen == 5);
            *lock.read().await
        });
        assert_eq!(out, 5, "{flavor}");
    });
}

#[test]
fn semaphore_bounds_concurrency() {
    each_flavor(|flavor, rt| {
        let (max, total) = rt.block_on(async {
            let sem = Arc::new(Semaphore::new(3));
            let now = Arc::new(AtomicUsize::new(0));
            let max = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..30 {
                let (sem, now, max) = (sem.clone(), now.clone(), max.clone());
                set.spawn(async move {
                    let _permit = sem.acquire().await.unwrap();
                    let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(n, Ordering::SeqCst);
                    for _ in 0..5 {
                        task::yield_now().await;
                    }
                    now.fetch_sub(1, Ordering::SeqCst);
                    1
                });
            }
            let total: usize = set.join_all().await.into_iter().sum();
            assert_eq!(sem.available_permits(), 3);
            (max.load(Ordering::SeqCst), total)
        });
        assert_eq!(total, 30, "{flavor}");
        assert!(max <= 3, "{flavor}: at most 3 at once, saw {max}");
        if flavor == "current_thread" {
            // Deterministic there: the first three hold their permits
            // across their yields while the others queue.
            assert_eq!(max, 3);
        }
    });
    let sem = Semaphore::new(1);
    let g = sem.try_acquire().unwrap();
    assert!(sem.try_acquire().is_err());
    drop(g);
    sem.add_permits(2);
    assert_eq!(sem.available_permits(), 3);
}

#[test]
fn barrier_releases_all_with_one_leader() {
    each_flavor(|flavor, rt| {
        let leaders = rt.block_on(async {
            let barrier = Arc::new(Barrier::new(10));
            let passed = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let (b, p) = (barrier.clone(), passed.clone());
                set.spawn(async move {
                    let before = p.load(Ordering::SeqCst);
                    assert_eq!(before, 0, "nobody passes before all arrive");
                    let res = b.wait().await;
                    p.fetch_add(1, Ordering::SeqCst);
                    res.is_leader()
                });
            }
            set.join_all().await.into_iter().filter(|&l| l).count()
        });
        assert_eq!(leaders, 1, "{flavor}");
    });
}

#[test]
fn notify_one_stores_one_permit() {
    let notify = Notify::new();
    notify.notify_one();
    notify.notify_one(); // still one permit
    assert!(ready_now(pin!(notify.notified())).is_some(), "the permit");
    assert!(
        ready_now(pin!(notify.notified())).is_none(),
        "only one permit"
    );
}

#[test]
fn notify_one_wakes_waiters_in_order() {
    let notify = Notify::new();
    let mut first = pin!(notify.notified());
    let mut second = pin!(notify.notified());
    assert!(ready_now(first.as_mut()).is_none());
    assert!(ready_now(second.as_mut()).is_none());
    notify.notify_one();
    assert!(ready_now(second.as_mut()).is_none(), "FIFO: not the second");
    assert!(ready_now(first.as_mut()).is_some(), "the first waiter");
    notify.notify_one();
    assert!(ready_now(second.as_mut()).is_some());
}

#[test]
fn a_dropped_notified_passes_its_notification_on() {
    let notify = Notify::new();
    let mut first = Box::pin(notify.notified());
    let mut second = pin!(notify.notified());
    assert!(ready_now(first.as_mut()).is_none());
    assert!(ready_now(second.as_mut()).is_none());
    notify.notify_one(); // goes to `first`...
    drop(first); // ...which never sees it
    assert!(ready_now(second.as_mut()).is_some(), "passed on");
}

#[test]
fn notify_waiters_wakes_every_earlier_notified_and_stores_no_permit() {
    let notify = Notify::new();
    let mut polled = pin!(notify.notified());
    assert!(ready_now(polled.as_mut()).is_none());
    let mut unpolled = pin!(notify.notified()); // created, never polled yet
    notify.notify_waiters();
    let mut later = pin!(notify.notified());
    assert!(ready_now(polled.as_mut()).is_some());
    assert!(ready_now(unpolled.as_mut()).is_some());
    assert!(ready_now(later.as_mut()).is_none(), "no permit stored");
}

#[test]
fn notify_across_tasks() {
    each_flavor(|flavor, rt| {
        let woke = rt.block_on(async {
            let notify = Arc::new(Notify::new());
            let started = Arc::new(Barrier::new(6));
            let mut set = JoinSet::new();
            for _ in 0..5 {
                let (n, s) = (notify.clone(), started.clone());
                set.spawn(async move {
                    let notified = n.notified();
                    s.wait().await;
                    notified.await;
                    1
                });
            }
            started.wait().await;
            notify.notify_waiters();
            set.join_all().await.len()
        });
        assert_eq!(woke, 5, "{flavor}");
    });
}

#[test]
fn mpsc_bounded_delivers_in_order_and_pushes_back() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            tx.try_send(1).unwrap();
            tx.send(2).await.unwrap();
            assert_eq!(tx.try_send(3), Err(mpsc::error::TrySendError::Full(3)));
            assert_eq!(tx.capacity(), 0);
            let producer = runtime::spawn({
                let tx = tx.clone();
                async move {
                    for i in 3..100 {
                        tx.send(i).await.unwrap(); // waits for room
                    }
                }
            });
            drop(tx);
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                got.push(v);
            }
            producer.await.unwrap();
            assert_eq!(got, (1..100).collect::<Vec<_>>(), "{flavor}");
            assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected));
        });
    });
}

#[test]
fn mpsc_many_producers_and_a_closed_receiver() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            assert_eq!(rx.try_recv(), Err(mpsc::error::TryRecvError::Empty));
            for p in 0..10u64 {
                let tx = tx.clone();
                runtime::spawn(async move {
                    for i in 0..100 {
                        tx.send(p * 100 + i).unwrap();
                        task::yield_now().await;
                    }
                });
            }
            drop(tx);
            let mut sum = 0;
            while let Some(v) = rx.recv().await {
                sum += v;
            }
            assert_eq!(sum, (0..1000).sum::<u64>(), "{flavor}");

            let (tx, rx) = mpsc::channel::<u8>(4);
            let waiter = runtime::spawn({
                let tx = tx.clone();
                async move { tx.closed().await }
            });
            drop(rx);
            waiter.await.unwrap();
            assert!(tx.is_closed());
            assert_eq!(tx.send(7).await.unwrap_err().0, 7);
        });
    });
}

#[test]
fn oneshot_sends_once_or_reports_a_dropped_sender() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = oneshot::channel();
            runtime::spawn(async move {
                task::yield_now().await;
                tx.send(String::from("hi")).unwrap();
            });
            assert_eq!(rx.await.as_deref(), Ok("hi"), "{flavor}");

            let (tx, rx) = oneshot::channel::<u8>();
            runtime::spawn(async move { drop(tx) });
            assert!(rx.await.is_err(), "{flavor}");

            let (mut tx, mut rx) = oneshot::channel::<u8>();
            assert_eq!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty));
            let closed = runtime::spawn(async move {
                tx.closed().await;
                tx.send(1)
            });
            drop(rx);
            assert_eq!(closed.await.unwrap(), Err(1), "{flavor}");
        });
    });
}

#[test]
fn broadcast_every_receiver_sees_every_value() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel(64);
            let mut set = JoinSet::new();
            for rx in [rx, tx.subscribe(), tx.subscribe()] {
                let mut rx = rx;
                set.spawn(async move {
                    let mut got = Vec::new();
                    while let Ok(v) = rx.recv().await {
                        got.push(v);
                    }
                    got
                });
            }
            for i in 0..50 {
                assert_eq!(tx.send(i).unwrap(), 3);
            }
            drop(tx);
            for got in set.join_all().await {
                assert_eq!(got, (0..50).collect::<Vec<_>>(), "{flavor}");
            }
        });
    });
}

#[test]
fn broadcast_lag_and_no_receiver() {
    let (tx, mut rx) = broadcast::channel(2);
    for i in 0..5 {
        tx.send(i).unwrap();
    }
    assert_eq!(
        rx.try_recv(),
        Err(broadcast::error::TryRecvError::Lagged(3))
    );
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(broadcast::error::TryRecvError::Empty));
    drop(rx);
    assert_eq!(tx.send(9).unwrap_err().0, 9, "no receiver");
    let mut late = tx.subscribe(); // still possible
    tx.send(10).unwrap();
    assert_eq!(late.try_recv(), Ok(10));
    drop(tx);
    assert_eq!(late.try_recv(), Err(broadcast::error::TryRecvError::Closed));
}

#[test]
fn watch_receivers_see_the_latest_value() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            assert!(!rx.has_changed().unwrap());
            let watcher = runtime::spawn({
                let mut rx = rx.clone();
                async move {
                    let mut seen = Vec::new();
                    while rx.changed().await.is_ok() {
                        seen.push(*rx.borrow_and_update());
                    }
                    seen
                }
            });
            for i in 1..=20 {
                tx.send(i).unwrap();
                task::yield_now().await;
            }
            tx.send_modify(|v| *v += 100);
            assert_eq!(*rx.borrow(), 120);
            rx.changed().await.unwrap(); // unseen changes: ready at once
            assert_eq!(*rx.borrow_and_update(), 120);
            drop(tx);
            assert!(rx.changed().await.is_err(), "{flavor}: sender gone");
            let seen = watcher.await.unwrap();
            assert_eq!(seen.last(), Some(&120), "{flavor}: ends on the last value");
            assert!(seen.windows(2).all(|w| w[0] < w[1]), "{flavor}: in order");
        });
    });
}

#[test]
fn watch_send_without_receivers_and_closed() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = watch::channel("a");
            let closed = runtime::spawn({
                let rx2 = rx.clone();
                async move {
                    task::yield_now().await;
                    drop(rx2);
                }
            });
            drop(rx);
            tx.closed().await;
            closed.await.unwrap();
            assert_eq!(tx.send("b").unwrap_err().0, "b", "{flavor}");
            assert_eq!(tx.send_replace("c"), "a");
            let rx = tx.subscribe();
            assert_eq!(*rx.borrow(), "c");
            assert!(!rx.has_changed().unwrap());
        });
    });
}
