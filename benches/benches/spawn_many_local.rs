//! Measures spawning 10_000 tasks from inside `block_on`; each decrements a
//! shared counter and the last one wakes the `block_on` through a channel.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use futures_channel::mpsc;
use futures_lite::StreamExt;

const NUM_SPAWN: usize = 10_000;

struct SpawnManyLocal;

impl Workload for SpawnManyLocal {
    const NAME: &'static str = "spawn_many_local";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let cx = rt.cx();
        let rem = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = mpsc::unbounded();
        b.iter(|| {
            rem.store(NUM_SPAWN, Relaxed);
            rt.block_on(async {
                for _ in 0..NUM_SPAWN {
                    let (tx, rem) = (tx.clone(), rem.clone());
                    cx.spawn_detached(async move {
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            tx.unbounded_send(()).unwrap();
                        }
                    });
                }
                rx.next().await.unwrap();
            });
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<SpawnManyLocal>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
