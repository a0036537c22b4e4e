//! Spawning and joining, from inside and outside, on both flavors.

mod common;

use common::{each_flavor, panic_message};
use runtime::runtime::Handle;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn a_hundred_thousand_tasks_all_run() {
    each_flavor(|flavor, rt| {
        let sum = rt.block_on(async {
            let handles: Vec<_> = (0..100_000u64)
                .map(|i| runtime::spawn(async move { i }))
                .collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 99_999 * 100_000 / 2, "{flavor}");
    });
}

#[test]
fn spawns_from_outside_run_and_join() {
    each_flavor(|flavor, rt| {
        let handles: Vec<_> = (0..1000u32)
            .map(|i| rt.spawn(async move { i * 2 }))
            .collect();
        let out: Vec<u32> = rt.block_on(async {
            let mut out = Vec::new();
            for h in handles {
                out.push(h.await.unwrap());
            }
            out
        });
        assert_eq!(
            out,
            (0..1000).map(|i| i * 2).collect::<Vec<_>>(),
            "{flavor}"
        );
    });
}

#[test]
fn tasks_spawn_tasks() {
    each_flavor(|flavor, rt| {
        let count = Arc::new(AtomicUsize::new(0));
        let c = count.clone();
        rt.block_on(async move {
            let outer = runtime::spawn(async move {
                let inner: Vec<_> = (0..100)
                    .map(|_| {
                        let c = c.clone();
                        runtime::task::spawn(async move {
                            c.fetch_add(1, Ordering::SeqCst);
                        })
                    })
                    .collect();
                for h in inner {
                    h.await.unwrap();
                }
            });
            outer.await.unwrap();
        });
        assert_eq!(count.load(Ordering::SeqCst), 100, "{flavor}");
    });
}

#[test]
fn a_detached_task_still_runs() {
    each_flavor(|flavor, rt| {
        let (tx, rx) = std::sync::mpsc::channel();
        drop(rt.spawn(async move { tx.send(7).unwrap() }));
        if flavor == "current_thread" {
            // Its tasks only run while someone drives it.
            rt.block_on(runtime::task::yield_now());
        }
        assert_eq!(
            rx.recv_timeout(std::time::Duration::from_secs(10)),
            Ok(7),
            "{flavor}"
        );
    });
}

#[test]
fn a_handle_works_from_a_plain_thread() {
    each_flavor(|flavor, rt| {
        let handle = rt.handle().clone();
        let h = std::thread::spawn(move || {
            let task = handle.spawn(async { 40 + 2 });
            let blocking = handle.spawn_blocking(|| 1);
            let _guard = handle.enter();
            let via_current = Handle::current().spawn(async { 3 });
            (task, blocking, via_current)
        })
        .join()
        .unwrap();
        let (a, b, c) =
            rt.block_on(async { (h.0.await.unwrap(), h.1.await.unwrap(), h.2.await.unwrap()) });
        assert_eq!((a, b, c), (42, 1, 3), "{flavor}");
    });
}

#[test]
fn handle_block_on_from_a_plain_thread() {
    each_flavor(|flavor, rt| {
        let handle = rt.handle().clone();
        let v = std::thread::spawn(move || {
            handle.block_on(async { runtime::spawn(async { 5 }).await.unwrap() })
        })
        .join()
        .unwrap();
        assert_eq!(v, 5, "{flavor}");
    });
}

#[test]
fn task_ids_are_unique_and_visible_inside() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    rt.block_on(async {
        assert!(runtime::task::try_id().is_none(), "block_on is not a task");
        let h = runtime::spawn(async { runtime::task::id() });
        let id = h.id();
        assert_eq!(h.await.unwrap(), id);
        let a = runtime::spawn(async {});
        let b = runtime::spawn(async {});
        assert_ne!(a.id(), b.id());
    });
}

#[test]
fn spawn_outside_a_runtime_panics_plainly() {
    let msg = panic_message(|| {
        drop(runtime::spawn(async {}));
    });
    assert!(msg.contains("there is no runtime on this thread"), "{msg}");
    let msg = panic_message(|| {
        Handle::current();
    });
    assert!(msg.contains("there is no runtime on this thread"), "{msg}");
    let err = Handle::try_current().unwrap_err();
    assert!(err.is_missing_context());
    assert!(err.to_string().contains("no runtime"), "{err}");
}

#[test]
fn block_on_inside_a_runtime_panics_plainly() {
    each_flavor(|flavor, rt| {
        let rt = Arc::new(rt);
        let inner = rt.clone();
        let res = rt.block_on(async move {
            runtime::spawn(async move {
                let rt2 = runtime::Builder::new_current_thread().build().unwrap();
                let msg = panic_message(std::panic::AssertUnwindSafe(|| rt2.block_on(async {})));
                let msg2 = panic_message(std::panic::AssertUnwindSafe(|| inner.block_on(async {})));
                // Dropping it here would block a task: a misuse that panics.
                rt2.shutdown_background();
                (msg, msg2)
            })
            .await
            .unwrap()
        });
        for msg in [res.0, res.1] {
            assert!(
                msg.contains("cannot block on a future from inside a runtime"),
                "{flavor}: {msg}"
            );
        }
    });
}

#[test]
fn zero_workers_panics_plainly() {
    let msg = panic_message(|| {
        runtime::Builder::new_multi_thread().worker_threads(0);
    });
    assert_eq!(msg, "worker_threads must be greater than 0");
}

#[test]
fn runtime_new_and_enter() {
    let rt = runtime::Runtime::new().unwrap();
    let _guard = rt.enter();
    let h = runtime::spawn(async { 1 });
    assert_eq!(rt.block_on(h).unwrap(), 1);
}

#[test]
fn a_waiting_block_on_takes_over_the_current_thread_core() {
    let rt = Arc::new(runtime::Builder::new_current_thread().build().unwrap());
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (in_tx, in_rx) = std::sync::mpsc::channel();
    // Thread 1 drives the core until released.
    let rt1 = rt.clone();
    let first = std::thread::spawn(move || {
        rt1.block_on(async move {
            in_tx.send(()).unwrap();
            while release_rx.try_recv().is_err() {
                runtime::task::yield_now().await;
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        })
    });
    in_rx.recv().unwrap();
    // Thread 2 waits on a task; its tasks must keep running after thread 1
    // gives the core back.
    let rt2 = rt.clone();
    let second = std::thread::spawn(move || {
        rt2.handle().block_on(async {
            let mut total = 0;
            for i in 0..100 {
                total += runtime::spawn(async move {
                    runtime::task::yield_now().await;
                    i
                })
                .await
                .unwrap();
            }
            total
        })
    });
    std::thread::sleep(std::time::Duration::from_millis(20));
    release_tx.send(()).unwrap();
    first.join().unwrap();
    assert_eq!(second.join().unwrap(), 4950);
}
