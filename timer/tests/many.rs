//! Many timers at once: all complete, all cancel, from several threads.

mod common;

use common::{join_all, poll_once, TestDriver};
use runtime_timer::{sleep, sleep_until, timeout, Duration, Instant};
use std::future::pending;

#[test]
fn hundred_thousand_concurrent_sleeps_all_complete() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let start = Instant::now();
    // Spread over 200 ms: many share a tick, many are alone in theirs.
    let sleeps: Vec<_> = (0..100_000u64)
        .map(|i| {
            let deadline = start + Duration::from_micros((i * 7919) % 200_000);
            async move {
                sleep_until(deadline).await;
                assert!(Instant::now() >= deadline);
            }
        })
        .collect();
    let done = join_all(sleeps);
    assert_eq!(done.len(), 100_000);
    assert_eq!(rt.driver.pending(), 0);
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn dropping_hundred_thousand_pending_sleeps_empties_the_wheel() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let mut sleeps: Vec<_> = (0..100_000u64)
        .map(|i| Box::pin(sleep(Duration::from_secs(60 + i % 1000))))
        .collect();
    for s in &mut sleeps {
        assert!(poll_once(s.as_mut()).is_pending());
    }
    assert_eq!(rt.driver.pending(), 100_000);
    drop(sleeps);
    assert_eq!(rt.driver.pending(), 0);
    assert_eq!(rt.driver.next_deadline(), None);
    assert_eq!(
        rt.driver
            .process(Instant::now() + Duration::from_secs(2000)),
        0
    );
}

#[test]
fn many_threads_arm_and_cancel_concurrently() {
    let rt = TestDriver::start();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let driver = rt.driver.clone();
            std::thread::spawn(move || {
                let _guard = runtime_timer::context::enter(Some(driver));
                // Half complete, half are cancelled by a timeout elapsing
                // (their inner future never completes).
                let futures: Vec<_> = (0..10_000u64)
                    .map(|i| async move {
                        let d = Duration::from_micros((i * 31 + t * 7) % 50_000);
                        if i % 2 == 0 {
                            sleep(d).await;
                            true
                        } else {
                            timeout(d, pending::<()>()).await.is_err()
                        }
                    })
                    .collect();
                assert!(join_all(futures).into_iter().all(|ok| ok));
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(rt.driver.pending(), 0);
}

#[test]
fn timers_race_the_driver_while_being_reset_and_dropped() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let futures: Vec<_> = (0..20_000u64)
        .map(|i| async move {
            let mut s = Box::pin(sleep(Duration::from_micros(i % 300)));
            if poll_once(s.as_mut()).is_ready() {
                return;
            }
            match i % 3 {
                0 => s
                    .as_mut()
                    .reset(Instant::now() + Duration::from_micros(i % 500)),
                1 => return, // dropped while possibly firing
                _ => {}
            }
            s.await;
        })
        .collect();
    join_all(futures);
    assert_eq!(rt.driver.pending(), 0);
}
