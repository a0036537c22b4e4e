//! `sync::Mutex`, from tokio's documented behaviour: FIFO, cancel safe,
//! `try_lock` errors, owned and mapped guards, `blocking_lock`.

mod common;

use common::{both_flavors, counting_waker, panic_message, poll_noop, poll_with, run};
use runtime::sync::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;

/// Locks `m`, telling `queued` once the lock future has been polled (and
/// so queued) the first time.
async fn lock_after_queued(
    m: &Mutex<Vec<usize>>,
    queued: runtime::sync::oneshot::Sender<()>,
) -> runtime::sync::MutexGuard<'_, Vec<usize>> {
    let mut lock = pin!(m.lock());
    let mut queued = Some(queued);
    poll_fn(|cx| {
        let poll = lock.as_mut().poll(cx);
        if let Some(tx) = queued.take() {
            let _ = tx.send(());
        }
        poll
    })
    .await
}

#[test]
fn waiters_get_the_lock_in_fifo_order() {
    for (flavor, rt) in both_flavors() {
        let order = run(flavor, &rt, async {
            let m = Arc::new(Mutex::new(Vec::new()));
            let held = m.lock().await;
            let mut tasks = Vec::new();
            for i in 0..6 {
                let m2 = m.clone();
                let (tx, rx) = runtime::sync::oneshot::channel();
                tasks.push(runtime::spawn(async move {
                    lock_after_queued(&m2, tx).await.push(i);
                }));
                rx.await.unwrap(); // task `i` waits before `i + 1` is spawned
            }
            drop(held);
            for t in tasks {
                t.await.unwrap();
            }
            let order = m.lock().await.clone();
            order
        });
        assert_eq!(order, [0, 1, 2, 3, 4, 5], "{flavor}");
    }
}

#[test]
fn a_released_lock_goes_to_the_waiter_not_to_try_lock() {
    let m = Mutex::new(0);
    let held = m.try_lock().unwrap();
    let mut waiter = pin!(m.lock());
    assert!(poll_noop(waiter.as_mut()).is_pending());
    drop(held);
    // Handed to the queued waiter: a newcomer cannot barge in.
    assert!(m.try_lock().is_err());
    let Poll::Ready(mut guard) = poll_noop(waiter.as_mut()) else {
        panic!("the waiter was handed the lock");
    };
    *guard += 1;
    drop(guard);
    assert_eq!(*m.try_lock().unwrap(), 1);
}

#[test]
fn a_dropped_lock_future_passes_the_lock_on() {
    let m = Mutex::new(());
    let held = m.try_lock().unwrap();
    let (w1, woken1) = counting_waker();
    let (w2, woken2) = counting_waker();
    let mut first = Box::pin(m.lock());
    let mut second = pin!(m.lock());
    assert!(poll_with(first.as_mut(), &w1).is_pending());
    assert!(poll_with(second.as_mut(), &w2).is_pending());

    drop(held); // handed to `first`, which is woken ...
    assert_eq!((woken1.load(SeqCst), woken2.load(SeqCst)), (1, 0));
    drop(first); // ... and dropped before it looked: `second` gets it
    assert_eq!(woken2.load(SeqCst), 1);
    assert!(poll_with(second.as_mut(), &w2).is_ready());
}

#[test]
fn a_dropped_waiting_lock_future_leaves_the_queue() {
    let m = Mutex::new(());
    let held = m.try_lock().unwrap();
    let mut first = Box::pin(m.lock());
    let mut second = pin!(m.lock());
    assert!(poll_noop(first.as_mut()).is_pending());
    assert!(poll_noop(second.as_mut()).is_pending());
    drop(first); // leaves the queue before the release
    drop(held);
    assert!(poll_noop(second.as_mut()).is_ready());
}

#[test]
fn cancelled_lock_tasks_pass_the_lock_on_in_a_runtime() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let m = Arc::new(Mutex::new(0));
            let held = m.clone().lock_owned().await;
            let (tx, rx) = runtime::sync::oneshot::channel();
            let m1 = m.clone();
            let cancelled = runtime::spawn(async move {
                let mut lock = pin!(m1.lock());
                let mut tx = Some(tx);
                let _guard = poll_fn(|cx| {
                    let poll = lock.as_mut().poll(cx);
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(());
                    }
                    poll
                })
                .await;
                // On two workers it may get the lock between the release
                // and the abort: then the abort drops the guard.
                std::future::pending::<()>().await;
            });
            rx.await.unwrap();
            let m2 = m.clone();
            let next = runtime::spawn(async move { *m2.lock().await += 1 });
            runtime::task::yield_now().await;
            // Released and cancelled in either order, `next` gets the lock.
            drop(held);
            cancelled.abort();
            assert!(cancelled.await.unwrap_err().is_cancelled());
            next.await.unwrap();
            assert_eq!(*m.lock().await, 1);
        });
    }
}

#[test]
fn try_lock_fails_with_try_lock_error_while_locked() {
    let m = Mutex::new(5);
    let guard = m.try_lock().unwrap();
    let err: TryLockError = m.try_lock().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
    let _: &dyn std::error::Error = &err;
    assert!(format!("{err:?}").contains("TryLockError"));
    drop(guard);
    assert_eq!(*m.try_lock().unwrap(), 5);

    let m = Arc::new(Mutex::new(1));
    let owned = m.clone().try_lock_owned().unwrap();
    assert!(m.clone().try_lock_owned().is_err());
    assert!(m.try_lock().is_err());
    drop(owned);
    assert!(m.try_lock().is_ok());
}

#[test]
fn owned_guards_cross_spawn() {
    for (flavor, rt) in both_flavors() {
        let v = run(flavor, &rt, async {
            let m = Arc::new(Mutex::new(Vec::new()));
            let mut guard: OwnedMutexGuard<Vec<u8>> = m.clone().lock_owned().await;
            guard.push(1);
            let m2 = m.clone();
            let task = runtime::spawn(async move {
                // Still held by the guard that moved here.
                assert!(m2.try_lock().is_err());
                guard.push(2);
                assert!(Arc::ptr_eq(OwnedMutexGuard::mutex(&guard), &m2));
            });
            task.await.unwrap();
            let v = m.lock().await.clone();
            v
        });
        assert_eq!(v, [1, 2], "{flavor}");
    }
}

#[test]
fn blocking_lock_from_a_plain_thread() {
    for (flavor, rt) in both_flavors() {
        let m = Arc::new(Mutex::new(0));
        let held = rt.block_on(m.clone().lock_owned());
        let m2 = m.clone();
        let blocked = std::thread::spawn(move || {
            *m2.blocking_lock() += 1; // waits for the task below
            let mut owned = m2.clone().blocking_lock_owned();
            *owned += 1;
        });
        rt.block_on(async move {
            runtime::time::sleep(std::time::Duration::from_millis(20)).await;
            drop(held);
        });
        blocked.join().unwrap();
        assert_eq!(*m.blocking_lock(), 2, "{flavor}");
    }
}

#[test]
fn blocking_lock_panics_inside_a_runtime() {
    for (flavor, rt) in both_flavors() {
        let m = Mutex::new(0);
        let msg = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let _ = m.blocking_lock();
            })
        }));
        assert!(
            msg.contains("Cannot block the current thread from within a runtime"),
            "{flavor}: {msg}"
        );
        let m = Arc::new(Mutex::new(0));
        let task = rt.spawn(async move {
            let _ = m.blocking_lock_owned();
        });
        let err = rt.block_on(task).unwrap_err();
        assert!(err.is_panic(), "{flavor}");
    }
}

#[derive(Debug, Default)]
struct Pair {
    a: u32,
    b: Option<String>,
}

#[test]
fn map_and_try_map_keep_the_lock() {
    let m = Mutex::new(Pair::default());
    let guard = m.try_lock().unwrap();
    assert!(std::ptr::eq(MutexGuard::mutex(&guard), &m));
    let mut a: MappedMutexGuard<'_, u32> = MutexGuard::map(guard, |p| &mut p.a);
    *a = 3;
    assert!(m.try_lock().is_err(), "a mapped guard holds the lock");
    let a = MappedMutexGuard::map(a, |a| a);
    drop(a);

    let guard = m.try_lock().unwrap();
    let guard = MutexGuard::try_map(guard, |p| p.b.as_mut()).expect_err("b is None");
    assert!(m.try_lock().is_err(), "the guard came back, still locked");
    drop(guard);
    m.try_lock().unwrap().b = Some("x".into());
    let b = MutexGuard::try_map(m.try_lock().unwrap(), |p| p.b.as_mut()).unwrap();
    let mut s = MappedMutexGuard::try_map(b, |s| Some(s)).unwrap();
    s.push('y');
    assert!(MappedMutexGuard::try_map(s, |_| None::<&mut u8>).is_err());
    let inner = m.into_inner();
    assert_eq!((inner.a, inner.b.as_deref()), (3, Some("xy")));
}

#[test]
fn owned_map_and_try_map_keep_the_lock() {
    let m = Arc::new(Mutex::new(Pair::default()));
    let guard = m.clone().try_lock_owned().unwrap();
    let mut a: OwnedMappedMutexGuard<Pair, u32> = OwnedMutexGuard::map(guard, |p| &mut p.a);
    *a += 7;
    assert!(m.try_lock().is_err());
    let a = OwnedMappedMutexGuard::map(a, |a| a);
    let a = OwnedMappedMutexGuard::try_map(a, |_| None::<&mut u8>).expect_err("None");
    drop(a);
    let guard = m.clone().try_lock_owned().unwrap();
    let guard = OwnedMutexGuard::try_map(guard, |p| p.b.as_mut()).expect_err("None");
    drop(guard);
    assert_eq!(m.try_lock().unwrap().a, 7);
}

static GLOBAL: Mutex<Vec<u32>> = Mutex::const_new(Vec::new());

#[test]
fn const_new_get_mut_into_inner_debug() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async { GLOBAL.lock().await.push(1) });
    assert_eq!(*GLOBAL.try_lock().unwrap(), [1]);

    let mut m = Mutex::from(1);
    *m.get_mut() += 1;
    assert_eq!(format!("{m:?}"), "Mutex { data: 2 }");
    let guard = m.try_lock().unwrap();
    assert_eq!(format!("{guard:?} {guard}"), "2 2");
    assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    drop(guard);
    assert_eq!(m.into_inner(), 2);
    assert_eq!(Mutex::<u8>::default().into_inner(), 0);
}

#[test]
fn serializes_many_tasks_holding_it_across_awaits() {
    for (flavor, rt) in both_flavors() {
        let n = run(flavor, &rt, async {
            let m = Arc::new(Mutex::new(0u32));
            let tasks: Vec<_> = (0..20)
                .map(|_| {
                    let m = m.clone();
                    runtime::spawn(async move {
                        for _ in 0..20 {
                            let mut g = m.lock().await;
                            let v = *g;
                            runtime::task::yield_now().await;
                            *g = v + 1;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            let n = *m.lock().await;
            n
        });
        assert_eq!(n, 400, "{flavor}");
    }
}
