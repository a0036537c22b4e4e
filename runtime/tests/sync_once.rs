//! `sync::OnceCell` and `sync::SetOnce`, from tokio's documented
//! behaviour: one initializer however many callers, a cancelled or
//! panicking one hands over to the next, `set` errors, `wait`.

mod common;

use common::{both_flavors, poll_noop, run, DropCounter};
use runtime::sync::{OnceCell, SetError, SetOnce, SetOnceError};
use std::pin::pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

#[test]
fn concurrent_get_or_init_runs_the_initializer_once() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let cell = Arc::new(OnceCell::new());
            let inits = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..10)
                .map(|i| {
                    let (cell, inits) = (cell.clone(), inits.clone());
                    runtime::spawn(async move {
                        *cell
                            .get_or_init(|| async move {
                                inits.fetch_add(1, SeqCst);
                                runtime::time::sleep(Duration::from_millis(10)).await;
                                i
                            })
                            .await
                    })
                })
                .collect();
            let mut seen = Vec::new();
            for t in tasks {
                seen.push(t.await.unwrap());
            }
            assert_eq!(inits.load(SeqCst), 1, "{flavor}: one initializer ran");
            assert!(seen.iter().all(|&v| v == seen[0]), "{flavor}: {seen:?}");
            assert_eq!(cell.get(), Some(&seen[0]));
        });
    }
}

#[test]
fn a_cancelled_initializer_hands_over_to_the_next_caller() {
    let cell = OnceCell::new();
    let mut first = Box::pin(cell.get_or_init(std::future::pending::<u32>));
    assert!(poll_noop(first.as_mut()).is_pending());
    let mut second = pin!(cell.get_or_init(|| async { 2 }));
    assert!(poll_noop(second.as_mut()).is_pending(), "waits for `first`");
    assert!(matches!(cell.set(9), Err(SetError::InitializingError(9))));
    drop(first);
    assert_eq!(poll_noop(second.as_mut()), Poll::Ready(&2));
    assert_eq!(cell.get(), Some(&2));
}

#[test]
fn a_panicking_initializer_hands_over_to_the_next_caller() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let cell = Arc::new(OnceCell::new());
            let c = cell.clone();
            let (started, is_started) = runtime::sync::oneshot::channel();
            let panicked = runtime::spawn(async move {
                c.get_or_init(|| async {
                    started.send(()).unwrap();
                    runtime::time::sleep(Duration::from_millis(5)).await;
                    panic!("initializer fails (on purpose)");
                })
                .await;
            });
            is_started.await.unwrap();
            let c = cell.clone();
            let next = runtime::spawn(async move { *c.get_or_init(|| async { 5 }).await });
            assert!(panicked.await.unwrap_err().is_panic());
            assert_eq!(next.await.unwrap(), 5, "{flavor}");
        });
    }
}

#[test]
fn get_or_try_init_leaves_the_cell_empty_on_error() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let cell = OnceCell::<u32>::new();
        let err = cell
            .get_or_try_init(|| async { Err::<u32, _>("no") })
            .await
            .unwrap_err();
        assert_eq!(err, "no");
        assert!(!cell.initialized());
        let v = cell.get_or_try_init(|| async { Ok::<_, ()>(3) }).await;
        assert_eq!(v, Ok(&3));
        let v = cell.get_or_try_init(|| async { Err::<u32, _>(()) }).await;
        assert_eq!(v, Ok(&3), "set: the initializer does not run");
    });
}

#[test]
fn set_get_and_set_errors() {
    let cell = OnceCell::new();
    assert_eq!(cell.get(), None);
    assert!(!cell.initialized());
    cell.set(1).unwrap();
    assert!(cell.initialized());
    assert_eq!(cell.get(), Some(&1));
    let err = cell.set(2).unwrap_err();
    assert!(err.is_already_init_err() && !err.is_initializing_err());
    assert_eq!(err, SetError::AlreadyInitializedError(2));
    assert_eq!(err.to_string(), "AlreadyInitializedError");
    assert_eq!(
        SetError::InitializingError(()).to_string(),
        "InitializingError"
    );
    let _: &dyn std::error::Error = &err;
}

#[test]
fn values_are_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    drop(OnceCell::new_with(Some(DropCounter(drops.clone()))));
    assert_eq!(drops.load(SeqCst), 1);
    let cell = OnceCell::from(DropCounter(drops.clone()));
    let value = cell.into_inner().unwrap();
    assert_eq!(drops.load(SeqCst), 1, "moved out, not dropped");
    drop(value);
    assert_eq!(drops.load(SeqCst), 2);
    let mut cell = OnceCell::new();
    assert!(cell.set(DropCounter(drops.clone())).is_ok());
    assert!(cell.take().is_some());
    assert_eq!(drops.load(SeqCst), 3);
    assert!(cell.get().is_none() && cell.set(DropCounter(drops.clone())).is_ok());
    drop(cell);
    assert_eq!(drops.load(SeqCst), 4);
    assert!(OnceCell::<u8>::new().into_inner().is_none());
    assert!(OnceCell::<u8>::new_with(None).get().is_none());
}

static GLOBAL: OnceCell<String> = OnceCell::const_new();
static PRESET: OnceCell<u8> = OnceCell::const_new_with(4);

#[test]
fn const_new_get_mut_clone_eq_debug() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let v = rt.block_on(GLOBAL.get_or_init(|| async { "g".to_string() }));
    assert_eq!(v, "g");
    assert_eq!(PRESET.get(), Some(&4));
    assert!(PRESET.set(5).unwrap_err().is_already_init_err());

    let mut cell = OnceCell::from(1);
    *cell.get_mut().unwrap() += 1;
    assert_eq!(cell.clone(), OnceCell::from(2));
    assert_ne!(cell, OnceCell::new());
    assert_eq!(format!("{cell:?}"), "OnceCell { value: Some(2) }");
    assert!(OnceCell::<u8>::default().get_mut().is_none());
}

#[test]
fn set_once_wait_returns_once_set() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let once = Arc::new(SetOnce::new());
            let waiters: Vec<_> = (0..5)
                .map(|_| {
                    let once = once.clone();
                    runtime::spawn(async move { *once.wait().await })
                })
                .collect();
            runtime::time::sleep(Duration::from_millis(10)).await;
            assert_eq!(once.get(), None);
            let o = once.clone();
            runtime::spawn(async move { o.set(7) })
                .await
                .unwrap()
                .unwrap();
            for w in waiters {
                assert_eq!(w.await.unwrap(), 7, "{flavor}");
            }
            assert_eq!(*once.wait().await, 7, "set already: at once");
        });
    }
}

#[test]
fn set_once_set_twice_and_concurrent_sets() {
    let once = SetOnce::new();
    assert!(!once.initialized());
    once.set(1).unwrap();
    let err = once.set(2).unwrap_err();
    assert_eq!(err, SetOnceError(2));
    assert_eq!(err.to_string(), "SetOnceError");
    let _: &dyn std::error::Error = &err;
    assert_eq!(once.get(), Some(&1));

    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let once = Arc::new(SetOnce::new());
            let setters: Vec<_> = (0..8)
                .map(|i| {
                    let once = once.clone();
                    runtime::spawn(async move {
                        let won = once.set(i).is_ok();
                        // Winner or not, the value is there once `set` returns.
                        assert!(once.get().is_some());
                        won
                    })
                })
                .collect();
            let mut winners = 0;
            for s in setters {
                winners += s.await.unwrap() as usize;
            }
            assert_eq!(winners, 1, "{flavor}");
        });
    }
}

#[test]
fn set_once_wait_is_cancel_safe() {
    let once = SetOnce::new();
    let mut dropped = Box::pin(once.wait());
    assert!(poll_noop(dropped.as_mut()).is_pending());
    let mut kept = pin!(once.wait());
    assert!(poll_noop(kept.as_mut()).is_pending());
    drop(dropped);
    once.set(3).unwrap();
    assert_eq!(poll_noop(kept.as_mut()), Poll::Ready(&3));
}

static READY: SetOnce<u32> = SetOnce::const_new();
static PRESET_ONCE: SetOnce<u32> = SetOnce::const_new_with(1);

#[test]
fn set_once_const_new_into_inner_drops() {
    READY.set(5).unwrap();
    assert_eq!(READY.get(), Some(&5));
    assert_eq!(PRESET_ONCE.get(), Some(&1));
    assert!(PRESET_ONCE.set(2).is_err());

    let drops = Arc::new(AtomicUsize::new(0));
    drop(SetOnce::new_with(Some(DropCounter(drops.clone()))));
    assert_eq!(drops.load(SeqCst), 1);
    let once = SetOnce::from(DropCounter(drops.clone()));
    let value = once.into_inner().unwrap();
    assert_eq!(drops.load(SeqCst), 1);
    drop(value);
    assert_eq!(drops.load(SeqCst), 2);
    assert!(SetOnce::<u8>::new().into_inner().is_none());
    let once = SetOnce::from(3);
    assert_eq!(once.clone(), SetOnce::from(3));
    assert_eq!(format!("{once:?}"), "SetOnce { value: Some(3) }");
    assert_eq!(SetOnce::<u8>::default(), SetOnce::new_with(None));
}
