//! Measures 100_000 `timeout(1 s, ready(()))` created and completed one
//! after the other in one task: the cost of a timeout whose future is
//! ready at once.

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use std::time::Duration;

const NUM_TIMEOUTS: usize = 100_000;

struct TimersCancel;

impl Workload for TimersCancel {
    const NAME: &'static str = "timers_cancel";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        b.iter(|| {
            let cx = rt.cx();
            let task = rt.spawn(async move {
                let mut done = 0;
                for _ in 0..NUM_TIMEOUTS {
                    let ready = std::future::ready(());
                    if cx.timeout(Duration::from_secs(1), ready).await.is_some() {
                        done += 1;
                    }
                }
                done
            });
            assert_eq!(rt.block_on(task), NUM_TIMEOUTS);
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<TimersCancel>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
