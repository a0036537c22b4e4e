//! `sync::Barrier`, from tokio's documented behaviour: `n - 1` waiters
//! wait for the `n`-th, exactly one leader per generation, reusable, and
//! `n == 0` acts as 1.

mod common;

use common::{both_flavors, poll_noop, run};
use runtime::sync::Barrier;
use std::pin::pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;

#[test]
fn zero_and_one_do_not_wait() {
    for n in [0, 1] {
        let barrier = Barrier::new(n);
        for _ in 0..3 {
            let Poll::Ready(result) = poll_noop(pin!(barrier.wait())) else {
                panic!("a barrier of {n} does not wait");
            };
            assert!(result.is_leader());
        }
    }
}

#[test]
fn the_last_to_arrive_releases_the_others_and_leads() {
    let barrier = Barrier::new(3);
    let mut a = pin!(barrier.wait());
    let mut b = pin!(barrier.wait());
    assert!(poll_noop(a.as_mut()).is_pending());
    assert!(poll_noop(b.as_mut()).is_pending());
    let Poll::Ready(c) = poll_noop(pin!(barrier.wait())) else {
        panic!("the third arrival passes");
    };
    assert!(c.is_leader());
    let Poll::Ready(a) = poll_noop(a.as_mut()) else {
        panic!("released")
    };
    let Poll::Ready(b) = poll_noop(b.as_mut()) else {
        panic!("released")
    };
    assert!(!a.is_leader() && !b.is_leader());
    // A new generation: waits again.
    assert!(poll_noop(pin!(barrier.wait())).is_pending());
}

#[test]
fn generations_of_tasks_have_one_leader_each() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            const N: usize = 8;
            const ROUNDS: usize = 20;
            let barrier = Arc::new(Barrier::new(N));
            let leaders = Arc::new(AtomicUsize::new(0));
            let arrived = Arc::new(AtomicUsize::new(0));
            let tasks: Vec<_> = (0..N)
                .map(|_| {
                    let (barrier, leaders, arrived) =
                        (barrier.clone(), leaders.clone(), arrived.clone());
                    runtime::spawn(async move {
                        for round in 0..ROUNDS {
                            arrived.fetch_add(1, SeqCst);
                            let result = barrier.wait().await;
                            // Nobody passes before all of this round arrived.
                            assert!(arrived.load(SeqCst) >= (round + 1) * N);
                            if result.is_leader() {
                                leaders.fetch_add(1, SeqCst);
                            }
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(leaders.load(SeqCst), ROUNDS, "{flavor}: one per round");
        });
    }
}
