//! Measures a chain of 1_000 spawns, each task spawning the next; the last
//! one signals `block_on` through a oneshot.

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use futures_channel::oneshot;

const ITER: usize = 1_000;

fn chain<C: Cx>(cx: C, done: oneshot::Sender<()>, n: usize) {
    if n == 0 {
        done.send(()).unwrap();
    } else {
        let next = cx.clone();
        next.spawn_detached(async move { chain(cx, done, n - 1) });
    }
}

struct ChainedSpawn;

impl Workload for ChainedSpawn {
    const NAME: &'static str = "chained_spawn";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        b.iter(|| {
            let (done_tx, done_rx) = oneshot::channel();
            let cx = rt.cx();
            rt.block_on(async move {
                let first = cx.clone();
                first.spawn_detached(async move { chain(cx, done_tx, ITER) });
                done_rx.await.unwrap();
            });
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<ChainedSpawn>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
