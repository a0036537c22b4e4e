//! The cooperative budget on sockets: a task looping on an always-ready
//! socket still lets the other tasks of its worker run (issue 5). The
//! bounds are reasoned as in `coop.rs`.

mod common;

use common::one_thread_runtimes;
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::TcpStream;
use runtime::Runtime;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Generous bound: proves progress, not speed.
const NO_HANG: Duration = Duration::from_secs(10);

/// The most ready IO operations the hog may complete before the other
/// task runs, with a budget of 128 per poll. The other task is spawned
/// from outside the worker (`block_on`'s thread), so on multi_thread it
/// waits in the injector, which the worker checks every
/// `global_queue_interval` (61) ticks; current_thread finds it at once,
/// as its local queue is empty. Without the budget the hog would loop
/// until `NO_HANG` (millions of operations).
fn bound(flavor: &str) -> u64 {
    if flavor == "current_thread" {
        129
    } else {
        61 * 128 + 1
    }
}

/// Spawns `hog` (which loops until the flag is set, counting iterations),
/// then a task that sets the flag; returns the hog's count.
fn race<H, F>(rt: &Runtime, hog: H) -> (bool, u64)
where
    H: FnOnce(Arc<AtomicBool>) -> F,
    F: std::future::Future<Output = u64> + Send + 'static,
{
    let ran = Arc::new(AtomicBool::new(false));
    // The bound assumes the other task is queued before the hog starts:
    // the hog's first poll waits (blocking its worker) until it is, or a
    // preempted `block_on` thread would let the hog run a few injector
    // intervals first.
    let queued = Arc::new(AtomicBool::new(false));
    let iterations = rt.block_on(async {
        let hog = {
            let (hog, queued) = (hog(ran.clone()), queued.clone());
            runtime::spawn(async move {
                while !queued.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                hog.await
            })
        };
        let other = {
            let ran = ran.clone();
            runtime::spawn(async move { ran.store(true, Ordering::SeqCst) })
        };
        queued.store(true, Ordering::SeqCst);
        other.await.unwrap();
        hog.await.unwrap()
    });
    (ran.load(Ordering::SeqCst), iterations)
}

#[test]
fn a_task_reading_an_always_full_socket_yields_to_other_tasks() {
    for (flavor, rt) in one_thread_runtimes() {
        // The peer is a plain thread that keeps the buffer full: it fills
        // it before the hog starts, then writes until the hog hangs up.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (local, _) = listener.accept().unwrap();
        peer.set_nonblocking(true).unwrap();
        let chunk = vec![0xabu8; 64 << 10];
        let mut prefilled = 0;
        while let Ok(n) = peer.write(&chunk) {
            prefilled += n;
        }
        peer.set_nonblocking(false).unwrap();
        let writer = std::thread::spawn(move || while peer.write_all(&chunk).is_ok() {});
        // Even without the writer, the hog's reads cannot drain it.
        assert!(
            prefilled as u64 > bound(flavor) * 8,
            "{flavor}: {prefilled}"
        );

        let _enter = rt.enter();
        let mut stream = TcpStream::from_std(local).unwrap();
        let (ran, iterations) = race(&rt, |ran| async move {
            let mut iterations = 0u64;
            let start = Instant::now();
            let mut buf = [0; 8];
            while !ran.load(Ordering::SeqCst) && start.elapsed() < NO_HANG {
                // Ready at once: never returns Pending by itself.
                stream.read_exact(&mut buf).await.unwrap();
                iterations += 1;
            }
            iterations
        });
        drop(_enter);
        drop(rt); // closes the stream: the writer's next write fails
        writer.join().unwrap();
        assert!(ran, "{flavor}: the other task never ran");
        let bound = bound(flavor);
        assert!(
            iterations <= bound,
            "{flavor}: {iterations} reads before the other task ran (bound {bound})"
        );
    }
}

#[test]
fn a_task_writing_to_a_socket_with_a_reading_peer_yields_to_other_tasks() {
    for (flavor, rt) in one_thread_runtimes() {
        // The peer is a plain thread that reads until the hog hangs up.
        // (TCP, not Unix: a Unix socket charges each small write a whole
        // buffer, and fills after ~280 writes of 8 bytes.)
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let local = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (mut peer, _) = listener.accept().unwrap();
        let reader = std::thread::spawn(move || {
            let mut buf = vec![0; 64 << 10];
            while matches!(peer.read(&mut buf), Ok(n) if n > 0) {}
        });

        let _enter = rt.enter();
        let mut stream = TcpStream::from_std(local).unwrap();
        let (ran, iterations) = race(&rt, |ran| async move {
            let mut iterations = 0u64;
            let start = Instant::now();
            while !ran.load(Ordering::SeqCst) && start.elapsed() < NO_HANG {
                // 8 bytes into a send buffer that the peer drains:
                // ready at once.
                stream.write_all(&[0x5a; 8]).await.unwrap();
                iterations += 1;
            }
            iterations
        });
        drop(_enter);
        drop(rt); // closes the stream: the reader sees EOF
        reader.join().unwrap();
        assert!(ran, "{flavor}: the other task never ran");
        let bound = bound(flavor);
        assert!(
            iterations <= bound,
            "{flavor}: {iterations} writes before the other task ran (bound {bound})"
        );
    }
}
