//! `task::TaskTracker`, from tokio-util's documented behaviour: `wait`
//! completes only when the tracker is closed and empty (and a wait made
//! before such a moment completes even if it has passed), tokens and
//! tracked futures count until they are dropped, and spawned tasks count
//! until their future is dropped: completed, aborted, or cancelled by the
//! runtime's shutdown.

mod common;

use common::{both_flavors, poll_noop, run, DropCounter};
use runtime::task::{task_tracker::TaskTrackerWaitFuture, LocalSet, TaskTracker, TrackedFuture};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::Duration;

fn ready<F: Future + Unpin>(fut: &mut F) -> bool {
    poll_noop(Pin::new(fut)).is_ready()
}

/// Polls until `cond` holds, failing after 10 s.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..10_000 {
        if cond() {
            return;
        }
        runtime::time::sleep(Duration::from_millis(1)).await;
    }
    panic!("{what}: never happened");
}

#[test]
fn close_and_reopen_say_whether_they_changed_it() {
    let tracker = TaskTracker::new();
    assert!(!tracker.is_closed() && tracker.is_empty());
    assert_eq!(tracker.len(), 0);
    assert!(tracker.close());
    assert!(!tracker.close());
    assert!(tracker.is_closed() && tracker.is_empty());
    assert!(tracker.reopen());
    assert!(!tracker.reopen());
    assert!(!tracker.is_closed());
    assert!(!TaskTracker::default().is_closed());
}

#[test]
fn tokens_count_until_dropped() {
    let tracker = TaskTracker::new();
    let mut tokens = Vec::new();
    for i in 0..10 {
        assert_eq!(tracker.len(), i);
        tokens.push(tracker.token());
    }
    assert!(!tracker.is_empty());
    let clone = tokens[0].clone();
    assert_eq!(tracker.len(), 11, "a cloned token is one more task");
    assert!(TaskTracker::ptr_eq(clone.task_tracker(), &tracker));
    drop(clone);
    tracker.close();
    assert!(
        tracker.is_closed() && tracker.len() == 10,
        "close keeps the count"
    );
    for (i, token) in tokens.into_iter().enumerate() {
        drop(token);
        assert_eq!(tracker.len(), 9 - i);
    }
    assert!(tracker.is_empty());
}

#[test]
fn wait_is_ready_at_once_only_if_closed_and_empty() {
    let tracker = TaskTracker::new();
    assert!(!ready(&mut tracker.wait()), "open and empty: waits");
    tracker.close();
    assert!(ready(&mut tracker.wait()));
    let token = tracker.token();
    assert!(!ready(&mut tracker.wait()), "closed with a task: waits");
    drop(token);
    assert!(ready(&mut tracker.wait()));
    // Made while closed and empty: stays ready after a reopen.
    let mut wait = tracker.wait();
    tracker.reopen();
    assert!(ready(&mut wait));
    assert!(!ready(&mut tracker.wait()));
}

#[test]
fn a_wait_made_while_open_completes_on_close() {
    let tracker = TaskTracker::new();
    let mut wait = tracker.wait();
    assert!(!ready(&mut wait));
    assert!(!ready(&mut wait), "still open");
    tracker.close();
    assert!(ready(&mut wait));
    assert!(ready(&mut wait), "stays ready");
}

#[test]
fn a_wait_sees_a_moment_of_closed_and_empty_that_has_passed() {
    // Close then reopen before the wait is polled again.
    let tracker = TaskTracker::new();
    let mut wait = tracker.wait();
    assert!(!ready(&mut wait));
    tracker.close();
    tracker.reopen();
    assert!(ready(&mut wait));

    // The last task leaves, then a new one comes.
    let tracker = TaskTracker::new();
    tracker.close();
    let token = tracker.token();
    let mut wait = tracker.wait();
    assert!(!ready(&mut wait));
    drop(token);
    let again = tracker.token();
    assert!(ready(&mut wait));
    assert!(!ready(&mut tracker.wait()), "a new wait sees the new task");
    drop(again);

    // Even a wait that was never polled before the moment.
    let tracker = TaskTracker::new();
    let mut wait = tracker.wait();
    tracker.close();
    tracker.reopen();
    assert!(ready(&mut wait));
}

#[test]
fn an_open_tracker_never_releases_a_wait() {
    let tracker = TaskTracker::new();
    let token = tracker.token();
    let mut wait = tracker.wait();
    assert!(!ready(&mut wait));
    drop(token); // empty, but open
    let token = tracker.token();
    assert!(!ready(&mut wait));
    drop(token);
    assert!(!ready(&mut wait));
}

#[test]
fn close_at_any_point_among_the_exits() {
    const TASKS: usize = 5;
    for close_at in 0..=TASKS {
        let tracker = TaskTracker::new();
        let tokens: Vec<_> = (0..TASKS).map(|_| tracker.token()).collect();
        let mut wait = tracker.wait();
        for (i, token) in tokens.into_iter().enumerate() {
            assert!(!ready(&mut wait), "close_at {close_at}, exit {i}");
            if i == close_at {
                tracker.close();
                assert!(!ready(&mut wait), "closed with tasks left");
            }
            drop(token);
        }
        if close_at == TASKS {
            assert!(!ready(&mut wait), "empty but open");
            tracker.close();
        }
        assert!(ready(&mut wait), "close_at {close_at}");
    }
}

#[test]
fn close_releases_every_wait() {
    let tracker = TaskTracker::new();
    let mut waits: Vec<_> = (0..10).map(|_| tracker.wait()).collect();
    assert!(waits.iter_mut().all(|w| !ready(w)));
    tracker.close();
    assert!(waits.iter_mut().all(ready));
}

#[test]
fn track_future_counts_until_the_future_is_dropped() {
    let tracker = TaskTracker::new();
    tracker.close();
    let mut tracked: Pin<Box<TrackedFuture<_>>> =
        Box::pin(tracker.track_future(std::future::ready(3)));
    assert_eq!(tracker.len(), 1);
    assert_eq!(poll_noop(tracked.as_mut()), Poll::Ready(3));
    assert_eq!(tracker.len(), 1, "completion is not the exit; the drop is");
    assert!(!ready(&mut tracker.wait()));
    drop(tracked);
    assert!(tracker.is_empty());
    assert!(ready(&mut tracker.wait()));

    // Dropped without ever being polled.
    drop(tracker.track_future(std::future::pending::<()>()));
    assert!(tracker.is_empty());
}

#[test]
fn spawn_then_close_then_wait() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let tracker = TaskTracker::new();
            let done = Arc::new(AtomicUsize::new(0));
            let (tx, rx) = runtime::sync::oneshot::channel::<()>();
            let waiting = done.clone();
            tracker.spawn(async move {
                rx.await.unwrap();
                waiting.fetch_add(1, SeqCst);
            });
            let handle = runtime::runtime::Handle::current();
            for i in 0..14 {
                let done = done.clone();
                let task = async move {
                    done.fetch_add(1, SeqCst);
                };
                if i % 2 == 0 {
                    tracker.spawn(task);
                } else {
                    tracker.spawn_on(task, &handle);
                }
            }
            eventually(flavor, || tracker.len() == 1).await;
            let mut wait = pin!(tracker.wait());
            assert!(
                poll_noop(wait.as_mut()).is_pending(),
                "{flavor}: still open"
            );
            tracker.close();
            assert!(
                poll_noop(wait.as_mut()).is_pending(),
                "{flavor}: one task left"
            );
            tx.send(()).unwrap();
            wait.await;
            assert_eq!(done.load(SeqCst), 15, "{flavor}");
            assert!(tracker.is_empty(), "{flavor}");
        });
    }
}

#[test]
fn a_spawned_task_counts_until_its_future_is_dropped_not_its_handle() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let tracker = TaskTracker::new();
            let dropped = Arc::new(AtomicUsize::new(0));
            let guard = DropCounter(dropped.clone());
            let task = tracker.spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await
            });
            let abort = task.abort_handle();
            drop(task); // detached: still running, still tracked
            runtime::time::sleep(Duration::from_millis(10)).await;
            assert_eq!(tracker.len(), 1, "{flavor}");
            tracker.close();
            abort.abort();
            tracker.wait().await;
            assert_eq!(
                dropped.load(SeqCst),
                1,
                "{flavor}: wait completed before the future's drop ran"
            );
            assert!(tracker.is_empty(), "{flavor}");
        });
    }
}

/// Ready on its second poll; its `Drop` is slow, then counts.
struct SlowDrop {
    polled: bool,
    dropped: Arc<AtomicUsize>,
}

impl Future for SlowDrop {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.polled, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl Drop for SlowDrop {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(3));
        self.dropped.fetch_add(1, SeqCst);
    }
}

#[test]
fn wait_completes_only_after_every_future_drop_has_run() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let tracker = TaskTracker::new();
            let dropped = Arc::new(AtomicUsize::new(0));
            for _ in 0..8 {
                tracker.spawn(SlowDrop {
                    polled: false,
                    dropped: dropped.clone(),
                });
            }
            tracker.close();
            tracker.wait().await;
            assert_eq!(dropped.load(SeqCst), 8, "{flavor}");
            assert!(tracker.is_empty(), "{flavor}");
        });
    }
}

#[test]
fn tasks_cancelled_by_runtime_shutdown_leave_the_tracker() {
    for (flavor, rt) in both_flavors() {
        let tracker = TaskTracker::new();
        let dropped = Arc::new(AtomicUsize::new(0));
        for _ in 0..4 {
            let guard = DropCounter(dropped.clone());
            tracker.spawn_on(
                async move {
                    let _guard = guard;
                    std::future::pending::<()>().await
                },
                rt.handle(),
            );
        }
        let blocked = tracker.spawn_blocking_on(|| (), rt.handle());
        run(flavor, &rt, async {
            blocked.await.unwrap();
            runtime::task::yield_now().await;
        });
        assert_eq!(tracker.len(), 4, "{flavor}");
        tracker.close();
        let mut wait = tracker.wait();
        assert!(!ready(&mut wait), "{flavor}");
        drop(rt); // shutdown drops every task's future
        assert_eq!(dropped.load(SeqCst), 4, "{flavor}");
        assert!(tracker.is_empty(), "{flavor}");
        assert!(ready(&mut wait), "{flavor}");
    }
}

#[test]
fn spawn_blocking_counts_until_the_closure_returns() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let tracker = TaskTracker::new();
            let (release, gate) = mpsc::channel::<()>();
            let (started_tx, started) = mpsc::channel::<()>();
            let task = tracker.spawn_blocking(move || {
                started_tx.send(()).unwrap();
                gate.recv().unwrap();
                5
            });
            let handle = runtime::runtime::Handle::current();
            let other = tracker.spawn_blocking_on(|| 6, &handle);
            assert_eq!(other.await.unwrap(), 6, "{flavor}");
            eventually(flavor, || started.try_recv().is_ok()).await;
            assert_eq!(tracker.len(), 1, "{flavor}: the blocked closure counts");
            tracker.close();
            let mut wait = pin!(tracker.wait());
            assert!(poll_noop(wait.as_mut()).is_pending(), "{flavor}");
            release.send(()).unwrap();
            wait.await;
            assert_eq!(task.await.unwrap(), 5, "{flavor}");
        });
    }
}

#[test]
fn spawn_local_and_spawn_local_on_track_not_send_tasks() {
    let rt = runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let local = LocalSet::new();
    let tracker = TaskTracker::new();
    let shared = Rc::new(AtomicUsize::new(0));
    let on_set = {
        let shared = shared.clone();
        tracker.spawn_local_on(
            async move {
                runtime::task::yield_now().await;
                shared.fetch_add(1, SeqCst);
            },
            &local,
        )
    };
    assert_eq!(tracker.len(), 1);
    local.block_on(&rt, async {
        let shared2 = shared.clone();
        let inside = tracker.spawn_local(async move {
            runtime::task::yield_now().await;
            shared2.fetch_add(1, SeqCst);
        });
        assert_eq!(tracker.len(), 2);
        tracker.close();
        tracker.wait().await;
        inside.await.unwrap();
        on_set.await.unwrap();
    });
    assert_eq!(shared.load(SeqCst), 2);
    assert!(tracker.is_empty());
}

#[test]
fn clones_share_the_tasks_and_the_closed_flag() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let tracker = TaskTracker::new();
            let clone = tracker.clone();
            assert!(TaskTracker::ptr_eq(&tracker, &clone));
            assert!(!TaskTracker::ptr_eq(&tracker, &TaskTracker::new()));
            let a = tracker.spawn(std::future::pending::<()>());
            assert_eq!(clone.len(), 1, "{flavor}");
            let b = clone.spawn(std::future::pending::<()>());
            assert_eq!(tracker.len(), 2, "{flavor}");
            tracker.close();
            assert!(clone.is_closed(), "{flavor}");
            clone.reopen();
            assert!(!tracker.is_closed(), "{flavor}");
            a.abort();
            b.abort();
            clone.close();
            tracker.wait().await;
            assert!(clone.is_empty(), "{flavor}");
        });
    }
}

#[test]
fn debug_and_auto_traits() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<TaskTracker>();
    send_sync::<runtime::task::TaskTrackerToken>();
    send_sync::<TaskTrackerWaitFuture<'static>>();
    send_sync::<TrackedFuture<std::future::Ready<()>>>();

    let tracker = TaskTracker::new();
    let token = tracker.token();
    tracker.close();
    assert_eq!(
        format!("{tracker:?}"),
        "TaskTracker { len: 1, is_closed: true }"
    );
    assert!(format!("{token:?}").contains("len: 1"));
    assert!(format!("{:?}", tracker.wait()).contains("TaskTrackerWaitFuture"));
}
