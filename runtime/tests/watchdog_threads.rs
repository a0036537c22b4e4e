//! The slow-poll watchdog is one thread per runtime, gone with it; and
//! none with both its jobs off, the slow-poll report and the spare-worker
//! hand-off. (Its own test binary: it counts the process's threads.)

use runtime::runtime::Builder;
use std::time::Duration;

fn watchdog_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "rt-watchdog")
        .count()
}

/// Waits (up to 5 s) until there are `n` (a new thread names itself only
/// once it runs, and a joined one leaves `/proc` a moment later).
fn expect_watchdog_threads(n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while watchdog_threads() != n && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(watchdog_threads(), n);
}

#[test]
fn one_watchdog_thread_per_runtime_and_none_left_afterwards() {
    expect_watchdog_threads(0);
    let mt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let ct = Builder::new_current_thread().build().unwrap();
    expect_watchdog_threads(2);
    mt.block_on(async { runtime::task::yield_now().await });
    ct.block_on(async { runtime::task::yield_now().await });
    drop(mt);
    drop(ct);
    expect_watchdog_threads(0);
    // The hand-off alone keeps it.
    let hand_off = Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .build()
        .unwrap();
    expect_watchdog_threads(1);
    drop(hand_off);
    expect_watchdog_threads(0);
    let off = Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(None)
        .max_spare_workers(0)
        .build()
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(watchdog_threads(), 0);
    off.block_on(async { std::thread::sleep(Duration::from_millis(1)) });
}
