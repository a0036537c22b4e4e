//! Aborting tasks: before they run, while they wait, while they run.

mod common;

use common::{each_flavor, DropCounter, Forever};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;

#[test]
fn abort_before_the_first_poll_never_runs_the_future() {
    each_flavor(|flavor, rt| {
        let ran = Arc::new(AtomicBool::new(false));
        let drops = Arc::new(AtomicUsize::new(0));
        let (r, d) = (ran.clone(), DropCounter(drops.clone()));
        // On current_thread nothing runs until block_on; on multi_thread
        // the task may race, so abort from inside a busy block_on there.
        let err = rt.block_on(async move {
            let h = runtime::spawn(async move {
                let _d = d;
                r.store(true, Ordering::SeqCst);
            });
            h.abort();
            h.await.unwrap_err()
        });
        assert!(err.is_cancelled(), "{flavor}: {err}");
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "{flavor}: the future is dropped once"
        );
        if flavor == "current_thread" {
            assert!(!ran.load(Ordering::SeqCst), "aborted before its first poll");
        }
    });
}

#[test]
fn abort_of_a_waiting_task_drops_its_future_once() {
    each_flavor(|flavor, rt| {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = DropCounter(drops.clone());
        let err = rt.block_on(async move {
            let h = runtime::spawn(async move {
                let _d = d;
                Forever.await
            });
            // Let it reach its await point.
            for _ in 0..10 {
                runtime::task::yield_now().await;
            }
            assert!(!h.is_finished());
            h.abort();
            h.abort(); // twice is harmless
            h.await.unwrap_err()
        });
        assert!(err.is_cancelled(), "{flavor}");
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavor}");
    });
}

#[test]
fn abort_while_running_cancels_after_the_current_poll() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (started_tx, started_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel::<()>();
    let polls = Arc::new(AtomicUsize::new(0));
    let p = polls.clone();
    let h = rt.spawn(async move {
        p.fetch_add(1, Ordering::SeqCst);
        started_tx.send(()).unwrap();
        // Still inside the first poll when abort() is called.
        go_rx.recv().unwrap();
        runtime::task::yield_now().await;
        p.fetch_add(1, Ordering::SeqCst);
    });
    started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let abort = h.abort_handle();
    abort.abort();
    go_tx.send(()).unwrap();
    let err = rt.block_on(h).unwrap_err();
    assert!(err.is_cancelled());
    assert!(abort.is_finished());
    assert_eq!(polls.load(Ordering::SeqCst), 1, "no poll after the abort");
}

#[test]
fn abort_after_completion_keeps_the_output() {
    each_flavor(|flavor, rt| {
        let v = rt.block_on(async {
            let h = runtime::spawn(async { 9 });
            while !h.is_finished() {
                runtime::task::yield_now().await;
            }
            h.abort();
            h.await
        });
        assert_eq!(v.unwrap(), 9, "{flavor}");
    });
}

#[test]
fn dropping_the_join_handle_detaches_and_drops_the_output() {
    each_flavor(|flavor, rt| {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        let (tx, rx) = mpsc::channel();
        rt.block_on(async move {
            drop(runtime::spawn(async move {
                runtime::task::yield_now().await;
                tx.send(()).unwrap();
                DropCounter(d) // the output, dropped by the runtime
            }));
            for _ in 0..100 {
                runtime::task::yield_now().await;
            }
        });
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavor}");
    });
}
