//! `runtime::select!` and `runtime::pin!`, from tokio's documented
//! behaviour, on both flavors: in `block_on` on the calling thread, and in
//! tasks spawned onto the workers.
//!
//! The file forbids unsafe code: the macros' expansions must not trip a
//! user crate's `forbid(unsafe_code)`.
#![forbid(unsafe_code)]

mod common;

use common::{each_flavor_and_task, each_flavor_enabled, DropCounter, Forever, ReadyAfter};
use std::cell::{Cell, RefCell};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use runtime::sync::{mpsc, oneshot};
use runtime::task::yield_now;
use runtime::time::sleep;

/// Logs `name` each time it is polled, then is ready with `name`.
fn logged<'a>(
    log: &'a RefCell<Vec<&'static str>>,
    name: &'static str,
) -> impl Future<Output = &'static str> + 'a {
    std::future::poll_fn(move |_| {
        log.borrow_mut().push(name);
        Poll::Ready(name)
    })
}

/// The panic message of a task that panicked.
async fn task_panic(handle: runtime::task::JoinHandle<()>) -> String {
    let payload = handle.await.expect_err("the task must panic").into_panic();
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

// ===== Choosing a branch =====

#[test]
fn the_ready_branch_is_chosen() {
    each_flavor_and_task(|flavor| async move {
        for _ in 0..50 {
            let v = runtime::select! {
                _ = Forever => unreachable!(),
                v = async { 7 } => v,
                _ = sleep(Duration::from_secs(60)) => unreachable!(),
            };
            assert_eq!(v, 7, "{flavor}");
        }
    });
}

#[test]
fn the_first_to_complete_is_chosen_across_wakeups() {
    each_flavor_and_task(|flavor| async move {
        let (tx, rx) = oneshot::channel();
        runtime::spawn(async move {
            sleep(Duration::from_millis(5)).await;
            tx.send("sent").unwrap();
        });
        let got = runtime::select! {
            _ = sleep(Duration::from_secs(60)) => "timeout",
            v = rx => v.unwrap(),
        };
        assert_eq!(got, "sent", "{flavor}");
    });
}

#[test]
fn the_other_futures_are_dropped_before_the_handler_runs() {
    each_flavor_and_task(|flavor| async move {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        let seen = runtime::select! {
            _ = async move {
                let _guard = guard;
                Forever.await
            } => unreachable!(),
            () = async {} => drops.load(Ordering::SeqCst),
        };
        assert_eq!(seen, 1, "{flavor}: the losing future was not dropped first");
    });
}

#[test]
fn every_syntax_form_is_accepted() {
    each_flavor_and_task(|flavor| async move {
        let on = true;
        // Block handlers with and without commas, expression handlers
        // with a comma and (last) without, with and without preconditions.
        let a = runtime::select! {
            v = async { 1 }, if on => { v }
            v = async { 1 } => { v },
            v = async { 1 }, if on => v,
            v = async { 1 } => v
        };
        let b = runtime::select! {
            biased;
            v = async { 2 } => v,
            else => 0,
        };
        let c = runtime::select! {
            v = async { 3 } => { v }
            else => { 0 }
        };
        let d = runtime::select! { else => 4 };
        let e = runtime::select! { biased; else => 5, };
        assert_eq!((a, b, c, d, e), (1, 2, 3, 4, 5), "{flavor}");
    });
}

#[test]
fn sixty_four_branches() {
    each_flavor_and_task(|flavor| async move {
        for ready in [0, 31, 63] {
            let got = runtime::select! {
                v = async { 0 }, if ready == 0 => v,
                v = async { 1 }, if ready == 1 => v,
                v = async { 2 }, if ready == 2 => v,
                v = async { 3 }, if ready == 3 => v,
                v = async { 4 }, if ready == 4 => v,
                v = async { 5 }, if ready == 5 => v,
                v = async { 6 }, if ready == 6 => v,
                v = async { 7 }, if ready == 7 => v,
                v = async { 8 }, if ready == 8 => v,
                v = async { 9 }, if ready == 9 => v,
                v = async { 10 }, if ready == 10 => v,
                v = async { 11 }, if ready == 11 => v,
                v = async { 12 }, if ready == 12 => v,
                v = async { 13 }, if ready == 13 => v,
                v = async { 14 }, if ready == 14 => v,
                v = async { 15 }, if ready == 15 => v,
                v = async { 16 }, if ready == 16 => v,
                v = async { 17 }, if ready == 17 => v,
                v = async { 18 }, if ready == 18 => v,
                v = async { 19 }, if ready == 19 => v,
                v = async { 20 }, if ready == 20 => v,
                v = async { 21 }, if ready == 21 => v,
                v = async { 22 }, if ready == 22 => v,
                v = async { 23 }, if ready == 23 => v,
                v = async { 24 }, if ready == 24 => v,
                v = async { 25 }, if ready == 25 => v,
                v = async { 26 }, if ready == 26 => v,
                v = async { 27 }, if ready == 27 => v,
                v = async { 28 }, if ready == 28 => v,
                v = async { 29 }, if ready == 29 => v,
                v = async { 30 }, if ready == 30 => v,
                v = async { 31 }, if ready == 31 => v,
                v = async { 32 }, if ready == 32 => v,
                v = async { 33 }, if ready == 33 => v,
                v = async { 34 }, if ready == 34 => v,
                v = async { 35 }, if ready == 35 => v,
                v = async { 36 }, if ready == 36 => v,
                v = async { 37 }, if ready == 37 => v,
                v = async { 38 }, if ready == 38 => v,
                v = async { 39 }, if ready == 39 => v,
                v = async { 40 }, if ready == 40 => v,
                v = async { 41 }, if ready == 41 => v,
                v = async { 42 }, if ready == 42 => v,
                v = async { 43 }, if ready == 43 => v,
                v = async { 44 }, if ready == 44 => v,
                v = async { 45 }, if ready == 45 => v,
                v = async { 46 }, if ready == 46 => v,
                v = async { 47 }, if ready == 47 => v,
                v = async { 48 }, if ready == 48 => v,
                v = async { 49 }, if ready == 49 => v,
                v = async { 50 }, if ready == 50 => v,
                v = async { 51 }, if ready == 51 => v,
                v = async { 52 }, if ready == 52 => v,
                v = async { 53 }, if ready == 53 => v,
                v = async { 54 }, if ready == 54 => v,
                v = async { 55 }, if ready == 55 => v,
                v = async { 56 }, if ready == 56 => v,
                v = async { 57 }, if ready == 57 => v,
                v = async { 58 }, if ready == 58 => v,
                v = async { 59 }, if ready == 59 => v,
                v = async { 60 }, if ready == 60 => v,
                v = async { 61 }, if ready == 61 => v,
                v = async { 62 }, if ready == 62 => v,
                v = async { 63 }, if ready == 63 => v,
            };
            assert_eq!(got, ready, "{flavor}");
        }
    });
}

// ===== Fairness =====

#[test]
fn always_ready_branches_all_win_sometimes() {
    each_flavor_and_task(|flavor| async move {
        let mut wins = [0; 3];
        for _ in 0..1000 {
            runtime::select! {
                _ = async {} => wins[0] += 1,
                _ = async {} => wins[1] += 1,
                _ = async {} => wins[2] += 1,
            }
        }
        assert!(wins.iter().all(|&w| w > 0), "{flavor}: {wins:?}");
    });
}

#[test]
fn the_first_branch_polled_varies() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let mut first = [0; 2];
            for _ in 0..500 {
                let log = RefCell::new(Vec::new());
                runtime::select! {
                    _ = logged(&log, "a") => {}
                    _ = logged(&log, "b") => {}
                }
                // Only the first polled ran: it was ready.
                let log = log.into_inner();
                assert_eq!(log.len(), 1, "{flavor}");
                first[(log[0] == "b") as usize] += 1;
            }
            assert!(first[0] > 0 && first[1] > 0, "{flavor}: {first:?}");
        });
    });
}

#[test]
fn biased_always_polls_in_order() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            for _ in 0..200 {
                let log = RefCell::new(Vec::new());
                let winner = runtime::select! {
                    biased;
                    _ = async { log.borrow_mut().push("a"); Forever.await } => "a",
                    v = logged(&log, "b") => v,
                    v = logged(&log, "c") => v,
                };
                assert_eq!(winner, "b", "{flavor}");
                assert_eq!(*log.borrow(), ["a", "b"], "{flavor}");
            }
        });
    });
}

#[test]
fn biased_always_ready_first_branch_always_wins() {
    each_flavor_and_task(|flavor| async move {
        let mut wins = [0; 2];
        for _ in 0..1000 {
            runtime::select! {
                biased;
                _ = async {} => wins[0] += 1,
                _ = async {} => wins[1] += 1,
            }
        }
        assert_eq!(wins, [1000, 0], "{flavor}");
    });
}

#[test]
fn a_seeded_generator_repeats_its_start_branches() {
    each_flavor_enabled(|flavor, rt| {
        let winners = |seed| {
            rt.block_on(async move {
                runtime::__private::seed_select_rng(seed);
                let mut winners = Vec::new();
                for _ in 0..64 {
                    let w = runtime::select! {
                        _ = async {} => 0,
                        _ = async {} => 1,
                        _ = async {} => 2,
                        _ = async {} => 3,
                    };
                    winners.push(w);
                }
                winners
            })
        };
        assert_eq!(winners(1), winners(1), "{flavor}");
        assert_ne!(winners(1), winners(2), "{flavor}");
    });
}

#[test]
fn a_spent_budget_makes_select_yield() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(rt.spawn(async move {
            let mut select = std::pin::pin!(async {
                runtime::select! { v = async { 1 } => v }
            });
            std::future::poll_fn(|cx| {
                // Spend the task's budget on elapsed timers.
                let spent = (0..100_000).any(|_| {
                    let mut timer = std::pin::pin!(sleep(Duration::ZERO));
                    timer.as_mut().poll(cx).is_pending()
                });
                assert!(spent, "{flavor}: the budget never ran out");
                assert!(select.as_mut().poll(cx).is_pending(), "{flavor}");
                Poll::Ready(())
            })
            .await;
            // Next poll, new budget.
            assert_eq!(select.await, 1, "{flavor}");
        }))
        .unwrap();
    });
}

// ===== Disabled branches =====

#[test]
fn an_output_that_does_not_match_disables_its_branch() {
    each_flavor_and_task(|flavor| async move {
        for _ in 0..100 {
            let got = runtime::select! {
                Some(v) = async { None::<i32> } => v,
                v = async { yield_now().await; 5 } => v,
            };
            assert_eq!(got, 5, "{flavor}");
        }
    });
}

#[test]
fn a_mismatched_output_is_dropped_at_once() {
    each_flavor_and_task(|flavor| async move {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        let seen = runtime::select! {
            Ok(()) = async move { Err::<(), _>(guard) } => unreachable!(),
            // Completes on a later poll, after the first branch's output
            // was seen not to match.
            _ = async { yield_now().await; yield_now().await } => drops.load(Ordering::SeqCst),
        };
        assert_eq!(seen, 1, "{flavor}");
    });
}

#[test]
fn all_branches_mismatched_runs_else() {
    each_flavor_and_task(|flavor| async move {
        let got = runtime::select! {
            Some(v) = async { None::<i32> } => v,
            Ok(v) = async { Err::<i32, ()>(()) } => v,
            else => -1,
        };
        assert_eq!(got, -1, "{flavor}");
    });
}

#[test]
fn a_false_precondition_disables_the_branch() {
    each_flavor_and_task(|flavor| async move {
        let polled = Arc::new(AtomicUsize::new(0));
        let got = runtime::select! {
            _ = ReadyAfter { polls: polled.clone(), n: 1 }, if false => unreachable!(),
            v = async { 2 }, if true => v,
        };
        assert_eq!(got, 2, "{flavor}");
        assert_eq!(
            polled.load(Ordering::SeqCst),
            0,
            "{flavor}: a disabled branch was polled"
        );
    });
}

#[test]
fn preconditions_are_evaluated_before_the_futures_and_all_futures_are_built() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let note = |s: &'static str| log.borrow_mut().push(s);
            runtime::select! {
                _ = { note("future 1"); async {} }, if { note("precondition 1"); true } => {}
                _ = { note("future 2"); async {} }, if { note("precondition 2"); false } => {}
            }
            assert_eq!(
                *log.borrow(),
                ["precondition 1", "precondition 2", "future 1", "future 2"],
                "{flavor}"
            );
        });
    });
}

#[test]
fn all_preconditions_false_runs_else() {
    each_flavor_and_task(|flavor| async move {
        let got = runtime::select! {
            _ = Forever, if false => 1,
            _ = Forever, if 1 > 2 => 2,
            else => 3,
        };
        assert_eq!(got, 3, "{flavor}");
    });
}

#[test]
fn else_is_not_taken_while_a_branch_is_pending() {
    each_flavor_and_task(|flavor| async move {
        let polls = Arc::new(AtomicUsize::new(0));
        let got = runtime::select! {
            n = ReadyAfter { polls: polls.clone(), n: 3 } => n,
            _ = Forever, if false => 0,
            else => usize::MAX,
        };
        assert_eq!(got, 3, "{flavor}");
    });
}

#[test]
fn all_disabled_without_else_panics() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let by_precondition = runtime::spawn(async {
                runtime::select! {
                    _ = async {}, if false => {}
                }
            });
            let by_pattern = runtime::spawn(async {
                runtime::select! {
                    Some(()) = async { None } => {}
                    Ok(()) = async { yield_now().await; Err(()) } => {}
                }
            });
            for handle in [by_precondition, by_pattern] {
                assert_eq!(
                    task_panic(handle).await,
                    "all branches are disabled and there is no else branch",
                    "{flavor}"
                );
            }
        });
    });
}

// ===== Futures, loops and handlers =====

#[test]
fn futures_need_not_be_unpin_or_fused() {
    struct IntoReady(u8);
    impl IntoFuture for IntoReady {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(self.0)
        }
    }

    each_flavor_and_task(|flavor| async move {
        // An async block is not `Unpin`; `ReadyAfter` is polled again
        // after it could be "done" only if select misbehaves.
        let pinned = std::marker::PhantomPinned;
        let got = runtime::select! {
            v = async move { let _p = pinned; yield_now().await; 1u8 } => v,
            _ = Forever => 0,
        };
        assert_eq!(got, 1, "{flavor}");
        let got = runtime::select! { v = IntoReady(9) => v };
        assert_eq!(got, 9, "{flavor}");
        let mut boxed: Pin<Box<dyn Future<Output = u8> + Send>> = Box::pin(async { 3 });
        let got = runtime::select! { v = &mut boxed => v };
        assert_eq!(got, 3, "{flavor}");
    });
}

#[test]
fn handlers_may_use_what_the_futures_borrowed() {
    each_flavor_and_task(|flavor| async move {
        let mut data = vec![1];
        let (tx, mut rx) = mpsc::channel::<u32>(4);
        tx.send(10).await.unwrap();
        tx.send(20).await.unwrap();
        let len = runtime::select! {
            // Both futures borrow `data` or `rx` mutably...
            n = async { data.push(2); data.len() } => {
                // ...and the handler may too, and await again.
                data.push(3);
                let next = rx.recv().await;
                assert_eq!(next, Some(10));
                n
            }
            _ = rx.recv(), if false => unreachable!(),
        };
        assert_eq!(len, 2, "{flavor}");
        assert_eq!(data, [1, 2, 3], "{flavor}");
        assert_eq!(rx.recv().await, Some(20), "{flavor}");
    });
}

#[test]
fn return_break_continue_and_question_mark_act_on_the_surrounding_code() {
    async fn returns(early: bool) -> u32 {
        let v = runtime::select! {
            v = async { 1 }, if early => return v + 1,
            else => 10,
        };
        v * 2
    }
    async fn question_mark(fail: bool) -> Result<u32, String> {
        let v = runtime::select! {
            v = async { if fail { Err("failed".to_string()) } else { Ok(4) } } => v?,
        };
        Ok(v * 2)
    }
    async fn question_mark_in_future(fail: bool) -> Result<u32, String> {
        let make = || {
            if fail {
                Err("no future".to_string())
            } else {
                Ok(async { 5 })
            }
        };
        let v = runtime::select! { v = make()? => v };
        Ok(v)
    }

    each_flavor_and_task(|flavor| async move {
        assert_eq!(returns(true).await, 2, "{flavor}");
        assert_eq!(returns(false).await, 20, "{flavor}");
        assert_eq!(question_mark(false).await, Ok(8), "{flavor}");
        assert_eq!(question_mark(true).await, Err("failed".into()), "{flavor}");
        assert_eq!(question_mark_in_future(false).await, Ok(5), "{flavor}");
        assert_eq!(
            question_mark_in_future(true).await,
            Err("no future".into()),
            "{flavor}"
        );

        let mut skipped = 0;
        let mut i = 0;
        let last = loop {
            i += 1;
            runtime::select! {
                v = async { i } => {
                    if v % 2 == 0 {
                        skipped += 1;
                        continue;
                    }
                    if v >= 7 {
                        break v;
                    }
                }
            }
        };
        assert_eq!((last, skipped), (7, 3), "{flavor}");

        // A labelled break out of nested loops.
        let mut n = 0;
        'outer: for _ in 0..10 {
            for j in 0..10 {
                runtime::select! {
                    _ = async {} => {
                        n += 1;
                        if j == 2 {
                            break 'outer;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 3, "{flavor}");
    });
}

#[test]
fn patterns_bind_as_written() {
    #[derive(Debug, PartialEq)]
    struct Point {
        x: i32,
        y: i32,
    }

    each_flavor_and_task(|flavor| async move {
        let v = runtime::select! {
            Some(mut v) = async { Some(vec![1]) } => { v.push(2); v }
        };
        assert_eq!(v, [1, 2], "{flavor}");
        let v = runtime::select! {
            Ok(ref v) = async { Ok::<_, ()>(String::from("ref")) } => v.clone(),
        };
        assert_eq!(v, "ref", "{flavor}");
        let x: &'static i32 = &6;
        let v = runtime::select! { &v = async { x } => v };
        assert_eq!(v, 6, "{flavor}");
        let v = runtime::select! {
            (mut a, Some(&b)) = async { (1, Some(&2)) } => { a += b; a }
        };
        assert_eq!(v, 3, "{flavor}");
        let v = runtime::select! {
            Point { x, y: 0 } = async { Point { x: 1, y: 5 } } => x,
            Point { mut x, .. } = async { yield_now().await; Point { x: 2, y: 0 } } => { x *= 10; x }
        };
        assert_eq!(v, 20, "{flavor}: the first point does not match `y: 0`");
        let v = runtime::select! {
            1 | 2 = async { 3 } => "one or two",
            3..=5 = async { yield_now().await; 4 } => "three to five",
            else => "none",
        };
        assert_eq!(v, "three to five", "{flavor}");
        let v = runtime::select! {
            "no" = async { "yes" } => false,
            "yes" = async { yield_now().await; "yes" } => true,
        };
        assert!(v, "{flavor}");
    });
}

#[test]
fn branches_may_borrow_locals_that_are_not_send() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let counter = Cell::new(0);
            let log = RefCell::new(Vec::new());
            for _ in 0..10 {
                runtime::select! {
                    _ = async { counter.set(counter.get() + 1) } => log.borrow_mut().push(counter.get()),
                    _ = async { counter.set(counter.get() + 1) } => log.borrow_mut().push(counter.get()),
                }
            }
            assert_eq!(counter.get(), 10, "{flavor}: one future polled per select");
            assert_eq!(*log.borrow(), (1..=10).collect::<Vec<_>>(), "{flavor}");
        });
    });
}
