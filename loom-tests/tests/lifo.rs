//! Model 10: the stealable LIFO slot (`multi_thread/lifo.rs`): an owner's push/take racing a thief's look/steal runs every task exactly once; a task stuck behind a poll that never ends is stolen by the watching worker; and with the slot and the watcher on, no task is stranded when the last worker parks.
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, AtomicUsize};
use loom::sync::Arc;
use loom::thread;
use loom_tests::{block_on_park, model, model_with_max_preemptions, Outcomes};
use runtime::__loom::{JoinHandle, LifoSlot, MultiThread, TestQueue, TestTask};
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering::SeqCst;

/// Which thread ran each task, and which tasks were taken twice. Plain std
/// types: read only after the threads were joined.
#[derive(Default)]
struct Claims {
    /// The `Debug` of every `TestTask` taken so far (it names the task's
    /// id: `TestTask` has no other identity to compare).
    taken: std::sync::Mutex<HashSet<String>>,
    twice: std::sync::atomic::AtomicUsize,
}

impl Claims {
    /// Runs `task` unless another thread already took it, in which case it
    /// is a second `Notified` of one ref: counted, and forgotten (dropping
    /// or running it would free the cell under a live handle).
    fn run(&self, task: TestTask) {
        if self.taken.lock().unwrap().insert(format!("{task:?}")) {
            task.run();
        } else {
            self.twice.fetch_add(1, SeqCst);
            std::mem::forget(task);
        }
    }
}

/// Iterations of `owner_races_thief` by who ran the tasks: both must occur.
static SLOT_RUNS: Outcomes<2> = Outcomes::new(["owner ran all", "thief stole"]);

/// The slot alone, over three `TestQueue` tasks. The owner (main thread)
/// pushes task 0, runs one task (slot first, then its local queue, with
/// `count_poll` before each run, as `Worker::run_task`), pushes tasks 1
/// and 2 (the second push displaces task 1 into the local queue, unless
/// the thief took it), and runs the rest. A thief thread looks twice and tries to steal after
/// each look (`look`, then `steal_if_stuck`), and runs what it stole.
/// Every task is taken by one thread only and polled exactly once: a
/// steal that took a task the owner also took, or a push that lost a
/// task, fails the counts.
#[test]
fn owner_races_thief() {
    model(|| {
        let q = TestQueue::new();
        let polls: Vec<Arc<AtomicUsize>> = (0..3).map(|_| Arc::new(AtomicUsize::new(0))).collect();
        let joins: Vec<JoinHandle<()>> = polls
            .iter()
            .map(|p| {
                let p = p.clone();
                q.spawn(async move {
                    p.fetch_add(1, SeqCst);
                })
            })
            .collect();
        let mut tasks: VecDeque<TestTask> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(tasks.len(), 3);

        let slot = Arc::new(LifoSlot::new());
        let claims = Arc::new(Claims::default());
        let thief = {
            let slot = slot.clone();
            let claims = claims.clone();
            thread::spawn(move || {
                let mut stolen = 0;
                for _ in 0..2 {
                    if let Some(seen) = slot.look() {
                        if let Some(task) = slot.steal_if_stuck(seen) {
                            stolen += 1;
                            claims.run(task);
                        }
                    }
                }
                stolen
            })
        };

        let mut local = VecDeque::new();
        let run_one =
            |local: &mut VecDeque<TestTask>| match slot.take().or_else(|| local.pop_front()) {
                Some(task) => {
                    slot.count_poll();
                    claims.run(task);
                    true
                }
                None => false,
            };
        local.extend(slot.push(tasks.pop_front().unwrap()));
        run_one(&mut local);
        local.extend(slot.push(tasks.pop_front().unwrap()));
        local.extend(slot.push(tasks.pop_front().unwrap()));
        while run_one(&mut local) {}
        let stolen = thief.join().unwrap();

        assert_eq!(claims.twice.load(SeqCst), 0, "a task was taken twice");
        for (i, p) in polls.iter().enumerate() {
            assert_eq!(p.load(SeqCst), 1, "task {i} polls (0: lost)");
        }
        assert!(slot.take().is_none(), "a task was left in the slot");
        SLOT_RUNS.record(if stolen == 0 {
            "owner ran all"
        } else {
            "thief stole"
        });
        for join in joins {
            assert!(join.is_finished());
        }
        q.shutdown();
    });
    SLOT_RUNS.assert_all_seen("owner_races_thief");
}

/// The preemption bound of the two models below, which run the whole
/// scheduler: two workers with the slot and the watcher on, and the main
/// thread. At bound 2 a runtime running one trivial task already explores
/// 186 thousand interleavings (40 s), and neither model finishes in 100 s;
/// at bound 1 they explore about 16 and 13 thousand, in seconds. The
/// slot's own race is explored at bound 2 by `owner_races_thief`. Their
/// joiner is [`block_on_park`]: with `loom::future::block_on`, whose
/// spurious wake-ups re-poll the `JoinHandle`, they explored 117 and 325
/// thousand interleavings at bound 1.
const RUNTIME_PREEMPTIONS: usize = 1;

/// Starts the workers of `rt` on model threads.
fn start(rt: &mut MultiThread) -> Vec<thread::JoinHandle<()>> {
    rt.take_workers()
        .into_iter()
        .map(|w| thread::spawn(move || w.run()))
        .collect()
}

/// The real shutdown (`begin_shutdown`, then join the workers); every cell
/// must be freed then.
fn shut_down(rt: MultiThread, workers: Vec<thread::JoinHandle<()>>) {
    rt.begin_shutdown();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(rt.live_tasks(), 0, "a task cell was not freed");
}

/// The watcher (tokio#4941). Task A, spawned from outside while the two
/// workers start (they may be searching, watching, or both asleep for
/// good), runs on one worker and spawns B through a `Spawner`, so B lands
/// in that worker's LIFO slot; then A blocks inside that one poll (a
/// blocking call: `thread::park`) until B has run. Only the other worker
/// can run B: it watches (woken first, if it was asleep), sees B sit in the
/// slot while the owner's poll count stands still, and steals it. A watcher
/// that never steals B leaves every thread blocked, a loom deadlock, or
/// spins past loom's branch limit. Then the real shutdown, with no cell
/// left. Preemption bound 1 ([`RUNTIME_PREEMPTIONS`]).
#[test]
fn watcher_steals_from_a_stuck_worker() {
    model_with_max_preemptions(RUNTIME_PREEMPTIONS, || {
        let mut rt = MultiThread::new(2);
        let workers = start(&mut rt);
        let spawner = rt.spawner();
        let b_ran = Arc::new(AtomicBool::new(false));
        let a = {
            let spawner = spawner.clone();
            let b_ran = b_ran.clone();
            rt.spawn(async move {
                let (flag, a_thread) = (b_ran.clone(), thread::current());
                drop(spawner.spawn(async move {
                    flag.store(true, SeqCst);
                    a_thread.unpark();
                }));
                // Stuck inside this poll until B ran.
                while !b_ran.load(SeqCst) {
                    thread::park();
                }
            })
        };
        drop(spawner);
        block_on_park(a).unwrap();
        shut_down(rt, workers);
    });
}

/// Iterations of `no_task_stranded_when_the_last_worker_parks` by where
/// the children ran: both must occur.
static CHILD_RUNS: Outcomes<2> =
    Outcomes::new(["both on the parent's worker", "one on the other worker"]);

/// With the LIFO slot and the watcher on, task 1 (spawned from outside
/// while the workers start) spawns tasks 2 and 3 through a `Spawner` (3
/// displaces 2 from the slot into the local queue, where the other worker
/// may steal it; the other worker, as the watcher, may also steal 3 from
/// the slot while the owner is still inside task 1's poll) and awaits
/// their `JoinHandle`s, so each completion wakes task 1 through its join
/// waker, into the slot of whichever worker ran the child, possibly while
/// task 1 still runs. The main thread joins task 1: a task or a wake-up
/// lost while the workers go to sleep (one as the timed watcher, then both
/// for good) leaves everyone parked, a loom deadlock, and a task taken
/// twice fails the poll count. Then the real shutdown, with no cell left.
/// Preemption bound 1 ([`RUNTIME_PREEMPTIONS`]).
#[test]
fn no_task_stranded_when_the_last_worker_parks() {
    model_with_max_preemptions(RUNTIME_PREEMPTIONS, || {
        let mut rt = MultiThread::new(2);
        let workers = start(&mut rt);
        let spawner = rt.spawner();
        let polls = Arc::new(AtomicUsize::new(0));
        let one = {
            let spawner = spawner.clone();
            let polls = polls.clone();
            rt.spawn(async move {
                let parent = thread::current().id();
                let children: Vec<JoinHandle<(usize, thread::ThreadId)>> = (2..4)
                    .map(|i| {
                        let polls = polls.clone();
                        spawner.spawn(async move {
                            polls.fetch_add(1, SeqCst);
                            (i, thread::current().id())
                        })
                    })
                    .collect();
                drop(spawner);
                let mut sum = 0;
                let mut elsewhere = false;
                for child in children {
                    let (i, ran_on) = child.await.unwrap();
                    sum += i;
                    elsewhere |= ran_on != parent;
                }
                (sum, elsewhere)
            })
        };
        drop(spawner);
        let (sum, elsewhere) = block_on_park(one).unwrap();
        assert_eq!(sum, 5);
        assert_eq!(polls.load(SeqCst), 2, "a child ran twice or not at all");
        CHILD_RUNS.record(if elsewhere {
            "one on the other worker"
        } else {
            "both on the parent's worker"
        });
        shut_down(rt, workers);
    });
    CHILD_RUNS.assert_all_seen("no_task_stranded_when_the_last_worker_parks");
}
