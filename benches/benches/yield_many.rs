//! Measures 200 tasks, spawned from outside the runtime, each calling the
//! runtime's `yield_now` 1_000 times; `block_on` awaits them all.

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};

const TASKS: usize = 200;
const NUM_YIELD: usize = 1_000;

struct YieldMany;

impl Workload for YieldMany {
    const NAME: &'static str = "yield_many";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let mut handles = Vec::with_capacity(TASKS);
        b.iter(|| {
            for _ in 0..TASKS {
                let cx = rt.cx();
                handles.push(rt.spawn(async move {
                    for _ in 0..NUM_YIELD {
                        cx.yield_now().await;
                    }
                }));
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
    bench_all::<YieldMany>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
