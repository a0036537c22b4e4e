//! `sync::oneshot`, from tokio's documented behaviour: send and receive,
//! a dropped sender, `close` then `try_recv`, `closed`/`poll_closed`,
//! `is_empty`/`is_terminated`, the value dropped exactly once, and wakers
//! whose drop uses the channel.

mod chan_util;

use chan_util::*;
use runtime::sync::oneshot::{self, error::RecvError, error::TryRecvError};
use runtime::task;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

#[test]
fn a_value_crosses_tasks_or_the_drop_is_reported() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            for i in 0..20 {
                let (tx, rx) = oneshot::channel();
                let sender = runtime::spawn(async move {
                    task::yield_now().await;
                    tx.send(i)
                });
                assert_eq!(rx.await, Ok(i), "{flavor}");
                assert_eq!(sender.await.unwrap(), Ok(()));
            }
            let (tx, rx) = oneshot::channel::<u8>();
            runtime::spawn(async move { drop(tx) });
            assert!(rx.await.is_err(), "{flavor}: the sender went unsent");
        });
    });
}

/// A `RecvError` as the channel makes it (it has no public constructor).
fn make_recv_error() -> RecvError {
    let (tx, rx) = oneshot::channel::<()>();
    drop(tx);
    rx.blocking_recv().unwrap_err()
}

#[test]
fn close_keeps_a_value_sent_before_and_refuses_later_sends() {
    // Sent before the close: still received, by try_recv or by awaiting.
    let (tx, mut rx) = oneshot::channel();
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Ok(1));
    assert!(rx.is_terminated());

    let (tx, mut rx) = oneshot::channel();
    tx.send(2).unwrap();
    rx.close();
    assert_eq!(poll_once(Pin::new(&mut rx)), Poll::Ready(Ok(2)));

    // Not sent yet: the close wakes the sender, whose send then fails.
    let (mut tx, mut rx) = oneshot::channel::<u8>();
    let (wakes, waker) = CountWaker::new();
    assert!(tx
        .poll_closed(&mut Context::from_waker(&waker))
        .is_pending());
    assert!(!tx.is_closed());
    rx.close();
    assert_eq!(wakes.wakes(), 1);
    assert!(tx.is_closed());
    assert!(tx.poll_closed(&mut Context::from_waker(&waker)).is_ready());
    assert_eq!(tx.send(3), Err(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(rx.is_terminated());
}

#[test]
fn polling_a_terminated_receiver_panics() {
    let (_tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    let message = panic_message(|| drop(poll_once(Pin::new(&mut rx))));
    assert!(message.contains("after it completed"), "{message}");
}

#[test]
fn try_recv_reports_empty_then_closed_after_the_value() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(!rx.is_terminated(), "Empty does not terminate");
    tx.send(17).unwrap();
    assert_eq!(rx.try_recv(), Ok(17));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    rx.close(); // harmless

    let (tx, mut rx) = oneshot::channel::<u8>();
    tx.send(5).unwrap();
    assert_eq!(poll_once(Pin::new(&mut rx)), Poll::Ready(Ok(5)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn is_empty_and_is_terminated_follow_the_value() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    assert!(rx.is_empty() && !rx.is_terminated());
    tx.send(1).unwrap();
    assert!(!rx.is_empty() && !rx.is_terminated());
    assert_eq!(poll_once(Pin::new(&mut rx)), Poll::Ready(Ok(1)));
    assert!(rx.is_empty() && rx.is_terminated());

    let (tx, mut rx) = oneshot::channel::<u8>();
    drop(tx);
    assert!(rx.is_empty() && !rx.is_terminated());
    assert!(poll_once(Pin::new(&mut rx)).is_ready());
    assert!(rx.is_terminated());

    let (_tx, mut rx) = oneshot::channel::<u8>();
    rx.close();
    assert!(rx.is_empty() && !rx.is_terminated());
    assert!(matches!(poll_once(Pin::new(&mut rx)), Poll::Ready(Err(_))));
    assert!(rx.is_terminated());
}

#[test]
fn the_sender_learns_the_receiver_went() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (mut tx, rx) = oneshot::channel::<u8>();
            let waiter = runtime::spawn(async move {
                tx.closed().await;
                tx.send(1)
            });
            task::yield_now().await;
            runtime::spawn(async move { drop(rx) }).await.unwrap();
            assert_eq!(waiter.await.unwrap(), Err(1), "{flavor}");
        });
    });
}

#[test]
fn the_last_poll_waker_is_the_one_woken() {
    let (tx, mut rx) = oneshot::channel::<u8>();
    let (first, first_waker) = CountWaker::new();
    let (second, second_waker) = CountWaker::new();
    assert!(Pin::new(&mut rx)
        .poll(&mut Context::from_waker(&first_waker))
        .is_pending());
    assert!(Pin::new(&mut rx)
        .poll(&mut Context::from_waker(&second_waker))
        .is_pending());
    tx.send(1).unwrap();
    assert_eq!((first.wakes(), second.wakes()), (0, 1));

    let (mut tx, rx) = oneshot::channel::<u8>();
    let (first, first_waker) = CountWaker::new();
    let (second, second_waker) = CountWaker::new();
    assert!(tx
        .poll_closed(&mut Context::from_waker(&first_waker))
        .is_pending());
    assert!(tx
        .poll_closed(&mut Context::from_waker(&second_waker))
        .is_pending());
    drop(rx);
    assert_eq!((first.wakes(), second.wakes()), (0, 1));
}

#[test]
fn the_value_is_dropped_exactly_once() {
    let drops = counter();
    let clones = counter();
    // Sent, then the receiver dropped unread: dropped by the receiver.
    let (tx, rx) = oneshot::channel();
    tx.send(Counted::new(1, &drops, &clones)).unwrap();
    assert_eq!(load(&drops), 0);
    drop(rx);
    assert_eq!(load(&drops), 1);
    // The receiver gone first: the value comes back to the sender.
    let (tx, rx) = oneshot::channel();
    drop(rx);
    let back = tx.send(Counted::new(2, &drops, &clones)).unwrap_err();
    assert_eq!((back.value, load(&drops)), (2, 1));
    drop(back);
    assert_eq!(load(&drops), 2);
    // Received: dropped by its new owner only.
    let (tx, mut rx) = oneshot::channel();
    tx.send(Counted::new(3, &drops, &clones)).unwrap();
    let got = rx.try_recv().unwrap();
    drop(rx);
    assert_eq!(load(&drops), 2);
    drop(got);
    assert_eq!((load(&drops), load(&clones)), (3, 0));
}

#[test]
fn blocking_recv_works_off_the_runtime_and_panics_on_it() {
    let (tx, rx) = oneshot::channel();
    let receiver = std::thread::spawn(move || rx.blocking_recv());
    std::thread::sleep(std::time::Duration::from_millis(1));
    tx.send("hi").unwrap();
    assert_eq!(receiver.join().unwrap(), Ok("hi"));

    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let (_tx, rx) = oneshot::channel::<u8>();
    let message = panic_message(|| drop(rt.block_on(async { rx.blocking_recv() })));
    assert!(
        message.contains("Cannot block the current thread"),
        "{message}"
    );
}

#[test]
fn a_wakers_drop_may_use_the_channel() {
    no_deadlock("oneshot wakers", || {
        // The receiver's old waker owns the sender and sends on drop.
        let (tx, mut rx) = oneshot::channel::<u8>();
        let on_drop = OnDrop::waker(move || tx.send(7).unwrap());
        assert!(poll_with(Pin::new(&mut rx), &on_drop).is_pending());
        drop(on_drop);
        assert!(poll_once(Pin::new(&mut rx)).is_pending()); // replaced, then sent
        assert_eq!(rx.try_recv(), Ok(7));

        // The sender's waker owns the receiver: dropping the sender drops
        // the waker, whose drop drops (closes) the receiver.
        let (mut tx, rx) = oneshot::channel::<u8>();
        let on_drop = OnDrop::waker(move || drop(rx));
        assert!(tx
            .poll_closed(&mut Context::from_waker(&on_drop))
            .is_pending());
        drop(on_drop);
        drop(tx);
    });
}

#[test]
fn the_handles_have_tokios_auto_traits() {
    type V = std::cell::Cell<u8>; // Send, not Sync
    is_send::<oneshot::Sender<V>>();
    is_sync::<oneshot::Sender<V>>();
    is_send::<oneshot::Receiver<V>>();
    is_sync::<oneshot::Receiver<V>>();
    is_unpin::<oneshot::Receiver<std::marker::PhantomPinned>>();
    is_unpin::<oneshot::Sender<std::marker::PhantomPinned>>();
    let mut tx = oneshot::channel::<V>().0;
    let closed = pin!(tx.closed());
    fn check_send<F: Send>(_: &F) {}
    check_send(&closed);
}

#[test]
fn errors_have_tokios_texts() {
    assert_eq!(make_recv_error().to_string(), "channel closed");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
}
