//! Measures a 256 MiB file through each runtime's `fs::File` in 64 KiB
//! pieces, from a task on the runtime's workers:
//!
//! - `fs_write`: create (truncating) and `write_all` 64 KiB at a time, then
//!   `flush` (which waits for the last write; no `fsync`, so the figure is
//!   the runtime's hand-offs and the page cache, not the disk).
//! - `fs_read`: open the file written once before and `read` it to the end
//!   with a 64 KiB buffer.
//!
//! smol's `fs` is async-fs (re-exported as `smol::fs`, so no new
//! dependency), on the `blocking` crate's own thread pool, not the
//! executor's. This runtime and tokio do one blocking hop per write (one
//! write in flight); for reads tokio hops once per 64 KiB while this
//! runtime reads ahead, up to 2 MiB per hop.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use benches::{Ours, Rt, Smol, Tokio};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const TOTAL: usize = 256 << 20;
const CHUNK: usize = 64 << 10;

/// The bench's file, in the temp dir, unique to this process.
fn path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("benches-fs-{}-{name}", std::process::id()))
}

async fn write_ours(path: PathBuf) {
    use runtime::io::AsyncWriteExt;
    let chunk = vec![0xa5u8; CHUNK];
    let mut file = runtime::fs::File::create(&path).await.unwrap();
    for _ in 0..TOTAL / CHUNK {
        file.write_all(&chunk).await.unwrap();
    }
    file.flush().await.unwrap();
}

async fn write_tokio(path: PathBuf) {
    use tokio::io::AsyncWriteExt;
    let chunk = vec![0xa5u8; CHUNK];
    let mut file = tokio::fs::File::create(&path).await.unwrap();
    for _ in 0..TOTAL / CHUNK {
        file.write_all(&chunk).await.unwrap();
    }
    file.flush().await.unwrap();
}

async fn write_smol(path: PathBuf) {
    use futures_lite::AsyncWriteExt;
    let chunk = vec![0xa5u8; CHUNK];
    let mut file = smol::fs::File::create(&path).await.unwrap();
    for _ in 0..TOTAL / CHUNK {
        file.write_all(&chunk).await.unwrap();
    }
    file.flush().await.unwrap();
}

async fn read_ours(path: PathBuf) {
    use runtime::io::AsyncReadExt;
    let mut buf = vec![0u8; CHUNK];
    let mut file = runtime::fs::File::open(&path).await.unwrap();
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, TOTAL);
}

async fn read_tokio(path: PathBuf) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; CHUNK];
    let mut file = tokio::fs::File::open(&path).await.unwrap();
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, TOTAL);
}

async fn read_smol(path: PathBuf) {
    use futures_lite::AsyncReadExt;
    let mut buf = vec![0u8; CHUNK];
    let mut file = smol::fs::File::open(&path).await.unwrap();
    let mut total = 0;
    loop {
        let n = file.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        total += n;
    }
    assert_eq!(total, TOTAL);
}

/// Benches `work` on runtime `R`, spawned onto its workers, as function
/// `id` of `group`.
fn run<R: Rt, F: Future<Output = ()> + Send + 'static>(
    c: &mut Criterion,
    group: &str,
    id: &str,
    file: &str,
    work: fn(PathBuf) -> F,
) {
    let rt = R::build();
    let path = path(file);
    let mut g = c.benchmark_group(group);
    // An iteration moves 256 MiB (a few hundred ms): the fewest samples.
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Bytes(TOTAL as u64));
    g.bench_function(id, |b| b.iter(|| rt.block_on(rt.spawn(work(path.clone())))));
    g.finish();
}

fn bench(c: &mut Criterion) {
    // The file the reads read, written once with std.
    let source = path("read");
    std::fs::write(&source, vec![0x5au8; TOTAL]).unwrap();
    run::<Ours, _>(c, "fs_write", "runtime", "write", write_ours);
    run::<Tokio, _>(c, "fs_write", "tokio", "write", write_tokio);
    run::<Smol, _>(c, "fs_write", "smol", "write", write_smol);
    run::<Ours, _>(c, "fs_read", "runtime", "read", read_ours);
    run::<Tokio, _>(c, "fs_read", "tokio", "read", read_tokio);
    run::<Smol, _>(c, "fs_read", "smol", "read", read_smol);
    let _ = std::fs::remove_file(&source);
    let _ = std::fs::remove_file(path("write"));
}

criterion_group!(benches, bench);
criterion_main!(benches);
