//! `task::AbortOnDropHandle` and `task::AbortOnDrop`, from tokio-util's
//! documented behaviour: dropping one aborts its task (the task's future
//! is dropped), `detach` gives the plain handle back and aborts nothing,
//! and awaiting an `AbortOnDropHandle` gives the task's output.
//! `JoinHandle::abort_on_drop` is the same as `AbortOnDropHandle::new`.

mod common;

use common::{both_flavors, run};
use runtime::sync::oneshot;
use runtime::task::{AbortOnDrop, AbortOnDropHandle, JoinHandle};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// Sets its flag and closes its channel when dropped: what a task's
/// future holds, to show that the future was dropped.
struct OnDrop {
    dropped: Arc<AtomicBool>,
    _tx: oneshot::Sender<()>,
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.dropped.store(true, SeqCst);
    }
}

/// A task that never completes on its own; its future's drop sets the
/// flag and fails the receiver.
fn forever() -> (JoinHandle<()>, Arc<AtomicBool>, oneshot::Receiver<()>) {
    let (tx, rx) = oneshot::channel();
    let dropped = Arc::new(AtomicBool::new(false));
    let guard = OnDrop {
        dropped: dropped.clone(),
        _tx: tx,
    };
    let task = runtime::spawn(async move {
        let _guard = guard;
        std::future::pending::<()>().await
    });
    (task, dropped, rx)
}

#[test]
fn dropping_the_handle_aborts_the_task_and_drops_its_future() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (task, dropped, rx) = forever();
            let handle = AbortOnDropHandle::new(task);
            let watch = handle.abort_handle();
            runtime::task::yield_now().await;
            assert!(!dropped.load(SeqCst), "{flavor}");
            drop(handle);
            assert!(rx.await.is_err(), "{flavor}: the sender is gone");
            assert!(dropped.load(SeqCst), "{flavor}");
            while !watch.is_finished() {
                runtime::task::yield_now().await;
            }
        });
    }
}

#[test]
fn join_handle_abort_on_drop_is_the_same() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (task, dropped, rx) = forever();
            let handle: AbortOnDropHandle<()> = task.abort_on_drop();
            runtime::time::sleep(Duration::from_millis(5)).await;
            assert!(!handle.is_finished(), "{flavor}");
            drop(handle);
            assert!(rx.await.is_err(), "{flavor}");
            assert!(dropped.load(SeqCst), "{flavor}");
        });
    }
}

#[test]
fn abort_stops_the_task_while_the_handle_lives() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (task, dropped, rx) = forever();
            let mut handle = task.abort_on_drop();
            handle.abort();
            assert!(rx.await.is_err(), "{flavor}");
            assert!(dropped.load(SeqCst), "{flavor}");
            let err = (&mut handle).await.unwrap_err();
            assert!(err.is_cancelled(), "{flavor}");
            assert!(handle.is_finished(), "{flavor}");
        });
    }
}

#[test]
fn awaiting_gives_the_output() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let handle = AbortOnDropHandle::new(runtime::spawn(async { "done" }));
            let id = handle.as_ref().id();
            assert!(
                format!("{handle:?}").contains(&format!("{id:?}")),
                "{flavor}"
            );
            assert_eq!(handle.await.unwrap(), "done", "{flavor}");

            let panicked = runtime::spawn(async { panic!("the task fails on purpose") });
            let err = panicked.abort_on_drop().await.unwrap_err();
            assert!(err.is_panic(), "{flavor}");
        });
    }
}

#[test]
fn detach_gives_the_join_handle_back_and_aborts_nothing() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (go, wait) = oneshot::channel::<u32>();
            let (task, dropped, _rx) = forever();
            let handle = task.abort_on_drop();
            drop(handle.detach()); // the plain handle's drop detaches
            let output = runtime::spawn(async move { wait.await.unwrap() * 2 })
                .abort_on_drop()
                .detach();
            runtime::time::sleep(Duration::from_millis(10)).await;
            assert!(!dropped.load(SeqCst), "{flavor}: detached task was aborted");
            go.send(21).unwrap();
            assert_eq!(output.await.unwrap(), 42, "{flavor}");
        });
    }
}

#[test]
fn dropping_after_the_task_finished_is_harmless() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let handle = runtime::spawn(async { 1 }).abort_on_drop();
            while !handle.is_finished() {
                runtime::task::yield_now().await;
            }
            drop(handle);
        });
    }
}

#[test]
fn an_abort_handle_taken_from_it_does_not_abort_on_drop() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (tx, rx) = oneshot::channel::<u8>();
            let handle = runtime::spawn(async move { rx.await.unwrap() }).abort_on_drop();
            drop(handle.abort_handle());
            tx.send(9).unwrap();
            assert_eq!(handle.await.unwrap(), 9, "{flavor}");
        });
    }
}

#[test]
fn abort_on_drop_aborts_through_an_abort_handle() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let (task, dropped, rx) = forever();
            let guard = AbortOnDrop::new(task.abort_handle());
            assert!(!guard.is_finished(), "{flavor}");
            assert!(format!("{guard:?}").contains("AbortOnDrop"), "{flavor}");
            drop(guard);
            assert!(rx.await.is_err(), "{flavor}");
            assert!(dropped.load(SeqCst), "{flavor}");
            assert!(task.await.unwrap_err().is_cancelled(), "{flavor}");

            let (task, dropped, rx) = forever();
            let guard = AbortOnDrop::new(task.abort_handle());
            guard.abort();
            assert!(rx.await.is_err(), "{flavor}");
            assert!(dropped.load(SeqCst), "{flavor}");
            assert!(task.await.unwrap_err().is_cancelled(), "{flavor}");

            let (task, dropped, _rx) = forever();
            drop(AbortOnDrop::new(task.abort_handle()).detach());
            runtime::time::sleep(Duration::from_millis(10)).await;
            assert!(!dropped.load(SeqCst), "{flavor}: detached task was aborted");
            assert!(!task.is_finished(), "{flavor}");
            task.abort();
        });
    }
}

#[test]
fn auto_traits() {
    fn send_sync_unpin<T: Send + Sync + Unpin>() {}
    send_sync_unpin::<AbortOnDropHandle<u32>>();
    send_sync_unpin::<AbortOnDrop>();
}
