//! `Handle::metrics`: the counts match what a test did, on both flavors.

mod common;

use runtime::runtime::{Builder, Handle, Runtime};
use runtime::task;
use std::time::Duration;

fn current_thread() -> Runtime {
    Builder::new_current_thread().enable_all().build().unwrap()
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Waits (up to 5 s) for `done`: a worker updates some figures just after
/// the JoinHandle learned of a completion (the task leaves the alive list,
/// busy time is added at the next park).
fn eventually(done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !done() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn total_polls(handle: &Handle) -> u64 {
    let m = handle.metrics();
    (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum()
}

#[test]
fn spawned_polled_and_alive_counts_match_on_both_flavors() {
    for (flavor, rt) in [
        ("current_thread", current_thread()),
        ("multi_thread", multi_thread()),
    ] {
        let m = rt.handle().metrics();
        assert_eq!(
            m.num_workers(),
            if flavor == "multi_thread" { 2 } else { 1 }
        );
        assert_eq!(m.spawned_tasks_count(), 0, "{flavor}");
        let handles: Vec<_> = (0..10)
            .map(|_| {
                rt.spawn(async {
                    for _ in 0..5 {
                        task::yield_now().await;
                    }
                })
            })
            .collect();
        assert_eq!(m.spawned_tasks_count(), 10, "{flavor}");
        rt.block_on(async {
            for h in handles {
                h.await.unwrap();
            }
        });
        // Each task: five polls that yield, one that completes. A worker
        // publishes its count at sampled polls and when it parks, which may
        // be just after the JoinHandles learned of the completions.
        eventually(|| total_polls(rt.handle()) == 60);
        assert_eq!(total_polls(rt.handle()), 60, "{flavor}");
        eventually(|| m.num_alive_tasks() == 0);
        assert_eq!(m.num_alive_tasks(), 0, "{flavor}");
        assert_eq!(m.spawned_tasks_count(), 10, "{flavor}");
        assert_eq!(m.global_queue_depth(), 0, "{flavor}");
    }
}

#[test]
fn tasks_spawned_from_outside_wait_in_the_global_queue() {
    let rt = current_thread();
    let handles: Vec<_> = (0..5).map(|_| rt.spawn(async {})).collect();
    let m = rt.handle().metrics();
    assert_eq!(m.global_queue_depth(), 5);
    assert_eq!(m.num_alive_tasks(), 5);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
    assert_eq!(m.global_queue_depth(), 0);
}

#[test]
fn an_idle_worker_steals_from_a_busy_one() {
    let rt = multi_thread();
    rt.block_on(async {
        // Spawned from a worker: they go to its own queue, so the other
        // worker gets them only by stealing.
        runtime::spawn(async {
            let handles: Vec<_> = (0..64)
                .map(|_| runtime::spawn(async { std::thread::sleep(Duration::from_millis(1)) }))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        })
        .await
        .unwrap();
    });
    let m = rt.handle().metrics();
    let stolen: u64 = (0..2).map(|w| m.worker_steal_count(w)).sum();
    let steals: u64 = (0..2).map(|w| m.worker_steal_operations(w)).sum();
    assert!(steals >= 1, "no steal in {m:?}");
    assert!(stolen >= steals, "{stolen} tasks in {steals} steals");
    let busy = || -> Duration { (0..2).map(|w| m.worker_total_busy_duration(w)).sum() };
    eventually(|| busy() >= Duration::from_millis(30));
    let busy = busy();
    assert!(
        busy >= Duration::from_millis(30),
        "busy {busy:?} for 64 ms of work"
    );
    assert_eq!(m.worker_overflow_count(0), 0);
}

#[test]
fn parks_and_noop_wake_ups_are_counted() {
    for rt in [current_thread(), multi_thread()] {
        rt.block_on(async {
            for _ in 0..3 {
                runtime::time::sleep(Duration::from_millis(5)).await;
                runtime::spawn(async {}).await.unwrap();
            }
        });
        let m = rt.handle().metrics();
        let parks: u64 = (0..m.num_workers()).map(|w| m.worker_park_count(w)).sum();
        assert!(parks >= 3, "{parks} parks for three sleeps");
        let noops: u64 = (0..m.num_workers()).map(|w| m.worker_noop_count(w)).sum();
        assert!(noops <= parks);
    }
}

#[test]
fn poll_time_percentiles_of_a_known_workload() {
    for flavor in ["current_thread", "multi_thread"] {
        let mut b = match flavor {
            "current_thread" => Builder::new_current_thread(),
            _ => Builder::new_multi_thread(),
        };
        let rt = b.worker_threads(2).metrics_sample_every(1).build().unwrap();
        // 40 polls of 2 ms, 360 of (nearly) nothing.
        rt.block_on(async {
            let handles: Vec<_> = (0..40)
                .map(|_| runtime::spawn(async { std::thread::sleep(Duration::from_millis(2)) }))
                .chain((0..360).map(|_| runtime::spawn(async {})))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        let m = rt.handle().metrics();
        // A worker records a poll's time after the poll, so after the
        // JoinHandle learned of the completion: give it a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while m.poll_time_histogram().count() < 400 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        let h = m.poll_time_histogram();
        assert_eq!(h.count(), 400, "{flavor}: every poll timed");
        let p50 = h.percentile(50.0).unwrap();
        assert!(p50 < Duration::from_micros(500), "{flavor}: p50 {p50:?}");
        let p95 = h.percentile(95.0).unwrap();
        assert!(p95 >= Duration::from_micros(1900), "{flavor}: p95 {p95:?}");
        assert!(p95 < Duration::from_millis(100), "{flavor}: p95 {p95:?}");
        let mean: Duration = (0..m.num_workers())
            .map(|w| m.worker_mean_poll_time(w))
            .max()
            .unwrap();
        assert!(
            mean >= Duration::from_micros(100),
            "{flavor}: mean {mean:?}"
        );
        // Every poll was stamped at its spawn, too.
        assert_eq!(m.schedule_latency_histogram().count(), 400, "{flavor}");
    }
}

#[test]
fn schedule_latency_of_tasks_queued_behind_slow_ones() {
    let rt = Builder::new_current_thread()
        .metrics_sample_every(1)
        .build()
        .unwrap();
    // 20 tasks queued at once, each poll 2 ms: the k-th waits about 2k ms.
    rt.block_on(async {
        let handles: Vec<_> = (0..20)
            .map(|_| runtime::spawn(async { std::thread::sleep(Duration::from_millis(2)) }))
            .collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    let h = rt.handle().metrics().schedule_latency_histogram();
    assert_eq!(h.count(), 20);
    let p50 = h.percentile(50.0).unwrap();
    assert!(p50 >= Duration::from_millis(15), "p50 {p50:?}");
    assert!(p50 < Duration::from_millis(500), "p50 {p50:?}");
    let p100 = h.percentile(100.0).unwrap();
    assert!(p100 >= Duration::from_millis(30), "max {p100:?}");
}

#[test]
fn the_default_sample_times_one_poll_in_64() {
    let rt = current_thread();
    rt.block_on(async {
        let handles: Vec<_> = (0..6400).map(|_| runtime::spawn(async {})).collect();
        for h in handles {
            h.await.unwrap();
        }
    });
    let m = rt.handle().metrics();
    assert_eq!(m.worker_poll_count(0), 6400);
    assert_eq!(m.poll_time_histogram().count(), 100);
    // One spawn in 64 by id: exactly 100 if no other test spawned in
    // between (ids are process-wide), about 100 if some did.
    let stamped = m.schedule_latency_histogram().count();
    assert!(
        (50..=150).contains(&stamped),
        "{stamped} of 6400 spawns stamped"
    );
}

#[test]
fn a_sampled_poll_has_the_next_wake_of_its_task_stamped() {
    // Every poll sampled: each yield's wake is stamped and its latency
    // recorded by the poll that follows (plus the spawn's).
    let rt = runtime::Builder::new_current_thread()
        .metrics_sample_every(1)
        .build()
        .unwrap();
    rt.block_on(async {
        runtime::spawn(async {
            for _ in 0..10 {
                task::yield_now().await;
            }
        })
        .await
        .unwrap();
    });
    let m = rt.handle().metrics();
    assert_eq!(m.worker_poll_count(0), 11);
    assert_eq!(m.poll_time_histogram().count(), 11);
    assert_eq!(m.schedule_latency_histogram().count(), 11);
}

#[test]
fn poll_counts_are_published_while_a_worker_stays_busy() {
    // A worker that never parks publishes its count at each sampled poll.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .metrics_sample_every(8)
        .build()
        .unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinner = {
        let stop = stop.clone();
        rt.spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                task::yield_now().await;
            }
        })
    };
    eventually(|| rt.handle().metrics().worker_poll_count(0) >= 1000);
    assert!(rt.handle().metrics().worker_poll_count(0) >= 1000);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    rt.block_on(spinner).unwrap();
}

#[test]
fn timers_io_and_blocking_threads() {
    let rt = multi_thread();
    let m = rt.handle().metrics();
    rt.block_on(async {
        let sleeper = runtime::spawn(runtime::time::sleep(Duration::from_secs(3600)));
        while m.num_timers() == 0 {
            task::yield_now().await;
        }
        assert_eq!(m.num_timers(), 1);
        sleeper.abort();

        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let before = m.io_driver_ready_count();
        let client = runtime::spawn(async move {
            use runtime::io::AsyncWriteExt;
            let mut s = runtime::net::TcpStream::connect(addr).await.unwrap();
            // Late, so that the server's read waits for the reactor (an
            // accept or a connect may complete without it).
            runtime::time::sleep(Duration::from_millis(20)).await;
            s.write_all(b"x").await.unwrap();
        });
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut byte = [0u8; 1];
        runtime::io::AsyncReadExt::read_exact(&mut conn, &mut byte)
            .await
            .unwrap();
        client.await.unwrap();
        assert!(m.io_driver_ready_count() > before);

        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let blocking = runtime::task::spawn_blocking(move || rx.recv().unwrap());
        // Queued until its thread takes it.
        while m.num_blocking_threads() == 0 || m.blocking_queue_depth() > 0 {
            task::yield_now().await;
        }
        assert_eq!(m.num_blocking_threads(), 1);
        tx.send(()).unwrap();
        blocking.await.unwrap();
        while m.num_idle_blocking_threads() == 0 {
            task::yield_now().await;
        }
    });
}

#[test]
#[should_panic(expected = "worker 2 of a runtime with 2 workers")]
fn a_worker_index_out_of_range_panics() {
    multi_thread().handle().metrics().worker_poll_count(2);
}
