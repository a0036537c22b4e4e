//! Measures 1_000 ping-pongs: each is a task that spawns a peer, pings it on
//! one oneshot and awaits its pong on another; the last one signals
//! `block_on` through a channel.

use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion};
use futures_channel::{mpsc, oneshot};
use futures_lite::StreamExt;

const NUM_PINGS: usize = 1_000;

struct PingPong;

impl Workload for PingPong {
    const NAME: &'static str = "ping_pong";

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let rem = Arc::new(AtomicUsize::new(0));
        let (done_tx, mut done_rx) = mpsc::unbounded();
        b.iter(|| {
            rem.store(NUM_PINGS, Relaxed);
            let (cx, rem, done_tx) = (rt.cx(), rem.clone(), done_tx.clone());
            rt.block_on(async {
                rt.cx().spawn_detached(async move {
                    for _ in 0..NUM_PINGS {
                        let (peer_cx, rem, done_tx) = (cx.clone(), rem.clone(), done_tx.clone());
                        cx.spawn_detached(async move {
                            let (tx1, rx1) = oneshot::channel();
                            let (tx2, rx2) = oneshot::channel();
                            peer_cx.spawn_detached(async move {
                                rx1.await.unwrap();
                                tx2.send(()).unwrap();
                            });
                            tx1.send(()).unwrap();
                            rx2.await.unwrap();
                            if rem.fetch_sub(1, Relaxed) == 1 {
                                done_tx.unbounded_send(()).unwrap();
                            }
                        });
                    }
                });
                done_rx.next().await.unwrap();
            });
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<PingPong>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
