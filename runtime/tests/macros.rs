//! `#[runtime::main]` and `#[runtime::test]` with every argument.
//!
//! The flavor is observed through the threads spawned tasks run on: the
//! current-thread runtime runs them all on the thread that called `block_on`
//! (the test thread), the multi-thread runtime on its worker threads.

use std::collections::HashSet;
use std::process::Command;
use std::thread::{self, ThreadId};
use std::time::Duration;

/// `runtime` under another name, for the `crate = "..."` argument.
mod reexport {
    pub use runtime as rt;
}

/// Spawns `n` tasks that each block their thread briefly (so that idle
/// workers get a chance to steal the others) and returns the set of threads
/// they ran on.
async fn task_threads(n: usize) -> HashSet<ThreadId> {
    let handles: Vec<_> = (0..n)
        .map(|_| {
            runtime::spawn(async {
                thread::sleep(Duration::from_millis(2));
                runtime::task::yield_now().await;
                thread::sleep(Duration::from_millis(2));
                thread::current().id()
            })
        })
        .collect();
    let mut threads = HashSet::new();
    for handle in handles {
        threads.insert(handle.await.expect("task panicked"));
    }
    threads
}

/// The thread the body runs on and the threads its tasks ran on.
type Observed = (ThreadId, HashSet<ThreadId>);

async fn observe() -> Observed {
    (thread::current().id(), task_threads(32).await)
}

/// Asserts every task ran on the thread that runs the body.
fn assert_current_thread((body, tasks): &Observed) {
    assert_eq!(
        tasks,
        &HashSet::from([*body]),
        "current_thread: every task must run on the body's thread"
    );
}

/// Asserts tasks ran on at least one and at most `max_workers` threads other
/// than the one running the body.
fn assert_multi_thread((body, tasks): &Observed, max_workers: usize) {
    let workers = tasks.iter().filter(|id| *id != body).count();
    assert!(
        (1..=max_workers).contains(&workers),
        "multi_thread: expected tasks on 1..={max_workers} worker threads, saw {workers} \
         ({} distinct threads in total)",
        tasks.len()
    );
}

// ---------------------------------------------------------------------------
// #[runtime::test]
// ---------------------------------------------------------------------------

#[runtime::test]
async fn test_defaults_to_current_thread() {
    let observed = observe().await;
    assert_current_thread(&observed);
}

#[runtime::test(flavor = "current_thread")]
async fn test_current_thread() {
    let observed = observe().await;
    assert_current_thread(&observed);
}

#[runtime::test(flavor = "multi_thread")]
async fn test_multi_thread_default_workers() {
    let observed = observe().await;
    let available = thread::available_parallelism().map_or(1, usize::from);
    assert_multi_thread(&observed, available.max(1));
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_multi_thread_two_workers() {
    let observed = observe().await;
    assert_multi_thread(&observed, 2);
}

#[runtime::test(worker_threads = 1, flavor = "multi_thread")]
async fn test_multi_thread_one_worker() {
    let observed = observe().await;
    assert_multi_thread(&observed, 1);
}

#[runtime::test(crate = "runtime")]
async fn test_crate_path() {
    let observed = observe().await;
    assert_current_thread(&observed);
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, crate = "::runtime")]
async fn test_absolute_crate_path() {
    let observed = observe().await;
    assert_multi_thread(&observed, 2);
}

#[reexport::rt::test(crate = "crate::reexport::rt")]
async fn test_renamed_crate() {
    let value = reexport::rt::spawn(async { 5 }).await.unwrap();
    assert_eq!(value, 5);
}

/// Doc comments stay on the function.
#[runtime::test]
async fn test_returning_ok() -> Result<(), String> {
    let value = runtime::spawn(async { "7" })
        .await
        .map_err(|err| format!("{err:?}"))?;
    // `?` converts the error into the declared return type.
    let parsed: u32 = value.parse().map_err(|err| format!("{err}"))?;
    assert_eq!(parsed, 7);
    Ok(())
}

#[runtime::test]
async fn test_returning_ok_with_boxed_error() -> Result<(), Box<dyn std::error::Error>> {
    let parsed: i64 = "-3".parse()?;
    runtime::task::yield_now().await;
    assert_eq!(parsed, -3);
    Ok(())
}

#[runtime::test]
#[should_panic(expected = "boom")]
async fn test_should_panic_current_thread() {
    runtime::task::yield_now().await;
    panic!("boom");
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2)]
#[should_panic(expected = "the task failed: \"bad input\"")]
async fn test_should_panic_on_err() {
    // `#[should_panic]` tests must return `()`, so turn the error into the
    // panic; `test_err_fails_the_test` covers tests that return `Err`.
    let result: Result<(), String> = runtime::spawn(async { Err("bad input".to_owned()) })
        .await
        .expect("task panicked");
    result.expect("the task failed");
}

/// Fails when run: only run by `test_err_fails_the_test`, in a child process.
#[runtime::test]
#[ignore = "fails on purpose; run by test_err_fails_the_test"]
async fn returns_err() -> Result<(), String> {
    runtime::task::yield_now().await;
    Err("returns_err failed on purpose".to_owned())
}

/// A test returning `Err` fails, and `#[ignore]` is kept (otherwise
/// `returns_err` would fail this suite).
#[test]
fn test_err_fails_the_test() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["returns_err", "--exact", "--ignored", "--test-threads=1"])
        .output()
        .expect("failed to run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !output.status.success(),
        "`returns_err` should fail; output:\n{stdout}"
    );
    assert!(
        stdout.contains("test returns_err ... FAILED") && stdout.contains("on purpose"),
        "unexpected output:\n{stdout}"
    );
}

#[test]
fn test_ignore_is_kept() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--list", "--ignored"])
        .output()
        .expect("failed to run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let ignored: Vec<&str> = stdout.lines().filter(|l| l.ends_with(": test")).collect();
    assert_eq!(ignored, ["returns_err: test"], "{stdout}");
}

// ---------------------------------------------------------------------------
// #[runtime::main], on functions other than `main` so plain tests can call
// them.
// ---------------------------------------------------------------------------

#[runtime::main]
async fn main_default() -> Observed {
    observe().await
}

#[runtime::main(flavor = "current_thread")]
async fn main_current_thread() -> Observed {
    observe().await
}

#[runtime::main(flavor = "multi_thread", worker_threads = 2)]
async fn main_multi_thread_two_workers() -> Observed {
    observe().await
}

#[runtime::main(worker_threads = 1, crate = "runtime")]
async fn main_one_worker_crate_path() -> Observed {
    observe().await
}

#[reexport::rt::main(flavor = "current_thread", crate = "reexport::rt")]
async fn main_renamed_crate() -> Observed {
    observe().await
}

/// Parameters are moved into the body.
#[runtime::main(flavor = "current_thread")]
async fn main_with_params(a: u32, b: String) -> Result<u32, String> {
    runtime::task::yield_now().await;
    if b.is_empty() {
        return Err("empty".to_owned());
    }
    let b: u32 = b.parse().map_err(|_| format!("not a number: {b}"))?;
    Ok(a + b)
}

#[test]
fn main_body_runs_on_the_calling_thread() {
    let caller = thread::current().id();
    assert_eq!(main_default().0, caller);
    assert_eq!(main_current_thread().0, caller);
}

#[test]
fn main_defaults_to_multi_thread() {
    let available = thread::available_parallelism().map_or(1, usize::from);
    assert_multi_thread(&main_default(), available.max(1));
}

#[test]
fn main_current_thread_flavor() {
    let observed = main_current_thread();
    assert_eq!(observed.0, thread::current().id());
    assert_current_thread(&observed);
}

#[test]
fn main_worker_threads() {
    assert_multi_thread(&main_multi_thread_two_workers(), 2);
    assert_multi_thread(&main_one_worker_crate_path(), 1);
}

#[test]
fn main_crate_path() {
    assert_current_thread(&main_renamed_crate());
}

#[test]
fn main_returns_the_body_output() {
    assert_eq!(main_with_params(1, "2".to_owned()), Ok(3));
    assert_eq!(main_with_params(1, String::new()), Err("empty".to_owned()));
    assert_eq!(
        main_with_params(1, "x".to_owned()),
        Err("not a number: x".to_owned())
    );
}
