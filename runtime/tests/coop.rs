//! The cooperative budget: a task whose resources are always ready still
//! lets the other tasks of its worker run.

mod common;

use common::one_thread_runtimes;
use runtime::time::{self, Duration, Instant};
use runtime::{task, Builder};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Generous bound: proves progress, not speed.
const NO_HANG: Duration = Duration::from_secs(10);

#[test]
fn an_always_ready_timer_loop_yields_to_other_tasks() {
    for (flavor, rt) in one_thread_runtimes() {
        let ran = Arc::new(AtomicBool::new(false));
        // Set once the other task is spawned: the hog counts its sleeps
        // from then on (on a loaded machine this thread may be descheduled
        // between the two spawns while the hog already runs).
        let spawned = Arc::new(AtomicBool::new(false));
        let iterations = rt.block_on(async {
            let hog = {
                let (ran, spawned) = (ran.clone(), spawned.clone());
                runtime::spawn(async move {
                    let mut iterations = 0u64;
                    let start = Instant::now();
                    while !ran.load(Ordering::SeqCst) && start.elapsed() < NO_HANG {
                        // Elapsed at once: never yields by itself.
                        time::sleep(Duration::ZERO).await;
                        if spawned.load(Ordering::SeqCst) {
                            iterations += 1;
                        }
                    }
                    iterations
                })
            };
            let other = {
                let ran = ran.clone();
                runtime::spawn(async move { ran.store(true, Ordering::SeqCst) })
            };
            spawned.store(true, Ordering::SeqCst);
            other.await.unwrap();
            hog.await.unwrap()
        });
        assert!(
            ran.load(Ordering::SeqCst),
            "{flavor}: the other task never ran"
        );
        // Without the budget the hog would loop until NO_HANG (millions of
        // sleeps). With it, it yields every 128; the other task, spawned
        // from outside, waits in the injector, which a worker checks every
        // `global_queue_interval` (61) ticks; current_thread finds it at
        // once, as its local queue is empty.
        let bound = if flavor == "current_thread" {
            129
        } else {
            61 * 128 + 1
        };
        assert!(
            iterations <= bound,
            "{flavor}: {iterations} sleeps before the other task ran"
        );
    }
}

#[test]
fn consume_budget_yields_once_the_budget_is_spent() {
    for (flavor, rt) in one_thread_runtimes() {
        let ran = Arc::new(AtomicBool::new(false));
        let spins = rt.block_on(async {
            let other = {
                let ran = ran.clone();
                runtime::spawn(async move { ran.store(true, Ordering::SeqCst) })
            };
            let spinner = {
                let ran = ran.clone();
                runtime::spawn(async move {
                    let mut spins = 0u64;
                    let start = Instant::now();
                    while !ran.load(Ordering::SeqCst) && start.elapsed() < NO_HANG {
                        task::consume_budget().await;
                        spins += 1;
                    }
                    spins
                })
            };
            other.await.unwrap();
            spinner.await.unwrap()
        });
        assert!(ran.load(Ordering::SeqCst), "{flavor}");
        // It ran at most one budget's worth before the other task ran.
        assert!(spins <= 128, "{flavor}: {spins} spins before yielding");
    }
}

#[test]
fn unconstrained_never_yields_for_the_budget() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let other_ran_first = rt.block_on(async {
        let ran = Arc::new(AtomicBool::new(false));
        // Queued first, so it runs first.
        let spinner = runtime::spawn(task::unconstrained({
            let ran = ran.clone();
            async move {
                for _ in 0..10_000 {
                    task::consume_budget().await;
                }
                // One thread: `other` ran only if this task yielded.
                ran.load(Ordering::SeqCst)
            }
        }));
        let other = {
            let ran = ran.clone();
            runtime::spawn(async move { ran.store(true, Ordering::SeqCst) })
        };
        let yielded = spinner.await.unwrap();
        other.await.unwrap();
        yielded
    });
    assert!(
        !other_ran_first,
        "an unconstrained task yielded for the budget"
    );
}
