//! Measures 10_000 sleeping tasks: task `i` sleeps `(i % 10 + 1)` ms. The
//! time per iteration is the total; the mean lateness (wake time minus
//! deadline) is printed on stderr for each runtime after its run.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use futures_channel::mpsc;
use futures_lite::StreamExt;

const NUM_TASKS: usize = 10_000;

struct TimersSleep;

impl Workload for TimersSleep {
    const NAME: &'static str = "timers_sleep";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let rem = Arc::new(AtomicUsize::new(0));
        // Summed over every call for this runtime (criterion calls this
        // once per warm-up and sample batch), so the last line printed is
        // the mean over the whole run.
        let (late_ns, wakes) = totals::<R>();
        let (done_tx, mut done_rx) = mpsc::unbounded();
        b.iter(|| {
            rem.store(NUM_TASKS, Relaxed);
            let cx = rt.cx();
            rt.block_on(async {
                for i in 0..NUM_TASKS {
                    let (rem, done_tx) = (rem.clone(), done_tx.clone());
                    let (late_ns, wakes, sleeper) = (late_ns.clone(), wakes.clone(), cx.clone());
                    cx.spawn_detached(async move {
                        let d = Duration::from_millis((i % 10 + 1) as u64);
                        let deadline = Instant::now() + d;
                        sleeper.sleep(d).await;
                        let late = Instant::now().saturating_duration_since(deadline);
                        late_ns.fetch_add(late.as_nanos() as u64, Relaxed);
                        wakes.fetch_add(1, Relaxed);
                        if rem.fetch_sub(1, Relaxed) == 1 {
                            done_tx.unbounded_send(()).unwrap();
                        }
                    });
                }
                done_rx.next().await.unwrap();
            });
        });
        let n = wakes.load(Relaxed).max(1);
        eprintln!(
            "timers_sleep/{}: mean lateness {:.1} us over {n} sleeps",
            std::any::type_name::<R>()
                .rsplit("::")
                .next()
                .unwrap_or("?"),
            late_ns.load(Relaxed) as f64 / n as f64 / 1e3,
        );
    }
}

/// The lateness totals of runtime `R`: (sum of ns late, number of wakes).
fn totals<R>() -> (Arc<AtomicU64>, Arc<AtomicU64>) {
    type Totals = HashMap<&'static str, (Arc<AtomicU64>, Arc<AtomicU64>)>;
    static TOTALS: Mutex<Option<Totals>> = Mutex::new(None);
    let mut totals = TOTALS.lock().unwrap();
    let entry = totals
        .get_or_insert_with(HashMap::new)
        .entry(std::any::type_name::<R>());
    entry.or_default().clone()
}

fn bench(c: &mut Criterion) {
    bench_all::<TimersSleep>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
