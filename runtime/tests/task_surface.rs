//! tokio's task and runtime surface (issue 12): `task_local!`, the
//! `JoinSet` additions, `task::coop`, `LocalRuntime`, and the runtime's
//! name, id, flavor and park hooks, on both flavors where a runtime runs.

use runtime::runtime::{Builder, LocalRuntime, Runtime, RuntimeFlavor};
use runtime::task::{self, JoinSet, LocalSet};
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn both_flavors() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

runtime::task_local! {
    static NUMBER: u32;
    static NAME: String;
}

#[test]
fn task_local_follows_the_task_across_polls_and_workers() {
    for (flavor, rt) in both_flavors() {
        rt.block_on(async {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    runtime::spawn(NUMBER.scope(i, async move {
                        for _ in 0..20 {
                            assert_eq!(NUMBER.get(), i, "{flavor}");
                            task::yield_now().await;
                            runtime::time::sleep(Duration::from_micros(10)).await;
                        }
                        NUMBER.get()
                    }))
                })
                .collect();
            for (i, h) in handles.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i as u32, "{flavor}");
            }
            // Outside every scope: not set.
            assert!(NUMBER.try_with(|_| ()).is_err(), "{flavor}");
        });
    }
}

#[test]
fn task_local_scopes_nest_and_restore() {
    runtime::Runtime::new().unwrap().block_on(async {
        NUMBER
            .scope(1, async {
                assert_eq!(NUMBER.get(), 1);
                NUMBER
                    .scope(2, async {
                        assert_eq!(NUMBER.get(), 2);
                        task::yield_now().await;
                        assert_eq!(NUMBER.get(), 2);
                    })
                    .await;
                assert_eq!(NUMBER.get(), 1);
                NUMBER.sync_scope(3, || assert_eq!(NUMBER.get(), 3));
                assert_eq!(NUMBER.get(), 1);
                // Another key is independent.
                assert!(NAME.try_with(|_| ()).is_err());
            })
            .await
    });
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn task_local_with_outside_a_scope_panics() {
    NUMBER.with(|_| ());
}

#[test]
fn task_local_errors_and_values() {
    let err = NUMBER.try_with(|n| *n).unwrap_err();
    assert_eq!(err.to_string(), "task-local value not set");
    // `sync_scope` gives the closure's result and restores afterwards.
    assert_eq!(NAME.sync_scope("a".into(), || NAME.with(|s| s.len())), 1);
    assert!(NAME.try_with(|_| ()).is_err());
    // A scope inside `with` of the same key is a borrow conflict.
    let nested = std::panic::catch_unwind(|| {
        NUMBER.sync_scope(1, || NUMBER.with(|_| NUMBER.sync_scope(2, || ())))
    });
    let msg = nested.unwrap_err();
    let msg = msg.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(
        msg.contains("while the task-local storage is borrowed"),
        "{msg}"
    );
}

/// The future is dropped inside its scope, and `take_value` takes the
/// value out.
#[test]
fn task_local_future_drop_sees_the_value_and_take_value() {
    struct SeesValue(Arc<AtomicUsize>);
    impl Drop for SeesValue {
        fn drop(&mut self) {
            self.0
                .store(NUMBER.try_with(|n| *n as usize).unwrap_or(0), SeqCst);
        }
    }
    let seen = Arc::new(AtomicUsize::new(0));
    let probe = SeesValue(seen.clone());
    let fut = NUMBER.scope(42, async move {
        let _probe = probe;
        std::future::pending::<()>().await
    });
    drop(fut); // never polled: the async block still owns the probe
    assert_eq!(seen.load(SeqCst), 42);

    let mut fut = Box::pin(NUMBER.scope(7, async {}));
    assert_eq!(fut.as_mut().take_value(), Some(7));
    assert_eq!(fut.as_mut().take_value(), None);
}

#[test]
fn join_set_local_blocking_on_extend_collect() {
    for (flavor, rt) in both_flavors() {
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let mut set = JoinSet::new();
            let rc = Rc::new(Cell::new(0));
            {
                let rc = rc.clone();
                set.spawn_local(async move {
                    rc.set(rc.get() + 1);
                    1
                });
            }
            let other = LocalSet::new();
            set.spawn_local_on(async { 2 }, &other);
            set.spawn_blocking_on(|| 3, &runtime::runtime::Handle::current());
            set.extend((4..6).map(|i| async move { i }));
            // The task on `other` runs once `other` is driven.
            let mut got = Vec::new();
            while got.len() < 4 {
                got.push(set.join_next().await.unwrap().unwrap());
            }
            other.await;
            got.push(set.join_next().await.unwrap().unwrap());
            assert!(set.join_next().await.is_none(), "{flavor}");
            got.sort();
            assert_eq!(got, [1, 2, 3, 4, 5], "{flavor}");
            assert_eq!(rc.get(), 1, "{flavor}");

            let collected: JoinSet<u32> = (0..10).map(|i| async move { i }).collect();
            let mut all = collected.join_all().await;
            all.sort();
            assert_eq!(all, (0..10).collect::<Vec<_>>(), "{flavor}");
        });
    }
}

/// `cooperative` makes a future that never touches a runtime resource
/// yield once the budget is spent, so the other task gets a turn.
#[test]
fn coop_cooperative_yields_when_the_budget_is_spent() {
    // Current-thread: the other task is queued locally, so it runs as
    // soon as the spinner yields (on multi-thread it could wait in the
    // injector for up to `global_queue_interval` polls).
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let ran = rt.block_on(async {
        let other_ran = Arc::new(AtomicUsize::new(0));
        let o = other_ran.clone();
        let other = runtime::spawn(async move { o.store(1, SeqCst) });
        let mut polls_before = 0;
        while other_ran.load(SeqCst) == 0 && polls_before < 10_000 {
            task::coop::cooperative(std::future::ready(())).await;
            polls_before += 1;
        }
        other.await.unwrap();
        polls_before
    });
    // A budget of 128 per poll: without `cooperative`, 10 000.
    assert!(ran <= 129, "{ran} ready polls before the other task ran");
}

#[test]
fn local_runtime_runs_local_and_send_tasks() {
    let rt = LocalRuntime::new().unwrap();
    assert_eq!(rt.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    let rc = Rc::new(Cell::new(0));
    // Spawned before `block_on`: runs once it drives.
    let early = {
        let rc = rc.clone();
        rt.spawn_local(async move { rc.set(rc.get() + 10) })
    };
    let total = rt.block_on(async {
        let rc2 = rc.clone();
        let local = task::spawn_local(async move {
            task::yield_now().await;
            rc2.set(rc2.get() + 1);
            rc2.get()
        });
        let sent = runtime::spawn(async { 5 });
        let blocking = task::spawn_blocking(|| 7);
        early.await.unwrap();
        local.await.unwrap() + sent.await.unwrap() + blocking.await.unwrap()
    });
    assert_eq!(total, 11 + 5 + 7);
    rt.shutdown_timeout(Duration::from_secs(5));
}

#[test]
#[should_panic(expected = "`build_local` needs `Builder::new_current_thread()`")]
fn build_local_on_multi_thread_panics() {
    let _ = Builder::new_multi_thread().build_local(Default::default());
}

#[test]
fn local_runtime_drop_cancels_its_local_tasks() {
    let rt = LocalRuntime::new().unwrap();
    struct Flag(Rc<Cell<bool>>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let dropped = Rc::new(Cell::new(false));
    let flag = Flag(dropped.clone());
    let handle = rt.spawn_local(async move {
        let _flag = flag;
        runtime::time::sleep(Duration::from_secs(3600)).await;
    });
    rt.block_on(task::yield_now());
    drop(rt);
    assert!(dropped.get());
    drop(handle);
}

#[runtime::test(flavor = "local")]
async fn test_attribute_with_the_local_flavor() {
    let rc = Rc::new(3);
    let n = task::spawn_local(async move { *rc * 2 }).await.unwrap();
    assert_eq!(n, 6);
    assert_eq!(
        runtime::runtime::Handle::current().runtime_flavor(),
        RuntimeFlavor::CurrentThread
    );
}

#[test]
fn handle_name_id_and_flavor() {
    let a = Builder::new_multi_thread()
        .worker_threads(1)
        .name("api")
        .build()
        .unwrap();
    let b = Builder::new_current_thread().build().unwrap();
    assert_eq!(a.handle().name(), Some("api"));
    assert_eq!(b.handle().name(), None);
    assert_ne!(a.handle().id(), b.handle().id());
    assert_eq!(a.handle().id(), a.handle().clone().id());
    assert_eq!(a.handle().runtime_flavor(), RuntimeFlavor::MultiThread);
    assert_eq!(b.handle().runtime_flavor(), RuntimeFlavor::CurrentThread);
    assert!(!a.handle().id().to_string().is_empty());
    // From inside.
    let id = a.handle().id();
    assert_eq!(
        a.block_on(async { runtime::runtime::Handle::current().id() }),
        id
    );
}

/// The park hooks run around every sleep of a runtime thread, in pairs.
#[test]
fn park_and_unpark_hooks_run_in_pairs() {
    for multi in [false, true] {
        let parks = Arc::new(AtomicUsize::new(0));
        let unparks = Arc::new(AtomicUsize::new(0));
        let mut builder = if multi {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(2);
            b
        } else {
            Builder::new_current_thread()
        };
        let (p, u) = (parks.clone(), unparks.clone());
        let rt = builder
            .enable_all()
            .on_thread_park(move || {
                p.fetch_add(1, SeqCst);
            })
            .on_thread_unpark(move || {
                u.fetch_add(1, SeqCst);
            })
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..3 {
                runtime::spawn(async {
                    runtime::time::sleep(Duration::from_millis(5)).await;
                })
                .await
                .unwrap();
            }
        });
        drop(rt);
        let (p, u) = (parks.load(SeqCst), unparks.load(SeqCst));
        assert!(
            p >= 1,
            "multi: {multi}: the runtime slept in 3 sleeps but never parked"
        );
        assert_eq!(p, u, "multi: {multi}: every park is followed by an unpark");
    }
}
