//! `Runtime::shutdown_graceful`: the shutdown token is cancelled, the
//! tasks get until the deadline to finish, the rest is cancelled, and the
//! report says which was which; it returns as soon as the runtime is idle.

mod common;

use common::{io_runtimes, DropCounter};
use runtime::runtime::{Builder, Runtime};
use runtime::task;
use runtime::time::sleep;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[test]
fn returns_as_soon_as_every_task_finished() {
    for (flavor, rt) in io_runtimes() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut ids = Vec::new();
        for i in 0..5u64 {
            let done = done.clone();
            let h = task::Builder::new()
                .name(&format!("conn-{i}"))
                .spawn_on(
                    async move {
                        runtime::shutdown_token().cancelled().await;
                        // In-flight work after the stop request.
                        sleep(Duration::from_millis(10 * i)).await;
                        done.fetch_add(1, Ordering::SeqCst);
                    },
                    rt.handle(),
                )
                .unwrap();
            ids.push(h.id());
        }
        let started = Instant::now();
        let report = rt.shutdown_graceful(Duration::from_secs(10));
        let took = started.elapsed();
        assert_eq!(done.load(Ordering::SeqCst), 5, "{flavor}");
        assert!(took < Duration::from_secs(2), "{flavor}: waited {took:?}");
        assert!(report.elapsed() >= Duration::from_millis(40), "{flavor}");
        assert!(report.is_clean(), "{flavor}: {report}");
        let mut finished: Vec<_> = report.finished().iter().map(|t| t.id()).collect();
        finished.sort();
        ids.sort();
        assert_eq!(finished, ids, "{flavor}");
        assert!(report
            .finished()
            .iter()
            .all(|t| t.name().unwrap().starts_with("conn-")));
        let text = report.to_string();
        assert!(
            text.contains("5 tasks finished, 0 cancelled"),
            "{flavor}: {text}"
        );
    }
}

#[test]
fn the_task_cut_at_the_deadline_is_named_and_cancelled() {
    for (flavor, rt) in io_runtimes() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let flag = DropCounter(dropped.clone());
        let stubborn = task::Builder::new()
            .name("stubborn")
            .spawn_on(
                async move {
                    let _flag = flag;
                    // Ignores the token.
                    std::future::pending::<()>().await
                },
                rt.handle(),
            )
            .unwrap();
        let id = stubborn.id();
        rt.spawn(async {
            runtime::shutdown_token().cancelled().await;
        });
        let started = Instant::now();
        let report = rt.shutdown_graceful(Duration::from_millis(200));
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(200), "{flavor}: {took:?}");
        assert!(took < Duration::from_secs(3), "{flavor}: {took:?}");
        assert_eq!(dropped.load(Ordering::SeqCst), 1, "{flavor}: cancelled");
        assert_eq!(report.cancelled().len(), 1, "{flavor}: {report}");
        let cut = &report.cancelled()[0];
        assert_eq!(cut.id(), id);
        assert_eq!(cut.name(), Some("stubborn"));
        assert!(cut.spawned_at().file().ends_with("shutdown_graceful.rs"));
        assert_eq!(report.finished().len(), 1, "{flavor}: {report}");
        let text = report.to_string();
        assert!(
            text.contains(&format!("cancelled: task {id} \"stubborn\" (spawned at ")),
            "{flavor}: {text}"
        );
        // Its JoinHandle learns it was cancelled.
        let other = Builder::new_current_thread().build().unwrap();
        assert!(other.block_on(stubborn).unwrap_err().is_cancelled());
    }
}

#[test]
fn tasks_spawned_during_the_drain_run() {
    for (flavor, rt) in io_runtimes() {
        let helped = Arc::new(AtomicBool::new(false));
        let h = helped.clone();
        rt.spawn(async move {
            runtime::shutdown_token().cancelled().await;
            let h2 = h.clone();
            runtime::spawn(async move {
                sleep(Duration::from_millis(5)).await;
                h2.store(true, Ordering::SeqCst);
            })
            .await
            .unwrap();
        });
        let report = rt.shutdown_graceful(Duration::from_secs(5));
        assert!(helped.load(Ordering::SeqCst), "{flavor}");
        assert!(report.is_clean(), "{flavor}: {report}");
        assert_eq!(report.finished_spawned_during_drain(), 1, "{flavor}");
        assert!(
            report.to_string().contains("2 tasks finished"),
            "{flavor}: {report}"
        );
    }
}

#[test]
fn an_idle_runtime_drains_at_once_and_the_token_is_the_handles() {
    for (flavor, rt) in io_runtimes() {
        let token = rt.handle().shutdown_token();
        let same = rt.block_on(async { runtime::shutdown_token() });
        assert!(!token.is_cancelled());
        let started = Instant::now();
        let report = rt.shutdown_graceful(Duration::from_secs(10));
        assert!(started.elapsed() < Duration::from_secs(1), "{flavor}");
        assert!(token.is_cancelled() && same.is_cancelled(), "{flavor}");
        assert!(
            report.is_clean() && report.finished().is_empty(),
            "{flavor}"
        );
    }
}

#[test]
fn draining_from_a_task_is_refused() {
    let outer = Runtime::new().unwrap();
    let err = outer
        .block_on(async {
            runtime::spawn(async {
                let inner = Builder::new_current_thread().build().unwrap();
                inner.shutdown_graceful(Duration::from_secs(1));
            })
            .await
        })
        .unwrap_err();
    assert!(err.is_panic());
    let msg = err.into_panic();
    let msg = msg
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| msg.downcast_ref::<&str>().copied())
        .unwrap_or("");
    assert!(msg.contains("asynchronous context"), "{msg}");
}
