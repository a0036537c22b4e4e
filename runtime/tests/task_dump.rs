//! `Handle::dump`: every live task with its metadata, state and what it
//! waits on, as data and as a tree; from any thread, also while the
//! workers are stuck.

mod common;

use common::each_flavor_enabled;
use runtime::io::AsyncReadExt;
use runtime::net::{TcpListener, TcpStream};
use runtime::runtime::{Dump, SyncKind, TaskState, WaitsOn};
use runtime::sync::{mpsc, Mutex};
use runtime::task::{self, Id};
use runtime::time::{self, Duration};
use std::sync::Arc;
use std::time::Instant;

/// Dumps until `ready` holds (the tasks reached their waits), or panics
/// after a generous bound.
fn dump_when(handle: &runtime::runtime::Handle, ready: impl Fn(&Dump) -> bool) -> Dump {
    let start = Instant::now();
    loop {
        let dump = handle.dump();
        if ready(&dump) {
            return dump;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "never ready:\n{dump}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn all_idle(dump: &Dump, ids: &[Id]) -> bool {
    ids.iter().all(|id| {
        dump.task(*id)
            .is_some_and(|t| t.state() == TaskState::Idle && t.polls() > 0)
    })
}

#[test]
fn each_resource_shows_as_what_the_task_waits_on() {
    each_flavor_enabled(|flavor, rt| {
        let handle = rt.handle().clone();
        let (ids, addr, mutex, tx) = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let client = TcpStream::connect(addr).await.unwrap();
            let (server, _) = listener.accept().await.unwrap();
            let mutex = Arc::new(Mutex::new(()));
            let guard = mutex.clone().lock_owned().await;
            let (tx, mut rx) = mpsc::channel::<()>(1);
            let sleeper = task::Builder::new()
                .name("sleeper")
                .spawn(time::sleep(Duration::from_secs(3600)))
                .unwrap();
            let reader = runtime::spawn(async move {
                let mut client = client;
                let mut buf = [0; 8];
                let _ = client.read(&mut buf).await;
                drop(server);
            });
            let joiner_target = sleeper.id();
            let joiner = runtime::spawn(sleeper);
            let m = mutex.clone();
            let locker = runtime::spawn(async move {
                let _g = m.lock().await;
            });
            let receiver = runtime::spawn(async move { rx.recv().await });
            let outside = runtime::spawn(std::future::pending::<()>());
            let (watch_tx, mut watch_rx) = runtime::sync::watch::channel(0);
            let watcher = runtime::spawn(async move { watch_rx.changed().await });
            let barrier = Arc::new(runtime::sync::Barrier::new(2));
            let b = barrier.clone();
            let at_barrier = runtime::spawn(async move {
                b.wait().await;
            });
            std::mem::forget(guard);
            (
                [
                    joiner_target,
                    reader.id(),
                    joiner.id(),
                    locker.id(),
                    receiver.id(),
                    outside.id(),
                    watcher.id(),
                    at_barrier.id(),
                ],
                addr,
                mutex,
                (tx, watch_tx, barrier),
            )
        });
        // A current-thread runtime runs its tasks only inside a `block_on`.
        let (stop, stopped) = runtime::sync::oneshot::channel::<()>();
        let h = handle.clone();
        let driver = std::thread::spawn(move || h.block_on(async { drop(stopped.await) }));
        let dump = dump_when(&handle, |d| all_idle(d, &ids));
        drop(stop);
        driver.join().unwrap();
        let waits = |i: usize| dump.task(ids[i]).unwrap().waits_on();
        assert!(
            matches!(waits(0), WaitsOn::Sleep { deadline } if deadline > Instant::now() + Duration::from_secs(3000)),
            "{flavor}: {:?}",
            waits(0)
        );
        assert_eq!(dump.task(ids[0]).unwrap().name(), Some("sleeper"));
        assert!(
            matches!(waits(1), WaitsOn::Io { read: true, .. }),
            "{flavor}"
        );
        assert_eq!(
            waits(2),
            WaitsOn::Join {
                task: ids[0].to_string().parse().unwrap()
            }
        );
        assert_eq!(
            waits(3),
            WaitsOn::Sync {
                kind: SyncKind::Mutex,
                addr: waits_addr(waits(3))
            }
        );
        assert!(
            matches!(
                waits(4),
                WaitsOn::Sync {
                    kind: SyncKind::MpscRecv,
                    ..
                }
            ),
            "{flavor}"
        );
        assert_eq!(waits(5), WaitsOn::Unknown, "{flavor}");
        for (i, kind) in [(6, SyncKind::Watch), (7, SyncKind::Barrier)] {
            assert!(
                matches!(waits(i), WaitsOn::Sync { kind: k, .. } if k == kind),
                "{flavor}: {:?} for {kind:?}",
                waits(i)
            );
        }
        // The text names the peer of the socket read and the sleeper.
        let text = dump.to_string();
        assert!(
            text.contains(&format!("waits on TCP read from {addr}")),
            "{flavor}:\n{text}"
        );
        assert!(text.contains("\"sleeper\""), "{text}");
        assert!(
            text.contains("waits on something outside the runtime"),
            "{text}"
        );
        assert!(
            text.contains(&format!("waits on JoinHandle of task {}", ids[0])),
            "{text}"
        );
        drop((mutex, tx));
    });
}

fn waits_addr(w: WaitsOn) -> usize {
    match w {
        WaitsOn::Sync { addr, .. } => addr,
        _ => 0,
    }
}

#[test]
fn the_tree_follows_the_parents() {
    each_flavor_enabled(|flavor, rt| {
        let handle = rt.handle().clone();
        let (parent, child, grandchild) = rt.block_on(async {
            let (tx, rx) = std::sync::mpsc::channel();
            let parent = task::Builder::new()
                .name("parent")
                .spawn(async move {
                    let child = task::Builder::new()
                        .name("child")
                        .spawn(async move {
                            let grandchild = runtime::spawn(std::future::pending::<()>());
                            tx.send((task::id(), grandchild.id())).unwrap();
                            grandchild.await.unwrap();
                        })
                        .unwrap();
                    child.await.unwrap();
                })
                .unwrap();
            let (child, grandchild) = loop {
                if let Ok(ids) = rx.try_recv() {
                    break ids;
                }
                task::yield_now().await;
            };
            (parent.id(), child, grandchild)
        });
        let dump = dump_when(&handle, |d| all_idle(d, &[parent, child, grandchild]));
        assert_eq!(dump.task(child).unwrap().parent(), Some(parent));
        assert_eq!(dump.task(grandchild).unwrap().parent(), Some(child));
        let text = dump.to_string();
        let lines: Vec<&str> = text.lines().collect();
        let at = |id: Id| {
            lines
                .iter()
                .position(|l| l.contains(&format!("task {id} ")))
                .unwrap_or_else(|| panic!("{flavor}: task {id} missing:\n{text}"))
        };
        let (p, c, g) = (at(parent), at(child), at(grandchild));
        assert!(p < c && c < g, "{flavor}:\n{text}");
        assert!(
            lines[p].starts_with("└── ") || lines[p].starts_with("├── "),
            "{text}"
        );
        assert!(lines[c].starts_with("    └── "), "{text}");
        assert!(lines[g].starts_with("        └── "), "{text}");
        assert!(lines[c].contains("\"child\""), "{text}");
    });
}

#[test]
fn a_dump_of_100k_tasks() {
    const TASKS: usize = 100_000;
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, _rx) = runtime::sync::broadcast::channel::<()>(1);
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let mut rx = tx.subscribe();
            rt.spawn(async move {
                let _ = rx.recv().await;
            })
        })
        .collect();
    let start = Instant::now();
    let dump = rt.handle().dump();
    let took = start.elapsed();
    assert_eq!(dump.tasks().len(), TASKS);
    // Generous (debug build, loaded machine): proves it does not crawl.
    assert!(took < Duration::from_secs(5), "{took:?}");
    eprintln!("dump of {TASKS} tasks: {took:?}");
    drop(tx);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    // A task leaves the list just after its JoinHandle learns it completed.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !rt.handle().dump().tasks().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let left = rt.handle().dump();
    assert!(left.tasks().is_empty(), "{left}");
}

#[test]
fn a_dump_while_every_worker_is_stuck() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let stuck: Vec<_> = (0..2)
        .map(|_| {
            let started = started_tx.clone();
            rt.spawn(async move {
                started.send(task::id()).unwrap();
                std::thread::sleep(Duration::from_millis(800));
            })
        })
        .collect();
    let ids = [started_rx.recv().unwrap(), started_rx.recv().unwrap()];
    // From a blocking thread, and from a plain thread.
    let handle = rt.handle().clone();
    let from_blocking = rt.spawn_blocking(move || handle.dump()).await_blocking();
    let handle = rt.handle().clone();
    let from_thread = std::thread::spawn(move || handle.dump()).join().unwrap();
    for dump in [from_blocking, from_thread] {
        for id in ids {
            assert_eq!(dump.task(id).unwrap().state(), TaskState::Running, "{dump}");
        }
        // One on each worker.
        let mut workers: Vec<_> = ids
            .iter()
            .map(|&id| dump.task(id).unwrap().worker())
            .collect();
        workers.sort();
        assert_eq!(workers, [Some(0), Some(1)], "{dump}");
        assert!(
            dump.to_string().contains("running on worker 0 for"),
            "{dump}"
        );
        assert!(
            dump.to_string().contains("running on worker 1 for"),
            "{dump}"
        );
    }
    rt.block_on(async {
        for h in stuck {
            h.await.unwrap();
        }
    });
}

/// Waits for a blocking `JoinHandle` from a plain thread.
trait AwaitBlocking<T> {
    fn await_blocking(self) -> T;
}

impl<T: Send + 'static> AwaitBlocking<T> for runtime::task::JoinHandle<T> {
    fn await_blocking(self) -> T {
        // A fresh current-thread runtime only polls the handle; the work
        // runs on the other runtime's blocking pool.
        runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(self)
            .unwrap()
    }
}

#[test]
fn time_since_the_last_poll_runs_on_while_the_runtime_sleeps() {
    each_flavor_enabled(|flavor, rt| {
        let notify = Arc::new(runtime::sync::Notify::new());
        let waiter = {
            let notify = notify.clone();
            rt.spawn(async move { notify.notified().await })
        };
        let id = waiter.id();
        // (A current-thread runtime runs its tasks inside `block_on` only.)
        rt.block_on(async { time::sleep(Duration::from_millis(20)).await });
        dump_when(rt.handle(), |d| {
            d.task(id)
                .is_some_and(|t| t.state() == TaskState::Idle && t.polls() == 1)
        });
        // Every worker parks: nothing refreshes the coarse clock but the
        // dump itself.
        std::thread::sleep(Duration::from_millis(300));
        let dump = rt.handle().dump();
        let since = dump.task(id).unwrap().since_last_poll().unwrap();
        assert!(
            since >= Duration::from_millis(250),
            "{flavor}: {since:?}\n{dump}"
        );
        notify.notify_one();
        rt.block_on(waiter).unwrap();
    });
}
