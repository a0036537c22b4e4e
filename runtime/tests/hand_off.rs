//! A worker stuck inside one poll stalls nothing else: the other worker
//! takes its queue, its LIFO slot and the driver; when every worker is
//! stuck (or inside `block_in_place`), a spare worker thread runs the rest
//! and exits once it is no longer needed. (Its own test binary: it counts
//! the process's threads, and the tests run one at a time, since each
//! measures timer lateness.)

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::TcpListener;
use runtime::runtime::{Builder, Runtime};
use runtime::{task, time};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One test at a time: each measures lateness on a 2-core machine.
static SERIAL: Mutex<()> = Mutex::new(());

const THREAD_NAME: &str = "handoff-w";

fn runtime(slow: Arc<Mutex<Vec<(Instant, String)>>>) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(THREAD_NAME)
        .thread_keep_alive(Duration::from_millis(200))
        .enable_all()
        .on_slow_poll(move |p| {
            if !p.is_finished() {
                let name = p.task().name().unwrap_or("").to_string();
                slow.lock().unwrap().push((Instant::now(), name));
            }
        })
        .build()
        .unwrap()
}

/// The runtime's worker threads alive now (spares included).
fn worker_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == THREAD_NAME)
        .count()
}

/// Waits (up to 5 s) until `n` worker threads are left.
fn expect_worker_threads(n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while worker_threads() != n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(worker_threads(), n, "worker threads left");
}

/// What ran beside the stuck tasks: the worst lateness of a 10 ms
/// interval and the worst round trip of a TCP echo, over `for_`.
struct Beside {
    interval_late: Duration,
    ticks: usize,
    echo_worst: Duration,
    echoes: usize,
}

/// Starts a 10 ms interval task and a TCP echo server on `rt`, and a
/// plain-thread client pinging it every 10 ms; returns what they saw after
/// `for_`.
fn run_beside(rt: &Runtime, for_: Duration) -> impl FnOnce() -> Beside {
    let ticker = rt.spawn(async move {
        let start = time::Instant::now();
        let period = Duration::from_millis(10);
        let mut interval = time::interval(period);
        let mut worst = Duration::ZERO;
        let mut ticks = 0;
        while start.elapsed() < for_ {
            interval.tick().await;
            let due = start + period * ticks as u32;
            worst = worst.max(time::Instant::now().saturating_duration_since(due));
            ticks += 1;
        }
        (worst, ticks)
    });
    let addr: SocketAddr = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        runtime::spawn(async move {
            loop {
                let (mut stream, _) = listener.accept().await.unwrap();
                runtime::spawn(async move {
                    let mut buf = [0; 64];
                    loop {
                        match stream.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => stream.write_all(&buf[..n]).await.unwrap(),
                        }
                    }
                });
            }
        });
        addr
    });
    let client = std::thread::spawn(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream.set_nodelay(true).unwrap();
        let start = Instant::now();
        let mut worst = Duration::ZERO;
        let mut echoes = 0;
        while start.elapsed() < for_ {
            let sent = Instant::now();
            stream.write_all(b"ping").unwrap();
            let mut back = [0; 4];
            stream.read_exact(&mut back).unwrap();
            assert_eq!(&back, b"ping");
            worst = worst.max(sent.elapsed());
            echoes += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
        (worst, echoes)
    });
    let handle = rt.handle().clone();
    move || {
        let (interval_late, ticks) = handle.block_on(ticker).unwrap();
        let (echo_worst, echoes) = client.join().unwrap();
        Beside {
            interval_late,
            ticks,
            echo_worst,
            echoes,
        }
    }
}

/// Spawns `n` tasks named `stuck-i` that each block their thread for
/// `block` inside one poll (through `block_in_place` if `in_place`), and
/// waits until all are inside it at once.
fn stuck_tasks(
    rt: &Runtime,
    n: usize,
    block: Duration,
    in_place: bool,
) -> Vec<task::JoinHandle<()>> {
    let inside = Arc::new(AtomicUsize::new(0));
    let handles = (0..n)
        .map(|i| {
            let inside = inside.clone();
            task::Builder::new()
                .name(&format!("stuck-{i}"))
                .spawn_on(
                    async move {
                        inside.fetch_add(1, Ordering::SeqCst);
                        if in_place {
                            task::block_in_place(|| std::thread::sleep(block));
                        } else {
                            std::thread::sleep(block);
                        }
                    },
                    rt.handle(),
                )
                .unwrap()
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(5);
    while inside.load(Ordering::SeqCst) < n {
        assert!(Instant::now() < deadline, "the stuck tasks did not start");
        std::thread::sleep(Duration::from_millis(1));
    }
    handles
}

fn check(beside: &Beside, what: &str) {
    eprintln!(
        "{what}: interval worst lateness {:?} over {} ticks, echo worst round trip {:?} over {}",
        beside.interval_late, beside.ticks, beside.echo_worst, beside.echoes
    );
    // The bound: timers fire at most 25 ms late.
    assert!(
        beside.interval_late <= Duration::from_millis(25),
        "{what}: interval {:?} late",
        beside.interval_late
    );
    // Sockets kept being served: no round trip waited for the 2 s block.
    assert!(
        beside.echo_worst < Duration::from_millis(100),
        "{what}: an echo took {:?}",
        beside.echo_worst
    );
    assert!(beside.echoes > 50, "{what}: only {} echoes", beside.echoes);
}

#[test]
fn one_stuck_worker_the_other_keeps_timers_and_sockets_going() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let slow = Arc::default();
    let rt = runtime(Arc::clone(&slow));
    let finish = run_beside(&rt, Duration::from_millis(1500));
    std::thread::sleep(Duration::from_millis(100));
    let began = Instant::now();
    let stuck = stuck_tasks(&rt, 1, Duration::from_secs(2), false);
    let beside = finish();
    check(&beside, "one stuck worker");
    for h in stuck {
        rt.block_on(h).unwrap();
    }
    let slow = slow.lock().unwrap();
    let (at, name) = slow.first().expect("the stuck poll was reported");
    assert_eq!(name, "stuck-0");
    eprintln!("reported {:?} after the block began", *at - began);
    // The 110 ms, with room for a loaded machine.
    assert!(
        *at - began < Duration::from_millis(200),
        "{:?}",
        *at - began
    );
    // One worker was free all along: no spare thread was needed.
    assert_eq!(rt.metrics().num_spare_workers_started(), 0);
}

#[test]
fn two_stuck_workers_a_spare_runs_the_rest_and_exits_afterwards() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime(Arc::default());
    expect_worker_threads(2);
    let finish = run_beside(&rt, Duration::from_millis(1500));
    std::thread::sleep(Duration::from_millis(100));
    let stuck = stuck_tasks(&rt, 2, Duration::from_secs(2), false);
    // Other tasks make progress meanwhile.
    let progress = rt.block_on(async {
        let mut handles = Vec::new();
        for i in 0..100u64 {
            handles.push(runtime::spawn(async move {
                task::yield_now().await;
                i
            }));
        }
        let mut sum = 0;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(progress, 4950);
    let beside = finish();
    check(&beside, "two stuck workers");
    assert!(
        worker_threads() > 2,
        "a spare thread runs while both are stuck"
    );
    for h in stuck {
        rt.block_on(h).unwrap();
    }
    assert!(rt.metrics().num_spare_workers_started() >= 1);
    // The spare exits after thread_keep_alive (200 ms here).
    expect_worker_threads(2);
    drop(rt);
    expect_worker_threads(0);
}

#[test]
fn block_in_place_on_both_workers_a_spare_runs_the_rest() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = runtime(Arc::clone(&Arc::default()));
    let finish = run_beside(&rt, Duration::from_millis(1000));
    std::thread::sleep(Duration::from_millis(100));
    let stuck = stuck_tasks(&rt, 2, Duration::from_millis(1500), true);
    let beside = finish();
    check(&beside, "block_in_place on both workers");
    for h in stuck {
        rt.block_on(h).unwrap();
    }
    assert!(rt.metrics().num_spare_workers_started() >= 1);
    expect_worker_threads(2);
}

#[test]
fn no_spare_when_max_spare_workers_is_zero() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(THREAD_NAME)
        .max_spare_workers(0)
        .enable_all()
        .build()
        .unwrap();
    let stuck = stuck_tasks(&rt, 2, Duration::from_millis(300), false);
    // Queued behind both: runs once one of them returns.
    let later = rt.spawn(async { 5 });
    assert_eq!(rt.block_on(later).unwrap(), 5);
    for h in stuck {
        rt.block_on(h).unwrap();
    }
    assert_eq!(rt.metrics().num_spare_workers_started(), 0);
    expect_worker_threads(2);
}
