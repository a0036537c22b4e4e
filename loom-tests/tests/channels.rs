//! Model 10: the channels (`runtime::sync::{mpsc, oneshot, broadcast,
//! watch}`), through their public API, which under `--cfg loom` runs on
//! loom's locks and atomics (`runtime/src/loom.rs`). `block_on` is loom's:
//! its waker parks the model thread, so a lost wake-up is a loom deadlock.
//!
//! - mpsc: a bounded send racing the receive and the close: every value is
//!   received or refused, once, in order, and the receiver ends; permits
//!   coming back after the close wake the receiver; a send racing the
//!   receiver's drop drops the value once.
//! - oneshot: a send racing the receiver's drop (the value is dropped
//!   exactly once) and its close (`try_recv` gets the value iff the send
//!   succeeded).
//! - broadcast: sends racing a receiver that lags: the values it gets
//!   increase, gets plus lags count every send, the last one is never
//!   lost; every value and clone is dropped exactly once.
//! - watch: a send racing `changed` is never missed.
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::{model, Outcomes};
use runtime::sync::broadcast::error::RecvError;
use runtime::sync::{broadcast, mpsc, oneshot, watch};
use std::sync::atomic::Ordering::SeqCst;

/// Counts its drops, and its clones in the same counter's pair.
struct Counted {
    id: usize,
    drops: Arc<AtomicUsize>,
    clones: Arc<AtomicUsize>,
}

impl Counted {
    fn new(id: usize, drops: &Arc<AtomicUsize>, clones: &Arc<AtomicUsize>) -> Counted {
        Counted {
            id,
            drops: drops.clone(),
            clones: clones.clone(),
        }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Counted {
        self.clones.fetch_add(1, SeqCst);
        Counted::new(self.id, &self.drops, &self.clones)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Counted({})", self.id)
    }
}

static MPSC: Outcomes<2> = Outcomes::new(["second received", "second refused"]);

/// A bound of 1 and two sends: the second waits for the receive to free
/// the slot, or fails once the receiver closes; the receiver drains after
/// its close and ends when the sender is gone.
#[test]
fn mpsc_send_racing_recv_and_close() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<usize>(1);
        let sender = thread::spawn(move || {
            let mut refused = Vec::new();
            for v in 1..=2 {
                if let Err(err) = block_on(tx.send(v)) {
                    refused.push(err.0);
                }
            }
            refused
        });
        let mut got = vec![block_on(rx.recv()).expect("the first value comes")];
        rx.close();
        while let Some(v) = block_on(rx.recv()) {
            got.push(v);
        }
        let refused = sender.join().unwrap();
        let mut all = got.clone();
        all.extend(&refused);
        all.sort();
        assert_eq!(all, [1, 2], "got {got:?}, refused {refused:?}");
        assert_eq!(got[0], 1, "in order");
        MPSC.record(if refused.is_empty() {
            "second received"
        } else {
            "second refused"
        });
    });
    MPSC.assert_all_seen("mpsc_send_racing_recv_and_close");
}

/// The unbounded channel: the last sender's drop wakes a waiting receiver,
/// which gets the value sent before.
#[test]
fn mpsc_sender_drop_wakes_the_receiver() {
    model(|| {
        let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
        let sender = thread::spawn(move || {
            tx.send(7).unwrap();
            drop(tx);
        });
        assert_eq!(block_on(rx.recv()), Some(7));
        assert_eq!(block_on(rx.recv()), None);
        sender.join().unwrap();
    });
}

/// Rule 4 of `mpsc/chan.rs`: after `close`, a receiver waiting for the
/// permits still out is woken when the last one comes back, whether an
/// owned permit is dropped or a `reserve_many` that held part of its
/// slots fails (or succeeds and drops its permits). A strong sender stays
/// alive throughout, so only those returns can end the `recv`.
#[test]
fn mpsc_returned_permits_wake_the_closed_receiver() {
    model(|| {
        let (tx, mut rx) = mpsc::channel::<usize>(2);
        let owned = tx.clone().try_reserve_owned().unwrap();
        let dropper = thread::spawn(move || drop(owned));
        let reserver = {
            let tx = tx.clone();
            thread::spawn(move || {
                if let Ok(permits) = block_on(tx.reserve_many(2)) {
                    drop(permits);
                }
            })
        };
        rx.close();
        assert_eq!(block_on(rx.recv()), None);
        dropper.join().unwrap();
        reserver.join().unwrap();
        drop(tx);
    });
}

/// Rule 2 of `mpsc/chan.rs`: a value sent while the receiver is dropped
/// is dropped exactly once (queued and dropped with the receiver, or
/// refused and dropped by the sender).
#[test]
fn mpsc_send_racing_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let clones = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel::<Counted>(1);
        let value = Counted::new(1, &drops, &clones);
        let sender = thread::spawn(move || drop(tx.try_send(value)));
        drop(rx);
        sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

static ONESHOT_DROP: Outcomes<2> = Outcomes::new(["sent", "refused"]);

/// The value is dropped exactly once: by the receiver's drop if the send
/// came first, else by the sender, which got it back.
#[test]
fn oneshot_send_racing_receiver_drop() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let clones = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot::channel();
        let value = Counted::new(1, &drops, &clones);
        let sender = thread::spawn(move || tx.send(value).is_ok());
        drop(rx);
        let sent = sender.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        ONESHOT_DROP.record(if sent { "sent" } else { "refused" });
    });
    ONESHOT_DROP.assert_all_seen("oneshot_send_racing_receiver_drop");
}

static ONESHOT_CLOSE: Outcomes<2> = Outcomes::new(["sent before close", "refused"]);

/// A send racing `close`: a value sent before the close is still received
/// (by `try_recv`), one sent after is refused; and an awaiting receiver is
/// woken by the send.
#[test]
fn oneshot_send_racing_close_and_recv() {
    model(|| {
        let (tx, mut rx) = oneshot::channel::<usize>();
        let sender = thread::spawn(move || tx.send(3).is_ok());
        rx.close();
        let got = rx.try_recv().ok();
        let sent = sender.join().unwrap();
        assert_eq!(got.is_some(), sent);
        ONESHOT_CLOSE.record(if sent { "sent before close" } else { "refused" });
    });
    ONESHOT_CLOSE.assert_all_seen("oneshot_send_racing_close_and_recv");

    model(|| {
        let (tx, rx) = oneshot::channel::<usize>();
        let sender = thread::spawn(move || tx.send(4).unwrap());
        assert_eq!(block_on(rx), Ok(4));
        sender.join().unwrap();
    });
}

static BROADCAST: Outcomes<2> = Outcomes::new(["lagged", "kept up"]);

/// Three sends into a ring of two, racing a receiver: what it gets is
/// increasing, gets plus lags make three, the last value always arrives,
/// and every value (and clone) is dropped exactly once.
#[test]
fn broadcast_send_racing_a_lagging_receiver() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let clones = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = broadcast::channel::<Counted>(2);
        let sender = {
            let (drops, clones) = (drops.clone(), clones.clone());
            thread::spawn(move || {
                for id in 1..=3 {
                    assert_eq!(tx.send(Counted::new(id, &drops, &clones)).unwrap(), 1);
                }
            })
        };
        let mut got = Vec::new();
        let mut lagged = 0;
        loop {
            match block_on(rx.recv()) {
                Ok(value) => got.push(value.id),
                Err(RecvError::Lagged(n)) => lagged += n,
                Err(RecvError::Closed) => break,
            }
        }
        sender.join().unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "in order: {got:?}");
        assert_eq!(got.len() as u64 + lagged, 3, "got {got:?}, lagged {lagged}");
        assert_eq!(got.last(), Some(&3), "the last value is kept");
        drop(rx);
        assert_eq!(
            drops.load(SeqCst),
            3 + clones.load(SeqCst),
            "each value and clone dropped once"
        );
        BROADCAST.record(if lagged > 0 { "lagged" } else { "kept up" });
    });
    BROADCAST.assert_all_seen("broadcast_send_racing_a_lagging_receiver");
}

/// A receiver dropped while a send lands: the value is dropped exactly
/// once, by whoever reads or gives it up last.
#[test]
fn broadcast_receiver_drop_racing_send() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let clones = Arc::new(AtomicUsize::new(0));
        let (tx, rx1) = broadcast::channel::<Counted>(2);
        let mut rx2 = tx.subscribe();
        let sender = {
            let (drops, clones) = (drops.clone(), clones.clone());
            thread::spawn(move || {
                let _ = tx.send(Counted::new(1, &drops, &clones));
            })
        };
        drop(rx1);
        let got = block_on(rx2.recv()).expect("rx2 was subscribed before the send");
        drop(got);
        sender.join().unwrap();
        drop(rx2);
        assert_eq!(drops.load(SeqCst), 1 + clones.load(SeqCst));
    });
}

/// A send racing `changed`: the receiver never misses it.
#[test]
fn watch_send_racing_changed() {
    model(|| {
        let (tx, mut rx) = watch::channel(0usize);
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
        });
        block_on(rx.changed()).expect("a change before the close");
        assert_eq!(*rx.borrow_and_update(), 1);
        sender.join().unwrap();
        assert!(block_on(rx.changed()).is_err(), "closed");
    });
}
