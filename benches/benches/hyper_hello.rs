//! hyper 1.x's hello-world server under load, on this runtime
//! (`runtime::hyper`) and on tokio (hyper-util's `rt::tokio`), 2 workers
//! each. The load is the same for both: 8 client threads, each with one
//! keep-alive connection, send `GET /` and read the answer, 100 times per
//! iteration (800 requests). smol has no hyper adapter of its own here.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{server::conn::http1, service::service_fn, Response};
use std::convert::Infallible;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};

const CLIENTS: usize = 8;
const REQUESTS: usize = 100;

fn hello() -> Response<Full<Bytes>> {
    Response::new(Full::new(Bytes::from_static(b"hello world")))
}

fn serve_ours(rt: &runtime::Runtime) -> SocketAddr {
    rt.block_on(async {
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        runtime::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                runtime::spawn(async move {
                    let service = service_fn(|_| async { Ok::<_, Infallible>(hello()) });
                    let _ = http1::Builder::new()
                        .timer(runtime::hyper::Timer::new())
                        .serve_connection(runtime::hyper::Io::new(stream), service)
                        .await;
                });
            }
        });
        addr
    })
}

fn serve_tokio(rt: &tokio::runtime::Runtime) -> SocketAddr {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let service = service_fn(|_| async { Ok::<_, Infallible>(hello()) });
                    let _ = http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        addr
    })
}

/// The load: `CLIENTS` threads with one connection each, started once;
/// each iteration releases them for `REQUESTS` requests each.
struct Load {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
}

impl Load {
    fn new(addr: SocketAddr) -> Load {
        let start = Arc::new(Barrier::new(CLIENTS + 1));
        let done = Arc::new(Barrier::new(CLIENTS + 1));
        for _ in 0..CLIENTS {
            let (start, done) = (start.clone(), done.clone());
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(addr).unwrap();
                s.set_nodelay(true).unwrap();
                let mut buf = vec![0; 4096];
                loop {
                    start.wait();
                    for _ in 0..REQUESTS {
                        s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
                        let mut got = 0;
                        while !buf[..got].ends_with(b"hello world") {
                            got += s.read(&mut buf[got..]).unwrap();
                        }
                    }
                    done.wait();
                }
            });
        }
        Load { start, done }
    }

    fn run(&self) {
        self.start.wait();
        self.done.wait();
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("hyper_hello");
    group.throughput(Throughput::Elements((CLIENTS * REQUESTS) as u64));
    group.sample_size(20);
    let ours = runtime::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = Load::new(serve_ours(&ours));
    group.bench_function("runtime", |b| b.iter(|| load.run()));
    let theirs = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let load = Load::new(serve_tokio(&theirs));
    group.bench_function("tokio", |b| b.iter(|| load.run()));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
