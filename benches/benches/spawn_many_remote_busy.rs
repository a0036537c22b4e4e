//! Measures spawning 10_000 empty tasks from outside the runtime, then
//! awaiting every handle from `block_on`, while 2 tasks per worker keep the
//! workers busy (yield, then spin ~10µs, in a loop).

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use benches::{bench_all, config, spin, Cx, Rt, Workload, WORKERS};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};

const NUM_SPAWN: usize = 10_000;

struct SpawnManyRemoteBusy;

impl Workload for SpawnManyRemoteBusy {
    const NAME: &'static str = "spawn_many_remote_busy";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let stop = Arc::new(AtomicBool::new(false));
        let busy: Vec<_> = (0..2 * WORKERS)
            .map(|_| {
                let (cx, stop) = (rt.cx(), stop.clone());
                rt.spawn(async move {
                    while !stop.load(Relaxed) {
                        cx.yield_now().await;
                        spin(Duration::from_micros(10));
                    }
                })
            })
            .collect();

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

        stop.store(true, Relaxed);
        rt.block_on(async {
            for handle in busy {
                handle.await;
            }
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<SpawnManyRemoteBusy>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
