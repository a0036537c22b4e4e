//! Measures spawning 10_000 empty tasks from outside the runtime on an idle
//! runtime, then awaiting every handle from `block_on`.

use benches::{bench_all, config, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};

const NUM_SPAWN: usize = 10_000;

struct SpawnManyRemoteIdle;

impl Workload for SpawnManyRemoteIdle {
    const NAME: &'static str = "spawn_many_remote_idle";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let mut handles = Vec::with_capacity(NUM_SPAWN);
        b.iter(|| {
            for _ in 0..NUM_SPAWN {
                handles.push(rt.spawn(async {}));
            }
            rt.block_on(async {
                for handle in handles.drain(..) {
                    handle.await;
                }
            });
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<SpawnManyRemoteIdle>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
