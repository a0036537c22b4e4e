//! Model 6: with two real workers, tasks pushed to the injector, moved in batches to local queues and stolen are each run exactly once, and the searching-worker count returns to zero once the workers sleep.
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::{Arc, Mutex};
use loom::thread;
use loom_tests::model;
use runtime::__loom::{JoinHandle, MultiThread};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};

/// Starts `workers` real workers (`Worker::run`) on model threads.
fn start(rt: &mut MultiThread) -> Vec<thread::JoinHandle<()>> {
    rt.take_workers()
        .into_iter()
        .map(|w| thread::spawn(move || w.run()))
        .collect()
}

/// The real shutdown sequence of `Runtime::shutdown`: `begin_shutdown`
/// (flag, unpark, cancel, close and drain the injector), then join the
/// workers; no second drain. Every cell must be gone then.
fn shut_down(rt: MultiThread, threads: Vec<thread::JoinHandle<()>>) {
    rt.begin_shutdown();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(rt.live_tasks(), 0, "a task cell was not freed");
}

/// Waits until both workers sleep and nobody searches. With the LIFO
/// watcher on, "every worker is parked" (`Idle`'s count) is not yet quiet:
/// a worker that parked as the watcher (a timed park) while the other still
/// ran comes back once more, searches, and parks again; checking the
/// searching count at the first "all parked" would race that last round.
/// So the loop waits for both at once: a searching count that never goes
/// back to zero once the workers sleep makes it spin forever, which loom
/// reports (the model exceeds its maximum number of branches).
fn wait_until_quiet(rt: &MultiThread) {
    while !(rt.all_parked() && rt.no_searchers()) {
        thread::yield_now();
    }
}

/// Two workers start while one task is spawned from outside: the push
/// races both workers' first search and sleep, and may wake a sleeper or
/// rely on a searcher. The joiner (`block_on`) is woken, so a task nobody
/// finds is a loom deadlock.
#[test]
fn remote_spawn_races_two_workers() {
    model(|| {
        let mut rt = MultiThread::without_lifo(2);
        let threads = start(&mut rt);
        let polls = Arc::new(AtomicUsize::new(0));
        let join = {
            let polls = polls.clone();
            rt.spawn(async move {
                polls.fetch_add(1, SeqCst);
                7
            })
        };
        assert_eq!(block_on(join).unwrap(), 7);
        assert_eq!(polls.load(SeqCst), 1);

        wait_until_quiet(&rt);
        shut_down(rt, threads);
    });
}

/// Iterations of `batch_then_steal` in which a task was stolen.
static STEALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Three tasks wait in the injector when two workers start. The first
/// worker to pop takes task 0 and moves task 1 into its local queue (the
/// stand-in moves half of what is left), so task 1 running on the other
/// worker means it was stolen. The main thread waits, with `yield_now`,
/// until all three ran and both workers sleep (`wait_until_quiet`): a
/// stranded task makes that loop run forever, which loom reports.
#[test]
fn batch_then_steal() {
    STEALS.store(0, Relaxed);
    model(|| {
        let mut rt = MultiThread::without_lifo(2);
        let polls = Arc::new(AtomicUsize::new(0));
        let ran_on = Arc::new(Mutex::new([None; 3]));
        let joins: Vec<JoinHandle<usize>> = (0..3)
            .map(|i| {
                let polls = polls.clone();
                let ran_on = ran_on.clone();
                rt.spawn(async move {
                    polls.fetch_add(1, SeqCst);
                    ran_on.lock().unwrap()[i] = Some(thread::current().id());
                    i
                })
            })
            .collect();
        let threads = start(&mut rt);

        while polls.load(SeqCst) < 3 {
            thread::yield_now();
        }
        wait_until_quiet(&rt);
        assert_eq!(polls.load(SeqCst), 3, "a task ran twice");
        for (i, join) in joins.into_iter().enumerate() {
            assert!(join.is_finished());
            assert_eq!(block_on(join).unwrap(), i);
        }
        let ran_on = *ran_on.lock().unwrap();
        if ran_on[0] != ran_on[1] {
            STEALS.fetch_add(1, Relaxed);
        }
        shut_down(rt, threads);
    });
    let steals = STEALS.load(Relaxed);
    println!("batch_then_steal: a task was stolen in {steals} iterations");
    assert!(steals > 0, "no explored interleaving stole a task");
}
