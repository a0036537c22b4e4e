//! Misuse gets a plain panic, never a hang or an abort: dropping a runtime
//! from an async context, `EnterGuard`s dropped out of order, blocking
//! channel calls from an async context, and runtimes or `LocalSet`s kept
//! in a `thread_local!` until the thread exits.
//!
//! Each body runs on a helper thread behind a watchdog, so a regression
//! that hangs fails the test instead.

use runtime::sync::mpsc;
use runtime::task::LocalSet;
use runtime::{Builder, Runtime};
use std::any::Any;
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

const WATCHDOG: Duration = Duration::from_secs(10);

const CANNOT_DROP: &str = "Cannot drop a runtime in a context where blocking is not allowed";
const OUT_OF_ORDER: &str = "`EnterGuard` values dropped out of order";
const CANNOT_BLOCK: &str = "Cannot block the current thread from within a runtime";

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

type Build = fn() -> Runtime;

fn flavors() -> [(&'static str, Build); 2] {
    [
        ("current_thread", current_thread),
        ("multi_thread", multi_thread),
    ]
}

fn message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs `f` on a helper thread; returns its panic message, or `None` if
/// it returned. Fails the test if it does neither within the watchdog.
fn guarded(what: &str, f: impl FnOnce() + Send + 'static) -> Option<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = catch_unwind(AssertUnwindSafe(f));
        let _ = tx.send(result.err().map(|p| message(&*p)));
    });
    rx.recv_timeout(WATCHDOG)
        .unwrap_or_else(|_| panic!("{what}: hung (no panic and no return within {WATCHDOG:?})"))
}

#[track_caller]
fn assert_panics_with(what: &str, expected: &str, f: impl FnOnce() + Send + 'static) {
    match guarded(what, f) {
        Some(msg) => assert!(
            msg.contains(expected),
            "{what}: wrong panic message: {msg:?}"
        ),
        None => panic!("{what}: did not panic"),
    }
}

#[track_caller]
fn assert_returns(what: &str, f: impl FnOnce() + Send + 'static) {
    if let Some(msg) = guarded(what, f) {
        panic!("{what}: panicked: {msg:?}");
    }
}

// ---- dropping a runtime from an async context ----

#[test]
fn dropping_a_runtime_inside_block_on_panics() {
    for (outer_flavor, outer) in flavors() {
        for (inner_flavor, inner) in flavors() {
            let what = format!("{inner_flavor} dropped in {outer_flavor}'s block_on");
            assert_panics_with(&what, CANNOT_DROP, move || {
                let outer = outer();
                outer.block_on(async move { drop(inner()) });
            });
        }
    }
}

/// Before the fix, the worker silently waited for the dropped runtime's
/// blocking closures (here, forever).
#[test]
fn dropping_a_runtime_with_a_busy_blocking_thread_inside_block_on_panics() {
    for (flavor, outer) in flavors() {
        let what = format!("dropped in {flavor}'s block_on");
        let (release, stuck) = std::sync::mpsc::channel::<()>();
        assert_panics_with(&what, CANNOT_DROP, move || {
            let outer = outer();
            let inner = Builder::new_current_thread().build().unwrap();
            let (started_tx, started_rx) = std::sync::mpsc::channel();
            inner.spawn_blocking(move || {
                started_tx.send(()).unwrap();
                let _ = stuck.recv();
            });
            started_rx.recv_timeout(WATCHDOG).unwrap();
            outer.block_on(async move { drop(inner) });
        });
        drop(release);
    }
}

#[test]
fn dropping_a_runtime_inside_a_task_panics() {
    for (outer_flavor, outer) in flavors() {
        for (inner_flavor, inner) in flavors() {
            let what = format!("{inner_flavor} dropped in a {outer_flavor} task");
            assert_panics_with(&what, CANNOT_DROP, move || {
                let outer = outer();
                let err = outer
                    .block_on(outer.spawn(async move { drop(inner()) }))
                    .expect_err("the task should have panicked");
                std::panic::resume_unwind(err.into_panic());
            });
        }
    }
}

#[test]
fn shutdown_background_inside_an_async_context_is_allowed() {
    for (outer_flavor, outer) in flavors() {
        for (inner_flavor, inner) in flavors() {
            let what = format!("{inner_flavor} shut down in {outer_flavor}");
            assert_returns(&what, move || {
                let outer = outer();
                outer.block_on(async move {
                    inner().shutdown_background();
                    inner().shutdown_timeout(Duration::ZERO);
                    runtime::spawn(async move { inner().shutdown_background() })
                        .await
                        .unwrap();
                });
            });
        }
    }
}

/// As tokio: only a zero timeout is allowed there, a longer one would
/// block the thread that drives the tasks.
#[test]
fn shutdown_timeout_inside_an_async_context_panics() {
    for (flavor, outer) in flavors() {
        assert_panics_with(flavor, CANNOT_DROP, move || {
            let outer = outer();
            outer.block_on(async {
                let inner = Builder::new_current_thread().build().unwrap();
                inner.shutdown_timeout(Duration::from_secs(1));
            });
        });
    }
}

/// A blocking thread is not an async context: it may drop a runtime, and
/// the drop waits for that runtime's blocking closures.
#[test]
fn dropping_a_runtime_on_a_blocking_thread_is_allowed() {
    for (flavor, outer) in flavors() {
        assert_returns(flavor, move || {
            let outer = outer();
            let ran = outer.block_on(outer.spawn_blocking(|| {
                let inner = Builder::new_current_thread().build().unwrap();
                let ran = inner.spawn_blocking(|| 7);
                drop(inner);
                ran
            }));
            let other = Builder::new_current_thread().build().unwrap();
            assert_eq!(other.block_on(ran.unwrap()).unwrap(), 7);
        });
    }
}

/// A task that panics while it owns a runtime drops it while unwinding:
/// no second panic (which would abort), the task's own panic is reported.
#[test]
fn a_runtime_dropped_while_unwinding_in_a_task_does_not_abort() {
    for (flavor, outer) in flavors() {
        assert_panics_with(flavor, "boom", move || {
            let outer = outer();
            let err = outer
                .block_on(outer.spawn(async {
                    let _inner = Builder::new_current_thread().build().unwrap();
                    panic!("boom");
                }))
                .expect_err("the task should have panicked");
            std::panic::resume_unwind(err.into_panic());
        });
    }
}

// ---- EnterGuard order ----

#[test]
fn enter_guards_dropped_out_of_order_panic() {
    assert_panics_with("out of order", OUT_OF_ORDER, || {
        let (rt1, rt2) = (current_thread(), multi_thread());
        let a = rt1.enter();
        let b = rt2.enter();
        drop(a);
        drop(b);
    });
}

#[test]
fn enter_guards_dropped_in_order_restore_the_previous_runtime() {
    assert_returns("in order", || {
        let (rt1, rt2) = (current_thread(), multi_thread());
        let a = rt1.enter();
        let b = rt2.enter();
        let c = rt2.enter();
        drop(c);
        drop(b);
        assert!(runtime::runtime::Handle::current()
            .block_on(runtime::spawn(async { 1 }))
            .is_ok());
        drop(a);
        assert!(runtime::runtime::Handle::try_current().is_err());
    });
}

/// Guards dropped out of order while the thread unwinds: no second panic.
#[test]
fn enter_guards_dropped_out_of_order_while_unwinding_do_not_abort() {
    assert_panics_with("unwinding", "boom", || {
        let (rt1, rt2) = (current_thread(), multi_thread());
        // A tuple drops its fields first to last: the wrong order.
        let _guards = (rt1.enter(), rt2.enter());
        panic!("boom");
    });
}

// ---- blocking channel calls from an async context ----

#[test]
fn blocking_recv_inside_block_on_panics() {
    for (flavor, build) in flavors() {
        assert_panics_with(flavor, CANNOT_BLOCK, move || {
            let rt = build();
            rt.block_on(async {
                let (tx, mut rx) = mpsc::channel::<u32>(1);
                // On a current-thread runtime this task can only run if
                // `block_on` yields: blocking here used to hang.
                runtime::spawn(async move { tx.send(1).await.unwrap() });
                rx.blocking_recv()
            });
        });
    }
}

#[test]
fn blocking_recv_inside_a_task_panics() {
    for (flavor, build) in flavors() {
        assert_panics_with(flavor, CANNOT_BLOCK, move || {
            let rt = build();
            let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
            tx.send(1).unwrap();
            let err = rt
                .block_on(rt.spawn(async move { rx.blocking_recv() }))
                .expect_err("the task should have panicked");
            std::panic::resume_unwind(err.into_panic());
        });
    }
}

#[test]
fn blocking_send_inside_block_on_panics() {
    for (flavor, build) in flavors() {
        assert_panics_with(flavor, CANNOT_BLOCK, move || {
            let rt = build();
            let (tx, _rx) = mpsc::channel::<u32>(1);
            rt.block_on(async {
                // The channel has room: this would not even block.
                let _ = tx.blocking_send(1);
            });
        });
    }
}

#[test]
fn blocking_calls_from_blocking_and_plain_threads_are_allowed() {
    for (flavor, build) in flavors() {
        assert_returns(flavor, move || {
            let rt = build();
            let (tx, mut rx) = mpsc::channel::<u32>(1);
            let (back_tx, mut back_rx) = mpsc::channel::<u32>(1);
            let echo = rt.spawn_blocking(move || {
                while let Some(v) = rx.blocking_recv() {
                    back_tx.blocking_send(v + 1).unwrap();
                }
            });
            // Entered, but not driving: blocking is fine here.
            let _enter = rt.enter();
            tx.blocking_send(1).unwrap();
            assert_eq!(back_rx.blocking_recv(), Some(2));
            drop(tx);
            rt.block_on(echo).unwrap();
        });
    }
}

// ---- runtimes and LocalSets in thread-locals ----

thread_local! {
    static RUNTIME: RefCell<Option<Runtime>> = const { RefCell::new(None) };
    static LOCAL: RefCell<Option<(LocalSet, Runtime)>> = const { RefCell::new(None) };
}

/// Touches `slot` first, so its destructor runs last at thread exit:
/// after the runtime's own thread-locals are gone, the hard case.
fn register_first<T: 'static>(slot: &'static std::thread::LocalKey<RefCell<Option<T>>>) {
    slot.with(|_| ());
}

#[test]
fn a_runtime_in_a_thread_local_is_dropped_at_thread_exit() {
    for (flavor, build) in flavors() {
        assert_returns(flavor, move || {
            std::thread::spawn(move || {
                register_first(&RUNTIME);
                let rt = build();
                let v = rt.block_on(async { runtime::spawn(async { 1 }).await.unwrap() });
                assert_eq!(v, 1);
                // A task left pending, with a timer: dropped at exit too.
                rt.spawn(async { runtime::time::sleep(Duration::from_secs(3600)).await });
                RUNTIME.with(|slot| *slot.borrow_mut() = Some(rt));
            })
            .join()
            .expect("the thread with the runtime in a thread-local");
        });
    }
}

#[test]
fn a_local_set_in_a_thread_local_is_dropped_at_thread_exit() {
    for (flavor, build) in flavors() {
        assert_returns(flavor, move || {
            std::thread::spawn(move || {
                register_first(&LOCAL);
                let rt = build();
                let local = LocalSet::new();
                let (_tx, rx) = runtime::sync::oneshot::channel::<()>();
                local.spawn_local(async move {
                    let _ = rx.await;
                });
                local.spawn_local(async { runtime::time::sleep(Duration::from_secs(3600)).await });
                // Poll both tasks once: they are pending when stored.
                local.block_on(&rt, runtime::task::yield_now());
                LOCAL.with(|slot| *slot.borrow_mut() = Some((local, rt)));
            })
            .join()
            .expect("the thread with the LocalSet in a thread-local");
        });
    }
}
