//! Measures 1 GiB through one loopback connection in 64 KiB writes: a
//! writer task and a reader task (64 KiB reads) on the runtime's workers.
//! The connection is set up once; an iteration spawns both and awaits them.
//!
//! An iteration takes a few hundred milliseconds, so this group runs
//! criterion's minimum of 10 samples in an 8 s measurement (see `config`).

use std::time::Duration;

use benches::{bench_all, config, Cx, Rt, Workload};
use criterion::{criterion_group, criterion_main, Bencher, Criterion, Throughput};

const TOTAL: usize = 1 << 30;
const CHUNK: usize = 64 << 10;

struct TcpStream;

impl Workload for TcpStream {
    const NAME: &'static str = "tcp_stream";

    fn throughput() -> Option<Throughput> {
        Some(Throughput::Bytes(TOTAL as u64))
    }

    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R) {
        let cx = rt.cx();
        let mut pair = Some(rt.block_on(async {
            let listener = cx.bind("127.0.0.1:0".parse().unwrap()).await;
            let addr = R::Cx::local_addr(&listener);
            let accept = cx.spawn(async move { R::Cx::accept(&listener).await });
            let writer = cx.connect(addr).await;
            (writer, accept.await)
        }));
        b.iter(|| {
            let (mut writer, mut reader) = pair.take().unwrap();
            pair = Some(rt.block_on(async {
                let write = cx.spawn(async move {
                    let chunk = vec![0xa5u8; CHUNK];
                    for _ in 0..TOTAL / CHUNK {
                        R::Cx::write_all(&mut writer, &chunk).await;
                    }
                    writer
                });
                let read = cx.spawn(async move {
                    let mut buf = vec![0u8; CHUNK];
                    let mut received = 0;
                    while received < TOTAL {
                        let n = R::Cx::read(&mut reader, &mut buf).await;
                        assert_ne!(n, 0, "EOF after {received} bytes");
                        received += n;
                    }
                    reader
                });
                (write.await, read.await)
            }));
        });
    }
}

fn bench(c: &mut Criterion) {
    bench_all::<TcpStream>(c);
}

criterion_group! {
    name = benches;
    // 10 samples (criterion's minimum) of one or a few iterations each.
    config = config()
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
