//! `runtime::join!` and `runtime::try_join!`, from tokio's documented
//! behaviour, on both flavors: in `block_on` on the calling thread, and in
//! tasks spawned onto the workers.
//!
//! The file forbids unsafe code: the macros' expansions must not trip a
//! user crate's `forbid(unsafe_code)`.
#![forbid(unsafe_code)]

mod common;

use common::{each_flavor_enabled, DropCounter, Forever};
use std::cell::RefCell;
use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use runtime::sync::oneshot;
use runtime::task::yield_now;
use runtime::time::sleep;

/// Runs `test` in `block_on` and in a spawned task, on each flavor.
fn each_flavor_and_task<F, Fut>(test: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(test(flavor));
        rt.block_on(rt.spawn(test(flavor))).unwrap();
    });
}

/// Sleeps for `ms` milliseconds, then returns `value`.
async fn after<T>(ms: u64, value: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    value
}

/// Logs `name` on each of its first `polls` polls, yielding after each,
/// then completes with `name`.
async fn log_polls(
    log: &RefCell<Vec<&'static str>>,
    name: &'static str,
    polls: usize,
) -> &'static str {
    for _ in 0..polls {
        log.borrow_mut().push(name);
        yield_now().await;
    }
    name
}

// ===== join! =====

#[test]
fn join_returns_every_output_in_argument_order() {
    each_flavor_and_task(|flavor| async move {
        // Completes last to first.
        let got = runtime::join!(after(30, "a"), after(15, 2), after(0, 'c'));
        assert_eq!(got, ("a", 2, 'c'), "{flavor}");
    });
}

#[test]
fn join_polls_its_futures_concurrently() {
    each_flavor_and_task(|flavor| async move {
        // Each waits for the other: joined one after the other, they would
        // never finish.
        let (to_b, from_a) = oneshot::channel();
        let (to_a, from_b) = oneshot::channel();
        let a = async move {
            to_b.send(1).unwrap();
            from_b.await.unwrap() + 10
        };
        let b = async move {
            let got = from_a.await.unwrap();
            to_a.send(2).unwrap();
            got + 20
        };
        assert_eq!(runtime::join!(a, b), (12, 21), "{flavor}");
    });
}

#[test]
fn join_waits_for_all_even_after_an_error() {
    each_flavor_and_task(|flavor| async move {
        let finished = Arc::new(AtomicUsize::new(0));
        let late = {
            let finished = finished.clone();
            async move {
                yield_now().await;
                sleep(Duration::from_millis(5)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, &str>(2)
            }
        };
        let (a, b) = runtime::join!(async { Err::<u8, _>("early") }, late);
        assert_eq!((a, b), (Err("early"), Ok(2)), "{flavor}");
        assert_eq!(finished.load(Ordering::SeqCst), 1, "{flavor}");
    });
}

#[test]
fn join_takes_any_number_of_futures() {
    each_flavor_and_task(|flavor| async move {
        let () = runtime::join!();
        let () = runtime::join!(biased;);
        let (one,) = runtime::join!(async { 1 });
        assert_eq!(one, 1, "{flavor}");
        let (a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) = runtime::join!(
            async { 0 },
            async { 1 },
            async { 2 },
            async { 3 },
            async { 4 },
            async { 5 },
            async { 6 },
            async { 7 },
            async { 8 },
            async { 9 },
            async { 10 },
            async { 11 },
            async { 12 },
            async { 13 },
            async { 14 },
            async { 15 },
        );
        assert_eq!(
            [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p],
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
            "{flavor}"
        );
    });
}

#[test]
fn join_accepts_into_future_and_unpin_references() {
    struct IntoReady(u8);
    impl IntoFuture for IntoReady {
        type Output = u8;
        type IntoFuture = std::future::Ready<u8>;
        fn into_future(self) -> Self::IntoFuture {
            std::future::ready(self.0)
        }
    }

    each_flavor_and_task(|flavor| async move {
        let mut pinned = Box::pin(async { 2u8 });
        let (a, b, c) = runtime::join!(IntoReady(1), &mut pinned, runtime::spawn(async { 3u8 }));
        assert_eq!((a, b, c.unwrap()), (1, 2, 3), "{flavor}");
    });
}

#[test]
fn join_rotates_the_future_polled_first() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let got = runtime::join!(log_polls(&log, "a", 3), log_polls(&log, "b", 3));
            assert_eq!(got, ("a", "b"), "{flavor}");
            assert_eq!(*log.borrow(), ["a", "b", "b", "a", "a", "b"], "{flavor}");

            let log = RefCell::new(Vec::new());
            runtime::join!(
                log_polls(&log, "a", 2),
                log_polls(&log, "b", 2),
                log_polls(&log, "c", 2),
            );
            assert_eq!(*log.borrow(), ["a", "b", "c", "b", "c", "a"], "{flavor}");
        });
    });
}

#[test]
fn join_biased_polls_in_order() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let got = runtime::join!(
                biased;
                log_polls(&log, "a", 3),
                log_polls(&log, "b", 3),
            );
            assert_eq!(got, ("a", "b"), "{flavor}");
            assert_eq!(*log.borrow(), ["a", "b", "a", "b", "a", "b"], "{flavor}");
        });
    });
}

#[test]
fn join_borrows_locals() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let mut left = Vec::new();
            let mut right = String::new();
            runtime::join!(
                async {
                    left.push(1);
                    yield_now().await;
                    left.push(2);
                },
                async {
                    right.push('x');
                    yield_now().await;
                    right.push('y');
                },
            );
            assert_eq!((left, right.as_str()), (vec![1, 2], "xy"), "{flavor}");
        });
    });
}

// ===== try_join! =====

#[test]
fn try_join_returns_every_value_in_argument_order() {
    each_flavor_and_task(|flavor| async move {
        let got = runtime::try_join!(after(20, Ok::<_, String>("a")), after(10, Ok(2)), async {
            Ok('c')
        },);
        assert_eq!(got, Ok(("a", 2, 'c')), "{flavor}");
    });
}

#[test]
fn try_join_returns_the_first_error_without_waiting_for_the_others() {
    each_flavor_and_task(|flavor| async move {
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCounter(drops.clone());
        let pending = async move {
            let _guard = guard;
            Forever.await;
            Ok::<(), &str>(())
        };
        let got = runtime::try_join!(pending, after(5, Err::<(), _>("failed")));
        assert_eq!(got, Err("failed"), "{flavor}");
        // The pending future was dropped before `try_join!` returned.
        assert_eq!(drops.load(Ordering::SeqCst), 1, "{flavor}");
    });
}

#[test]
fn try_join_returns_the_error_that_came_first_in_time() {
    each_flavor_and_task(|flavor| async move {
        let got = runtime::try_join!(
            after(40, Err::<(), _>("late")),
            after(5, Err::<(), _>("early")),
            after(40, Ok(())),
        );
        assert_eq!(got, Err("early"), "{flavor}");
    });
}

#[test]
fn try_join_stops_polling_after_an_error() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let log = RefCell::new(Vec::new());
            let failing = async {
                log.borrow_mut().push("fail");
                Err::<(), _>("no")
            };
            let counting = async {
                for _ in 0..10 {
                    log.borrow_mut().push("count");
                    yield_now().await;
                }
                Ok(())
            };
            let got = runtime::try_join!(biased; failing, counting);
            assert_eq!(got, Err("no"), "{flavor}");
            assert_eq!(*log.borrow(), ["fail"], "{flavor}");
        });
    });
}

#[test]
fn try_join_takes_any_number_of_futures() {
    each_flavor_and_task(|flavor| async move {
        let none: Result<(), ()> = runtime::try_join!();
        assert_eq!(none, Ok(()), "{flavor}");
        let none: Result<(), ()> = runtime::try_join!(biased;);
        assert_eq!(none, Ok(()), "{flavor}");
        let one = runtime::try_join!(async { Ok::<_, ()>(1) });
        assert_eq!(one, Ok((1,)), "{flavor}");
    });
}

#[test]
fn try_join_rotates_unless_biased() {
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(async {
            let log_cell = RefCell::new(Vec::new());
            let ok = |name| {
                let log = &log_cell;
                async move { Ok::<_, ()>(log_polls(log, name, 2).await) }
            };
            let got = runtime::try_join!(ok("a"), ok("b"));
            assert_eq!(got, Ok(("a", "b")), "{flavor}");
            assert_eq!(*log_cell.borrow(), ["a", "b", "b", "a"], "{flavor}");
            log_cell.borrow_mut().clear();
            let got = runtime::try_join!(biased; ok("a"), ok("b"));
            assert_eq!(got, Ok(("a", "b")), "{flavor}");
            assert_eq!(*log_cell.borrow(), ["a", "b", "a", "b"], "{flavor}");
        });
    });
}

#[test]
fn try_join_with_question_mark() {
    async fn both(fail: bool) -> Result<u32, String> {
        let (a, b) = runtime::try_join!(async { Ok::<_, String>(1) }, async {
            if fail {
                Err("failed".to_string())
            } else {
                Ok(2)
            }
        })?;
        Ok(a + b)
    }

    each_flavor_and_task(|flavor| async move {
        assert_eq!(both(false).await, Ok(3), "{flavor}");
        assert_eq!(both(true).await, Err("failed".into()), "{flavor}");
        // Join handles: `Result<T, JoinError>`.
        let (a, b) =
            runtime::try_join!(runtime::spawn(async { 1 }), runtime::spawn(async { 2 })).unwrap();
        assert_eq!(a + b, 3, "{flavor}");
    });
}
