//! `Timeout`: ready futures skip the timer; pending ones race it.

mod common;

use common::{block_on, manual_driver, poll_once, TestDriver};
use runtime_timer::error::Elapsed;
use runtime_timer::{context, sleep, timeout, timeout_at, Duration, Instant};
use std::future::{pending, ready};
use std::pin::pin;
use std::sync::atomic::Ordering;
use std::task::Poll;

#[test]
fn ready_future_never_touches_the_wheel() {
    let (driver, unparks) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    for i in 0..1000 {
        let mut t = pin!(timeout(Duration::from_secs(1), ready(i)));
        assert_eq!(poll_once(t.as_mut()), Poll::Ready(Ok(i)));
    }
    // The first arm of a fresh driver always unparks: none happened.
    assert_eq!(unparks.load(Ordering::SeqCst), 0);
    assert_eq!(driver.next_deadline(), None);
}

#[test]
fn completes_with_ok_before_the_deadline() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let out = block_on(timeout(Duration::from_secs(10), async {
        sleep(Duration::from_millis(10)).await;
        "done"
    }));
    assert_eq!(out, Ok("done"));
    // The timeout's own timer was cancelled when it completed.
    assert_eq!(rt.driver.pending(), 0);
}

#[test]
fn elapses_with_err() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let start = Instant::now();
    let out = block_on(timeout(Duration::from_millis(20), pending::<()>()));
    let took = start.elapsed();
    assert!(matches!(out, Err(Elapsed { .. })));
    assert!(took >= Duration::from_millis(20), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
}

#[test]
fn elapsed_displays_and_converts() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let err = block_on(timeout(Duration::from_millis(1), pending::<()>())).unwrap_err();
    assert_eq!(err.to_string(), "deadline has elapsed");
    let io: std::io::Error = err.into();
    assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
}

#[test]
fn timeout_at_past_deadline_with_pending_future() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut t = pin!(timeout_at(Instant::now(), pending::<()>()));
    assert!(matches!(poll_once(t.as_mut()), Poll::Ready(Err(_))));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn inner_future_polled_first_even_when_elapsed() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver));
    let mut t = pin!(timeout_at(
        Instant::now() - Duration::from_secs(1),
        ready(5)
    ));
    assert_eq!(poll_once(t.as_mut()), Poll::Ready(Ok(5)));
}

#[test]
fn pending_future_arms_once_and_drop_cancels() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut t = Box::pin(timeout(Duration::from_secs(1), pending::<()>()));
    assert!(poll_once(t.as_mut()).is_pending());
    assert!(poll_once(t.as_mut()).is_pending());
    assert_eq!(driver.pending(), 1);
    drop(t);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn accessors() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver));
    let mut t = timeout(Duration::from_secs(1), ready(3));
    assert_eq!(t.get_ref().clone().into_inner(), 3);
    let _inner: &mut std::future::Ready<i32> = t.get_mut();
    assert_eq!(block_on(t.into_inner()), 3);
}

#[test]
fn the_duration_counts_from_the_first_poll() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut t = Box::pin(timeout(Duration::from_millis(20), pending::<()>()));
    std::thread::sleep(Duration::from_millis(30));
    // Not elapsed: the 20 ms start now, and arm the timer.
    assert!(poll_once(t.as_mut()).is_pending());
    assert_eq!(driver.pending(), 1);
}
