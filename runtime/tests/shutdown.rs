//! Shutdown drops every unfinished future exactly once, and every
//! JoinHandle learns its task was cancelled.

mod common;

use common::{each_flavor, DropCounter, Forever};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

#[test]
fn drop_counts_at_shutdown() {
    each_flavor(|flavor, rt| {
        let drops = Arc::new(AtomicUsize::new(0));
        let mut handles = Vec::new();
        for i in 0..1000 {
            let d = DropCounter(drops.clone());
            handles.push(rt.spawn(async move {
                let _d = d;
                if i % 3 == 0 {
                    runtime::task::yield_now().await;
                }
                Forever.await
            }));
        }
        // Some of them get polled (multi_thread) before shutdown.
        std::thread::sleep(Duration::from_millis(20));
        drop(rt);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1000,
            "{flavor}: each future dropped once"
        );
        // Awaited later, on another runtime: cancelled.
        let other = runtime::Builder::new_current_thread().build().unwrap();
        other.block_on(async {
            for h in handles {
                assert!(h.is_finished());
                assert!(h.await.unwrap_err().is_cancelled(), "{flavor}");
            }
        });
    });
}

#[test]
fn a_task_dropped_at_shutdown_may_spawn_and_the_spawn_is_cancelled() {
    struct SpawnOnDrop(Arc<AtomicUsize>);
    impl Drop for SpawnOnDrop {
        fn drop(&mut self) {
            let d = DropCounter(self.0.clone());
            let h = runtime::spawn(async move {
                let _d = d;
            });
            assert!(h.is_finished(), "spawned after shutdown: cancelled at once");
        }
    }
    each_flavor(|flavor, rt| {
        let drops = Arc::new(AtomicUsize::new(0));
        let s = SpawnOnDrop(drops.clone());
        rt.spawn(async move {
            let _s = s;
            Forever.await
        });
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavor}");
    });
}

#[test]
fn spawn_through_a_handle_after_shutdown_is_cancelled() {
    each_flavor(|flavor, rt| {
        let handle = rt.handle().clone();
        drop(rt);
        let drops = Arc::new(AtomicUsize::new(0));
        let d = DropCounter(drops.clone());
        let h = handle.spawn(async move {
            let _d = d;
        });
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavor}");
        let other = runtime::Builder::new_current_thread().build().unwrap();
        assert!(other.block_on(h).unwrap_err().is_cancelled(), "{flavor}");
    });
}

#[test]
fn shutdown_timeout_returns_despite_a_stuck_blocking_task() {
    each_flavor(|flavor, rt| {
        let (tx, rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = mpsc::channel();
        rt.spawn_blocking(move || {
            started_tx.send(()).unwrap();
            let _ = rx.recv(); // stuck until the test ends
        });
        started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_millis(100));
        let took = start.elapsed();
        assert!(took < Duration::from_secs(5), "{flavor}: took {took:?}");
        drop(tx);
    });
}

#[test]
fn shutdown_background_returns_at_once() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    rt.spawn_blocking(move || {
        let _ = rx.recv();
    });
    let start = Instant::now();
    rt.shutdown_background();
    assert!(start.elapsed() < Duration::from_secs(5));
    drop(tx);
}

#[test]
fn queued_blocking_closures_are_cancelled_at_shutdown() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel();
    let first = rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = rx.recv();
    });
    started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    let queued = rt.spawn_blocking(move || r.fetch_add(1, Ordering::SeqCst));
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(tx);
    });
    drop(rt); // waits for `first`, cancels `queued`
    releaser.join().unwrap();
    let other = runtime::Builder::new_current_thread().build().unwrap();
    assert!(other.block_on(first).is_ok());
    assert!(other.block_on(queued).unwrap_err().is_cancelled());
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}
