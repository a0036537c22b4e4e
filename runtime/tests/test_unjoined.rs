//! Under `#[runtime::test]`, a panic in a spawned task that nobody joined
//! fails the test after the body returns; `unhandled_panic = "ignore"`
//! opts out.

use runtime::task;

/// Spawns a task named `name` that panics with "boom", waits until it
/// has, and drops its `JoinHandle` unjoined.
async fn panic_unjoined(name: &str) {
    let handle = task::Builder::new()
        .name(name)
        .spawn(async { panic!("boom") })
        .unwrap();
    while !handle.is_finished() {
        task::yield_now().await;
    }
    drop(handle);
}

#[runtime::test]
#[should_panic(expected = "1 spawned task panicked and nobody joined it")]
async fn an_unjoined_panic_fails_the_test() {
    panic_unjoined("lost").await;
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "\"lost-mt\" (spawned at runtime/tests/test_unjoined.rs")]
async fn the_failure_names_the_task_and_its_spawn_site() {
    panic_unjoined("lost-mt").await;
}

#[runtime::test]
#[should_panic(expected = "panicked with \"boom\"")]
async fn the_failure_gives_the_panic_message() {
    panic_unjoined("lost").await;
}

#[runtime::test(simulation, seeds = 3)]
#[should_panic(expected = "nobody joined it")]
async fn a_simulated_test_fails_too() {
    panic_unjoined("lost-sim").await;
}

#[runtime::test(timeout = "10s")]
#[should_panic(expected = "nobody joined it")]
async fn a_test_with_a_timeout_fails_too() {
    panic_unjoined("lost").await;
}

#[runtime::test]
async fn a_joined_panic_passes() {
    let err = task::spawn(async { panic!("seen") }).await.unwrap_err();
    assert!(err.is_panic());
    let mut set = task::JoinSet::new();
    set.spawn(async { panic!("seen through a set") });
    assert!(set.join_next().await.unwrap().unwrap_err().is_panic());
}

#[runtime::test(unhandled_panic = "ignore")]
async fn ignore_opts_out() {
    panic_unjoined("ignored").await;
}
