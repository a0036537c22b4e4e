//! Task metadata: names, spawn locations and parents, in `task::Builder`,
//! the task hooks and `task::name`, on both flavors.

mod common;

use common::each_flavor;
use runtime::task::{self, JoinSet, TaskMeta};
use runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A record of a hook call.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    id: task::Id,
    name: Option<String>,
    line: u32,
    file: String,
    parent: Option<task::Id>,
}

impl Seen {
    fn of(meta: &TaskMeta<'_>) -> Seen {
        Seen {
            id: meta.id(),
            name: meta.name().map(str::to_string),
            line: meta.spawned_at().line(),
            file: meta.spawned_at().file().to_string(),
            parent: meta.parent(),
        }
    }
}

#[derive(Default)]
struct Log {
    spawned: Mutex<Vec<Seen>>,
    terminated: Mutex<Vec<task::Id>>,
    before: AtomicUsize,
    after: AtomicUsize,
}

/// One runtime of each flavor with all four hooks logging into `log`.
fn each_flavor_hooked(mut f: impl FnMut(&'static str, Runtime, Arc<Log>)) {
    for flavor in ["current_thread", "multi_thread"] {
        let log = Arc::new(Log::default());
        let mut builder = if flavor == "current_thread" {
            Builder::new_current_thread()
        } else {
            let mut b = Builder::new_multi_thread();
            b.worker_threads(2);
            b
        };
        let (l1, l2, l3, l4) = (log.clone(), log.clone(), log.clone(), log.clone());
        builder
            .enable_all()
            .on_task_spawn(move |m| l1.spawned.lock().unwrap().push(Seen::of(m)))
            .on_task_terminate(move |m| l2.terminated.lock().unwrap().push(m.id()))
            .on_before_task_poll(move |m| {
                // The task's id is current in the hook.
                assert_eq!(task::try_id(), Some(m.id()));
                l3.before.fetch_add(1, Ordering::SeqCst);
            })
            .on_after_task_poll(move |_| {
                l4.after.fetch_add(1, Ordering::SeqCst);
            });
        f(flavor, builder.build().unwrap(), log);
    }
}

#[test]
fn builder_names_and_spawn_locations_reach_the_hooks() {
    each_flavor_hooked(|flavor, rt, log| {
        let line = line!() + 4;
        let (id, name) = rt.block_on(async {
            let handle = task::Builder::new()
                .name("conn")
                .spawn(async { (task::id(), task::name()) })
                .unwrap();
            handle.await.unwrap()
        });
        assert_eq!(name.as_deref(), Some("conn"), "{flavor}");
        drop(rt);
        let spawned = log.spawned.lock().unwrap().clone();
        assert_eq!(
            spawned,
            vec![Seen {
                id,
                name: Some("conn".into()),
                line,
                file: file!().into(),
                parent: None,
            }],
            "{flavor}"
        );
        assert_eq!(*log.terminated.lock().unwrap(), vec![id], "{flavor}");
        let (before, after) = (
            log.before.load(Ordering::SeqCst),
            log.after.load(Ordering::SeqCst),
        );
        assert!(before >= 1 && before == after, "{flavor}: {before} {after}");
    });
}

#[test]
fn every_spawn_form_records_its_callers_location() {
    each_flavor_hooked(|flavor, rt, log| {
        let handle = rt.handle().clone();
        let lines = rt.block_on(async move {
            let mut lines = Vec::new();
            let mut set = JoinSet::new();
            lines.push(line!() + 1);
            let a = runtime::spawn(async {});
            lines.push(line!() + 1);
            let b = task::spawn(async {});
            lines.push(line!() + 1);
            let c = handle.spawn(async {});
            lines.push(line!() + 1);
            set.spawn(async {});
            lines.push(line!() + 1);
            set.build_task().name("in-set").spawn(async {}).unwrap();
            lines.push(line!() + 1);
            let d = task::Builder::new().spawn_on(async {}, &handle).unwrap();
            a.await.unwrap();
            b.await.unwrap();
            c.await.unwrap();
            d.await.unwrap();
            while set.join_next().await.is_some() {}
            lines
        });
        drop(rt);
        let seen: Vec<u32> = log
            .spawned
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.file == file!())
            .map(|s| s.line)
            .collect();
        assert_eq!(seen, lines, "{flavor}");
        let names: Vec<_> = log
            .spawned
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| s.name.clone())
            .collect();
        assert_eq!(names, ["in-set"], "{flavor}");
    });
}

#[test]
fn parents_are_the_spawning_tasks() {
    each_flavor_hooked(|flavor, rt, log| {
        let (outer, inner) = rt.block_on(async {
            let outer = runtime::spawn(async {
                let inner = runtime::spawn(async { task::id() });
                (task::id(), inner.await.unwrap())
            });
            outer.await.unwrap()
        });
        drop(rt);
        let spawned = log.spawned.lock().unwrap().clone();
        let parent_of = |id| spawned.iter().find(|s| s.id == id).unwrap().parent;
        // Spawned from `block_on`, outside any task: no parent.
        assert_eq!(parent_of(outer), None, "{flavor}");
        assert_eq!(parent_of(inner), Some(outer), "{flavor}");
    });
}

#[test]
fn terminate_runs_once_for_aborted_panicking_and_cancelled_tasks() {
    each_flavor_hooked(|flavor, rt, log| {
        let (aborted, panicked, pending) = rt.block_on(async {
            let aborted = runtime::spawn(std::future::pending::<()>());
            let panicked = runtime::spawn(async { panic!("boom") });
            let pending = runtime::spawn(std::future::pending::<()>());
            task::yield_now().await;
            aborted.abort();
            let ids = (aborted.id(), panicked.id(), pending.id());
            assert!(aborted.await.unwrap_err().is_cancelled());
            assert!(panicked.await.unwrap_err().is_panic());
            ids
        });
        // The pending one is cancelled at shutdown.
        drop(rt);
        let mut terminated = log.terminated.lock().unwrap().clone();
        terminated.sort();
        let mut want = vec![aborted, panicked, pending];
        want.sort();
        assert_eq!(terminated, want, "{flavor}");
    });
}

#[test]
fn a_panicking_hook_does_not_kill_the_worker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .on_before_task_poll(|_| panic!("hook"))
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(async { runtime::spawn(async { 7 }).await })
            .unwrap(),
        7
    );
}

#[test]
fn task_name_is_none_outside_a_task_and_for_unnamed_ones() {
    assert!(task::name().is_none());
    each_flavor(|flavor, rt| {
        let name = rt.block_on(async { runtime::spawn(async { task::name() }).await.unwrap() });
        assert!(name.is_none(), "{flavor}");
        // Blocking tasks and local tasks get names too.
        let name = rt.block_on(async {
            task::Builder::new()
                .name("blocking")
                .spawn_blocking(task::name)
                .unwrap()
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("blocking"), "{flavor}");
        let local = task::LocalSet::new();
        let name = local.block_on(&rt, async {
            task::Builder::new()
                .name("local")
                .spawn_local(async { task::name() })
                .unwrap()
                .await
                .unwrap()
        });
        assert_eq!(name.as_deref(), Some("local"), "{flavor}");
    });
}
