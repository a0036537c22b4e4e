//! `runtime::net` and `runtime::io` on the real runtime, both flavors: the
//! reactor is driven by the worker that parks, not by a test thread.
//!
//! The fd-count test is in `net_fds.rs` (/proc/self/fd counts the whole
//! process, and the tests of one file run in parallel); the cooperative
//! budget on sockets is in `net_coop.rs`.

mod common;

use common::panic_message;
use runtime::io::{AsyncFd, AsyncReadExt, AsyncWriteExt};
use runtime::net::{
    lookup_host, TcpListener, TcpStream, UdpSocket, UnixDatagram, UnixListener, UnixStream,
};
use runtime::{task, time, Builder, Runtime};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

/// Generous bound: proves the absence of a hang, not speed.
const NO_HANG: Duration = Duration::from_secs(20);

/// One IO-enabled runtime of each flavor, named for assertion messages.
fn each_flavor(mut f: impl FnMut(&'static str, Runtime)) {
    f(
        "current_thread",
        Builder::new_current_thread().enable_all().build().unwrap(),
    );
    f(
        "multi_thread",
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
}

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

/// A connected pair: (client, accepted).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let (listener, addr) = listener().await;
    let accept = runtime::spawn(async move { listener.accept().await.unwrap().0 });
    let client = TcpStream::connect(addr).await.unwrap();
    (client, accept.await.unwrap())
}

/// A path in the temp dir no other test uses.
fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "runtime-net-{}-{name}-{n}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

/// An FNV-1a checksum.
fn checksum(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x100_0000_01b3);
    }
}

const CHECKSUM_INIT: u64 = 0xcbf2_9ce4_8422_2325;

#[test]
fn echo_with_1000_concurrent_connections() {
    // Below the listen backlog (1024), so no handshake is dropped.
    const CONNECTIONS: usize = 1000;
    let _guard = common::hang_guard("echo_with_1000_concurrent_connections", 4 * NO_HANG);
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let server = runtime::spawn(async move {
                // One task per connection, as a real server.
                let mut handlers = Vec::with_capacity(CONNECTIONS);
                for _ in 0..CONNECTIONS {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    handlers.push(runtime::spawn(async move {
                        let mut buf = [0; 64];
                        loop {
                            let n = stream.read(&mut buf).await.unwrap();
                            if n == 0 {
                                break;
                            }
                            stream.write_all(&buf[..n]).await.unwrap();
                        }
                    }));
                }
                for h in handlers {
                    h.await.unwrap();
                }
            });
            let clients: Vec<_> = (0..CONNECTIONS)
                .map(|i| {
                    runtime::spawn(async move {
                        let mut stream = TcpStream::connect(addr).await.unwrap();
                        for round in 0..3u8 {
                            let msg = [round ^ i as u8; 64];
                            stream.write_all(&msg).await.unwrap();
                            let mut back = [0; 64];
                            stream.read_exact(&mut back).await.unwrap();
                            assert_eq!(back, msg);
                        }
                        stream.shutdown().await.unwrap();
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            server.await.unwrap();
        });
        eprintln!("{flavor}: ok");
    });
}

#[test]
fn sixty_four_mib_through_one_connection_intact() {
    const TOTAL: usize = 64 << 20;
    let _guard = common::hang_guard("sixty_four_mib_through_one_connection_intact", 4 * NO_HANG);
    each_flavor(|flavor, rt| {
        let ((received, received_hash), sent_hash) = rt.block_on(async {
            let (listener, addr) = listener().await;
            let sender = runtime::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                let mut hash = CHECKSUM_INIT;
                let mut sent = 0;
                let mut chunk = vec![0u8; 64 << 10];
                while sent < TOTAL {
                    for (i, b) in chunk.iter_mut().enumerate() {
                        *b = (sent + i).wrapping_mul(31) as u8 ^ (sent >> 16) as u8;
                    }
                    checksum(&mut hash, &chunk);
                    stream.write_all(&chunk).await.unwrap();
                    sent += chunk.len();
                }
                stream.shutdown().await.unwrap();
                hash
            });
            let receiver = runtime::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut hash = CHECKSUM_INIT;
                let mut received = 0;
                // Not a multiple of the chunk: reads split writes.
                let mut buf = vec![0u8; 100_000];
                loop {
                    let n = stream.read(&mut buf).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    checksum(&mut hash, &buf[..n]);
                    received += n;
                }
                (received, hash)
            });
            (receiver.await.unwrap(), sender.await.unwrap())
        });
        assert_eq!(received, TOTAL, "{flavor}");
        assert_eq!(sent_hash, received_hash, "{flavor}");
    });
}

#[test]
fn half_close_reads_zero_after_the_peers_write_shutdown() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            client.write_all(b"hello").await.unwrap();
            client.shutdown().await.unwrap(); // the write side, as tokio
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"hello", "{flavor}");
            // EOF stays EOF.
            assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0, "{flavor}");
            // The other direction still works.
            server.write_all(b"reply").await.unwrap();
            server.shutdown().await.unwrap();
            let mut reply = Vec::new();
            client.read_to_end(&mut reply).await.unwrap();
            assert_eq!(reply, b"reply", "{flavor}");
        });
    });
}

#[test]
fn udp_round_trip() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
            // b echoes one datagram from a task.
            let echo = runtime::spawn(async move {
                let mut buf = [0; 64];
                let (n, from) = b.recv_from(&mut buf).await.unwrap();
                b.send_to(&buf[..n], from).await.unwrap();
                from
            });
            a.send_to(b"ping", b_addr).await.unwrap();
            let mut buf = [0; 64];
            let (n, from) = a.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"ping", "{flavor}");
            assert_eq!(from, b_addr, "{flavor}");
            assert_eq!(echo.await.unwrap(), a_addr, "{flavor}");

            // Connected sockets: send/recv.
            let c = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            c.connect(a_addr).await.unwrap();
            a.connect(c.local_addr().unwrap()).await.unwrap();
            c.send(b"connected").await.unwrap();
            let n = a.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"connected", "{flavor}");
        });
    });
}

#[test]
fn unix_stream_and_datagram_in_a_temp_dir() {
    each_flavor(|flavor, rt| {
        let stream_path = temp_path("stream");
        let dgram_path = temp_path("dgram");
        rt.block_on(async {
            // Stream: listener on a path, echo from a spawned task.
            let listener = UnixListener::bind(&stream_path).unwrap();
            let server = runtime::spawn(async move {
                let (mut stream, _) = listener.accept().await.unwrap();
                let mut got = Vec::new();
                stream.read_to_end(&mut got).await.unwrap();
                stream.write_all(&got).await.unwrap();
            });
            let mut client = UnixStream::connect(&stream_path).await.unwrap();
            client.write_all(b"over a unix socket").await.unwrap();
            client.shutdown().await.unwrap(); // the write side, as tokio
            let mut back = Vec::new();
            client.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"over a unix socket", "{flavor}");
            server.await.unwrap();

            // Datagram: bound to a path, answered by an unbound peer.
            let bound = UnixDatagram::bind(&dgram_path).unwrap();
            let peer = UnixDatagram::unbound().unwrap();
            let replier = runtime::spawn(async move {
                let mut buf = [0; 64];
                let n = bound.recv(&mut buf).await.unwrap();
                buf[..n].to_ascii_uppercase()
            });
            peer.send_to(b"datagram", &dgram_path).await.unwrap();
            assert_eq!(replier.await.unwrap(), b"DATAGRAM", "{flavor}");

            // Pairs.
            let (mut a, mut b) = UnixStream::pair().unwrap();
            a.write_all(b"pair").await.unwrap();
            let mut buf = [0; 4];
            b.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"pair", "{flavor}");
            let (a, b) = UnixDatagram::pair().unwrap();
            a.send(b"dgram pair").await.unwrap();
            let mut buf = [0; 16];
            let n = b.recv(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"dgram pair", "{flavor}");
        });
        std::fs::remove_file(&stream_path).unwrap();
        std::fs::remove_file(&dgram_path).unwrap();
    });
}

#[test]
fn refused_connection_is_connection_refused() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            // A port that was just free.
            let addr = listener().await.1;
            let err = TcpStream::connect(addr).await.unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::ConnectionRefused,
                "{flavor}: {err:?}"
            );
        });
    });
}

#[test]
fn address_in_use_is_addr_in_use() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (_listener, addr) = listener().await;
            let err = TcpListener::bind(addr).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{flavor}: {err:?}");
            let udp = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let err = UdpSocket::bind(udp.local_addr().unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{flavor}: {err:?}");
        });
    });
}

#[test]
fn reset_connection_is_an_error_not_a_hang() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (client, mut server) = tcp_pair().await;
            // The reader waits in a task before the reset arrives.
            let reader = runtime::spawn(async move {
                let mut buf = [0; 16];
                let res = server.read(&mut buf).await;
                (res, server)
            });
            time::sleep(Duration::from_millis(20)).await;
            // Linger 0: close sends RST.
            client.set_linger(Some(Duration::ZERO)).unwrap();
            drop(client);
            let (res, mut server) = time::timeout(NO_HANG, reader)
                .await
                .unwrap_or_else(|_| panic!("{flavor}: read hung after a reset"))
                .unwrap();
            let err = res.unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::ConnectionReset,
                "{flavor}: {err:?}"
            );
            // Writing fails too (EPIPE or ECONNRESET), and does not hang.
            let mut failed = false;
            for _ in 0..100 {
                if server.write_all(&[0; 1024]).await.is_err() {
                    failed = true;
                    break;
                }
            }
            assert!(failed, "{flavor}: writes to a reset connection succeeded");
        });
    });
}

#[test]
fn accept_loop_survives_clients_that_connect_and_close_at_once() {
    const CLIENTS: usize = 200;
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (listener, addr) = listener().await;
            let server = runtime::spawn(async move {
                loop {
                    let (mut stream, _) = match listener.accept().await {
                        Ok(accepted) => accepted,
                        // Linux may report a connection that was reset in
                        // the queue here; a server goes on.
                        Err(e) if e.kind() == std::io::ErrorKind::ConnectionAborted => continue,
                        Err(e) => panic!("accept failed: {e:?}"),
                    };
                    // Each connection in its own task, as a server does: a
                    // client that closed at once gives EOF or a reset,
                    // never a hang.
                    runtime::spawn(async move {
                        let _ = stream.write_all(b"hi").await;
                        let mut buf = [0; 8];
                        if let Ok(n) = stream.read(&mut buf).await {
                            if &buf[..n] == b"last" {
                                stream.write_all(b"alive").await.unwrap();
                            }
                        }
                    });
                }
            });
            // Not every one of these reaches `accept`: while the queue is
            // full, the kernel completes a client's connect
            // but drops the server side, and the close that follows ends
            // it. So the server counts nothing; it must only keep going.
            let clients: Vec<_> = (0..CLIENTS)
                .map(|i| {
                    runtime::spawn(async move {
                        let stream = TcpStream::connect(addr).await.unwrap();
                        if i % 2 == 0 {
                            // Reset instead of FIN.
                            stream.set_linger(Some(Duration::ZERO)).unwrap();
                        }
                    })
                })
                .collect();
            for c in clients {
                c.await.unwrap();
            }
            // Still accepting after all that.
            let mut last = TcpStream::connect(addr).await.unwrap();
            last.write_all(b"last").await.unwrap();
            let mut got = Vec::new();
            time::timeout(NO_HANG, last.read_to_end(&mut got))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: the accept loop stopped"))
                .unwrap();
            assert_eq!(got, b"hialive", "{flavor}");
            server.abort();
        });
    });
}

#[test]
fn lookup_host_and_connect_by_name() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let addrs: Vec<_> = lookup_host("localhost:0").await.unwrap().collect();
            assert!(
                !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback() && a.port() == 0),
                "{flavor}: {addrs:?}"
            );
            let (listener, addr) = listener().await;
            let port = addr.port();
            let accept = runtime::spawn(async move {
                let first = listener.accept().await.unwrap().0;
                let second = listener.accept().await.unwrap().0;
                (first, second)
            });
            // `localhost` may resolve to ::1 first; connect tries each address.
            let mut client = TcpStream::connect(("localhost", port)).await.unwrap();
            assert_eq!(client.peer_addr().unwrap(), addr, "{flavor}");
            let other = TcpStream::connect(format!("localhost:{port}"))
                .await
                .unwrap();
            let (mut server, _) = accept.await.unwrap();
            client.write_all(b"by name").await.unwrap();
            let mut buf = [0; 7];
            server.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"by name", "{flavor}");
            drop(other);
            // A name that cannot resolve is an error, not a hang.
            let err = time::timeout(NO_HANG, lookup_host("no-such-host.invalid:80"))
                .await
                .unwrap_or_else(|_| panic!("{flavor}: resolution hung"))
                .err();
            assert!(err.is_some(), "{flavor}: .invalid resolved");
        });
    });
}

#[test]
fn net_types_with_no_runtime_panic_with_a_plain_message() {
    let message = panic_message(|| drop(UnixStream::pair()));
    assert!(message.contains("there is no reactor running"), "{message}");
    assert!(message.contains("not inside a runtime"), "{message}");
    let message = panic_message(|| {
        let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        drop(UdpSocket::from_std(std));
    });
    assert!(message.contains("there is no reactor running"), "{message}");
}

/// Runtimes of both flavors with time but no IO.
fn io_disabled(flavor: &str) -> Runtime {
    match flavor {
        "current_thread" => Builder::new_current_thread().enable_time().build(),
        _ => Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build(),
    }
    .unwrap()
}

#[test]
fn net_types_with_io_disabled_panic_with_a_plain_message() {
    for flavor in ["current_thread", "multi_thread"] {
        // In block_on: the panic reaches the caller. (A fresh runtime:
        // see `block_on_after_a_panic_through_block_on_still_runs_tasks`.)
        let rt = io_disabled(flavor);
        let message = panic_message(std::panic::AssertUnwindSafe(|| {
            rt.block_on(async { drop(TcpListener::bind("127.0.0.1:0").await) })
        }));
        assert!(message.contains("IO is disabled"), "{flavor}: {message}");
        assert!(message.contains("enable_io"), "{flavor}: {message}");
        // In a task: the JoinError carries it.
        let rt = io_disabled(flavor);
        let err = rt
            .block_on(rt.spawn(async { drop(UnixStream::pair()) }))
            .unwrap_err();
        let payload = err.into_panic();
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(message.contains("IO is disabled"), "{flavor}: {message}");
    }
}

/// A panic of the main future through a current_thread `block_on` must
/// give the core and the parker back (`Restore` in
/// scheduler/current_thread.rs holds both), or the next `block_on` finds
/// no parker, never takes the core, and spins without running a task.
#[test]
fn block_on_after_a_panic_through_block_on_still_runs_tasks() {
    let rt = Builder::new_current_thread().enable_all().build().unwrap();
    let message = panic_message(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { panic!("through block_on") })
    }));
    assert_eq!(message, "through block_on");
    // Watched from another thread: the bug spins instead of failing.
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        done_tx
            .send(rt.block_on(rt.spawn(async { 42 })).unwrap())
            .unwrap();
    });
    let out = done_rx.recv_timeout(Duration::from_secs(10));
    assert_eq!(out, Ok(42), "block_on hung after an earlier panic");
}

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (std::fs::File, std::fs::File) {
    let (read, write) = std::io::pipe().unwrap();
    // std has no `set_nonblocking` for pipes; a UnixStream's (FIONBIO)
    // works on any fd.
    let nonblocking = |fd: OwnedFd| {
        let s = std::os::unix::net::UnixStream::from(fd);
        s.set_nonblocking(true).unwrap();
        std::fs::File::from(OwnedFd::from(s))
    };
    (
        nonblocking(OwnedFd::from(read)),
        nonblocking(OwnedFd::from(write)),
    )
}

#[test]
fn async_fd_over_a_pipe() {
    each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (read, mut write) = pipe();
            let read = AsyncFd::new(read).unwrap();

            // The reader waits in a task until the write below.
            let reader = runtime::spawn(async move {
                let mut buf = [0; 64];
                loop {
                    let mut guard = read.readable().await.unwrap();
                    match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                        Ok(n) => break buf[..n.unwrap()].to_vec(),
                        // Initial or stale readiness: try_io cleared it.
                        Err(_would_block) => continue,
                    }
                }
            });
            time::sleep(Duration::from_millis(20)).await;
            assert!(!reader.is_finished(), "{flavor}: read an empty pipe");
            write.write_all(b"through the pipe").unwrap();
            let got = time::timeout(NO_HANG, reader)
                .await
                .unwrap_or_else(|_| panic!("{flavor}: readiness never came"))
                .unwrap();
            assert_eq!(got, b"through the pipe", "{flavor}");

            // The write side: fill it until it would block, then a reader
            // on a blocking-pool thread frees room and writable() wakes.
            let (mut read, write) = pipe();
            let write = AsyncFd::new(write).unwrap();
            let chunk = [7u8; 4096];
            let mut written = 0;
            loop {
                let mut guard = write.writable().await.unwrap();
                match guard.try_io(|fd| fd.get_ref().write(&chunk)) {
                    Ok(n) => written += n.unwrap(),
                    Err(_would_block) => break,
                }
            }
            assert!(written > 0, "{flavor}");
            let drain = task::spawn_blocking(move || {
                std::thread::sleep(Duration::from_millis(20));
                let mut buf = vec![0; 64 << 10];
                let mut drained = 0;
                // Non-blocking: spin until at least one full read.
                while drained < 8192 {
                    match read.read(&mut buf) {
                        Ok(n) => drained += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                        Err(e) => panic!("{e}"),
                    }
                }
                read
            });
            // Readiness may be spurious (an edge seen while filling): loop,
            // as a user must.
            let wrote = time::timeout(NO_HANG, async {
                loop {
                    let mut guard = write.writable().await.unwrap();
                    if let Ok(n) = guard.try_io(|fd| fd.get_ref().write(&chunk)) {
                        break n.unwrap();
                    }
                }
            })
            .await
            .unwrap_or_else(|_| panic!("{flavor}: writability never came"));
            assert!(wrote > 0, "{flavor}");
            drop(drain.await.unwrap());
        });
    });
}

/// Drops `rt` on another thread and waits at most `NO_HANG` for it.
fn drop_without_hang(flavor: &str, rt: Runtime) {
    let (done_tx, done_rx) = mpsc::channel();
    std::thread::spawn(move || {
        drop(rt);
        done_tx.send(()).unwrap();
    });
    done_rx
        .recv_timeout(NO_HANG)
        .unwrap_or_else(|_| panic!("{flavor}: dropping the runtime hung"));
}

#[test]
fn shutdown_cancels_tasks_blocked_in_accept_and_read() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let (accepting, reading, client) = rt.block_on(async {
            let (listener, _) = listener().await;
            let (client, mut server) = tcp_pair().await;
            let accepting = runtime::spawn({
                let guard = common::DropCounter(dropped.clone());
                async move {
                    let _guard = guard;
                    listener.accept().await.map(|_| ())
                }
            });
            let reading = runtime::spawn({
                let guard = common::DropCounter(dropped.clone());
                async move {
                    let _guard = guard;
                    server.read(&mut [0; 8]).await.map(|_| ())
                }
            });
            // Both are blocked in the reactor by now.
            time::sleep(Duration::from_millis(50)).await;
            assert!(!accepting.is_finished() && !reading.is_finished());
            (accepting, reading, client)
        });
        drop_without_hang(flavor, rt);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            2,
            "{flavor}: futures not dropped"
        );
        // Awaited on another runtime, the handles say cancelled.
        let other = Builder::new_current_thread().build().unwrap();
        for h in [accepting, reading] {
            let err = other.block_on(h).unwrap_err();
            assert!(err.is_cancelled(), "{flavor}: {err:?}");
        }
        // A socket that outlives its runtime drops cleanly, and its sync
        // methods still work.
        assert!(client.local_addr().is_ok(), "{flavor}");
        drop(client);
    });
}

#[test]
fn shutdown_timeout_with_a_task_blocked_in_accept() {
    each_flavor(|flavor, rt| {
        let (accepting,) = rt.block_on(async {
            let (listener, _) = listener().await;
            let h = runtime::spawn(async move { drop(listener.accept().await) });
            time::sleep(Duration::from_millis(20)).await;
            // In a tuple: a handle alone would be awaited (clippy).
            (h,)
        });
        let start = Instant::now();
        rt.shutdown_timeout(Duration::from_secs(5));
        assert!(start.elapsed() < NO_HANG, "{flavor}");
        let other = Builder::new_current_thread().build().unwrap();
        assert!(
            other.block_on(accepting).unwrap_err().is_cancelled(),
            "{flavor}"
        );
    });
}
