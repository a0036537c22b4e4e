//! `sync::RwLock`, from tokio's documented behaviour: readers share,
//! writers exclude, FIFO (a waiting writer holds back later readers), max
//! readers, downgrade, mapped and owned guards, cancel safety, blocking.

mod common;

use common::{both_flavors, counting_waker, panic_message, poll_noop, poll_with, run};
use runtime::sync::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn readers_share_and_a_writer_excludes() {
    let lock = RwLock::new(1);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    let err = lock.try_write().unwrap_err();
    assert_eq!(err.to_string(), "operation would block");
    assert_eq!(*r1 + *r2, 2);
    drop((r1, r2));
    let mut w = lock.try_write().unwrap();
    *w = 2;
    assert!(lock.try_read().is_err());
    assert!(lock.try_write().is_err());
    drop(w);
    assert_eq!(*lock.try_read().unwrap(), 2);
}

#[test]
fn a_waiting_writer_holds_back_later_readers() {
    let lock = RwLock::new(0);
    let reader = lock.try_read().unwrap();
    let mut writer = pin!(lock.write());
    assert!(poll_noop(writer.as_mut()).is_pending());
    // FIFO: a reader that comes after the writer waits behind it, so a
    // stream of readers cannot starve the writer.
    assert!(lock.try_read().is_err());
    let mut late_reader = pin!(lock.read());
    assert!(poll_noop(late_reader.as_mut()).is_pending());
    drop(reader);
    let Poll::Ready(mut w) = poll_noop(writer.as_mut()) else {
        panic!("the last reader left: the writer's turn");
    };
    *w = 1;
    assert!(poll_noop(late_reader.as_mut()).is_pending());
    drop(w);
    let Poll::Ready(r) = poll_noop(late_reader.as_mut()) else {
        panic!("the writer left: the reader's turn");
    };
    assert_eq!(*r, 1);
}

#[test]
fn writers_and_readers_are_served_in_order_in_a_runtime() {
    for (flavor, rt) in both_flavors() {
        let log = run(flavor, &rt, async {
            let lock = Arc::new(RwLock::new(Vec::new()));
            let held = lock.clone().write_owned().await;
            let mut tasks = Vec::new();
            for (i, write) in [(0, true), (1, false), (2, false), (3, true), (4, false)] {
                let lock = lock.clone();
                let (tx, rx) = runtime::sync::oneshot::channel();
                tasks.push(runtime::spawn(async move {
                    let mut tx = Some(tx);
                    let mut signal = move || {
                        if let Some(tx) = tx.take() {
                            let _ = tx.send(());
                        }
                    };
                    if write {
                        let mut fut = pin!(lock.write());
                        let mut g = std::future::poll_fn(|cx| {
                            let p = fut.as_mut().poll(cx);
                            signal();
                            p
                        })
                        .await;
                        g.push(i);
                    } else {
                        let mut fut = pin!(lock.read());
                        let g = std::future::poll_fn(|cx| {
                            let p = fut.as_mut().poll(cx);
                            signal();
                            p
                        })
                        .await;
                        // A reader records what it saw: the writers before it.
                        assert!(g.contains(&0), "reader {i} came after writer 0");
                        if i == 4 {
                            assert!(g.contains(&3), "reader 4 came after writer 3");
                        }
                    }
                }));
                rx.await.unwrap();
            }
            drop(held);
            for t in tasks {
                t.await.unwrap();
            }
            let log = lock.read().await.clone();
            log
        });
        assert_eq!(log, [0, 3], "{flavor}");
    }
}

#[test]
fn max_readers_bounds_the_readers() {
    let lock = RwLock::with_max_readers((), 2);
    let r1 = lock.try_read().unwrap();
    let _r2 = lock.try_read().unwrap();
    assert!(lock.try_read().is_err(), "a third reader waits");
    let (waker, woken) = counting_waker();
    let mut third = pin!(lock.read());
    assert!(poll_with(third.as_mut(), &waker).is_pending());
    drop(r1);
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_with(third.as_mut(), &waker).is_ready());

    let msg = panic_message(|| drop(RwLock::with_max_readers((), 0)));
    assert!(msg.contains("0 readers"), "{msg}");
    let msg = panic_message(|| drop(RwLock::with_max_readers((), u32::MAX)));
    assert!(msg.contains("more than"), "{msg}");
    let _ = RwLock::with_max_readers((), u32::MAX >> 3);
}

#[test]
fn downgrade_lets_readers_in_and_keeps_writers_out() {
    let lock = RwLock::new(1);
    let mut w = lock.try_write().unwrap();
    let mut reader = pin!(lock.read());
    assert!(poll_noop(reader.as_mut()).is_pending());
    *w = 2;
    let r: RwLockReadGuard<'_, i32> = w.downgrade();
    // Never unlocked: no writer got in between, and the value is ours.
    assert_eq!(*r, 2);
    let Poll::Ready(r2) = poll_noop(reader.as_mut()) else {
        panic!("a waiting reader enters after the downgrade");
    };
    assert_eq!(*r2, 2);
    assert!(lock.try_write().is_err(), "readers still hold it");
    drop((r, r2));
    assert!(lock.try_write().is_ok());
}

#[test]
fn downgrade_map_and_try_downgrade_map() {
    let lock = RwLock::new((1, Some(2)));
    let w = lock.try_write().unwrap();
    let first: RwLockReadGuard<'_, i32> = RwLockWriteGuard::downgrade_map(w, |v| &v.0);
    assert_eq!(*first, 1);
    assert!(lock.try_read().is_ok(), "shared now");
    assert!(lock.try_write().is_err());
    drop(first);

    let w = lock.try_write().unwrap();
    let w = RwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).expect_err("None");
    assert!(
        lock.try_read().is_err(),
        "the write guard came back, exclusive"
    );
    let second = RwLockWriteGuard::try_downgrade_map(w, |v| v.1.as_ref()).unwrap();
    assert_eq!(*second, 2);
    let second = RwLockReadGuard::map(second, |v| v);
    let second = RwLockReadGuard::try_map(second, |_| None::<&u8>).expect_err("None");
    assert_eq!(*second, 2);
}

#[test]
fn mapped_write_guards_keep_the_write_lock() {
    let lock = RwLock::new((1, String::new()));
    let w = lock.try_write().unwrap();
    let mut s: RwLockMappedWriteGuard<'_, String> = RwLockWriteGuard::map(w, |v| &mut v.1);
    s.push('a');
    assert!(lock.try_read().is_err());
    let s = RwLockMappedWriteGuard::try_map(s, |_| None::<&mut u8>).expect_err("None");
    let mut s = RwLockMappedWriteGuard::map(s, |s| s);
    s.push('b');
    drop(s);
    let w = lock.try_write().unwrap();
    let w = RwLockWriteGuard::try_map(w, |_| None::<&mut u8>).expect_err("None");
    let mut whole = RwLockWriteGuard::into_mapped(w);
    whole.0 += 1;
    drop(whole);
    assert_eq!(*lock.try_read().unwrap(), (2, "ab".to_string()));
}

#[test]
fn owned_guards_cross_spawn_map_and_downgrade() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let lock = Arc::new(RwLock::new(vec![1]));
            let mut w: OwnedRwLockWriteGuard<Vec<i32>> = lock.clone().write_owned().await;
            assert!(Arc::ptr_eq(OwnedRwLockWriteGuard::rwlock(&w), &lock));
            let l2 = lock.clone();
            let r = runtime::spawn(async move {
                w.push(2);
                assert!(l2.try_read().is_err());
                w.downgrade() // moves back to the spawner, still read-locked
            })
            .await
            .unwrap();
            assert_eq!(*r, [1, 2]);
            assert!(lock.try_write().is_err());
            let first: OwnedRwLockReadGuard<Vec<i32>, i32> =
                OwnedRwLockReadGuard::map(r, |v| &v[0]);
            assert!(Arc::ptr_eq(OwnedRwLockReadGuard::rwlock(&first), &lock));
            let first = OwnedRwLockReadGuard::try_map(first, |_| None::<&u8>).expect_err("None");
            assert_eq!(*first, 1);
            let readers: Vec<_> = (0..3)
                .map(|_| {
                    let lock = lock.clone();
                    runtime::spawn(async move { lock.read_owned().await.len() })
                })
                .collect();
            for t in readers {
                assert_eq!(t.await.unwrap(), 2, "readers share with `first`");
            }
            drop(first);

            let w = lock.clone().write_owned().await;
            let w = OwnedRwLockWriteGuard::try_map(w, |_| None::<&mut u8>).expect_err("None");
            let mut m: OwnedRwLockMappedWriteGuard<Vec<i32>, i32> =
                OwnedRwLockWriteGuard::map(w, |v| &mut v[1]);
            *m = 20;
            assert!(Arc::ptr_eq(OwnedRwLockMappedWriteGuard::rwlock(&m), &lock));
            let m = OwnedRwLockMappedWriteGuard::map(m, |v| v);
            let m = OwnedRwLockMappedWriteGuard::try_map(m, |_| None::<&mut u8>).expect_err("x");
            drop(m);
            let w = lock.clone().try_write_owned().unwrap();
            assert!(lock.clone().try_read_owned().is_err());
            let whole = OwnedRwLockWriteGuard::into_mapped(w);
            drop(whole);
            let w = lock.clone().try_write_owned().unwrap();
            let second = OwnedRwLockWriteGuard::downgrade_map(w, |v| &v[1]);
            assert_eq!(*second, 20);
            drop(second);
            let w = lock.clone().try_write_owned().unwrap();
            let w = OwnedRwLockWriteGuard::try_downgrade_map(w, |_| None::<&u8>).expect_err("x");
            let r = OwnedRwLockWriteGuard::try_downgrade_map(w, |v| v.first()).unwrap();
            assert_eq!(*r, 1);
            assert!(lock.clone().try_read_owned().is_ok());
        });
    }
}

#[test]
fn a_cancelled_writer_passes_the_readers_permits_on() {
    let lock = RwLock::with_max_readers(0, 3);
    let r1 = lock.try_read().unwrap();
    let r2 = lock.try_read().unwrap();
    let mut writer = Box::pin(lock.write());
    assert!(poll_noop(writer.as_mut()).is_pending());
    let (waker, woken) = counting_waker();
    let mut reader = pin!(lock.read());
    assert!(poll_with(reader.as_mut(), &waker).is_pending());
    drop(r1); // the writer collects this permit (it has 2 of 3 now) ...
    assert!(poll_noop(writer.as_mut()).is_pending());
    assert_eq!(woken.load(SeqCst), 0);
    drop(writer); // ... and gives both back when cancelled
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_with(reader.as_mut(), &waker).is_ready());
    drop(r2);
}

#[test]
fn blocking_read_and_write_from_a_plain_thread() {
    for (flavor, rt) in both_flavors() {
        let lock = Arc::new(RwLock::new(0));
        let held = rt.block_on(lock.clone().write_owned());
        let l2 = lock.clone();
        let thread = std::thread::spawn(move || {
            let seen = *l2.blocking_read();
            *l2.blocking_write() += 10;
            seen
        });
        rt.block_on(async move {
            runtime::time::sleep(std::time::Duration::from_millis(20)).await;
            let mut held = held;
            *held = 5;
        });
        assert_eq!(thread.join().unwrap(), 5, "{flavor}");
        assert_eq!(*lock.blocking_read(), 15);

        let msg = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let _ = lock.blocking_write();
            })
        }));
        assert!(
            msg.contains("Cannot block the current thread"),
            "{flavor}: {msg}"
        );
    }
}

static GLOBAL: RwLock<u32> = RwLock::const_new(3);
static FEW: RwLock<u32> = RwLock::const_with_max_readers(4, 1);

#[test]
fn const_new_into_inner_get_mut_debug() {
    assert_eq!(*GLOBAL.try_read().unwrap(), 3);
    let r = FEW.try_read().unwrap();
    assert!(FEW.try_read().is_err(), "one reader at most");
    drop(r);
    let mut lock = RwLock::from(vec![1]);
    lock.get_mut().push(2);
    assert_eq!(format!("{lock:?}"), "RwLock { data: [1, 2] }");
    let w = lock.try_write().unwrap();
    assert_eq!(format!("{w:?}"), "[1, 2]");
    assert_eq!(format!("{lock:?}"), "RwLock { data: <locked> }");
    drop(w);
    let r = lock.try_read().unwrap();
    assert_eq!(format!("{:?}", RwLockReadGuard::map(r, |v| &v[0])), "1");
    assert_eq!(lock.into_inner(), [1, 2]);
    assert_eq!(RwLock::<u8>::default().into_inner(), 0);
}
