//! `sync::mpsc`, from tokio's documented behaviour: order, backpressure,
//! permits, closing, dropping the receiver, weak senders, `recv_many`,
//! `try_recv`, the blocking calls, and no deadlock when a waker's or a
//! value's drop uses the channel.

mod chan_util;

use chan_util::*;
use runtime::sync::mpsc::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use runtime::sync::mpsc::{self, Receiver, UnboundedReceiver};
use runtime::task::{self, JoinSet};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

#[test]
fn bounded_channel_is_fifo_and_pushes_back() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(4);
            assert_eq!((tx.capacity(), tx.max_capacity()), (4, 4));
            for i in 0..4 {
                tx.try_send(i).unwrap();
            }
            assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
            assert_eq!((tx.capacity(), rx.len(), rx.capacity()), (0, 4, 0));

            // A full channel makes `send` wait, and frees the slot in order.
            let producer = runtime::spawn({
                let tx = tx.clone();
                async move {
                    for i in 4..200 {
                        tx.send(i).await.unwrap();
                        assert!(tx.max_capacity() - tx.capacity() <= 4);
                    }
                }
            });
            drop(tx);
            let mut got = Vec::new();
            while let Some(v) = rx.recv().await {
                assert!(rx.len() <= 4, "{flavor}: never more than the bound queued");
                got.push(v);
            }
            producer.await.unwrap();
            assert_eq!(got, (0..200).collect::<Vec<_>>(), "{flavor}");
            assert!(rx.is_closed() && rx.is_empty());
        });
    });
}

#[test]
fn waiting_senders_are_served_in_order() {
    let (tx, mut rx) = mpsc::channel::<&str>(2);
    tx.try_send("x").unwrap();
    tx.try_send("y").unwrap();
    let mut big = pin!(tx.reserve_many(2));
    let mut small = pin!(tx.reserve());
    assert!(poll_once(big.as_mut()).is_pending());
    assert!(poll_once(small.as_mut()).is_pending());

    assert_eq!(rx.try_recv(), Ok("x"));
    // One slot is free, but the older waiter wants two: nobody proceeds.
    assert!(poll_once(small.as_mut()).is_pending());
    assert_eq!(tx.try_reserve().unwrap_err(), TrySendError::Full(()));
    assert_eq!(rx.try_recv(), Ok("y"));
    let Poll::Ready(Ok(permits)) = poll_once(big.as_mut()) else {
        panic!("the older waiter gets both slots");
    };
    assert_eq!(permits.len(), 2);
    for (permit, v) in permits.zip(["a", "b"]) {
        permit.send(v);
    }
    assert!(poll_once(small.as_mut()).is_pending());
    assert_eq!(rx.try_recv(), Ok("a"));
    let Poll::Ready(Ok(permit)) = poll_once(small.as_mut()) else {
        panic!("then the younger one");
    };
    permit.send("c");
    assert_eq!(rx.try_recv(), Ok("b"));
    assert_eq!(rx.try_recv(), Ok("c"));
}

#[test]
fn permits_send_release_and_iterate() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(3);
            let permit = tx.reserve().await.unwrap();
            assert_eq!(tx.capacity(), 2);
            drop(permit); // unused: the slot comes back
            assert_eq!(tx.capacity(), 3);

            let mut permits = tx.try_reserve_many(3).unwrap();
            assert_eq!(permits.len(), 3);
            permits.next().unwrap().send(1);
            drop(permits); // the two not taken come back
            assert_eq!(tx.capacity(), 2);
            assert!(tx.try_reserve_many(4).is_err(), "more than the bound");
            assert!(tx.reserve_many(4).await.is_err(), "more than the bound");
            assert_eq!(tx.reserve_many(0).await.unwrap().len(), 0);

            // An owned permit moves into a task and gives the sender back.
            let owned = tx.clone().reserve_owned().await.unwrap();
            assert!(owned.same_channel_as_sender(&tx));
            let tx2 = runtime::spawn(async move { owned.send(2) }).await.unwrap();
            assert!(tx2.same_channel(&tx));
            let released = tx2.try_reserve_owned().unwrap().release();
            assert_eq!(released.capacity(), 1, "{flavor}: 1 and 2 are queued");
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
        });
    });
}

#[test]
fn close_fails_senders_but_keeps_values_and_permits() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(2);
            tx.send(1).await.unwrap();
            let permit = tx.reserve().await.unwrap();
            let waiting = runtime::spawn({
                let tx = tx.clone();
                async move {
                    let closed = runtime::spawn({
                        let tx = tx.clone();
                        async move { tx.closed().await }
                    });
                    // The channel is full: this waits until the close.
                    let sent = tx.send(9).await;
                    closed.await.unwrap();
                    sent
                }
            });
            task::yield_now().await;
            rx.close();
            assert!(rx.is_closed() && tx.is_closed());
            assert_eq!(waiting.await.unwrap(), Err(SendError(9)), "{flavor}");
            assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
            assert!(tx.reserve().await.is_err());

            // A permit taken before the close still sends.
            permit.send(2);
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, Some(2));
            assert_eq!(rx.recv().await, None, "{flavor}: closed and idle");
            assert_eq!(tx.capacity(), 2, "every permit came back");
        });
    });
}

#[test]
fn try_recv_reports_empty_and_disconnected() {
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.try_send(1).unwrap();
    drop(tx);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));

    // After `close`, a permit still out keeps it `Empty`.
    let (tx, mut rx) = mpsc::channel::<u8>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(permit);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));

    let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    tx.send(1).unwrap();
    rx.close();
    assert_eq!(tx.send(2), Err(SendError(2)));
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn a_closed_receiver_wakes_when_the_last_permit_comes_back() {
    // Dropping an unused permit.
    let (tx, mut rx) = mpsc::channel::<()>(2);
    let permit = tx.try_reserve().unwrap();
    rx.close();
    let (wakes, waker) = CountWaker::new();
    assert!(rx
        .poll_recv(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    drop(permit);
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(poll_once(pin!(rx.recv())), Poll::Ready(None));

    // Cancelling a `reserve_many` that held one slot of its two.
    let (tx, mut rx) = mpsc::channel::<()>(2);
    let permit = tx.try_reserve().unwrap();
    let mut reserve = Box::pin(tx.reserve_many(2));
    assert!(poll_once(reserve.as_mut()).is_pending());
    rx.close();
    let (wakes, waker) = CountWaker::new();
    assert!(rx
        .poll_recv(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    drop(permit); // to the waiting reservation, which the close failed
    drop(reserve);
    assert_eq!(
        wakes.wakes(),
        1,
        "the cancelled reservation gave its slot back"
    );
    assert_eq!(poll_once(pin!(rx.recv())), Poll::Ready(None));

    // The owned permit's `release`.
    let (tx, mut rx) = mpsc::channel::<()>(1);
    let owned = tx.try_reserve_owned().unwrap();
    rx.close();
    let (wakes, waker) = CountWaker::new();
    assert!(rx
        .poll_recv(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    let _tx = owned.release();
    assert_eq!(wakes.wakes(), 1);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
}

#[test]
fn dropping_the_receiver_drops_queued_values_at_once() {
    let drops = counter();
    let clones = counter();
    let (tx, rx) = mpsc::channel(8);
    let permit = tx.try_reserve().unwrap();
    for i in 0..3 {
        tx.try_send(Counted::new(i, &drops, &clones)).unwrap();
    }
    drop(rx);
    assert_eq!(load(&drops), 3, "while the sender lives");
    assert!(tx.is_closed());
    // A permit reserved before: its value is dropped at once too.
    permit.send(Counted::new(3, &drops, &clones));
    assert_eq!(load(&drops), 4);
    let back = tx.try_send(Counted::new(4, &drops, &clones)).unwrap_err();
    assert!(matches!(back, TrySendError::Closed(_)));
    drop(back);
    assert_eq!(load(&drops), 5);

    let (tx, rx) = mpsc::unbounded_channel();
    for i in 0..3 {
        tx.send(Counted::new(i, &drops, &clones)).unwrap();
    }
    drop(rx);
    assert_eq!(load(&drops), 8);
    assert_eq!(load(&clones), 0);
}

#[test]
fn the_receivers_waker_is_released_when_it_drops() {
    let (count, waker) = CountWaker::new();
    let (_tx, mut rx) = mpsc::channel::<()>(1);
    assert!(rx
        .poll_recv(&mut std::task::Context::from_waker(&waker))
        .is_pending());
    assert_eq!(Arc::strong_count(&count), 3);
    drop(rx);
    assert_eq!(Arc::strong_count(&count), 2);
}

#[test]
fn weak_senders_do_not_keep_the_channel_open() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel::<u8>(4);
            let weak = tx.downgrade();
            assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
            let upgraded = weak.upgrade().expect("a strong sender lives");
            upgraded.send(1).await.unwrap();
            assert_eq!(rx.sender_strong_count(), 2);
            drop((tx, upgraded));
            assert_eq!(rx.recv().await, Some(1));
            assert_eq!(rx.recv().await, None, "{flavor}: only a weak sender left");
            assert!(weak.upgrade().is_none(), "a zero count is final");
            assert_eq!((weak.strong_count(), rx.sender_weak_count()), (0, 1));

            let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
            let weak = tx.downgrade();
            let weak2 = weak.clone();
            assert_eq!(tx.weak_count(), 2);
            weak2.upgrade().unwrap().send(5).unwrap();
            drop(tx);
            assert!(rx.is_closed());
            assert_eq!(rx.recv().await, Some(5));
            assert_eq!(rx.recv().await, None);
            assert!(weak.upgrade().is_none());
        });
    });
}

#[test]
fn recv_many_takes_up_to_the_limit() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(8);
            for i in 0..5 {
                tx.send(i).await.unwrap();
            }
            let mut buffer = vec![-1];
            assert_eq!(rx.recv_many(&mut buffer, 3).await, 3);
            assert_eq!(buffer, [-1, 0, 1, 2], "appended");
            assert_eq!(rx.recv_many(&mut buffer, 0).await, 0, "limit 0");
            assert_eq!(rx.recv_many(&mut buffer, 10).await, 2);
            assert_eq!(tx.capacity(), 8, "the slots came back");
            let later = runtime::spawn(async move {
                task::yield_now().await;
                tx.send(7).await.unwrap();
            });
            buffer.clear();
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 1, "{flavor}: waits");
            later.await.unwrap();
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 0, "{flavor}: finished");

            let (tx, mut rx) = mpsc::unbounded_channel();
            tx.send(1).unwrap();
            rx.close();
            let mut buffer = Vec::new();
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 1);
            assert_eq!(rx.recv_many(&mut buffer, 4).await, 0);
        });
    });
}

#[test]
fn recv_is_cancel_safe() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::unbounded_channel();
            for round in 0..50 {
                let tx = tx.clone();
                runtime::spawn(async move { tx.send(round).unwrap() });
                // Race a receive against a yield; a lost race loses no value.
                let mut got = None;
                while got.is_none() {
                    let mut recv = pin!(rx.recv());
                    if let Poll::Ready(v) = poll_once(recv.as_mut()) {
                        got = v;
                    } else {
                        task::yield_now().await;
                    }
                }
                assert_eq!(got, Some(round), "{flavor}");
            }
        });
    });
}

#[test]
fn send_timeout_times_out_or_reports_the_close() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = mpsc::channel(1);
            tx.send_timeout(1, Duration::from_millis(5)).await.unwrap();
            let full = tx.send_timeout(2, Duration::from_millis(5)).await;
            assert_eq!(full, Err(SendTimeoutError::Timeout(2)), "{flavor}");
            assert_eq!(rx.recv().await, Some(1));
            drop(rx);
            let closed = tx.send_timeout(3, Duration::from_secs(10)).await;
            assert_eq!(closed.unwrap_err().into_inner(), 3);
        });
    });
}

#[test]
fn blocking_calls_work_off_the_runtime_and_panic_on_it() {
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let consumer = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(v) = rx.blocking_recv() {
            got.push(v);
        }
        got
    });
    let producer = std::thread::spawn(move || {
        for i in 0..20 {
            tx.blocking_send(i).unwrap();
        }
    });
    producer.join().unwrap();
    assert_eq!(consumer.join().unwrap(), (0..20).collect::<Vec<_>>());

    let (tx, mut rx) = mpsc::unbounded_channel::<u32>();
    tx.send(1).unwrap();
    tx.send(2).unwrap();
    let mut buffer = Vec::new();
    assert_eq!(rx.blocking_recv_many(&mut buffer, 5), 2);

    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let (tx, mut rx) = mpsc::channel::<u32>(1);
    let message = panic_message(|| rt.block_on(async { tx.blocking_send(1).unwrap() }));
    assert!(
        message.contains("Cannot block the current thread"),
        "{message}"
    );
    let message = panic_message(|| {
        rt.block_on(async { rx.blocking_recv() });
    });
    assert!(
        message.contains("Cannot block the current thread"),
        "{message}"
    );
}

#[test]
fn a_zero_buffer_panics_as_tokio() {
    let message = panic_message(|| drop(mpsc::channel::<u8>(0)));
    assert_eq!(message, "mpsc bounded channel requires buffer > 0");
}

#[test]
fn senders_learn_the_receiver_went() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = mpsc::unbounded_channel::<u8>();
            let mut set = JoinSet::new();
            for _ in 0..3 {
                let tx = tx.clone();
                set.spawn(async move { tx.closed().await });
            }
            assert!(!tx.is_closed());
            task::yield_now().await;
            drop(rx);
            assert_eq!(set.join_all().await.len(), 3, "{flavor}");
            assert!(tx.is_closed());
            assert_eq!(tx.send(1), Err(SendError(1)));
        });
    });
}

#[test]
fn a_wakers_drop_may_use_the_channel() {
    no_deadlock("mpsc receiver's waker", || {
        // Replaced by a second poll, and taken by a send: either drop sends.
        let (tx, mut rx) = mpsc::unbounded_channel::<u8>();
        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || {
                let _ = tx.send(1);
            })
        };
        assert!(poll_with(pin!(rx.recv()), &on_drop).is_pending());
        drop(on_drop);
        // The old waker is dropped (and sends) after this poll looked.
        assert!(poll_once(pin!(rx.recv())).is_pending());
        assert_eq!(rx.try_recv(), Ok(1));

        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || {
                let _ = tx.send(2);
            })
        };
        assert!(poll_with(pin!(rx.recv()), &on_drop).is_pending());
        drop(on_drop);
        tx.send(3).unwrap(); // wakes (and drops) the waker, which sends 2
        assert_eq!(rx.try_recv(), Ok(3));
        assert_eq!(rx.try_recv(), Ok(2));
    });
    no_deadlock("a waiting sender's waker", || {
        // A send waiting for room is cancelled; its waker's drop tries to
        // send again (and queues in the same semaphore).
        let (tx, mut rx) = mpsc::channel::<u8>(1);
        tx.try_send(0).unwrap();
        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || {
                assert!(poll_once(pin!(tx.send(1))).is_pending());
            })
        };
        let mut send = Box::pin(tx.send(2));
        assert!(poll_with(send.as_mut(), &on_drop).is_pending());
        drop(on_drop);
        drop(send);
        assert_eq!(rx.try_recv(), Ok(0));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    });
    no_deadlock("a closed() waiter's waker", || {
        let (tx, rx) = mpsc::channel::<u8>(1);
        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || {
                assert!(poll_once(pin!(tx.closed())).is_pending());
            })
        };
        let mut closed = Box::pin(tx.closed());
        assert!(poll_with(closed.as_mut(), &on_drop).is_pending());
        drop(on_drop);
        drop(closed);
        drop(rx);
    });
}

#[test]
fn a_values_drop_may_use_the_channel() {
    /// Its drop sends on its own channel (refused: the receiver is gone)
    /// and on another one.
    struct SendsOnDrop {
        own: Option<mpsc::UnboundedSender<SendsOnDrop>>,
        other: mpsc::Sender<u8>,
    }
    impl Drop for SendsOnDrop {
        fn drop(&mut self) {
            if let Some(tx) = self.own.take() {
                let again = SendsOnDrop {
                    own: None,
                    other: self.other.clone(),
                };
                assert!(tx.send(again).is_err());
            }
            let _ = self.other.try_send(1);
        }
    }
    no_deadlock("queued values dropped with the receiver", || {
        let (tx, rx) = mpsc::unbounded_channel();
        let (other, mut other_rx) = mpsc::channel(8);
        for _ in 0..3 {
            let value = SendsOnDrop {
                own: Some(tx.clone()),
                other: other.clone(),
            };
            tx.send(value).unwrap();
        }
        drop(rx);
        drop(other);
        let mut got = Vec::new();
        assert_eq!(other_rx.blocking_recv_many(&mut got, 8), 6);
    });
}

#[test]
fn the_handles_have_tokios_auto_traits() {
    type V = std::cell::Cell<u8>; // Send, not Sync
    is_send::<mpsc::Sender<V>>();
    is_sync::<mpsc::Sender<V>>();
    is_send::<mpsc::Receiver<V>>();
    is_sync::<mpsc::Receiver<V>>();
    is_send::<mpsc::UnboundedSender<V>>();
    is_sync::<mpsc::UnboundedReceiver<V>>();
    is_send::<mpsc::WeakSender<V>>();
    is_sync::<mpsc::WeakUnboundedSender<V>>();
    is_send::<mpsc::Permit<'static, V>>();
    is_sync::<mpsc::OwnedPermit<V>>();
    is_unpin::<Receiver<std::marker::PhantomPinned>>();
    is_unpin::<UnboundedReceiver<std::marker::PhantomPinned>>();
    fn send_future_is_send(tx: &mpsc::Sender<V>) -> impl Send + '_ {
        tx.send(V::new(0))
    }
    fn recv_future_is_send(rx: &mut Receiver<V>) -> impl Send + '_ {
        rx.recv()
    }
    let (tx, mut rx) = mpsc::channel(1);
    drop((send_future_is_send(&tx), recv_future_is_send(&mut rx)));
}

#[test]
fn errors_have_tokios_texts() {
    assert_eq!(SendError(1).to_string(), "channel closed");
    assert_eq!(format!("{:?}", SendError(1)), "SendError { .. }");
    assert_eq!(TrySendError::Full(1).to_string(), "no available capacity");
    assert_eq!(TrySendError::Closed(1).to_string(), "channel closed");
    assert_eq!(format!("{:?}", TrySendError::Full(1)), "Full(..)");
    assert_eq!(TrySendError::from(SendError(3)), TrySendError::Closed(3));
    assert_eq!(
        TryRecvError::Empty.to_string(),
        "receiving on an empty channel"
    );
    assert_eq!(
        TryRecvError::Disconnected.to_string(),
        "receiving on a closed channel"
    );
    assert_eq!(
        SendTimeoutError::Timeout(1).to_string(),
        "timed out waiting on send operation"
    );
    assert_eq!(SendTimeoutError::Closed(1).to_string(), "channel closed");
}
