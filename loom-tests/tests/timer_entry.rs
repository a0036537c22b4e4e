//! Model 7: dropping (cancelling) or re-polling a real `Sleep` races the driver firing or shutting down its timer entry, and the waker is called at most once, the entry leaves the wheel exactly once (never taking another timer with it) and is freed with nothing left in it.
#![cfg(loom)]

use loom::thread;
use loom_tests::{model, Outcomes};
use runtime_timer::__loom::{arm, Entry, Fired};
use runtime_timer::{context, sleep_until, Driver, Duration, Instant, Sleep};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A waker that counts its wake-ups. Holds a loom `Arc`, so a waker clone
/// that outlives the model (left in an entry that was never freed) is
/// reported by loom as a leak.
struct Counter {
    wakes: AtomicUsize,
    _leak_check: loom::sync::Arc<()>,
}

impl Wake for Counter {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, SeqCst);
    }
}

impl Counter {
    fn new() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter {
            wakes: AtomicUsize::new(0),
            _leak_check: loom::sync::Arc::new(()),
        });
        (counter.clone(), Waker::from(counter))
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }

    /// Checks, once our own `Waker` is dropped, that nobody (an entry, the
    /// driver) still holds a clone of it.
    #[track_caller]
    fn assert_released(self: &Arc<Self>) {
        assert_eq!(Arc::strong_count(self), 1, "a waker clone was kept");
    }
}

/// Waits out one tick of the wheel, before each arming of a timer.
///
/// `Driver::arm` first catches the wheel up to the present, and whether
/// it does (the clock moved past the wheel's last tick) decides whether it
/// makes one more loom-visible atomic load. loom needs each iteration to
/// take the same branches given the same schedule: after this wait, the
/// clock always has moved on.
fn next_tick() {
    std::thread::sleep(Driver::RESOLUTION);
}

/// Polls `sleep` once with `waker`.
fn poll(sleep: &mut Pin<Box<Sleep>>, waker: &Waker) -> Poll<()> {
    sleep.as_mut().poll(&mut Context::from_waker(waker))
}

/// A driver entered on the main model thread, with a `Sleep` due in one
/// second, polled once (armed, its waker registered; returned by `new`
/// beside the setup), and a bystander `Sleep` due in an hour, also armed,
/// that must stay in the wheel.
struct Setup {
    driver: Arc<Driver>,
    counter: Arc<Counter>,
    bystander: Pin<Box<Sleep>>,
    bystander_counter: Arc<Counter>,
    /// When the first sleep is due, give or take; `process(due)` fires it.
    due: Instant,
    _enter: context::EnterGuard,
}

impl Setup {
    fn new() -> (Setup, Pin<Box<Sleep>>) {
        let (_, unpark) = Counter::new();
        let driver = Driver::new(unpark);
        let enter = context::enter(Some(driver.clone()));
        let now = Instant::now();
        let (counter, waker) = Counter::new();
        let mut sleep = Box::pin(sleep_until(now + Duration::from_secs(1)));
        next_tick();
        assert!(poll(&mut sleep, &waker).is_pending());
        let (bystander_counter, waker) = Counter::new();
        let mut bystander = Box::pin(sleep_until(now + Duration::from_secs(3600)));
        next_tick();
        assert!(poll(&mut bystander, &waker).is_pending());
        assert_eq!(driver.pending(), 2);
        let setup = Setup {
            driver,
            counter,
            bystander,
            bystander_counter,
            due: now + Duration::from_secs(2),
            _enter: enter,
        };
        (setup, sleep)
    }

    /// The driver's thread: processes the wheel at `due` (firing the first
    /// sleep, not the bystander) and returns how many timers fired.
    fn spawn_process(&self) -> thread::JoinHandle<usize> {
        let driver = self.driver.clone();
        let due = self.due;
        thread::spawn(move || driver.process(due))
    }

    /// After the race, once the first sleep is dropped: its waker is
    /// released, the bystander is still filed and unwoken, and dropping it
    /// empties the wheel and releases its waker.
    fn finish(self) {
        let Setup {
            driver,
            counter,
            bystander,
            bystander_counter,
            ..
        } = self;
        counter.assert_released();
        assert_eq!(driver.pending(), 1, "another timer left the wheel");
        assert_eq!(bystander_counter.wakes(), 0);
        drop(bystander);
        assert_eq!(driver.pending(), 0, "a dropped timer stayed in the wheel");
        bystander_counter.assert_released();
    }
}

/// The owner drops its `Sleep` (which cancels the timer unless it saw it
/// fire) while the driver processes the wheel: the entry is taken out of
/// the wheel by exactly one of them, the waker is called at most once (and
/// only if the entry fired), and the entry, freed, holds no waker.
#[test]
fn drop_races_fire() {
    static SEEN: Outcomes<2> = Outcomes::new(["cancelled", "fired"]);
    model(|| {
        let (s, sleep) = Setup::new();
        let driver = s.spawn_process();
        drop(sleep);
        let fired = driver.join().unwrap();
        SEEN.record(if fired == 0 { "cancelled" } else { "fired" });
        assert!(fired <= 1);
        assert!(s.counter.wakes() <= fired, "woken, yet not fired");
        s.finish();
    });
    SEEN.assert_all_seen("drop_races_fire");
}

/// The owner polls again with a second waker while the driver fires: the
/// poll returns `Ready`, or the second waker is woken; all in all one
/// wake-up at most, and never to the replaced waker after the poll that
/// replaced it returned `Pending`.
#[test]
fn repoll_races_fire() {
    static SEEN: Outcomes<3> = Outcomes::new([
        "fired first: ready, first waker woken",
        "fired while registering: ready, none woken",
        "fired after: pending, second waker woken",
    ]);
    model(|| {
        let (s, mut sleep) = Setup::new();
        let (second, w2) = Counter::new();
        let driver = s.spawn_process();
        let polled = poll(&mut sleep, &w2);
        assert_eq!(driver.join().unwrap(), 1);

        let total = s.counter.wakes() + second.wakes();
        match polled {
            Poll::Ready(()) => {
                assert!(total <= 1, "woken twice");
                SEEN.record(if total == 1 {
                    "fired first: ready, first waker woken"
                } else {
                    "fired while registering: ready, none woken"
                });
            }
            Poll::Pending => {
                SEEN.record("fired after: pending, second waker woken");
                assert_eq!(s.counter.wakes(), 0, "the replaced waker was woken");
                assert_eq!(second.wakes(), 1, "the wake-up was lost");
                assert_eq!(poll(&mut sleep, &w2), Poll::Ready(()));
            }
        }
        drop((sleep, w2));
        s.finish();
        second.assert_released();
    });
    SEEN.assert_all_seen("repoll_races_fire");
}

/// The owner drops its `Sleep` while the driver shuts down (firing every
/// entry as shut down): as `drop_races_fire`, and the wheel ends empty.
#[test]
fn drop_races_shutdown() {
    static SEEN: Outcomes<2> = Outcomes::new(["cancelled", "shut down"]);
    model(|| {
        let (s, sleep) = Setup::new();
        let Setup {
            driver,
            counter,
            bystander,
            bystander_counter,
            _enter,
            ..
        } = s;
        let closer = {
            let driver = driver.clone();
            thread::spawn(move || driver.shutdown())
        };
        drop(sleep);
        closer.join().unwrap();
        assert!(counter.wakes() <= 1);
        SEEN.record(if counter.wakes() == 0 {
            "cancelled"
        } else {
            "shut down"
        });
        counter.assert_released();
        assert_eq!(driver.pending(), 0);
        assert_eq!(bystander_counter.wakes(), 1);
        drop(bystander);
        bystander_counter.assert_released();
    });
    SEEN.assert_all_seen("drop_races_shutdown");
}

/// The bare entry protocol (`Entry::poll_fired` against `Entry::fire`, as
/// `Driver::shutdown` calls it): the owner's poll reports the shutdown, or
/// its waker is woken exactly once.
#[test]
fn shutdown_races_register() {
    static SEEN: Outcomes<2> = Outcomes::new(["ready", "pending"]);
    model(|| {
        let (_, unpark) = Counter::new();
        let driver = Driver::new(unpark);
        let entry = Arc::new(Entry::new());
        next_tick();
        assert!(arm(
            &driver,
            &entry,
            (Instant::now() + Duration::from_secs(5)).into_std()
        ));
        let (counter, waker) = Counter::new();

        let closer = {
            let driver = driver.clone();
            thread::spawn(move || driver.shutdown())
        };
        let polled = entry.poll_fired(&waker);
        closer.join().unwrap();

        match polled {
            Poll::Ready(why) => {
                assert_eq!(why, Fired::Shutdown);
                assert_eq!(counter.wakes(), 0);
                SEEN.record("ready");
            }
            Poll::Pending => {
                assert_eq!(counter.wakes(), 1);
                SEEN.record("pending");
            }
        }
        assert_eq!(entry.poll_fired(&waker), Poll::Ready(Fired::Shutdown));
        assert_eq!(driver.pending(), 0);
        drop((entry, waker));
        counter.assert_released();
    });
    SEEN.assert_all_seen("shutdown_races_register");
}
