//! Shutdown and the blocking pool: a closure that was handed to a thread
//! (a thread was started for it, or an idle one was woken for it) runs
//! even when the runtime is dropped right after `spawn_blocking`, on both
//! flavors. (Closures no thread was given to are cancelled: see
//! `shutdown.rs`.)

use runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const ROUNDS: usize = 200;

type Build = fn() -> Runtime;

fn flavors() -> [(&'static str, Build); 2] {
    [
        ("current_thread", || {
            Builder::new_current_thread().build().unwrap()
        }),
        ("multi_thread", || {
            Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap()
        }),
    ]
}

/// Spawns a closure that sets a flag, drops `rt` at once, and checks that
/// the closure ran and its `JoinHandle` says so.
fn spawn_then_drop(flavor: &str, round: usize, rt: Runtime) {
    let ran = Arc::new(AtomicBool::new(false));
    let r = ran.clone();
    let handle = rt.spawn_blocking(move || r.store(true, Ordering::SeqCst));
    drop(rt);
    assert!(
        ran.load(Ordering::SeqCst),
        "{flavor}, round {round}: a closure a thread was started for did not run"
    );
    let other = Builder::new_current_thread().build().unwrap();
    assert!(
        other.block_on(handle).is_ok(),
        "{flavor}, round {round}: the closure ran, yet its handle says otherwise"
    );
}

/// A fresh runtime has no blocking thread: `spawn_blocking` starts one for
/// the closure, and the drop right after must not cancel it.
#[test]
fn a_closure_whose_thread_was_started_runs_despite_an_immediate_drop() {
    for (flavor, build) in flavors() {
        for round in 0..ROUNDS {
            spawn_then_drop(flavor, round, build());
        }
    }
}

/// With a blocking thread already started (and idle, or about to be), the
/// next closure goes to it (or to a new thread): either way it was handed
/// to a thread, and runs.
#[test]
fn a_closure_handed_to_an_idle_thread_runs_despite_an_immediate_drop() {
    for (flavor, build) in flavors() {
        for round in 0..ROUNDS {
            let rt = build();
            rt.block_on(rt.spawn_blocking(|| ())).unwrap();
            spawn_then_drop(flavor, round, rt);
        }
    }
}
