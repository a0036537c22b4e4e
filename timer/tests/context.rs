//! Which driver a thread uses, and the plain panics when there is none or
//! it has shut down.

mod common;

use common::{manual_driver, panic_message, poll_once, TestDriver};
use runtime_timer::{context, interval, sleep, sleep_until, timeout, Duration, Instant};
use std::future::{pending, Future};
use std::panic::catch_unwind;

fn message_of(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    panic_message(catch_unwind(f).expect_err("expected a panic"))
}

#[test]
fn no_driver_panics_with_a_plain_message() {
    for f in [
        (|| drop(sleep(Duration::from_secs(1)))) as fn(),
        || drop(sleep_until(Instant::now())),
        // A timeout needs the timer only once its future is pending.
        || {
            let _ = poll_once(Box::pin(timeout(Duration::from_secs(1), pending::<()>())).as_mut());
        },
        || drop(interval(Duration::from_secs(1))),
    ] {
        let message = message_of(f);
        assert!(message.starts_with("there is no timer"), "{message}");
        assert!(message.contains("call this inside a runtime"), "{message}");
    }
}

#[test]
fn time_disabled_panics_naming_the_builder_switch() {
    let _guard = context::enter(None);
    let message = message_of(|| drop(sleep(Duration::from_secs(1))));
    assert!(message.contains("enable_time"), "{message}");
    assert!(message.contains("enable_all"), "{message}");
}

#[test]
fn guards_nest_and_restore() {
    let (driver, _) = manual_driver();
    {
        let _outer = context::enter(Some(driver.clone()));
        {
            let _inner = context::enter(None);
            assert!(message_of(|| drop(sleep(Duration::ZERO))).contains("enable_time"));
        }
        drop(sleep(Duration::ZERO));
    }
    assert!(message_of(|| drop(sleep(Duration::ZERO))).starts_with("there is no timer"));
}

#[test]
fn driver_is_captured_when_the_timer_first_waits() {
    // Created and first polled inside the context; then completed on a
    // thread without one.
    let rt = TestDriver::start();
    let mut sleep = {
        let _guard = rt.enter();
        let mut sleep = Box::pin(sleep(Duration::from_millis(5)));
        assert!(poll_once(sleep.as_mut()).is_pending());
        sleep
    };
    std::thread::spawn(move || common::block_on(sleep.as_mut()))
        .join()
        .unwrap();
}

const SHUT: &str = "the timer driver has shut down: the runtime is being dropped";

#[test]
fn shutdown_fires_pending_timers_and_later_use_panics() {
    let rt = TestDriver::start();
    let _guard = rt.enter();
    let mut pending_sleep = Box::pin(sleep(Duration::from_secs(60)));
    assert!(poll_once(pending_sleep.as_mut()).is_pending());
    let (woken, waker) = common::count_waker();
    assert!(pending_sleep
        .as_mut()
        .poll(&mut std::task::Context::from_waker(&waker))
        .is_pending());

    rt.driver.shutdown();
    rt.driver.shutdown(); // idempotent
    assert!(rt.driver.is_shutdown());
    assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert_eq!(rt.driver.pending(), 0);
    assert_eq!(rt.driver.next_deadline(), None);

    // The woken timer panics when polled again; dropping it is fine.
    let message = message_of(std::panic::AssertUnwindSafe(|| {
        let _ = poll_once(pending_sleep.as_mut());
    }));
    assert_eq!(message, SHUT);
    drop(pending_sleep);

    // A new timer that must wait panics; one that need not wait is fine.
    let message = message_of(|| {
        let mut s = Box::pin(sleep(Duration::from_secs(1)));
        let _ = poll_once(s.as_mut());
    });
    assert_eq!(message, SHUT);
    let mut done = Box::pin(sleep(Duration::ZERO));
    assert!(poll_once(done.as_mut()).is_ready());
}

/// A runtime kept in a thread-local is dropped at thread exit, possibly
/// after the timer's own thread-local is gone; entering its driver then
/// must not panic (a panic in a thread-local destructor aborts).
#[test]
fn enter_after_the_thread_locals_are_destroyed_does_nothing() {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    static RAN: AtomicBool = AtomicBool::new(false);

    struct EnterOnDrop(Option<Arc<runtime_timer::Driver>>);

    impl Drop for EnterOnDrop {
        fn drop(&mut self) {
            let guard = context::enter(self.0.take());
            drop(guard);
            RAN.store(true, Ordering::SeqCst);
        }
    }

    thread_local! {
        static LATE: RefCell<Option<EnterOnDrop>> = const { RefCell::new(None) };
    }

    let (driver, _) = manual_driver();
    std::thread::spawn(move || {
        // Registered first, so destroyed last: after the context's.
        LATE.with(|late| *late.borrow_mut() = Some(EnterOnDrop(Some(driver.clone()))));
        drop(context::enter(Some(driver)));
    })
    .join()
    .unwrap();
    assert!(RAN.load(Ordering::SeqCst));
}
