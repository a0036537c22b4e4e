//! `timeout = "..."` on `#[runtime::test]` / `#[runtime::main]`: a body
//! still running at the limit fails with the task dump instead of hanging.

use runtime::sync::{oneshot, Mutex};
use runtime::task;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

// Non-`main` functions under the attribute, called by the tests below.
#[runtime::main(flavor = "current_thread", timeout = "300ms")]
async fn hangs_on_a_lock() {
    let lock = Arc::new(Mutex::new(()));
    let _held = lock.lock().await;
    let l = lock.clone();
    task::Builder::new()
        .name("stuck-waiter")
        .spawn(async move {
            let _never = l.lock().await;
        })
        .unwrap();
    // The body itself waits on a channel nobody sends on.
    let (_tx, rx) = oneshot::channel::<()>();
    let _ = rx.await;
}

#[runtime::main(worker_threads = 2, timeout = "5s")]
async fn returns_in_time() -> u32 {
    runtime::time::sleep(Duration::from_millis(10)).await;
    7
}

#[test]
fn a_hung_body_fails_with_the_task_dump() {
    let started = Instant::now();
    let err = catch_unwind(AssertUnwindSafe(hangs_on_a_lock)).unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(msg.contains("timed out after 300ms"), "{msg}");
    assert!(msg.contains("stuck-waiter"), "{msg}");
    assert!(
        msg.to_lowercase().contains("mutex"),
        "what it waits on: {msg}"
    );
}

#[test]
fn a_body_that_returns_in_time_returns_its_value() {
    assert_eq!(returns_in_time(), 7);
}

#[runtime::test(timeout = "5s")]
async fn the_test_attribute_takes_it() {
    runtime::time::sleep(Duration::from_millis(1)).await;
}

#[runtime::test(timeout = "100ms")]
#[should_panic(expected = "timed out after 100ms")]
async fn a_hung_test_fails() {
    std::future::pending::<()>().await
}
