//! A task's future is pinned in its cell, so it is dropped where it was
//! polled (the `Pin` contract). A future that moves a value into another of
//! its own fields while it is dropped, as futures-util's `ReadLine` gives
//! its buffer back to the caller's `String`, loses that value if the
//! runtime moves the future out of the cell first: the value is written
//! into the cell's old bytes, which are then overwritten. That was the leak
//! of the tour's echo tasks cancelled at shutdown (issue 11, item 17).

mod common;

use common::{each_flavor, DropCounter, Forever};
use runtime::task::LocalSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Moves its item into `*into` when dropped.
struct GiveBackOnDrop<'a> {
    into: &'a mut Vec<DropCounter>,
    item: Option<DropCounter>,
}

impl Drop for GiveBackOnDrop<'_> {
    fn drop(&mut self) {
        self.into.extend(self.item.take());
    }
}

/// Counters shared by the tasks of one scenario.
#[derive(Default)]
struct Counts {
    polled: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

impl Counts {
    /// Pends forever holding a borrow of its own local, which gets a drop
    /// counter back when the future is dropped: dropped in place, the
    /// future drops the counter once.
    fn task(&self) -> impl Future<Output = ()> + Send {
        let polled = self.polled.clone();
        let drops = self.dropped.clone();
        async move {
            let mut kept = Vec::new();
            let _give = GiveBackOnDrop {
                into: &mut kept,
                item: Some(DropCounter(drops)),
            };
            polled.fetch_add(1, Ordering::SeqCst);
            Forever.await
        }
    }

    /// Waits until `n` tasks are pending with their borrow taken.
    async fn all_polled(&self, n: usize) {
        while self.polled.load(Ordering::SeqCst) < n {
            runtime::task::yield_now().await;
        }
    }

    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

#[test]
fn a_future_cancelled_at_shutdown_is_dropped_in_place() {
    each_flavor(|flavor, rt| {
        let counts = Counts::default();
        for _ in 0..10 {
            drop(rt.spawn(counts.task()));
        }
        rt.block_on(counts.all_polled(10));
        drop(rt);
        assert_eq!(counts.dropped(), 10, "{flavor}");
    });
}

#[test]
fn an_aborted_future_is_dropped_in_place() {
    each_flavor(|flavor, rt| {
        let counts = Counts::default();
        let handles: Vec<_> = (0..10).map(|_| rt.spawn(counts.task())).collect();
        rt.block_on(async {
            counts.all_polled(10).await;
            for h in handles {
                h.abort();
                assert!(h.await.unwrap_err().is_cancelled(), "{flavor}");
            }
        });
        assert_eq!(counts.dropped(), 10, "{flavor}");
    });
}

#[test]
fn a_local_future_dropped_with_its_local_set_is_dropped_in_place() {
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let counts = Counts::default();
    let local = LocalSet::new();
    for _ in 0..10 {
        drop(local.spawn_local(counts.task()));
    }
    local.block_on(&rt, counts.all_polled(10));
    drop(local);
    assert_eq!(counts.dropped(), 10);
}
