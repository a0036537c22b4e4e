//! The blocking pool: threads on demand, a cap, keep-alive.

mod common;

use common::each_flavor;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

#[test]
fn spawn_blocking_runs_off_the_workers() {
    each_flavor(|flavor, rt| {
        let (caller, ran_on) = rt.block_on(async {
            let caller = std::thread::current().id();
            let ran_on = runtime::task::spawn_blocking(|| std::thread::current().id())
                .await
                .unwrap();
            (caller, ran_on)
        });
        assert_ne!(caller, ran_on, "{flavor}");
    });
}

#[test]
fn blocking_closures_run_in_parallel_up_to_the_cap() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(4)
        .build()
        .unwrap();
    // Four closures that can only finish together: needs four threads.
    let barrier = Arc::new(Barrier::new(4));
    let threads = rt.block_on(async {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let b = barrier.clone();
                runtime::task::spawn_blocking(move || {
                    b.wait();
                    std::thread::current().id()
                })
            })
            .collect();
        let mut ids = HashSet::new();
        for h in handles {
            ids.insert(h.await.unwrap());
        }
        ids
    });
    assert_eq!(threads.len(), 4);

    // With a cap of 1, closures run one at a time.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .max_blocking_threads(1)
        .build()
        .unwrap();
    let running = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    rt.block_on(async {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (r, m) = (running.clone(), max.clone());
                runtime::task::spawn_blocking(move || {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    m.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(2));
                    r.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(max.load(Ordering::SeqCst), 1);
}

#[test]
fn idle_blocking_threads_exit_after_keep_alive() {
    let stops = Arc::new(AtomicUsize::new(0));
    let s = stops.clone();
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_keep_alive(Duration::from_millis(50))
        .on_thread_stop(move || {
            s.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(rt.spawn_blocking(|| ())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while stops.load(Ordering::SeqCst) == 0 {
        assert!(
            Instant::now() < deadline,
            "the idle blocking thread never exited"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The pool starts a new thread for the next closure.
    assert_eq!(rt.block_on(rt.spawn_blocking(|| 5)).unwrap(), 5);
}

#[test]
fn a_panicking_closure_is_reported() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let err = rt
        .block_on(rt.spawn_blocking(|| panic!("blocking boom")))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("blocking boom"));
}

#[test]
fn a_blocking_closure_sees_the_runtime() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let v = rt.block_on(rt.spawn_blocking(|| {
        let h = runtime::spawn(async { 3 });
        runtime::runtime::Handle::current().block_on(h).unwrap()
    }));
    assert_eq!(v.unwrap(), 3);
}
