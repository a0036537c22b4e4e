//! JoinSet: spawn many, join in completion order.

mod common;

use common::{each_flavor, DropCounter, Forever};
use runtime::task::JoinSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[test]
fn join_next_returns_every_output_then_none() {
    each_flavor(|flavor, rt| {
        let mut got = rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..1000 {
                set.spawn(async move {
                    runtime::task::yield_now().await;
                    i
                });
            }
            assert_eq!(set.len(), 1000);
            let mut got = Vec::new();
            while let Some(res) = set.join_next().await {
                got.push(res.unwrap());
            }
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
            got
        });
        got.sort();
        assert_eq!(got, (0..1000).collect::<Vec<_>>(), "{flavor}");
    });
}

#[test]
fn join_all_spawn_on_and_spawn_blocking() {
    each_flavor(|flavor, rt| {
        let handle = rt.handle().clone();
        let mut out = rt.block_on(async move {
            let mut set = JoinSet::new();
            set.spawn(async { 1 });
            set.spawn_on(async { 2 }, &handle);
            set.spawn_blocking(|| 3);
            set.join_all().await
        });
        out.sort();
        assert_eq!(out, vec![1, 2, 3], "{flavor}");
    });
}

#[test]
fn try_join_next_does_not_wait() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(Forever);
        assert!(set.try_join_next().is_none());
        set.spawn(async {});
        for _ in 0..5 {
            runtime::task::yield_now().await;
        }
        assert!(set.try_join_next().unwrap().is_ok());
        assert_eq!(set.len(), 1);
    });
}

#[test]
fn abort_all_shutdown_and_drop_cancel_the_tasks() {
    each_flavor(|flavor, rt| {
        let drops = Arc::new(AtomicUsize::new(0));
        let d = drops.clone();
        rt.block_on(async move {
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let g = DropCounter(d.clone());
                set.spawn(async move {
                    let _g = g;
                    Forever.await
                });
            }
            set.abort_all();
            let mut cancelled = 0;
            while let Some(res) = set.join_next().await {
                assert!(res.unwrap_err().is_cancelled());
                cancelled += 1;
            }
            assert_eq!(cancelled, 10);

            for _ in 0..10 {
                let g = DropCounter(d.clone());
                set.spawn(async move {
                    let _g = g;
                    Forever.await
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());

            for _ in 0..10 {
                let g = DropCounter(d.clone());
                set.spawn(async move {
                    let _g = g;
                    Forever.await
                });
            }
            drop(set);
            for _ in 0..20 {
                runtime::task::yield_now().await;
            }
        });
        drop(rt);
        assert_eq!(drops.load(Ordering::SeqCst), 30, "{flavor}");
    });
}

#[test]
fn detach_all_keeps_the_tasks_running() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        let mut set = JoinSet::new();
        set.spawn(async move {
            runtime::task::yield_now().await;
            tx.send(()).unwrap();
        });
        set.detach_all();
        assert!(set.is_empty());
    });
    rx.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
}

#[test]
#[should_panic(expected = "boom")]
fn join_all_resumes_a_panic() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        let mut set = JoinSet::new();
        set.spawn(async { panic!("boom") });
        set.join_all().await
    });
}
