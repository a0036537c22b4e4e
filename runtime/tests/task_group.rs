//! `TaskGroup`: all succeed in spawn order, the first failure cancels the
//! siblings (their futures are dropped), panics resume on the joiner,
//! nesting, drop aborts, and a large group. Each on both flavors.

mod common;

use common::{each_flavor, panic_message, DropCounter, Forever};
use runtime::task::{self, TaskGroup};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Yields until `cond` holds, failing the test after a generous bound.
async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        task::yield_now().await;
    }
}

#[test]
fn all_succeed_in_spawn_order() {
    each_flavor(|flavor, rt| {
        let out = rt.block_on(async {
            let mut group = TaskGroup::new();
            for i in 0..50u64 {
                group.spawn(async move {
                    // Later tasks finish first.
                    for _ in 0..(50 - i) {
                        task::yield_now().await;
                    }
                    Ok::<_, String>(i)
                });
            }
            assert_eq!(group.len(), 50);
            group.join().await
        });
        assert_eq!(out, Ok((0..50).collect::<Vec<_>>()), "{flavor}");
    });
}

#[test]
fn an_empty_group_joins_to_an_empty_vec() {
    each_flavor(|flavor, rt| {
        let out = rt.block_on(TaskGroup::<u8, ()>::new().join());
        assert_eq!(out, Ok(vec![]), "{flavor}");
    });
}

#[test]
fn the_first_error_cancels_the_siblings() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let (out, dropped_at_join) = rt.block_on(async {
            let mut group = TaskGroup::new();
            for _ in 0..10 {
                let guard = DropCounter(dropped.clone());
                let started = started.clone();
                group.spawn(async move {
                    let _guard = guard;
                    started.fetch_add(1, Ordering::SeqCst);
                    Forever.await;
                    Ok::<u32, &str>(1)
                });
            }
            // Fail only once every sibling is parked in `Forever`.
            let started2 = started.clone();
            group.spawn(async move {
                wait_until("siblings start", || started2.load(Ordering::SeqCst) == 10).await;
                Err("first")
            });
            let out = group.join().await;
            (out, dropped.load(Ordering::SeqCst))
        });
        assert_eq!(out, Err("first"), "{flavor}");
        // `join` returns only after every cancelled sibling has stopped.
        assert_eq!(
            dropped_at_join, 10,
            "{flavor}: each sibling's future dropped once"
        );
    });
}

#[test]
fn siblings_are_cancelled_before_join_is_awaited() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut group = TaskGroup::new();
            for _ in 0..5 {
                let guard = DropCounter(dropped.clone());
                group.spawn(async move {
                    let _guard = guard;
                    Forever.await;
                    Ok::<(), u8>(())
                });
            }
            group.spawn(async { Err(7) });
            // Nobody joins yet: the failing task itself cancels the others.
            wait_until("siblings cancelled", || dropped.load(Ordering::SeqCst) == 5).await;
            assert_eq!(group.join().await, Err(7), "{flavor}");
        });
    });
}

/// On a current-thread runtime the order of the two failures is fixed
/// (tasks run in FIFO order), so which one is "first" is known.
#[test]
fn only_the_first_of_several_errors_is_returned() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let out = rt.block_on(async {
        let mut group = TaskGroup::new();
        group.spawn(async {
            task::yield_now().await;
            Err::<(), _>("late")
        });
        group.spawn(async { Err("early") });
        group.join().await
    });
    assert_eq!(out, Err("early"));
}

#[test]
fn a_task_spawned_after_the_failure_is_cancelled() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let out = rt.block_on(async {
            let mut group = TaskGroup::new();
            let failed = group_fail_now(&mut group).await;
            assert!(failed);
            let guard = DropCounter(dropped.clone());
            group.spawn(async move {
                let _guard = guard;
                Forever.await;
                Ok(())
            });
            group.join().await
        });
        assert_eq!(out, Err(()), "{flavor}");
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "{flavor}");
    });
}

/// Spawns a failing task and waits until it ran.
async fn group_fail_now(group: &mut TaskGroup<(), ()>) -> bool {
    let ran = Arc::new(AtomicUsize::new(0));
    let r = ran.clone();
    group.spawn(async move {
        r.fetch_add(1, Ordering::SeqCst);
        Err(())
    });
    wait_until("failing task runs", || ran.load(Ordering::SeqCst) == 1).await;
    // Give the failure path (after the counter) time to run.
    for _ in 0..10 {
        task::yield_now().await;
    }
    true
}

#[test]
fn a_panic_cancels_the_siblings_and_resumes_on_the_joiner() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let d = dropped.clone();
        let msg = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async move {
                let mut group = TaskGroup::<u8, ()>::new();
                for _ in 0..3 {
                    let guard = DropCounter(d.clone());
                    group.spawn(async move {
                        let _guard = guard;
                        Forever.await;
                        Ok(1)
                    });
                }
                group.spawn(async { panic!("task blew up") });
                let _ = group.join().await;
            })
        }));
        assert_eq!(msg, "task blew up", "{flavor}");
        assert_eq!(dropped.load(Ordering::SeqCst), 3, "{flavor}");
    });
}

#[test]
fn nested_groups_cancel_all_the_way_down() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(AtomicUsize::new(0));
        let out = rt.block_on(async {
            let mut outer = TaskGroup::new();
            for _ in 0..3 {
                let (d, s) = (dropped.clone(), started.clone());
                outer.spawn(async move {
                    let mut inner = TaskGroup::new();
                    for _ in 0..4 {
                        let guard = DropCounter(d.clone());
                        let s = s.clone();
                        inner.spawn(async move {
                            let _guard = guard;
                            s.fetch_add(1, Ordering::SeqCst);
                            Forever.await;
                            Ok::<u32, String>(0)
                        });
                    }
                    let v = inner.join().await?;
                    Ok(v.len() as u32)
                });
            }
            // A nested group that succeeds gives its values to the caller.
            let mut ok = TaskGroup::new();
            ok.spawn(async { Ok::<_, String>(2u32) });
            ok.spawn(async { Ok(3) });
            let sum: u32 = ok.join().await.unwrap().into_iter().sum();
            assert_eq!(sum, 5);
            let s = started.clone();
            outer.spawn(async move {
                wait_until("inner tasks start", || s.load(Ordering::SeqCst) == 12).await;
                Err("outer failure".to_string())
            });
            outer.join().await
        });
        assert_eq!(out, Err("outer failure".to_string()), "{flavor}");
        // Aborting an outer task drops its inner group, which aborts the
        // inner tasks; they may finish stopping just after `join` returns.
        let start = Instant::now();
        while dropped.load(Ordering::SeqCst) < 12 {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "{flavor}: inner tasks not dropped"
            );
            if flavor == "current_thread" {
                rt.block_on(task::yield_now());
            } else {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        drop(rt);
        assert_eq!(dropped.load(Ordering::SeqCst), 12, "{flavor}");
    });
}

#[test]
fn dropping_the_group_aborts_its_tasks() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut group = TaskGroup::<(), ()>::new();
            for _ in 0..8 {
                let guard = DropCounter(dropped.clone());
                group.spawn(async move {
                    let _guard = guard;
                    Forever.await;
                    Ok(())
                });
            }
            drop(group);
            wait_until("tasks aborted", || dropped.load(Ordering::SeqCst) == 8).await;
        });
        assert_eq!(dropped.load(Ordering::SeqCst), 8, "{flavor}");
    });
}

#[test]
fn a_group_of_100k_tasks() {
    each_flavor(|flavor, rt| {
        let out = rt.block_on(async {
            let mut group = TaskGroup::new();
            for i in 0..100_000u64 {
                group.spawn(async move { Ok::<_, ()>(i) });
            }
            group.join().await
        });
        let v = out.unwrap();
        assert_eq!(v.len(), 100_000, "{flavor}");
        assert!(
            v.iter().enumerate().all(|(i, &x)| x == i as u64),
            "{flavor}"
        );
    });
}
