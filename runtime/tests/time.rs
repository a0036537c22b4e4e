//! `runtime::time` driven by the runtime's own threads, on both flavors.

mod common;

use common::panic_message;
use runtime::time::{self, Duration, Instant, MissedTickBehavior};
use runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// Generous bound: proves progress, not speed.
const NO_HANG: Duration = Duration::from_secs(10);

fn each_flavor(f: impl FnMut(&'static str, Runtime)) {
    each_flavor_with(2, f);
}

/// Both flavors; the multi-thread one with `workers` workers.
fn each_flavor_with(workers: usize, mut f: impl FnMut(&'static str, Runtime)) {
    f(
        "current_thread",
        Builder::new_current_thread().enable_time().build().unwrap(),
    );
    f(
        "multi_thread",
        Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_time()
            .build()
            .unwrap(),
    );
}

#[test]
fn sleep_waits_at_least_its_duration() {
    each_flavor(|flavor, rt| {
        let start = Instant::now();
        // In block_on (on multi_thread, not a worker: the holder of the
        // driver must be woken for this earlier deadline).
        rt.block_on(async { time::sleep(Duration::from_millis(20)).await });
        let waited = start.elapsed();
        assert!(waited >= Duration::from_millis(20), "{flavor}: {waited:?}");
        assert!(waited < NO_HANG, "{flavor}: {waited:?}");
        // In a task.
        let start = Instant::now();
        let waited = rt
            .block_on(rt.spawn(async move {
                time::sleep(Duration::from_millis(15)).await;
                start.elapsed()
            }))
            .unwrap();
        assert!(waited >= Duration::from_millis(15), "{flavor}: {waited:?}");
        assert!(waited < NO_HANG, "{flavor}: {waited:?}");
    });
}

#[test]
fn an_earlier_timer_wakes_the_parked_driver() {
    each_flavor(|flavor, rt| {
        // The driver's holder parks until an hour-long sleep is due; a
        // short sleep armed then from another thread (a blocking one, so
        // nothing else wakes the holder) must still fire. Watched from
        // here: without the wake-up it hangs.
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let long = rt.spawn(async { time::sleep(Duration::from_secs(3600)).await });
            let handle = rt.handle().clone();
            let short = rt.spawn_blocking(move || {
                // Let every runtime thread park first.
                std::thread::sleep(Duration::from_millis(50));
                handle.block_on(async { time::sleep(Duration::from_millis(10)).await });
            });
            rt.block_on(short).unwrap();
            long.abort();
            let cancelled = rt.block_on(long).unwrap_err().is_cancelled();
            done_tx.send(cancelled).unwrap();
        });
        let cancelled = done_rx
            .recv_timeout(NO_HANG)
            .unwrap_or_else(|_| panic!("{flavor}: an earlier timer did not wake the holder"));
        assert!(cancelled, "{flavor}");
    });
}

#[test]
fn timeout_elapses_or_passes_the_value_through() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let err = time::timeout(Duration::from_millis(10), std::future::pending::<()>())
                .await
                .unwrap_err();
            assert_eq!(err.to_string(), "deadline has elapsed", "{flavor}");
            let ok = time::timeout(Duration::from_secs(5), async { 7 }).await;
            assert_eq!(ok.unwrap(), 7, "{flavor}");
            let slow_ok = time::timeout(Duration::from_secs(5), async {
                time::sleep(Duration::from_millis(5)).await;
                8
            })
            .await;
            assert_eq!(slow_ok.unwrap(), 8, "{flavor}");
        });
    });
}

#[test]
fn interval_ticks_first_at_once_then_every_period() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let start = Instant::now();
            let mut ticks = time::interval(Duration::from_millis(10));
            ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
            let first = ticks.tick().await;
            assert!(first - start < Duration::from_millis(10), "{flavor}");
            for i in 1..=3u32 {
                ticks.tick().await;
                let at = start.elapsed();
                assert!(
                    at >= Duration::from_millis(10) * i,
                    "{flavor}: tick {i} at {at:?}"
                );
            }
            assert!(start.elapsed() < NO_HANG);
        });
    });
}

#[test]
fn many_concurrent_sleeps_all_complete() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    rt.block_on(async {
        let handles: Vec<_> = (0..100_000u64)
            .map(|i| {
                let done = done.clone();
                runtime::spawn(async move {
                    time::sleep(Duration::from_micros(1 + i % 10_000)).await;
                    done.fetch_add(1, Ordering::Relaxed);
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(done.load(Ordering::Relaxed), 100_000);
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn a_busy_worker_still_fires_timers() {
    each_flavor_with(1, |flavor, rt| {
        // One task never lets the only thread park; the sleeper must still
        // be woken (the workers fire due timers between tasks).
        let fired = Arc::new(AtomicBool::new(false));
        let spinner = {
            let fired = fired.clone();
            rt.spawn(async move {
                let start = Instant::now();
                while !fired.load(Ordering::SeqCst) && start.elapsed() < NO_HANG {
                    runtime::task::yield_now().await;
                }
                // Whether the timer fired while this task kept the thread
                // busy (not only after it gave up).
                fired.load(Ordering::SeqCst)
            })
        };
        let sleeper = {
            let fired = fired.clone();
            rt.spawn(async move {
                time::sleep(Duration::from_millis(5)).await;
                fired.store(true, Ordering::SeqCst);
            })
        };
        let fired_while_busy = rt.block_on(async {
            sleeper.await.unwrap();
            spinner.await.unwrap()
        });
        assert!(
            fired_while_busy,
            "{flavor}: the timer waited for the busy task"
        );
    });
}

#[test]
fn shutdown_cancels_sleeping_tasks() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let guard = common::DropCounter(dropped.clone());
                rt.spawn(async move {
                    let _guard = guard;
                    time::sleep(Duration::from_secs(3600)).await;
                })
            })
            .collect();
        rt.block_on(async { time::sleep(Duration::from_millis(5)).await });
        drop(rt);
        assert_eq!(dropped.load(Ordering::SeqCst), 100, "{flavor}");
        let other = Builder::new_current_thread().build().unwrap();
        for h in handles {
            assert!(other.block_on(h).unwrap_err().is_cancelled(), "{flavor}");
        }
    });
}

#[test]
fn timers_without_a_runtime_or_without_time_panic_plainly() {
    let msg = panic_message(|| drop(time::sleep(Duration::from_millis(1))));
    assert!(msg.contains("not inside a runtime"), "{msg}");
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let msg = panic_message(|| {
        let _enter = rt.enter();
        drop(time::sleep(Duration::from_millis(1)));
    });
    assert!(msg.contains("enable_time"), "{msg}");
}

#[test]
fn sleep_on_a_spawn_blocking_thread_uses_the_runtime_timer() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_time()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let waited = rt
        .block_on(rt.spawn_blocking(move || {
            let start = Instant::now();
            handle.block_on(time::sleep(Duration::from_millis(5)));
            start.elapsed()
        }))
        .unwrap();
    assert!(waited >= Duration::from_millis(5) && waited < NO_HANG);
}
