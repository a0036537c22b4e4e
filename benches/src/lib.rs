//! Shared helpers for the side-by-side benchmarks.
//!
//! Each workload is written once, generic over [`Rt`] (the runtime as seen
//! from the bench thread) and [`Cx`] (the runtime as seen from inside one of
//! its tasks), and run on three runtimes, each with [`WORKERS`] worker threads:
//! [`Ours`] (this workspace's `runtime`), [`Tokio`] and [`Smol`]
//! (an `async_executor::Executor` run by [`WORKERS`] threads).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{Bencher, BenchmarkGroup, Criterion, Throughput};

/// Worker threads of every runtime under test.
pub const WORKERS: usize = 2;

/// A runtime as driven from the bench thread.
pub trait Rt {
    /// Spawner usable from inside the runtime's tasks.
    type Cx: Cx;
    /// Builds the runtime with [`WORKERS`] worker threads.
    fn build() -> Self;
    /// Runs `f` to completion on the current (bench) thread.
    fn block_on<F: Future>(&self, f: F) -> F::Output;
    /// Spawns `f` from outside the runtime; the returned future yields its output.
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<Self, F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// A spawner to move into tasks.
    fn cx(&self) -> Self::Cx;
}

/// A runtime as seen from inside one of its tasks (or its `block_on`).
pub trait Cx: Clone + Send + Sync + 'static {
    /// Spawns `f` from the current task; the returned future yields its output.
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<Self, F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
    /// Spawns `f` from the current task and lets it run on its own.
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static;
    /// The runtime's own `yield_now`.
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static + use<Self>;
    /// The runtime's own sleep.
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + 'static + use<Self>;
    /// `f` with the runtime's own timeout: `None` if `d` passes first.
    fn timeout<F>(
        &self,
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send + 'static + use<Self, F>
    where
        F: Future + Send + 'static;

    /// The runtime's TCP listener.
    type TcpListener: Send + Sync + 'static;
    /// The runtime's TCP stream.
    type TcpStream: Send + 'static;
    /// Binds a listener to `addr`.
    fn bind(&self, addr: SocketAddr) -> impl Future<Output = Self::TcpListener> + Send;
    /// The address `listener` is bound to.
    fn local_addr(listener: &Self::TcpListener) -> SocketAddr;
    /// Accepts a connection, with `TCP_NODELAY` set.
    fn accept(listener: &Self::TcpListener) -> impl Future<Output = Self::TcpStream> + Send;
    /// Connects to `addr`, with `TCP_NODELAY` set.
    fn connect(&self, addr: SocketAddr) -> impl Future<Output = Self::TcpStream> + Send;
    /// Reads what is there: at least one byte, or 0 at EOF.
    fn read(stream: &mut Self::TcpStream, buf: &mut [u8]) -> impl Future<Output = usize> + Send;
    /// Fills `buf`.
    fn read_exact(stream: &mut Self::TcpStream, buf: &mut [u8]) -> impl Future<Output = ()> + Send;
    /// Writes all of `buf`.
    fn write_all(stream: &mut Self::TcpStream, buf: &[u8]) -> impl Future<Output = ()> + Send;
}

/// This workspace's `runtime`.
#[derive(Debug)]
pub struct Ours(runtime::Runtime);

/// In-task spawner of [`Ours`]: `runtime::spawn`.
#[derive(Debug, Clone, Copy)]
pub struct OursCx;

async fn unwrap_ours<T>(h: runtime::task::JoinHandle<T>) -> T {
    h.await.expect("runtime task failed")
}

impl Rt for Ours {
    type Cx = OursCx;
    fn build() -> Self {
        Ours(
            runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        unwrap_ours(self.0.spawn(f))
    }
    fn cx(&self) -> OursCx {
        OursCx
    }
}

impl Cx for OursCx {
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        unwrap_ours(runtime::spawn(f))
    }
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(runtime::spawn(f));
    }
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static + use<> {
        runtime::task::yield_now()
    }
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        runtime::time::sleep(d)
    }
    fn timeout<F>(
        &self,
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
    {
        // Built inside the async block, as smol's is (see `Smol`'s).
        async move { runtime::time::timeout(d, f).await.ok() }
    }

    type TcpListener = runtime::net::TcpListener;
    type TcpStream = runtime::net::TcpStream;
    async fn bind(&self, addr: SocketAddr) -> Self::TcpListener {
        runtime::net::TcpListener::bind(addr).await.unwrap()
    }
    fn local_addr(listener: &Self::TcpListener) -> SocketAddr {
        listener.local_addr().unwrap()
    }
    async fn accept(listener: &Self::TcpListener) -> Self::TcpStream {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn connect(&self, addr: SocketAddr) -> Self::TcpStream {
        let stream = runtime::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn read(stream: &mut Self::TcpStream, buf: &mut [u8]) -> usize {
        use runtime::io::AsyncReadExt;
        stream.read(buf).await.unwrap()
    }
    async fn read_exact(stream: &mut Self::TcpStream, buf: &mut [u8]) {
        use runtime::io::AsyncReadExt;
        stream.read_exact(buf).await.unwrap();
    }
    async fn write_all(stream: &mut Self::TcpStream, buf: &[u8]) {
        use runtime::io::AsyncWriteExt;
        stream.write_all(buf).await.unwrap();
    }
}

/// tokio's multi-threaded runtime.
#[derive(Debug)]
pub struct Tokio(tokio::runtime::Runtime);

/// In-task spawner of [`Tokio`]: `tokio::spawn`.
#[derive(Debug, Clone, Copy)]
pub struct TokioCx;

async fn unwrap_tokio<T>(h: tokio::task::JoinHandle<T>) -> T {
    h.await.expect("tokio task failed")
}

impl Rt for Tokio {
    type Cx = TokioCx;
    fn build() -> Self {
        Tokio(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build()
                .unwrap(),
        )
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.0.block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        unwrap_tokio(self.0.spawn(f))
    }
    fn cx(&self) -> TokioCx {
        TokioCx
    }
}

impl Cx for TokioCx {
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        unwrap_tokio(tokio::spawn(f))
    }
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        drop(tokio::spawn(f));
    }
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static + use<> {
        tokio::task::yield_now()
    }
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        tokio::time::sleep(d)
    }
    fn timeout<F>(
        &self,
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
    {
        async move { tokio::time::timeout(d, f).await.ok() }
    }

    type TcpListener = tokio::net::TcpListener;
    type TcpStream = tokio::net::TcpStream;
    async fn bind(&self, addr: SocketAddr) -> Self::TcpListener {
        tokio::net::TcpListener::bind(addr).await.unwrap()
    }
    fn local_addr(listener: &Self::TcpListener) -> SocketAddr {
        listener.local_addr().unwrap()
    }
    async fn accept(listener: &Self::TcpListener) -> Self::TcpStream {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn connect(&self, addr: SocketAddr) -> Self::TcpStream {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn read(stream: &mut Self::TcpStream, buf: &mut [u8]) -> usize {
        use tokio::io::AsyncReadExt;
        stream.read(buf).await.unwrap()
    }
    async fn read_exact(stream: &mut Self::TcpStream, buf: &mut [u8]) {
        use tokio::io::AsyncReadExt;
        stream.read_exact(buf).await.unwrap();
    }
    async fn write_all(stream: &mut Self::TcpStream, buf: &[u8]) {
        use tokio::io::AsyncWriteExt;
        stream.write_all(buf).await.unwrap();
    }
}

/// smol: an `async_executor::Executor` run by [`WORKERS`] threads.
///
/// The worker threads run the executor in `smol::block_on`, which lets an
/// idle worker drive async-io's reactor (smol's multi-threaded recipe); the
/// bench thread's `block_on` is `futures_lite::future::block_on`.
/// Dropping it closes the shutdown channel and joins the threads.
#[derive(Debug)]
pub struct Smol {
    ex: SmolCx,
    stop: Option<async_channel::Sender<()>>,
    threads: Vec<JoinHandle<()>>,
}

/// In-task spawner of [`Smol`]: a shared handle to the executor.
#[derive(Debug, Clone)]
pub struct SmolCx(Arc<async_executor::Executor<'static>>);

impl Rt for Smol {
    type Cx = SmolCx;
    fn build() -> Self {
        let ex = SmolCx(Arc::new(async_executor::Executor::new()));
        let (stop, stopped) = async_channel::bounded::<()>(1);
        let threads = (0..WORKERS)
            .map(|i| {
                let ex = ex.0.clone();
                let stopped = stopped.clone();
                std::thread::Builder::new()
                    .name(format!("smol-{i}"))
                    .spawn(move || {
                        // smol's own `block_on` (async-io's): an idle
                        // worker drives the IO reactor and timers, as in
                        // smol's multi-threaded recipe.
                        let _ = smol::block_on(ex.run(stopped.recv()));
                    })
                    .unwrap()
            })
            .collect();
        Smol {
            ex,
            stop: Some(stop),
            threads,
        }
    }
    fn block_on<F: Future>(&self, f: F) -> F::Output {
        futures_lite::future::block_on(f)
    }
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.ex.spawn(f)
    }
    fn cx(&self) -> SmolCx {
        self.ex.clone()
    }
}

impl Drop for Smol {
    fn drop(&mut self) {
        drop(self.stop.take());
        for t in self.threads.drain(..) {
            t.join().unwrap();
        }
    }
}

impl Cx for SmolCx {
    fn spawn<F>(&self, f: F) -> impl Future<Output = F::Output> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.0.spawn(f)
    }
    fn spawn_detached<F>(&self, f: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.0.spawn(f).detach();
    }
    fn yield_now(&self) -> impl Future<Output = ()> + Send + 'static + use<> {
        futures_lite::future::yield_now()
    }
    fn sleep(&self, d: Duration) -> impl Future<Output = ()> + Send + 'static + use<> {
        let timer = smol::Timer::after(d);
        async move {
            timer.await;
        }
    }
    fn timeout<F>(
        &self,
        d: Duration,
        f: F,
    ) -> impl Future<Output = Option<F::Output>> + Send + 'static + use<F>
    where
        F: Future + Send + 'static,
    {
        // smol's idiom: race the future (polled first) against a timer.
        futures_lite::future::or(async move { Some(f.await) }, async move {
            smol::Timer::after(d).await;
            None
        })
    }

    type TcpListener = smol::net::TcpListener;
    type TcpStream = smol::net::TcpStream;
    async fn bind(&self, addr: SocketAddr) -> Self::TcpListener {
        smol::net::TcpListener::bind(addr).await.unwrap()
    }
    fn local_addr(listener: &Self::TcpListener) -> SocketAddr {
        listener.local_addr().unwrap()
    }
    async fn accept(listener: &Self::TcpListener) -> Self::TcpStream {
        let (stream, _) = listener.accept().await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn connect(&self, addr: SocketAddr) -> Self::TcpStream {
        let stream = smol::net::TcpStream::connect(addr).await.unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }
    async fn read(stream: &mut Self::TcpStream, buf: &mut [u8]) -> usize {
        use futures_lite::AsyncReadExt;
        stream.read(buf).await.unwrap()
    }
    async fn read_exact(stream: &mut Self::TcpStream, buf: &mut [u8]) {
        use futures_lite::AsyncReadExt;
        stream.read_exact(buf).await.unwrap();
    }
    async fn write_all(stream: &mut Self::TcpStream, buf: &[u8]) {
        use futures_lite::AsyncWriteExt;
        stream.write_all(buf).await.unwrap();
    }
}

/// Short criterion settings for a 2-core machine.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
}

/// A workload, written once for every runtime.
pub trait Workload {
    /// Criterion group name; also the bench file's name.
    const NAME: &'static str;
    /// Measures the workload on `rt` with `b.iter`; criterion calls this once
    /// per warm-up or sample batch, on a runtime built once for all of them.
    fn bench<R: Rt>(b: &mut Bencher<'_>, rt: &R);
    /// What one iteration moves, for criterion's throughput line.
    fn throughput() -> Option<Throughput> {
        None
    }
}

/// Benches `W` on the three runtimes, as functions `runtime`, `tokio` and
/// `smol` of one group named [`Workload::NAME`].
///
/// Each runtime is built once, before its measurements, and dropped after.
pub fn bench_all<W: Workload>(c: &mut Criterion) {
    let mut group = c.benchmark_group(W::NAME);
    if let Some(t) = W::throughput() {
        group.throughput(t);
    }
    run::<W, Ours>(&mut group, "runtime");
    run::<W, Tokio>(&mut group, "tokio");
    run::<W, Smol>(&mut group, "smol");
    group.finish();
}

fn run<W: Workload, R: Rt>(group: &mut BenchmarkGroup<'_, WallTime>, id: &str) {
    let rt = R::build();
    group.bench_function(id, |b| W::bench(b, &rt));
    drop(rt);
}

/// Busy-spins for about `d` (CPU work, not a sleep).
pub fn spin(d: Duration) {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < d {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
