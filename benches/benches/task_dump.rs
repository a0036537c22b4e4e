//! Measures `Handle::dump()` of 100_000 idle tasks (each waiting on a
//! broadcast receiver), on both flavors. Ours only: tokio's task dump is
//! unstable (`tokio_unstable` and `taskdump`, Linux only) and smol has none.
//! Issue 13 asks for under 10 ms.

use benches::config;
use criterion::{criterion_group, criterion_main, Criterion};
use runtime::runtime::{Builder, Runtime};
use runtime::sync::broadcast;

const TASKS: usize = 100_000;

fn bench_flavor(c: &mut Criterion, name: &str, rt: Runtime) {
    let (tx, _rx) = broadcast::channel::<()>(1);
    let handles: Vec<_> = (0..TASKS)
        .map(|_| {
            let mut rx = tx.subscribe();
            rt.spawn(async move {
                let _ = rx.recv().await;
            })
        })
        .collect();
    // Let every task reach its first wait.
    rt.block_on(async { runtime::time::sleep(std::time::Duration::from_millis(50)).await });
    c.bench_function(&format!("task_dump/{name}/100k"), |b| {
        b.iter(|| {
            let dump = rt.handle().dump();
            assert_eq!(dump.tasks().len(), TASKS);
            dump
        })
    });
    drop(tx);
    rt.block_on(async {
        for h in handles {
            h.await.unwrap();
        }
    });
}

fn bench(c: &mut Criterion) {
    let mt = Builder::new_multi_thread()
        .worker_threads(benches::WORKERS)
        .enable_all()
        .build()
        .unwrap();
    bench_flavor(c, "multi_thread", mt);
    let ct = Builder::new_current_thread().enable_all().build().unwrap();
    bench_flavor(c, "current_thread", ct);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
