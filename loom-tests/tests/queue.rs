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

/// The real shutdown sequence of `Runtime::shutdown`.
fn shut_down(rt: MultiThread, threads: Vec<thread::JoinHandle<()>>) {
    rt.begin_shutdown();
    for t in threads {
        t.join().unwrap();
    }
    rt.drain_inject();
}

/// Two workers start while one task is spawned from outside: the push
/// races both workers' first search and sleep, and may wake a sleeper or
/// rely on a searcher. The joiner (`block_on`) is woken, so a task nobody
/// finds is a loom deadlock.
#[test]
fn remote_spawn_races_two_workers() {
    model(|| {
        let mut rt = MultiThread::new(2);
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

        while !rt.all_parked() {
            thread::yield_now();
        }
        assert!(
            rt.no_searchers(),
            "a sleeping worker still counts as searching"
        );
        shut_down(rt, threads);
    });
}

/// Iterations of `batch_then_steal` in which a task was stolen.
static STEALS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Three tasks wait in the injector when two workers start. The first
/// worker to pop takes task 0 and moves task 1 into its local queue (the
/// stand-in moves half of what is left), so task 1 running on the other
/// worker means it was stolen. The main thread waits, with `yield_now`,
/// until all three ran and both workers sleep: a stranded task makes that
/// loop run forever, which loom reports.
#[test]
fn batch_then_steal() {
    STEALS.store(0, Relaxed);
    model(|| {
        let mut rt = MultiThread::new(2);
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

        while polls.load(SeqCst) < 3 || !rt.all_parked() {
            thread::yield_now();
        }
        assert!(
            rt.no_searchers(),
            "a sleeping worker still counts as searching"
        );
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
