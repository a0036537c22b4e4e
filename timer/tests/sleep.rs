//! `Sleep`: completion, past deadlines, reset, cancel on drop.

mod common;

use common::{block_on, manual_driver, poll_once, TestDriver};
use runtime_timer::{context, sleep, sleep_until, Duration, Instant, Sleep};
use std::future::Future;
use std::pin::pin;
use std::task::Poll;

/// Generous: the machine may be loaded, so only bound lateness loosely.
const LATE: Duration = Duration::from_secs(2);

#[test]
fn sleep_completes_after_its_duration() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let start = Instant::now();
    block_on(sleep(Duration::from_millis(20)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(20), "early: {took:?}");
    assert!(took < Duration::from_millis(20) + LATE, "late: {took:?}");
}

#[test]
fn never_fires_before_the_deadline() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    for micros in [1, 50, 333, 1_000, 2_500] {
        let deadline = Instant::now() + Duration::from_micros(micros);
        block_on(sleep_until(deadline));
        assert!(Instant::now() >= deadline);
    }
}

#[test]
fn past_deadline_is_ready_at_once_without_the_wheel() {
    let (driver, unparks) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut past = pin!(sleep_until(Instant::now() - Duration::from_secs(1)));
    assert_eq!(poll_once(past.as_mut()), Poll::Ready(()));
    assert!(past.is_elapsed());
    let mut zero = pin!(sleep(Duration::ZERO));
    assert_eq!(poll_once(zero.as_mut()), Poll::Ready(()));
    // Nothing was ever armed: the first arm of a driver always unparks.
    assert_eq!(unparks.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.next_deadline(), None);
}

#[test]
fn registered_lazily_on_first_poll() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut sleep = Box::pin(sleep(Duration::from_secs(5)));
    assert_eq!(driver.pending(), 0);
    assert!(poll_once(sleep.as_mut()).is_pending());
    assert_eq!(driver.pending(), 1);
    assert!(!sleep.is_elapsed());
    // Re-polling does not register again.
    assert!(poll_once(sleep.as_mut()).is_pending());
    assert_eq!(driver.pending(), 1);
    let deadline = driver.next_deadline().unwrap();
    assert!(deadline >= sleep.deadline().into_std());
    assert!(deadline < sleep.deadline().into_std() + runtime_timer::Driver::RESOLUTION);
    assert_eq!(driver.process(deadline - Duration::from_micros(20)), 0);
    assert_eq!(driver.process(deadline), 1);
    assert!(sleep.is_elapsed());
    assert_eq!(poll_once(sleep.as_mut()), Poll::Ready(()));
}

#[test]
fn drop_cancels_the_timer() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut sleeps: Vec<_> = (0..10)
        .map(|i| Box::pin(sleep(Duration::from_millis(10 + i))))
        .collect();
    for s in &mut sleeps {
        assert!(poll_once(s.as_mut()).is_pending());
    }
    assert_eq!(driver.pending(), 10);
    drop(sleeps);
    assert_eq!(driver.pending(), 0);
    assert_eq!(driver.next_deadline(), None);
    assert_eq!(driver.process(Instant::now() + Duration::from_secs(1)), 0);
}

#[test]
fn reset_earlier() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let start = Instant::now();
    block_on(async {
        let mut sleep = pin!(sleep(Duration::from_secs(60)));
        assert!(poll_once(sleep.as_mut()).is_pending());
        sleep
            .as_mut()
            .reset(Instant::now() + Duration::from_millis(10));
        sleep.await;
    });
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(10) && took < LATE, "{took:?}");
}

#[test]
fn reset_later() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let start = Instant::now();
    block_on(async {
        let mut sleep = pin!(sleep(Duration::from_millis(5)));
        assert!(poll_once(sleep.as_mut()).is_pending());
        sleep.as_mut().reset(start + Duration::from_millis(40));
        assert_eq!(sleep.deadline(), start + Duration::from_millis(40));
        sleep.await;
    });
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(40) && took < LATE, "{took:?}");
}

#[test]
fn reset_into_the_past_completes_and_wakes() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut sleep = Box::pin(sleep(Duration::from_secs(60)));
    let (woken, waker) = common::count_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(sleep.as_mut().poll(&mut cx).is_pending());
    // No driver has processed anything: the reset itself fires the timer.
    sleep
        .as_mut()
        .reset(Instant::now() - Duration::from_secs(1));
    assert_eq!(driver.pending(), 0);
    assert!(sleep.is_elapsed());
    assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(poll_once(sleep.as_mut()), Poll::Ready(()));
}

#[test]
fn reset_after_completion_sleeps_again() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let mut sleep: std::pin::Pin<Box<Sleep>> = Box::pin(sleep(Duration::from_millis(5)));
        sleep.as_mut().await;
        assert!(sleep.is_elapsed());
        let again = Instant::now() + Duration::from_millis(10);
        sleep.as_mut().reset(again);
        assert!(!sleep.is_elapsed());
        sleep.as_mut().await;
        assert!(Instant::now() >= again);
        assert!(sleep.is_elapsed());
    });
    assert_eq!(rt.driver.pending(), 0);
}

#[test]
fn reset_reuses_one_entry_across_many_deadlines() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut sleep = Box::pin(sleep(Duration::from_secs(1)));
    assert!(poll_once(sleep.as_mut()).is_pending());
    let base = Instant::now();
    for i in 0..1000u64 {
        sleep
            .as_mut()
            .reset(base + Duration::from_millis(1000 + (i * 7919) % 5000));
        assert_eq!(driver.pending(), 1);
    }
    drop(sleep);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn sleeps_complete_in_deadline_order() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let order = std::sync::Mutex::new(Vec::new());
    let futures: Vec<_> = [30u64, 10, 20, 0, 15]
        .into_iter()
        .map(|ms| {
            let order = &order;
            async move {
                sleep(Duration::from_millis(ms)).await;
                order.lock().unwrap().push(ms);
            }
        })
        .collect();
    common::join_all(futures);
    assert_eq!(*order.lock().unwrap(), vec![0, 10, 15, 20, 30]);
}

#[test]
fn sleep_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Sleep>();
    check::<runtime_timer::Timeout<std::future::Ready<()>>>();
    check::<runtime_timer::Interval>();
    check::<runtime_timer::Driver>();
}
