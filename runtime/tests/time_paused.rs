//! Virtual time: `time::pause`, `resume`, `advance`, `Builder::start_paused`
//! and auto-advance, on both flavors; and the deadlock a paused runtime
//! detects.

mod common;

use common::panic_message;
use runtime::runtime::{Builder, Runtime};
use runtime::sync::{oneshot, Mutex};
use runtime::task;
use runtime::time::{self, Duration, Instant};
use std::sync::Arc;

fn paused_runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread()
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap(),
        ),
        (
            "multi_thread(2)",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .start_paused(true)
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn an_hour_of_sleeps_intervals_and_timeouts_takes_no_real_time() {
    for (flavor, rt) in paused_runtimes() {
        let real = std::time::Instant::now();
        let elapsed = rt.block_on(async {
            let start = Instant::now();
            let mut tasks = Vec::new();
            // Sixty one-minute ticks.
            tasks.push(task::spawn(async {
                let mut ticks = time::interval(Duration::from_secs(60));
                for _ in 0..=60 {
                    ticks.tick().await;
                }
            }));
            // Twelve five-minute sleeps, on their own task.
            tasks.push(task::spawn(async {
                for _ in 0..12 {
                    time::sleep(Duration::from_secs(300)).await;
                }
            }));
            // A timeout that fires after an hour, and one that does not.
            tasks.push(task::spawn(async {
                let never = std::future::pending::<()>();
                assert!(time::timeout(Duration::from_secs(3600), never)
                    .await
                    .is_err());
                let soon = time::sleep(Duration::from_secs(10));
                assert!(time::timeout(Duration::from_secs(20), soon).await.is_ok());
            }));
            for t in tasks {
                t.await.unwrap();
            }
            start.elapsed()
        });
        let real = real.elapsed();
        eprintln!("{flavor}: {elapsed:?} of paused time in {real:?}");
        assert!(
            elapsed >= Duration::from_secs(3610),
            "{flavor}: {elapsed:?}"
        );
        assert!(elapsed < Duration::from_secs(3700), "{flavor}: {elapsed:?}");
        // The note gives the figure; the bound is generous for a loaded
        // CI machine and a debug build.
        assert!(real < Duration::from_secs(2), "{flavor}: {real:?}");
    }
}

#[test]
fn sleeps_wake_in_deadline_order_at_their_exact_instants() {
    for (flavor, rt) in paused_runtimes() {
        let order = rt.block_on(async {
            let start = Instant::now();
            let log = Arc::new(std::sync::Mutex::new(Vec::new()));
            let mut tasks = Vec::new();
            for secs in [30u64, 10, 20, 40] {
                let log = log.clone();
                tasks.push(task::spawn(async move {
                    time::sleep(Duration::from_secs(secs)).await;
                    log.lock().unwrap().push((secs, start.elapsed()));
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            let log = log.lock().unwrap().clone();
            log
        });
        let secs: Vec<u64> = order.iter().map(|(s, _)| *s).collect();
        assert_eq!(secs, [10, 20, 30, 40], "{flavor}");
        for (s, at) in order {
            // Deadlines are rounded up to the wheel's 8.192 µs tick.
            let want = Duration::from_secs(s);
            assert!(
                at >= want && at < want + Duration::from_millis(1),
                "{flavor}: {s} s woke at {at:?}"
            );
        }
    }
}

#[test]
fn advance_moves_the_clock_and_fires_what_is_due() {
    for (flavor, rt) in paused_runtimes() {
        rt.block_on(async {
            let start = Instant::now();
            time::advance(Duration::from_millis(250)).await;
            assert_eq!(start.elapsed(), Duration::from_millis(250), "{flavor}");
            let fired = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let f = fired.clone();
            let (ready, armed) = oneshot::channel();
            let sleeper = task::spawn(async move {
                // The deadline is taken here, at 250 ms.
                let sleep = time::sleep(Duration::from_secs(5));
                ready.send(()).unwrap();
                sleep.await;
                f.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            armed.await.unwrap();
            time::advance(Duration::from_secs(4)).await;
            assert!(!fired.load(std::sync::atomic::Ordering::SeqCst), "{flavor}");
            time::advance(Duration::from_secs(1)).await;
            sleeper.await.unwrap();
            assert!(fired.load(std::sync::atomic::Ordering::SeqCst), "{flavor}");
            assert_eq!(
                start.elapsed(),
                Duration::from_millis(5250),
                "{flavor}: the clock moved only by advance and the sleep's own deadline"
            );
        });
    }
}

#[test]
fn pause_and_resume_on_a_running_runtime() {
    for (flavor, rt) in common::io_runtimes() {
        rt.block_on(async {
            time::pause();
            let at = Instant::now();
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert_eq!(Instant::now(), at, "{flavor}: paused");
            let real = std::time::Instant::now();
            time::sleep(Duration::from_secs(600)).await;
            assert!(
                real.elapsed() < std::time::Duration::from_secs(1),
                "{flavor}"
            );
            assert!(at.elapsed() >= Duration::from_secs(600), "{flavor}");
            time::resume();
            let resumed = Instant::now();
            // Running again, from where the paused clock stood.
            assert!(resumed >= at + Duration::from_secs(600), "{flavor}");
            time::sleep(Duration::from_millis(20)).await;
            let slept = resumed.elapsed();
            assert!(slept >= Duration::from_millis(20), "{flavor}: {slept:?}");
            assert!(slept < Duration::from_secs(5), "{flavor}: {slept:?}");
        });
    }
}

#[test]
fn misuse_panics_with_a_plain_message() {
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let message = panic_message(|| rt.block_on(async { time::resume() }));
    assert!(message.contains("time is not paused"), "{message}");
    let message = panic_message(|| {
        rt.block_on(async {
            time::pause();
            time::pause();
        })
    });
    assert!(message.contains("time is already paused"), "{message}");
    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let message = panic_message(|| rt.block_on(time::advance(Duration::from_secs(1))));
    assert!(message.contains("time is not paused"), "{message}");
    let message = panic_message(time::pause);
    assert!(message.contains("not inside a runtime"), "{message}");
    let message = panic_message(|| {
        drop(Builder::new_current_thread().start_paused(true).build());
    });
    assert!(
        message.contains("`start_paused` needs the timer"),
        "{message}"
    );
}

#[test]
fn a_blocking_task_holds_the_clock_still() {
    for (flavor, rt) in paused_runtimes() {
        let order = rt.block_on(async {
            let log = Arc::new(std::sync::Mutex::new(Vec::new()));
            let l = log.clone();
            let timer = task::spawn(async move {
                time::sleep(Duration::from_secs(1)).await;
                l.lock().unwrap().push("timer");
            });
            let l = log.clone();
            let blocking = task::spawn_blocking(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                l.lock().unwrap().push("blocking");
            });
            blocking.await.unwrap();
            timer.await.unwrap();
            let log = log.lock().unwrap().clone();
            log
        });
        assert_eq!(order, ["blocking", "timer"], "{flavor}");
    }
}

#[test]
fn a_busy_main_future_holds_the_clock_still() {
    // On the multi-thread runtime the main future runs outside the
    // workers: the clock must not jump while it computes.
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = Instant::now();
        let sleeper = task::spawn(time::sleep(Duration::from_secs(60)));
        std::thread::sleep(std::time::Duration::from_millis(30));
        assert_eq!(start.elapsed(), Duration::ZERO);
        sleeper.await.unwrap();
        assert!(start.elapsed() >= Duration::from_secs(60));
    });
}

#[test]
fn sockets_still_work_while_paused() {
    use runtime::io::{AsyncReadExt, AsyncWriteExt};
    use runtime::net::{TcpListener, TcpStream};
    for (flavor, rt) in paused_runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = task::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = [0; 5];
                s.read_exact(&mut buf).await.unwrap();
                s.write_all(&buf).await.unwrap();
            });
            let mut c = TcpStream::connect(addr).await.unwrap();
            c.write_all(b"hello").await.unwrap();
            let mut buf = [0; 5];
            c.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"hello", "{flavor}");
            server.await.unwrap();
        });
    }
}

#[test]
fn a_deadlock_fails_at_once_with_the_dump_naming_both_tasks() {
    for (flavor, rt) in paused_runtimes() {
        let real = std::time::Instant::now();
        let message = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let (to_a, from_b) = oneshot::channel::<()>();
                let (to_b, from_a) = oneshot::channel::<()>();
                let a = task::Builder::new()
                    .name("alice")
                    .spawn(async move {
                        from_b.await.unwrap();
                        drop(to_b);
                    })
                    .unwrap();
                let b = task::Builder::new()
                    .name("bob")
                    .spawn(async move {
                        from_a.await.unwrap();
                        drop(to_a);
                    })
                    .unwrap();
                a.await.unwrap();
                b.await.unwrap();
            })
        }));
        assert!(
            real.elapsed() < std::time::Duration::from_secs(5),
            "{flavor}: not at once"
        );
        eprintln!("{flavor}: {message}");
        assert!(
            message.starts_with("deadlock: no task can make progress"),
            "{flavor}: {message}"
        );
        assert!(message.contains("\"alice\""), "{flavor}: {message}");
        assert!(message.contains("\"bob\""), "{flavor}: {message}");
        assert!(message.contains("oneshot"), "{flavor}: {message}");
    }
}

#[test]
fn a_mutex_deadlock_names_the_mutex() {
    for (flavor, rt) in paused_runtimes() {
        let message = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async {
                let m = Arc::new(Mutex::new(()));
                let _held = m.lock().await;
                let m2 = m.clone();
                task::Builder::new()
                    .name("waiter")
                    .spawn(async move { drop(m2.lock().await) })
                    .unwrap()
                    .await
                    .unwrap();
            })
        }));
        assert!(message.starts_with("deadlock"), "{flavor}: {message}");
        assert!(message.contains("\"waiter\""), "{flavor}: {message}");
        assert!(message.contains("Mutex"), "{flavor}: {message}");
    }
}

#[runtime::test(start_paused = true)]
async fn the_test_attribute_starts_paused() {
    let start = Instant::now();
    let real = std::time::Instant::now();
    time::sleep(Duration::from_secs(86_400)).await;
    assert!(start.elapsed() >= Duration::from_secs(86_400));
    assert!(real.elapsed() < std::time::Duration::from_secs(5));
}

#[runtime::test(flavor = "multi_thread", worker_threads = 2, start_paused = true)]
async fn the_test_attribute_starts_paused_on_the_multi_thread_runtime() {
    let start = Instant::now();
    let ticker = task::spawn(async {
        let mut ticks = time::interval(Duration::from_secs(1));
        for _ in 0..100 {
            ticks.tick().await;
        }
    });
    ticker.await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(99));
}

#[test]
fn a_runtime_stays_usable_after_a_deadlock() {
    for (flavor, rt) in paused_runtimes() {
        let message = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(std::future::pending::<()>());
        }));
        assert!(message.starts_with("deadlock"), "{flavor}: {message}");
        let out = rt.block_on(async {
            time::sleep(Duration::from_secs(5)).await;
            task::spawn(async { 7 }).await.unwrap()
        });
        assert_eq!(out, 7, "{flavor}");
    }
}
