//! `sync::broadcast`, from tokio's documented behaviour: every receiver
//! sees every value (cloned once per receiver), lagging, closing both
//! ways, `len`, `resubscribe`, weak senders, and no deadlock when a
//! waker's or a value's drop sends on the same channel.

mod chan_util;

use chan_util::*;
use runtime::sync::broadcast::{self, error::RecvError, error::TryRecvError};
use runtime::task::{self, JoinSet};
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;

#[test]
fn every_receiver_sees_every_value_in_order() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, rx) = broadcast::channel::<u32>(1024);
            let mut set = JoinSet::new();
            for mut rx in [rx, tx.subscribe(), tx.subscribe()] {
                set.spawn(async move {
                    let mut got = Vec::new();
                    loop {
                        match rx.recv().await {
                            Ok(v) => got.push(v),
                            Err(RecvError::Closed) => return got,
                            Err(RecvError::Lagged(n)) => panic!("lagged by {n}"),
                        }
                    }
                });
            }
            let senders: Vec<_> = (0..2u32)
                .map(|p| {
                    let tx = tx.clone();
                    runtime::spawn(async move {
                        for i in 0..100 {
                            assert_eq!(tx.send(p * 1000 + i).unwrap(), 3);
                            if i % 10 == 0 {
                                task::yield_now().await;
                            }
                        }
                    })
                })
                .collect();
            for sender in senders {
                sender.await.unwrap();
            }
            drop(tx);
            for got in set.join_all().await {
                assert_eq!(got.len(), 200, "{flavor}");
                for p in 0..2 {
                    let mine: Vec<u32> = got.iter().copied().filter(|v| v / 1000 == p).collect();
                    let sent: Vec<u32> = (0..100).map(|i| p * 1000 + i).collect();
                    assert_eq!(mine, sent, "{flavor}: each sender's values in order");
                }
            }
        });
    });
}

#[test]
fn a_slow_receiver_lags_then_resumes_from_the_oldest_kept() {
    // A capacity of 3 is rounded up to 4.
    let (tx, mut slow) = broadcast::channel(3);
    let mut fast = tx.subscribe();
    for i in 0..4 {
        tx.send(i).unwrap();
        assert_eq!(fast.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Ok(0), "within the capacity: no lag");
    for i in 4..10 {
        tx.send(i).unwrap();
    }
    // The ring keeps 6..10; `slow` was at 1.
    assert_eq!(slow.len(), 9);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(5)));
    assert_eq!(slow.len(), 4);
    for i in 6..10 {
        assert_eq!(slow.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Empty));
    // `fast` was at 4: the lag is per receiver.
    assert_eq!(fast.try_recv(), Err(TryRecvError::Lagged(2)));
    assert_eq!(fast.try_recv(), Ok(6));

    // Lagging again, then the close after the values kept.
    for i in 10..20 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(slow.try_recv(), Err(TryRecvError::Lagged(6)));
    for i in 16..20 {
        assert_eq!(slow.try_recv(), Ok(i));
    }
    assert_eq!(slow.try_recv(), Err(TryRecvError::Closed));
    assert!(slow.is_closed());
}

#[test]
fn recv_reports_the_lag_too() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel(2);
            for i in 0..5 {
                tx.send(i).unwrap();
            }
            assert_eq!(rx.recv().await, Err(RecvError::Lagged(3)), "{flavor}");
            assert_eq!(rx.recv().await, Ok(3));
            assert_eq!(rx.recv().await, Ok(4));
            let later = runtime::spawn(async move {
                task::yield_now().await;
                tx.send(5).unwrap();
            });
            assert_eq!(rx.recv().await, Ok(5), "{flavor}: woken by the send");
            later.await.unwrap();
            assert_eq!(rx.recv().await, Err(RecvError::Closed));
        });
    });
}

#[test]
fn values_are_cloned_once_per_receiver() {
    let drops = counter();
    let clones = counter();
    let (tx, mut a) = broadcast::channel(8);
    let mut b = tx.subscribe();
    let mut c = tx.subscribe();
    for i in 0..4 {
        assert_eq!(tx.send(Counted::new(i, &drops, &clones)).unwrap(), 3);
    }
    assert_eq!(load(&clones), 0, "not on send");
    let mut got = Vec::new();
    for rx in [&mut a, &mut b] {
        for i in 0..4 {
            got.push(rx.try_recv().unwrap());
            assert_eq!(got.last().unwrap().value, i);
        }
    }
    assert_eq!((load(&clones), load(&drops)), (8, 0));
    for _ in 0..4 {
        got.push(c.try_recv().unwrap());
    }
    // The last reader of each value took the ring's copy out: dropped.
    assert_eq!((load(&clones), load(&drops)), (12, 4));
    assert!(tx.is_empty());
    assert_eq!(tx.len(), 0);
    drop(got);
    assert_eq!(load(&drops), 16);
}

#[test]
fn a_dropped_receiver_gives_up_its_share() {
    let drops = counter();
    let clones = counter();
    let (tx, mut a) = broadcast::channel(8);
    let b = tx.subscribe();
    tx.send(Counted::new(1, &drops, &clones)).unwrap();
    tx.send(Counted::new(2, &drops, &clones)).unwrap();
    assert_eq!(tx.len(), 2);
    drop(a.try_recv().unwrap());
    assert_eq!(
        load(&drops),
        1,
        "the clone; `b` has still to read the value"
    );
    assert_eq!(tx.len(), 2);
    drop(b);
    assert_eq!(load(&drops), 2, "value 1 had no reader left");
    assert_eq!(tx.len(), 1, "value 2 waits for `a`");
    drop(a);
    assert_eq!(load(&drops), 3, "value 2 had no reader left");
    assert!(tx.is_empty());
    assert_eq!(load(&clones), 1);
}

#[test]
fn no_receiver_means_the_value_comes_back() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let tx = broadcast::Sender::<u8>::new(4);
            assert_eq!(tx.receiver_count(), 0);
            tx.closed().await; // no receiver: at once
            assert_eq!(tx.send(1).unwrap_err().0, 1);
            let mut rx = tx.subscribe();
            assert_eq!(tx.send(2).unwrap(), 1);
            let mut rx2 = rx.resubscribe();
            assert_eq!(tx.receiver_count(), 2);
            assert_eq!(tx.send(3).unwrap(), 2);
            assert_eq!(rx.recv().await, Ok(2));
            assert_eq!(rx2.recv().await, Ok(3), "{flavor}: from the tail");

            // `closed` waits for the last receiver, wherever it goes.
            let waiter = runtime::spawn({
                let tx = tx.clone();
                async move { tx.closed().await }
            });
            task::yield_now().await;
            drop(rx);
            runtime::spawn(async move { drop(rx2) }).await.unwrap();
            waiter.await.unwrap();
            assert_eq!(tx.send(4).unwrap_err().0, 4);
        });
    });
}

#[test]
fn dropping_every_sender_wakes_the_receivers() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (tx, mut rx) = broadcast::channel::<u8>(4);
            let waiting = runtime::spawn(async move { rx.recv().await });
            let weak = tx.downgrade();
            assert_eq!((tx.strong_count(), tx.weak_count()), (1, 1));
            task::yield_now().await;
            drop(tx);
            assert_eq!(waiting.await.unwrap(), Err(RecvError::Closed), "{flavor}");
            assert!(weak.upgrade().is_none());
        });
    });
}

#[test]
fn weak_senders_upgrade_while_a_strong_one_lives() {
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let weak = tx.downgrade();
    let strong = weak.upgrade().unwrap();
    assert!(strong.same_channel(&tx));
    assert_eq!((rx.sender_strong_count(), rx.sender_weak_count()), (2, 1));
    drop(tx);
    strong.send(1).unwrap();
    drop(strong);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    assert!(weak.upgrade().is_none() && weak.strong_count() == 0);
}

#[test]
fn a_cancelled_recv_leaves_no_waiter_and_loses_no_value() {
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let (count, waker) = CountWaker::new();
    {
        let recv = pin!(rx.recv());
        assert!(poll_with(recv, &waker).is_pending());
    }
    assert_eq!(
        Arc::strong_count(&count),
        2,
        "the waker left with the future"
    );
    tx.send(1).unwrap();
    assert_eq!(count.wakes(), 0);
    assert_eq!(rx.try_recv(), Ok(1));
}

#[test]
fn blocking_recv_works_off_the_runtime() {
    let (tx, mut rx) = broadcast::channel::<u8>(4);
    let receiver = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Ok(v) = rx.blocking_recv() {
            got.push(v);
        }
        got
    });
    for i in 0..3 {
        tx.send(i).unwrap();
    }
    drop(tx);
    assert_eq!(receiver.join().unwrap(), [0, 1, 2]);
}

#[test]
fn a_wakers_drop_may_send_on_the_channel() {
    no_deadlock("broadcast: replacing the waker", || {
        let (tx, mut rx) = broadcast::channel::<u8>(16);
        let on_drop = OnDrop::waker(move || drop(tx.send(1)));
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(recv.as_mut(), &on_drop).is_pending());
        drop(on_drop);
        // The second poll replaces the waker; its drop sends and closes.
        let second = poll_once(recv.as_mut());
        drop(recv);
        if second.is_pending() {
            assert_eq!(rx.try_recv(), Ok(1));
        }
    });
    no_deadlock("broadcast: waking the waker", || {
        let (tx, mut rx) = broadcast::channel::<u8>(16);
        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || drop(tx.send(2)))
        };
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(recv.as_mut(), &on_drop).is_pending());
        drop(on_drop);
        tx.send(1).unwrap(); // wakes it: the last waker, dropped, sends 2
        assert_eq!(poll_once(recv.as_mut()), Poll::Ready(Ok(1)));
        drop(recv);
        assert_eq!(rx.try_recv(), Ok(2));
    });
    no_deadlock("broadcast: a cancelled recv's waker", || {
        let (tx, mut rx) = broadcast::channel::<u8>(16);
        let on_drop = {
            let tx = tx.clone();
            OnDrop::waker(move || drop(tx.send(3)))
        };
        let mut recv = Box::pin(rx.recv());
        assert!(poll_with(recv.as_mut(), &on_drop).is_pending());
        drop(on_drop);
        drop(recv);
        assert_eq!(rx.try_recv(), Ok(3));
    });
}

/// Sends on its channel when dropped, if it is "noisy" (holds a sender);
/// its clones and the values it sends are quiet.
#[derive(Debug)]
struct SendsOnDrop {
    tx: Option<broadcast::Sender<SendsOnDrop>>,
    drops: Arc<AtomicUsize>,
}

impl SendsOnDrop {
    fn quiet(&self) -> SendsOnDrop {
        SendsOnDrop {
            tx: None,
            drops: self.drops.clone(),
        }
    }
}

impl Clone for SendsOnDrop {
    fn clone(&self) -> Self {
        self.quiet()
    }
}

impl Drop for SendsOnDrop {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(self.quiet());
        }
    }
}

/// Reads everything `rx` can read now, skipping lags.
fn drain(rx: &mut broadcast::Receiver<SendsOnDrop>) -> usize {
    let mut n = 0;
    loop {
        match rx.try_recv() {
            Ok(_) => n += 1,
            Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => return n,
        }
    }
}

#[test]
fn a_values_drop_may_send_on_the_channel() {
    no_deadlock(
        "broadcast: overwritten, last read, and given up values",
        || {
            let drops = counter();
            let (tx, mut rx) = broadcast::channel::<SendsOnDrop>(1);
            let noisy = || SendsOnDrop {
                tx: Some(tx.clone()),
                drops: drops.clone(),
            };
            // Overwritten: the first value's drop sends while the second's
            // send returns.
            tx.send(noisy()).unwrap();
            tx.send(noisy()).unwrap();
            assert!(drain(&mut rx) >= 1);
            // Read last: the ring's copy is dropped by the last reader, and
            // sends.
            let mut rx2 = rx.resubscribe();
            tx.send(noisy()).unwrap();
            assert!(drain(&mut rx) >= 1);
            assert!(drain(&mut rx2) >= 1);
            // Given up by the last receiver's drop, and sends (refused).
            tx.send(noisy()).unwrap();
            drop(rx2);
            drop(rx);
            assert_eq!(tx.receiver_count(), 0);
            drop(tx);
            assert!(load(&drops) >= 4);
        },
    );
}

#[test]
fn bad_capacities_panic_as_tokio() {
    let message = panic_message(|| drop(broadcast::channel::<u8>(0)));
    assert_eq!(message, "broadcast channel capacity cannot be zero");
    let message = panic_message(|| drop(broadcast::Sender::<u8>::new(usize::MAX / 2 + 1)));
    assert_eq!(
        message,
        "broadcast channel capacity exceeded `usize::MAX / 2`"
    );
}

#[test]
fn the_handles_have_tokios_auto_traits() {
    type V = std::cell::Cell<u8>; // Send, not Sync
    is_send::<broadcast::Sender<V>>();
    is_sync::<broadcast::Sender<V>>();
    is_send::<broadcast::Receiver<V>>();
    is_sync::<broadcast::Receiver<V>>();
    is_sync::<broadcast::WeakSender<V>>();
    is_unpin::<broadcast::Receiver<std::marker::PhantomPinned>>();
    fn recv_is_send(rx: &mut broadcast::Receiver<V>) -> impl Send + '_ {
        rx.recv()
    }
    let (_tx, mut rx) = broadcast::channel(1);
    drop(recv_is_send(&mut rx));
}

#[test]
fn errors_have_tokios_texts() {
    assert_eq!(broadcast::error::SendError(1).to_string(), "channel closed");
    assert_eq!(RecvError::Closed.to_string(), "channel closed");
    assert_eq!(RecvError::Lagged(3).to_string(), "channel lagged by 3");
    assert_eq!(TryRecvError::Empty.to_string(), "channel empty");
    assert_eq!(TryRecvError::Closed.to_string(), "channel closed");
    assert_eq!(TryRecvError::Lagged(2).to_string(), "channel lagged by 2");
}
