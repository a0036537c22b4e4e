//! A seeded simulation of the multi-thread scheduler: the same seed gives
//! the same run, shown by its trace hash. CI runs this twice and compares.
//!
//! `cargo run --example simulation -- 42` prints the hash of seed 42.

use runtime::sync::mpsc;
use runtime::time::{sleep, Duration};
use runtime::{runtime::Builder, task};

fn main() {
    let seed = std::env::args()
        .nth(1)
        .map_or(Ok(1), |s| s.parse::<u64>())
        .expect("the seed is an unsigned integer");
    let rt = Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .simulation(seed)
        .build()
        .expect("a runtime");
    let total = rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(8);
        for producer in 0..8u64 {
            let tx = tx.clone();
            task::spawn(async move {
                for i in 0..50 {
                    if i % 7 == producer % 7 {
                        sleep(Duration::from_millis(producer + 1)).await;
                    }
                    if i % 3 == 0 {
                        task::yield_now().await;
                    }
                    tx.send(producer * 1000 + i).await.unwrap();
                }
            });
        }
        drop(tx);
        let checksum = task::spawn_blocking(|| (0..1000u64).sum::<u64>());
        let mut total = 0;
        while let Some(v) = rx.recv().await {
            total += v;
        }
        total + checksum.await.unwrap()
    });
    println!(
        "seed {seed}: total {total}, trace hash {:016x}",
        rt.handle().trace_hash()
    );
}
