//! `sync::watch`, from tokio's documented behaviour: seen versions,
//! `changed`, `wait_for`, `has_changed` after the close, several senders,
//! `closed`, the cooperative budget, and wakers whose drop sends.

mod chan_util;

use chan_util::*;
use runtime::sync::watch;
use runtime::task;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;

#[test]
fn versions_decide_what_is_seen() {
    let (tx, mut rx) = watch::channel("one");
    assert!(!rx.has_changed().unwrap());
    assert!(!rx.borrow().has_changed());
    tx.send("two").unwrap();
    assert!(rx.has_changed().unwrap());
    assert!(rx.borrow().has_changed(), "borrow does not mark it seen");
    let seen = rx.borrow_and_update();
    assert!(seen.has_changed());
    assert_eq!(*seen, "two");
    drop(seen);
    assert!(!rx.has_changed().unwrap());
    assert!(!tx.borrow().has_changed());

    rx.mark_changed();
    assert!(rx.has_changed().unwrap());
    assert!(matches!(poll_once(pin!(rx.changed())), Poll::Ready(Ok(()))));
    assert!(!rx.has_changed().unwrap());
    tx.send("three").unwrap();
    rx.mark_unchanged();
    assert!(!rx.has_changed().unwrap());
    assert!(poll_once(pin!(rx.changed())).is_pending());

    // A clone has seen what its origin has; a new subscriber the current.
    tx.send("four").unwrap();
    let clone = rx.clone();
    assert!(clone.has_changed().unwrap());
    assert!(!tx.subscribe().has_changed().unwrap());

    let (_tx, mut rx) = watch::channel(0);
    rx.mark_changed();
    rx.mark_changed(); // no underflow at version 0
    assert!(rx.has_changed().unwrap());
}

#[test]
fn changed_wakes_receivers_across_tasks() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = watch::channel(0u32);
            let watchers: Vec<_> = (0..3)
                .map(|_| {
                    let mut rx = rx.clone();
                    runtime::spawn(async move {
                        let mut seen = Vec::new();
                        while rx.changed().await.is_ok() {
                            seen.push(*rx.borrow_and_update());
                        }
                        seen
                    })
                })
                .collect();
            drop(rx);
            for i in 1..=50 {
                tx.send(i).unwrap();
                if i % 5 == 0 {
                    task::yield_now().await;
                }
            }
            drop(tx);
            for watcher in watchers {
                let seen = watcher.await.unwrap();
                assert_eq!(seen.last(), Some(&50), "{flavor}: the last value is seen");
                assert!(seen.windows(2).all(|w| w[0] < w[1]), "{flavor}: in order");
            }
        });
    });
}

#[test]
fn after_the_close_has_changed_errs_and_changed_drains() {
    // An unseen value: `changed` still returns it, `has_changed` errs.
    let (tx, mut rx) = watch::channel("A");
    tx.send("B").unwrap();
    drop(tx);
    assert!(rx.has_changed().is_err(), "errs whenever closed");
    assert!(matches!(poll_once(pin!(rx.changed())), Poll::Ready(Ok(()))));
    assert_eq!(*rx.borrow(), "B");
    assert!(matches!(poll_once(pin!(rx.changed())), Poll::Ready(Err(_))));

    // Nothing unseen.
    let (tx, mut rx) = watch::channel("A");
    drop(tx);
    assert!(rx.has_changed().is_err());
    assert!(matches!(poll_once(pin!(rx.changed())), Poll::Ready(Err(_))));
}

#[test]
fn wait_for_checks_the_current_value_then_each_change() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0u32);
            let value = *rx.wait_for(|v| *v == 0).await.unwrap();
            assert_eq!(value, 0, "{flavor}: the current value counts");

            let setter = runtime::spawn(async move {
                for i in 1..=10 {
                    tx.send(i).unwrap();
                    task::yield_now().await;
                }
                tx
            });
            let seen = rx.wait_for(|v| *v >= 5).await.unwrap();
            assert!(*seen >= 5, "{flavor}");
            drop(seen);
            let tx = setter.await.unwrap();

            // Closed: a value not yet checked still counts, then it errs.
            tx.send(42).unwrap();
            drop(tx);
            let found = rx.wait_for(|v| *v == 42).await.map(|r| *r);
            assert_eq!(found.unwrap(), 42, "{flavor}");
            assert!(rx.wait_for(|v| *v == 7).await.is_err(), "{flavor}");
        });
    });
}

#[test]
fn several_senders_close_the_channel_with_the_last() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = watch::channel(0);
            let tx2 = tx.clone();
            assert_eq!(tx.sender_count(), 2);
            assert!(tx.same_channel(&tx2));
            runtime::spawn(async move { tx2.send(1).unwrap() })
                .await
                .unwrap();
            assert_eq!(tx.sender_count(), 1);
            rx.changed().await.unwrap();
            assert_eq!(*rx.borrow_and_update(), 1);
            let waiting = runtime::spawn(async move { rx.changed().await });
            task::yield_now().await;
            drop(tx);
            assert!(
                waiting.await.unwrap().is_err(),
                "{flavor}: woken by the close"
            );
        });
    });
}

#[test]
fn no_receiver_refuses_send_but_not_replace_and_subscribe_reopens() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = watch::channel("a");
            assert!(!tx.is_closed());
            let closed = runtime::spawn({
                let tx = tx.clone();
                async move { tx.closed().await }
            });
            let rx2 = rx.clone();
            drop(rx);
            task::yield_now().await;
            runtime::spawn(async move { drop(rx2) }).await.unwrap();
            closed.await.unwrap();
            assert!(tx.is_closed());
            assert_eq!(tx.send("b").unwrap_err().0, "b", "{flavor}");
            assert_eq!(*tx.borrow(), "a", "the refused value is not stored");
            assert_eq!(tx.send_replace("c"), "a");
            tx.send_modify(|v| *v = "d");
            assert!(!tx.send_if_modified(|_| false));
            let rx = tx.subscribe();
            assert!(!tx.is_closed() && tx.receiver_count() == 1);
            assert_eq!(*rx.borrow(), "d");
            drop(rx);
            assert!(tx.is_closed());

            let tx = watch::Sender::new(5);
            assert!(tx.is_closed() && tx.receiver_count() == 0);
            tx.closed().await;
            let default = watch::Sender::<u8>::default();
            assert_eq!(*default.borrow(), 0);
        });
    });
}

#[test]
fn send_if_modified_wakes_only_on_true() {
    let (tx, mut rx) = watch::channel(1);
    let (wakes, waker) = CountWaker::new();
    let mut changed = Box::pin(rx.changed());
    assert!(poll_with(changed.as_mut(), &waker).is_pending());
    assert!(!tx.send_if_modified(|_| false));
    assert_eq!(wakes.wakes(), 0);
    assert!(tx.send_if_modified(|v| {
        *v += 1;
        true
    }));
    assert_eq!(wakes.wakes(), 1);
    assert!(matches!(poll_once(changed.as_mut()), Poll::Ready(Ok(()))));
    drop(changed);
    assert_eq!(*rx.borrow(), 2);
}

#[test]
fn changed_is_cooperative() {
    no_deadlock("a changed() loop yields to other tasks", || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let stop = Arc::new(AtomicBool::new(false));
            let (tx, mut rx) = watch::channel(0u64);
            let busy = runtime::spawn({
                let stop = stop.clone();
                async move {
                    // Always ready: only the budget makes it yield.
                    while !stop.load(Ordering::SeqCst) {
                        tx.send_modify(|v| *v += 1);
                        rx.changed().await.unwrap();
                    }
                }
            });
            task::yield_now().await;
            stop.store(true, Ordering::SeqCst);
            busy.await.unwrap();
        });
    });
}

#[test]
fn a_wakers_drop_may_send_on_the_channel() {
    no_deadlock("watch wakers", || {
        // A waiting `changed` polled with a second waker (the first one's
        // clone is dropped, and sends, which wakes the second), then
        // cancelled.
        let (tx, mut rx) = watch::channel(0);
        let tx = Arc::new(tx);
        let sends_on_drop = |v| {
            let tx = tx.clone();
            OnDrop::waker(move || {
                tx.send_replace(v);
            })
        };
        {
            let mut changed = Box::pin(rx.changed());
            let first = sends_on_drop(1);
            assert!(poll_with(changed.as_mut(), &first).is_pending());
            drop(first);
            let second = sends_on_drop(2);
            let _ = poll_with(changed.as_mut(), &second);
            drop(second);
        }
        assert_ne!(*rx.borrow_and_update(), 0);

        // Woken by a send: the waker, dropped after the wake, sends again.
        let mut changed = Box::pin(rx.changed());
        let third = sends_on_drop(3);
        assert!(poll_with(changed.as_mut(), &third).is_pending());
        drop(third);
        tx.send(10).unwrap();
        drop(changed);
        assert_eq!(*rx.borrow(), 3);
    });
}

#[test]
fn the_handles_have_tokios_auto_traits() {
    is_send::<watch::Sender<u8>>();
    is_sync::<watch::Sender<u8>>();
    is_send::<watch::Receiver<u8>>();
    is_sync::<watch::Receiver<u8>>();
    is_sync::<watch::Ref<'static, u8>>();
    is_unpin::<watch::Receiver<std::marker::PhantomPinned>>();
    fn changed_is_send(rx: &mut watch::Receiver<u8>) -> impl Send + '_ {
        rx.changed()
    }
    let (_tx, mut rx) = watch::channel(0);
    drop(changed_is_send(&mut rx));
}

#[test]
fn errors_have_tokios_texts() {
    let (tx, rx) = watch::channel(0);
    drop(rx);
    let err = tx.send(1).unwrap_err();
    assert_eq!(err.to_string(), "channel closed");
    assert_eq!(format!("{err:?}"), "SendError { .. }");
    let (tx, rx) = watch::channel(0);
    drop(tx);
    assert_eq!(rx.has_changed().unwrap_err().to_string(), "channel closed");
}
