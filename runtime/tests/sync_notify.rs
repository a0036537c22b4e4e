//! `sync::Notify`, from tokio's documented behaviour: `notify_one` wakes
//! the oldest waiter, `notify_last` the newest, a dropped chosen waiter
//! passes the notification on, `Notified::enable` registers without
//! polling, and `notify_waiters` stores no permit.

mod common;

use common::{both_flavors, counting_waker, poll_noop, poll_with, run};
use runtime::sync::{futures::Notified, Notify};
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{Poll, Wake, Waker};

fn waiting<'a>(notify: &'a Notify, n: usize) -> Vec<Pin<Box<Notified<'a>>>> {
    (0..n)
        .map(|_| {
            let mut f = Box::pin(notify.notified());
            assert!(poll_noop(f.as_mut()).is_pending());
            f
        })
        .collect()
}

fn ready(f: &mut Pin<Box<Notified<'_>>>) -> bool {
    poll_noop(f.as_mut()).is_ready()
}

#[test]
fn notify_one_is_fifo_and_notify_last_is_lifo() {
    let notify = Notify::new();
    let mut w = waiting(&notify, 3);
    notify.notify_one();
    assert!(ready(&mut w[0]) && !ready(&mut w[1]) && !ready(&mut w[2]));
    notify.notify_last();
    assert!(ready(&mut w[2]) && !ready(&mut w[1]));
    notify.notify_last();
    assert!(ready(&mut w[1]));
}

#[test]
fn a_dropped_chosen_waiter_passes_the_notification_on_the_same_way() {
    let notify = Notify::new();
    let mut w = waiting(&notify, 3);
    notify.notify_last(); // chooses w[2] ...
    drop(w.pop()); // ... which is dropped unseen: the newest left, w[1]
    assert!(ready(&mut w[1]) && !ready(&mut w[0]));
    drop(w);

    let mut w = waiting(&notify, 3);
    notify.notify_one(); // chooses w[0]
    drop(w.remove(0));
    assert!(ready(&mut w[0]) && !ready(&mut w[1]));
    drop(w);
    // Nothing stored by all that.
    assert!(!ready(&mut waiting(&notify, 1)[0]));
}

#[test]
fn enable_registers_without_polling() {
    let notify = Notify::new();
    // Not enabled, not polled: a `notify_one` stores a permit, which the
    // first poll consumes.
    let mut f = pin!(notify.notified());
    notify.notify_one();
    assert!(poll_noop(f.as_mut()).is_ready());

    // Enabled: the `notify_one` picks it (no permit stored) ...
    let mut f = pin!(notify.notified());
    assert!(!f.as_mut().enable());
    let mut other = pin!(notify.notified());
    notify.notify_one();
    assert!(!other.as_mut().enable(), "no permit was stored");
    // ... and it is ready from then on, enable or poll.
    assert!(f.as_mut().enable());
    assert!(poll_noop(f.as_mut()).is_ready());
    notify.notify_one();
    assert!(poll_noop(other.as_mut()).is_ready());

    // Enable, then poll, then enable again: still waiting.
    let mut f = pin!(notify.notified());
    assert!(!f.as_mut().enable());
    assert!(poll_noop(f.as_mut()).is_pending());
    assert!(!f.as_mut().enable());

    // Enable consumes a stored permit, like a first poll.
    let notify = Notify::new();
    notify.notify_one();
    let mut first = pin!(notify.notified());
    assert!(first.as_mut().enable());
    let mut second = pin!(notify.notified());
    assert!(!second.as_mut().enable());
}

#[test]
fn an_enabled_future_is_woken_through_the_waker_of_its_later_poll() {
    let notify = Notify::new();
    let mut f = pin!(notify.notified());
    assert!(!f.as_mut().enable());
    let (waker, woken) = counting_waker();
    assert!(poll_with(f.as_mut(), Waker::noop()).is_pending());
    assert!(poll_with(f.as_mut(), &waker).is_pending()); // the waker is replaced
    notify.notify_one();
    assert_eq!(woken.load(SeqCst), 1);
}

#[test]
fn notify_waiters_releases_earlier_futures_and_keeps_a_later_permit() {
    let notify = Notify::new();
    let mut unpolled = pin!(notify.notified());
    let mut polled = pin!(notify.notified());
    assert!(poll_noop(polled.as_mut()).is_pending());
    notify.notify_waiters();
    let mut after = pin!(notify.notified());
    assert!(
        poll_noop(after.as_mut()).is_pending(),
        "created after: not released"
    );
    assert!(poll_noop(polled.as_mut()).is_ready());
    // A `notify_one` after it goes to `after` (the only waiter) ...
    notify.notify_one();
    assert!(poll_noop(after.as_mut()).is_ready());
    // ... and the unpolled future was released by `notify_waiters`, so it
    // does not consume a permit stored later.
    notify.notify_one();
    assert!(poll_noop(unpolled.as_mut()).is_ready());
    let mut next = pin!(notify.notified());
    assert!(
        poll_noop(next.as_mut()).is_ready(),
        "the permit is still there"
    );
}

#[test]
fn a_waker_that_notifies_when_dropped_does_not_deadlock() {
    struct NotifyOnDrop(Arc<Notify>);
    impl Wake for NotifyOnDrop {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for NotifyOnDrop {
        fn drop(&mut self) {
            self.0.notify_waiters();
        }
    }
    let notify = Arc::new(Notify::new());
    {
        let mut f = pin!(notify.notified());
        let waker = Waker::from(Arc::new(NotifyOnDrop(notify.clone())));
        assert!(poll_with(f.as_mut(), &waker).is_pending());
        drop(waker);
        // Dropping the future drops the last clone of the waker.
    }
    {
        let mut f = pin!(notify.notified());
        let waker = Waker::from(Arc::new(NotifyOnDrop(notify.clone())));
        assert!(poll_with(f.as_mut(), &waker).is_pending());
        drop(waker);
        // Replacing the waker drops the old one: released by its own
        // `notify_waiters`.
        assert!(poll_noop(f.as_mut()).is_pending());
        assert!(poll_noop(f.as_mut()).is_ready());
    }
    let mut f = pin!(notify.notified());
    let waker = Waker::from(Arc::new(NotifyOnDrop(notify.clone())));
    assert!(poll_with(f.as_mut(), &waker).is_pending());
    drop(waker);
    notify.notify_waiters(); // wakes (and drops) it
}

static GLOBAL: Notify = Notify::const_new();

#[test]
fn notify_last_across_tasks() {
    GLOBAL.notify_one();
    assert!(poll_noop(pin!(GLOBAL.notified())).is_ready());
    for (flavor, rt) in both_flavors() {
        let order = run(flavor, &rt, async {
            let notify = Arc::new(Notify::new());
            let (tx, mut rx) = runtime::sync::mpsc::unbounded_channel();
            let mut tasks = Vec::new();
            for i in 0..3 {
                let (notify, tx) = (notify.clone(), tx.clone());
                let (queued_tx, queued) = runtime::sync::oneshot::channel();
                tasks.push(runtime::spawn(async move {
                    let mut f = pin!(notify.notified());
                    f.as_mut().enable();
                    queued_tx.send(()).unwrap();
                    f.await;
                    tx.send(i).unwrap();
                }));
                queued.await.unwrap();
            }
            let mut order = Vec::new();
            for _ in 0..3 {
                notify.notify_last();
                order.push(rx.recv().await.unwrap());
            }
            for t in tasks {
                t.await.unwrap();
            }
            order
        });
        assert_eq!(order, [2, 1, 0], "{flavor}");
    }
}

#[test]
fn poll_after_ready_stays_ready() {
    let notify = Notify::new();
    let mut f = pin!(notify.notified());
    notify.notify_waiters();
    assert_eq!(poll_noop(f.as_mut()), Poll::Ready(()));
    assert_eq!(poll_noop(f.as_mut()), Poll::Ready(()));
    assert!(f.as_mut().enable());
}
