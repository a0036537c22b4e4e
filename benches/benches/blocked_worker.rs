//! What a worker stuck inside one poll (a `std::thread::sleep`) costs the
//! other tasks, on each runtime with its 2 workers:
//!
//! - `blocked_worker_ping`: task A spawns a peer B, waits until B is parked
//!   on a channel, then sends B the current instant and blocks its thread
//!   for 20 ms in that same poll. B is woken on A's worker (tokio puts it in
//!   that worker's LIFO slot); the figure is B's receive instant minus A's
//!   send instant.
//! - `blocked_worker_timer`: a task runs 20 sleeps of 1 ms one after the
//!   other with the runtime's own sleep while a task spawned just after it
//!   blocks its worker for 50 ms; the figure is each sleep's lateness
//!   (elapsed minus 1 ms).
//!
//! Criterion reports, through `iter_custom`, the summed figures of an
//! iteration (the delay for the ping, the 20 sleeps' lateness for the timer),
//! not the wall time, which the blocking dominates. The mean and max of the
//! figures over every iteration of a runtime are printed on stderr after its
//! run.

use std::time::{Duration, Instant};

use benches::{config, Cx, Ours, Rt, Smol, Tokio};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// How long task A blocks its worker after the send.
const PING_BLOCK: Duration = Duration::from_millis(20);
/// How long the blocking task blocks its worker.
const TIMER_BLOCK: Duration = Duration::from_millis(50);
/// Sleeps per timer iteration.
const NUM_SLEEPS: usize = 20;
/// Length of each of them.
const SLEEP: Duration = Duration::from_millis(1);

/// One ping iteration: the delay from A's send to B's receive.
fn ping<R: Rt>(rt: &R) -> Vec<Duration> {
    let cx = rt.cx();
    let a = rt.spawn(async move {
        let (ready_tx, ready_rx) = async_channel::bounded::<()>(1);
        let (tx, rx) = async_channel::bounded::<Instant>(1);
        // Spawned from A, so on A's worker.
        let b = cx.spawn(async move {
            ready_tx.try_send(()).unwrap();
            let sent = rx.recv().await.unwrap();
            Instant::now().saturating_duration_since(sent)
        });
        // B wakes A from inside the poll in which it then parks on `rx`.
        ready_rx.recv().await.unwrap();
        tx.try_send(Instant::now()).unwrap();
        // Same poll as the send: B's wake waits behind this worker.
        std::thread::sleep(PING_BLOCK);
        b.await
    });
    vec![rt.block_on(a)]
}

/// One timer iteration: the lateness of each sleep.
fn timer<R: Rt>(rt: &R) -> Vec<Duration> {
    let cx = rt.cx();
    let task = rt.spawn(async move {
        let sleeper = cx.clone();
        let sleeps = cx.spawn(async move {
            let mut late = Vec::with_capacity(NUM_SLEEPS);
            for _ in 0..NUM_SLEEPS {
                let start = Instant::now();
                sleeper.sleep(SLEEP).await;
                late.push(start.elapsed().saturating_sub(SLEEP));
            }
            late
        });
        let blocker = cx.spawn(async {
            std::thread::sleep(TIMER_BLOCK);
        });
        let late = sleeps.await;
        blocker.await;
        late
    });
    rt.block_on(task)
}

/// The figures of one runtime over its whole run.
#[derive(Debug, Default)]
struct Stats {
    sum: Duration,
    max: Duration,
    n: u64,
}

impl Stats {
    fn add(&mut self, d: Duration) {
        self.sum += d;
        self.max = self.max.max(d);
        self.n += 1;
    }
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Benches `iteration` on runtime `R` as function `id` of `group`; prints
/// the mean and max of the figures it returned on stderr.
fn run<R: Rt>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    id: &str,
    what: &str,
    iteration: fn(&R) -> Vec<Duration>,
) {
    let rt = R::build();
    // Not recorded: starts the threads and the timer.
    iteration(&rt);
    let mut stats = Stats::default();
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                for d in iteration(&rt) {
                    stats.add(d);
                    total += d;
                }
            }
            total
        });
    });
    drop(rt);
    let n = stats.n.max(1);
    eprintln!(
        "{name} {id}: mean {:.1} µs, max {:.1} µs over {} {what}",
        us(stats.sum) / n as f64,
        us(stats.max),
        stats.n,
    );
}

fn bench_group(
    c: &mut Criterion,
    name: &str,
    what: &str,
    ours: fn(&Ours) -> Vec<Duration>,
    tokio: fn(&Tokio) -> Vec<Duration>,
    smol: fn(&Smol) -> Vec<Duration>,
) {
    let mut group = c.benchmark_group(name);
    // An iteration takes 20 to 50 ms of blocking: the fewest samples.
    group.sample_size(10);
    run(&mut group, name, "runtime", what, ours);
    run(&mut group, name, "tokio", what, tokio);
    run(&mut group, name, "smol", what, smol);
    group.finish();
}

fn bench(c: &mut Criterion) {
    bench_group(
        c,
        "blocked_worker_ping",
        "pings",
        ping::<Ours>,
        ping::<Tokio>,
        ping::<Smol>,
    );
    bench_group(
        c,
        "blocked_worker_timer",
        "sleeps",
        timer::<Ours>,
        timer::<Tokio>,
        timer::<Smol>,
    );
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
