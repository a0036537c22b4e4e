//! The driver seam: next_deadline, process, the unpark rule, lateness.

mod common;

use common::{block_on, manual_driver, poll_once, TestDriver};
use runtime_timer::{context, sleep, sleep_until, Driver, Duration, Instant};
use std::sync::atomic::Ordering;

#[test]
fn next_deadline_rounds_up_to_the_resolution() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let deadline = Instant::now() + Duration::from_millis(3) + Duration::from_nanos(1);
    let mut sleep = Box::pin(sleep_until(deadline));
    assert!(poll_once(sleep.as_mut()).is_pending());
    let next = driver.next_deadline().unwrap();
    assert!(next >= deadline.into_std() && next - deadline.into_std() < Driver::RESOLUTION);
    // Never early: one nanosecond before the rounded deadline, nothing.
    assert_eq!(driver.process(next - Duration::from_nanos(1)), 0);
    assert!(!sleep.is_elapsed());
    assert_eq!(driver.process(next), 1);
    assert!(sleep.is_elapsed());
}

#[test]
fn process_counts_fired_timers_and_leaves_later_ones() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let now = Instant::now();
    let mut sleeps: Vec<_> = [5u64, 5, 10, 500, 60_000]
        .iter()
        .map(|&ms| Box::pin(sleep_until(now + Duration::from_millis(ms))))
        .collect();
    for s in &mut sleeps {
        assert!(poll_once(s.as_mut()).is_pending());
    }
    assert_eq!(driver.process(now + Duration::from_millis(4)), 0);
    assert_eq!(driver.process(now + Duration::from_millis(11)), 3);
    assert_eq!(driver.process(now + Duration::from_millis(11)), 0);
    assert_eq!(driver.pending(), 2);
    assert_eq!(driver.process(now + Duration::from_secs(61)), 2);
    assert_eq!(driver.next_deadline(), None);
    // An older `now` than the wheel has seen is harmless.
    assert_eq!(driver.process(now), 0);
}

#[test]
fn timers_armed_after_an_idle_spell_are_filed_from_the_present() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    // Nobody processes the wheel for a while...
    std::thread::sleep(Duration::from_millis(40));
    // ...then a crowded slot of timers (too many to scan for the earliest).
    let armed_at = Instant::now();
    let mut sleeps: Vec<_> = (0..40)
        .map(|i| {
            Box::pin(sleep_until(
                armed_at + Duration::from_millis(10) + Duration::from_micros(i),
            ))
        })
        .collect();
    for s in &mut sleeps {
        assert!(poll_once(s.as_mut()).is_pending());
    }
    // The worker is not sent back to process slots of the idle past.
    let next = driver.next_deadline().unwrap();
    assert!(
        next >= armed_at.into_std(),
        "{:?} before arming",
        armed_at.into_std() - next
    );
    assert!(next < (armed_at + Duration::from_millis(10)).into_std() + Driver::RESOLUTION);
}

#[test]
fn unpark_only_when_a_deadline_moves_earlier() {
    let (driver, unparks) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let unparks = move || unparks.load(Ordering::SeqCst);
    let now = Instant::now();
    let mut keep = Vec::new();
    let mut arm = |ms: u64| {
        let mut s = Box::pin(sleep_until(now + Duration::from_millis(ms)));
        assert!(poll_once(s.as_mut()).is_pending());
        keep.push(s);
    };
    // Parked with no deadline: the first timer unparks.
    assert_eq!(driver.next_deadline(), None);
    arm(1000);
    assert_eq!(unparks(), 1);
    // Later deadlines do not.
    for ms in [1000, 1001, 2000, 5000] {
        arm(ms);
    }
    assert_eq!(unparks(), 1);
    // An earlier one does, once.
    arm(500);
    assert_eq!(unparks(), 2);
    arm(700);
    assert_eq!(unparks(), 2);
    // After the worker re-reads the deadline, same rule from there.
    let next = driver.next_deadline().unwrap();
    assert!(next >= (now + Duration::from_millis(500)).into_std());
    arm(600);
    assert_eq!(unparks(), 2);
    arm(100);
    assert_eq!(unparks(), 3);
    // Resetting a timer earlier also counts.
    keep[0].as_mut().reset(now + Duration::from_millis(50));
    assert_eq!(unparks(), 4);
    keep[1].as_mut().reset(now + Duration::from_millis(3000));
    assert_eq!(unparks(), 4);
}

#[test]
fn monotonic_timeouts_rarely_unpark() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let mut sleeps = Vec::new();
    for _ in 0..10_000 {
        let mut s = Box::pin(sleep(Duration::from_secs(10)));
        assert!(poll_once(s.as_mut()).is_pending());
        sleeps.push(s);
    }
    // Each new deadline is later than the last: at most a handful of
    // unparks (the first, and races with the driver thread re-reading).
    assert!(rt.unparks() <= 3, "{} unparks", rt.unparks());
}

/// A waker whose wake panics, as a buggy user waker may.
struct Boom;

impl std::task::Wake for Boom {
    fn wake(self: std::sync::Arc<Self>) {
        panic!("boom: a waker panicked on purpose");
    }
}

#[test]
fn a_panicking_waker_neither_stops_the_others_nor_escapes_process() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let deadline = Instant::now() + Duration::from_millis(1);
    let boom = std::task::Waker::from(std::sync::Arc::new(Boom));
    let (count, waker) = common::count_waker();
    // More than one wake batch, with a panicking waker in the first.
    let mut sleeps: Vec<_> = (0..100).map(|_| Box::pin(sleep_until(deadline))).collect();
    for (i, s) in sleeps.iter_mut().enumerate() {
        let waker = if i == 3 { &boom } else { &waker };
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::future::Future::poll(s.as_mut(), &mut cx).is_pending());
    }
    let fired = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        driver.process(deadline + Duration::from_millis(1))
    }))
    .expect("the waker's panic escaped `process`");
    assert_eq!(fired, 100);
    assert_eq!(count.load(Ordering::SeqCst), 99);
    assert!(sleeps.iter().all(|s| s.is_elapsed()));
    assert_eq!(driver.pending(), 0);
}

#[test]
fn a_panicking_waker_neither_stops_the_others_nor_escapes_shutdown() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let boom = std::task::Waker::from(std::sync::Arc::new(Boom));
    let (count, waker) = common::count_waker();
    let mut sleeps: Vec<_> = (0..3).map(|_| Box::pin(sleep_until(deadline))).collect();
    for (i, s) in sleeps.iter_mut().enumerate() {
        let waker = if i == 1 { &boom } else { &waker };
        let mut cx = std::task::Context::from_waker(waker);
        assert!(std::future::Future::poll(s.as_mut(), &mut cx).is_pending());
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| driver.shutdown()))
        .expect("the waker's panic escaped `shutdown`");
    assert_eq!(count.load(Ordering::SeqCst), 2);
    assert_eq!(driver.pending(), 0);
}

/// Lateness of a timer driven by a parked thread: reported, and bounded
/// only generously (the machine may be loaded).
#[test]
fn lateness_is_small() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let mut late = Vec::new();
    block_on(async {
        for i in 0..200u64 {
            // Odd offsets, so deadlines do not line up with ticks.
            let deadline = Instant::now() + Duration::from_micros(500 + i * 37);
            sleep_until(deadline).await;
            late.push(Instant::now() - deadline);
        }
    });
    late.sort();
    let mean = late.iter().sum::<Duration>() / late.len() as u32;
    let median = late[late.len() / 2];
    eprintln!(
        "lateness over {} sleeps: mean {mean:?}, median {median:?}, p90 {:?}, max {:?}",
        late.len(),
        late[late.len() * 9 / 10],
        late[late.len() - 1]
    );
    assert!(
        median < Duration::from_millis(50),
        "median lateness {median:?}"
    );
}

#[test]
fn a_day_long_timer_is_not_announced_hours_early() {
    // A timer past the wheel's second-highest level sits in a top-level
    // slot spanning about 2.4 hours: the deadline handed to a parking
    // worker must be the timer's, not the slot's start, or the worker
    // wakes early and finds nothing due, over and over.
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let deadline = Instant::now() + Duration::from_secs(24 * 3600);
    let mut sleep = Box::pin(sleep_until(deadline));
    assert!(poll_once(sleep.as_mut()).is_pending());
    let next = driver.next_deadline().unwrap();
    assert!(
        next >= deadline.into_std(),
        "{:?} early",
        deadline.into_std() - next
    );
    assert!(next - deadline.into_std() < Driver::RESOLUTION);
    assert_eq!(driver.process(next), 1);
}
