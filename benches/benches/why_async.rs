//! "Why async", measured: a switch between two OS threads through a
//! channel against a switch between two tasks on this runtime, and the
//! memory of 10k parked threads against 10k parked tasks. Prints the
//! figures the README quotes (`cargo bench -p benches --bench why_async`).

use std::sync::{mpsc, Arc, Barrier};
use std::time::Instant;

const ROUND_TRIPS: u32 = 100_000;
const PARKED: usize = 10_000;

/// Two threads bounce a message: ns per switch (two per round trip).
fn thread_switch() -> f64 {
    let (to_b, from_a) = mpsc::channel::<u32>();
    let (to_a, from_b) = mpsc::channel::<u32>();
    let b = std::thread::spawn(move || {
        for v in from_a {
            to_a.send(v).unwrap();
        }
    });
    let start = Instant::now();
    for i in 0..ROUND_TRIPS {
        to_b.send(i).unwrap();
        from_b.recv().unwrap();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(ROUND_TRIPS * 2);
    drop(to_b);
    b.join().unwrap();
    ns
}

/// Two tasks bounce a message on a current-thread runtime: ns per switch.
fn task_switch() -> f64 {
    let rt = runtime::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let (to_b, mut from_a) = runtime::sync::mpsc::channel::<u32>(1);
        let (to_a, mut from_b) = runtime::sync::mpsc::channel::<u32>(1);
        let b = runtime::spawn(async move {
            while let Some(v) = from_a.recv().await {
                to_a.send(v).await.unwrap();
            }
        });
        let start = Instant::now();
        for i in 0..ROUND_TRIPS {
            to_b.send(i).await.unwrap();
            from_b.recv().await.unwrap();
        }
        let ns = start.elapsed().as_nanos() as f64 / f64::from(ROUND_TRIPS * 2);
        drop(to_b);
        b.await.unwrap();
        ns
    })
}

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

fn parked_threads() -> u64 {
    let before = rss_kib();
    let barrier = Arc::new(Barrier::new(PARKED + 1));
    let threads: Vec<_> = (0..PARKED)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::Builder::new()
                .stack_size(64 * 1024)
                .spawn(move || {
                    barrier.wait();
                    barrier.wait();
                })
                .unwrap()
        })
        .collect();
    barrier.wait();
    let used = rss_kib().saturating_sub(before);
    barrier.wait();
    threads.into_iter().for_each(|t| t.join().unwrap());
    used
}

fn parked_tasks() -> u64 {
    let rt = runtime::Runtime::new().unwrap();
    let before = rss_kib();
    let (tx, rx) = runtime::sync::watch::channel(false);
    let tasks: Vec<_> = (0..PARKED)
        .map(|_| {
            let mut rx = rx.clone();
            rt.spawn(async move {
                while !*rx.borrow_and_update() {
                    rx.changed().await.unwrap()
                }
            })
        })
        .collect();
    rt.block_on(runtime::task::yield_now());
    std::thread::sleep(std::time::Duration::from_millis(50));
    let used = rss_kib().saturating_sub(before);
    tx.send(true).unwrap();
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    used
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo bench -- --list`
    }
    let (threads, tasks) = (thread_switch(), task_switch());
    println!("switch between two threads through a channel: {threads:.0} ns");
    println!(
        "switch between two tasks on this runtime:      {tasks:.0} ns ({:.0}x faster)",
        threads / tasks
    );
    let (threads, tasks) = (parked_threads(), parked_tasks());
    println!(
        "10k parked threads (64 KiB stacks): {:.1} MiB resident",
        threads as f64 / 1024.0
    );
    println!(
        "10k parked tasks:                   {:.1} MiB resident",
        tasks as f64 / 1024.0
    );
}
