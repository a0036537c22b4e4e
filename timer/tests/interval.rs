//! `Interval`: first tick, period, missed-tick behaviors, reset, panics.

mod common;

use common::{block_on, manual_driver, panic_message, poll_once, TestDriver};
use runtime_timer::{context, interval, interval_at, Duration, Instant, MissedTickBehavior};
use std::pin::pin;

const P: Duration = Duration::from_millis(20);
/// Long enough to miss ticks at 20, 40 and 60 ms (each > 5 ms late).
const BLOCK: Duration = Duration::from_millis(70);
const LATE: Duration = Duration::from_secs(2);

#[test]
fn first_tick_is_immediate_then_every_period() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let start = Instant::now();
        let mut iv = interval(P);
        assert_eq!(iv.period(), P);
        assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Burst);
        let t0 = iv.tick().await;
        assert!(t0 >= start && start.elapsed() < LATE);
        for n in 1..=3u32 {
            let t = iv.tick().await;
            assert_eq!(t, t0 + P * n);
            assert!(Instant::now() >= t);
        }
        assert!(start.elapsed() < P * 3 + LATE);
    });
}

#[test]
fn interval_at_starts_later() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let start = Instant::now() + Duration::from_millis(15);
        let mut iv = interval_at(start, P);
        assert_eq!(iv.tick().await, start);
        assert!(Instant::now() >= start);
        assert_eq!(iv.tick().await, start + P);
    });
}

#[test]
fn burst_catches_up_then_keeps_the_schedule() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let mut iv = interval(P);
        let t0 = iv.tick().await;
        std::thread::sleep(BLOCK);
        // The missed ticks come at once, each with its scheduled instant.
        let catch_up = Instant::now();
        for n in 1..=3u32 {
            assert_eq!(iv.tick().await, t0 + P * n);
        }
        assert!(catch_up.elapsed() < LATE);
        // Then the original schedule again.
        let next = iv.tick().await;
        assert_eq!(next, t0 + P * 4);
        assert!(Instant::now() >= next);
    });
}

#[test]
fn delay_restarts_from_the_late_tick() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let mut iv = interval(P);
        iv.set_missed_tick_behavior(MissedTickBehavior::Delay);
        assert_eq!(iv.missed_tick_behavior(), MissedTickBehavior::Delay);
        let t0 = iv.tick().await;
        std::thread::sleep(BLOCK);
        let before = Instant::now();
        assert_eq!(iv.tick().await, t0 + P);
        let after = Instant::now();
        // The next tick is one period after the late one was taken.
        let t2 = iv.tick().await;
        assert!(t2 >= before + P && t2 <= after + P, "{:?}", t2 - before);
        assert!(Instant::now() >= t2);
        assert_eq!(iv.tick().await, t2 + P);
    });
}

#[test]
fn skip_jumps_to_the_next_multiple_of_the_period() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let mut iv = interval(P);
        iv.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let t0 = iv.tick().await;
        std::thread::sleep(BLOCK);
        let before = Instant::now();
        assert_eq!(iv.tick().await, t0 + P);
        let after = Instant::now();
        let t2 = iv.tick().await;
        let offset = t2 - t0;
        assert_eq!(offset.as_nanos() % P.as_nanos(), 0, "{offset:?}");
        assert!(t2 > before && t2 <= after + P, "{offset:?}");
        assert!(offset >= P * 4, "missed ticks were skipped: {offset:?}");
        assert_eq!(iv.tick().await, t2 + P);
    });
}

#[test]
fn reset_restarts_from_now() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    block_on(async {
        let mut iv = interval(Duration::from_secs(60));
        iv.tick().await;
        let before = Instant::now();
        iv.reset_after(Duration::from_millis(10));
        let t = iv.tick().await;
        assert!(t >= before + Duration::from_millis(10) && t < before + LATE);
        iv.reset_immediately();
        let t = iv.tick().await;
        assert!(t <= Instant::now());
        let before = Instant::now();
        iv.reset();
        {
            let mut tick = pin!(iv.tick());
            assert!(poll_once(tick.as_mut()).is_pending());
        }
        iv.reset_at(before + Duration::from_millis(5));
        assert_eq!(iv.tick().await, before + Duration::from_millis(5));
    });
    assert_eq!(rt.driver.pending(), 0);
}

#[test]
fn one_entry_for_the_whole_interval() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver.clone()));
    let mut iv = interval(Duration::from_millis(1));
    let mut now = Instant::now();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(iv.poll_tick(&mut cx).is_ready());
    for _ in 0..100 {
        assert!(iv.poll_tick(&mut cx).is_pending());
        assert_eq!(driver.pending(), 1);
        now += Duration::from_millis(1);
        driver.process(now);
        while iv.poll_tick(&mut cx).is_ready() {}
    }
    drop(iv);
    assert_eq!(driver.pending(), 0);
}

#[test]
fn zero_period_panics() {
    let (driver, _) = manual_driver();
    let _guard = context::enter(Some(driver));
    for f in [(|| drop(interval(Duration::ZERO))) as fn(), || {
        drop(interval_at(Instant::now(), Duration::ZERO))
    }] {
        let payload = std::panic::catch_unwind(f).unwrap_err();
        assert_eq!(panic_message(payload), "`period` must be non-zero.");
    }
}
