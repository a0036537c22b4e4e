//! `Builder::unhandled_panic`: with `ShutdownRuntime`, a panic in any
//! spawned task shuts the runtime down at once on both flavors, `block_on`
//! panics naming the task, and the other tasks are cancelled; `Ignore`
//! (the default) leaves the panic to the task's `JoinHandle`.

mod common;

use common::{panic_message, DropCounter};
use runtime::runtime::{Builder, Runtime, UnhandledPanic};
use runtime::task;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn flavors(policy: UnhandledPanic) -> Vec<(&'static str, Runtime)> {
    let mut mt = Builder::new_multi_thread();
    mt.worker_threads(2);
    let ct = Builder::new_current_thread();
    [("multi_thread", mt), ("current_thread", ct)]
        .into_iter()
        .map(|(name, mut b)| {
            let rt = b.enable_all().unhandled_panic(policy).build().unwrap();
            (name, rt)
        })
        .collect()
}

#[test]
fn shutdown_runtime_block_on_panics_naming_the_task_and_the_rest_is_cancelled() {
    for keep_handle in [true, false] {
        for (flavor, rt) in flavors(UnhandledPanic::ShutdownRuntime) {
            let dropped = Arc::new(AtomicUsize::new(0));
            let d = DropCounter(dropped.clone());
            let sleeper = rt.spawn(async move {
                let _d = d;
                std::future::pending::<()>().await
            });
            let started = Instant::now();
            let what = format!("{flavor}, handle kept: {keep_handle}");
            let msg = panic_message(AssertUnwindSafe(|| {
                rt.block_on(async {
                    let h = task::Builder::new()
                        .name("boomer")
                        .spawn(async {
                            runtime::time::sleep(Duration::from_millis(10)).await;
                            panic!("boom at {}", 42)
                        })
                        .unwrap();
                    if !keep_handle {
                        drop(h);
                    }
                    // Waits on nothing the panic would end.
                    std::future::pending::<()>().await
                })
            }));
            assert!(msg.contains("boomer"), "{what}: {msg}");
            assert!(msg.contains("panic_policy.rs"), "{what}: {msg}");
            assert!(msg.contains("\"boom at 42\""), "{what}: {msg}");
            assert!(msg.contains("task "), "{what}: {msg}");
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{what}: at once"
            );
            assert_eq!(
                dropped.load(Ordering::SeqCst),
                1,
                "{what}: the other task was cancelled"
            );
            // Its JoinHandle says so, also awaited elsewhere.
            let other = Builder::new_current_thread().build().unwrap();
            let err = other.block_on(sleeper).unwrap_err();
            assert!(err.is_cancelled(), "{what}: {err:?}");
            // Later block_ons panic the same way.
            let again = panic_message(AssertUnwindSafe(|| rt.block_on(async {})));
            assert!(again.contains("boomer"), "{what}");
        }
    }
}

#[test]
fn shutdown_runtime_wins_over_the_panicking_tasks_own_join_handle() {
    for (flavor, rt) in flavors(UnhandledPanic::ShutdownRuntime) {
        let msg = panic_message(AssertUnwindSafe(|| {
            drop(rt.block_on(async { runtime::spawn(async { panic!("joined") }).await }))
        }));
        assert!(msg.contains("\"joined\""), "{flavor}: {msg}");
        assert!(
            msg.contains("UnhandledPanic::ShutdownRuntime"),
            "{flavor}: {msg}"
        );
    }
}

#[test]
fn shutdown_runtime_reaches_a_block_on_on_another_thread() {
    let rt = Arc::new(
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .unhandled_panic(UnhandledPanic::ShutdownRuntime)
            .build()
            .unwrap(),
    );
    let r = rt.clone();
    let waiter = std::thread::spawn(move || {
        panic_message(AssertUnwindSafe(|| {
            r.block_on(std::future::pending::<()>());
        }))
    });
    std::thread::sleep(Duration::from_millis(50));
    rt.spawn(async { panic!("from a task") });
    let msg = waiter.join().unwrap();
    assert!(msg.contains("\"from a task\""), "{msg}");
}

#[test]
fn ignore_is_the_default_and_the_runtime_goes_on() {
    for policy in [None, Some(UnhandledPanic::Ignore)] {
        let mut b = Builder::new_multi_thread();
        b.worker_threads(2).enable_all();
        if let Some(p) = policy {
            b.unhandled_panic(p);
        }
        let rt = b.build().unwrap();
        let (joined, later) = rt.block_on(async {
            let joined = runtime::spawn(async { panic!("only mine") }).await;
            runtime::spawn(async { panic!("nobody joins me") });
            runtime::time::sleep(Duration::from_millis(10)).await;
            (joined, runtime::spawn(async { 7 }).await)
        });
        let err = joined.unwrap_err();
        assert!(err.is_panic());
        assert_eq!(later.unwrap(), 7);
    }
}

#[test]
fn a_panic_in_spawn_blocking_does_not_shut_down() {
    for (flavor, rt) in flavors(UnhandledPanic::ShutdownRuntime) {
        let out = rt.block_on(async {
            let err = runtime::task::spawn_blocking(|| panic!("blocking"))
                .await
                .unwrap_err();
            assert!(err.is_panic());
            runtime::spawn(async { 3 }).await.unwrap()
        });
        assert_eq!(out, 3, "{flavor}");
    }
}

#[runtime::test(unhandled_panic = "shutdown_runtime")]
#[should_panic(expected = "panicked with \"in a test\"")]
async fn the_test_attribute_takes_the_policy() {
    runtime::spawn(async { panic!("in a test") });
    std::future::pending::<()>().await
}

#[runtime::test(
    flavor = "multi_thread",
    worker_threads = 2,
    unhandled_panic = "shutdown_runtime"
)]
#[should_panic(expected = "UnhandledPanic::ShutdownRuntime")]
async fn the_test_attribute_takes_the_policy_on_multi_thread() {
    runtime::spawn(async { panic!("in a test") });
    std::future::pending::<()>().await
}

#[runtime::test(unhandled_panic = "ignore")]
async fn the_test_attribute_takes_ignore() {
    assert!(runtime::spawn(async { panic!("ignored") })
        .await
        .unwrap_err()
        .is_panic());
}
