//! Measures 1_000 round trips of 64 bytes over loopback: 50 clients, each
//! with its own connection to an echo server on the same runtime, do 20
//! round trips each (write 64 bytes, read the 64-byte echo). The listener,
//! the server's per-connection tasks and the 50 connections are set up once;
//! an iteration spawns the 50 client tasks and awaits them.

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion, Throughput};

const CLIENTS: usize = 50;
const ROUND_TRIPS: usize = 1_000;
const MSG: usize = 64;

struct TcpEcho;

impl Workload for TcpEcho {
    const NAME: &'static str = "tcp_echo";

    fn throughput() -> Option<Throughput> {
        Some(Throughput::Elements(ROUND_TRIPS as u64))
    }

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let cx = rt.cx();
        let mut streams = rt.block_on(async {
            let listener = cx.bind("127.0.0.1:0".parse().unwrap()).await;
            let addr = R::Cx::local_addr(&listener);
            // The server: one echo task per connection, until EOF.
            let server_cx = cx.clone();
            cx.spawn_detached(async move {
                for _ in 0..CLIENTS {
                    let mut stream = R::Cx::accept(&listener).await;
                    server_cx.spawn_detached(async move {
                        let mut buf = [0; MSG];
                        loop {
                            let n = R::Cx::read(&mut stream, &mut buf).await;
                            if n == 0 {
                                break;
                            }
                            R::Cx::write_all(&mut stream, &buf[..n]).await;
                        }
                    });
                }
            });
            let mut streams = Vec::with_capacity(CLIENTS);
            for _ in 0..CLIENTS {
                streams.push(cx.connect(addr).await);
            }
            streams
        });
        b.iter(|| {
            let taken = std::mem::take(&mut streams);
            streams = rt.block_on(async {
                let clients: Vec<_> = taken
                    .into_iter()
                    .map(|mut stream| {
                        cx.spawn(async move {
                            let msg = [0x5a; MSG];
                            let mut back = [0; MSG];
                            for _ in 0..ROUND_TRIPS / CLIENTS {
                                R::Cx::write_all(&mut stream, &msg).await;
                                R::Cx::read_exact(&mut stream, &mut back).await;
                            }
                            assert_eq!(back, msg);
                            stream
                        })
                    })
                    .collect();
                let mut streams = Vec::with_capacity(CLIENTS);
                for c in clients {
                    streams.push(c.await);
                }
                streams
            });
        });
        // Closing the clients ends the server's tasks.
        drop(streams);
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<TcpEcho>(c);
}

criterion_group! { name = benches; config = config(); targets = bench }
criterion_main!(benches);
