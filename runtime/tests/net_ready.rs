//! Readiness and the non-blocking surface of the stream types (tokio's
//! `ready`, `readable`, `try_read`, ..., `peek`) and their options, on
//! both flavors, as tokio documents them: a `try_` call says `WouldBlock`
//! and clears the readiness when the OS does, readiness is reported by the
//! reactor and stays until then, closed states are final.
//!
//! Datagram sockets are in `net_datagram.rs`, `AsyncFd` in `async_fd.rs`.

mod common;

use common::io_runtimes;
use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::io::{Interest, Ready};
use runtime::net::{TcpListener, TcpStream, UnixStream};
use runtime::time;
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::AsFd;
use std::time::Duration;

/// Generous bound: proves the absence of a hang, not speed.
const NO_HANG: Duration = Duration::from_secs(20);

/// Long enough for the reactor to report an fd that is ready.
const SETTLE: Duration = Duration::from_millis(50);

fn is_would_block<T: std::fmt::Debug>(result: io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

/// `fut`, failing the test (with `what`) if it takes more than `NO_HANG`.
async fn soon<F: Future>(what: &str, fut: F) -> F::Output {
    time::timeout(NO_HANG, fut)
        .await
        .unwrap_or_else(|_| panic!("{what}: still pending after {NO_HANG:?}"))
}

/// Whether `fut` is still pending after `SETTLE`.
async fn stays_pending<F: Future>(fut: F) -> bool {
    time::timeout(SETTLE, fut).await.is_err()
}

/// A connected pair: (client, accepted).
async fn tcp_pair() -> (TcpStream, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accept = runtime::spawn(async move { listener.accept().await.unwrap().0 });
    let client = TcpStream::connect(addr).await.unwrap();
    (client, accept.await.unwrap())
}

/// Writes with `try_write` until the socket says `WouldBlock`; returns
/// how much went out.
fn fill(stream: &TcpStream) -> usize {
    let chunk = [7u8; 64 * 1024];
    let mut written = 0;
    loop {
        match stream.try_write(&chunk) {
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return written,
            Err(e) => panic!("try_write: {e}"),
        }
    }
}

#[test]
fn try_read_would_block_on_an_empty_socket_then_succeeds_after_readable() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            let mut buf = [0; 16];
            assert!(is_would_block(server.try_read(&mut buf)), "{flavor}");
            // Cleared: a second call says so without asking the OS, and
            // `readable` waits.
            assert!(is_would_block(server.try_read(&mut buf)), "{flavor}");
            assert!(stays_pending(server.readable()).await, "{flavor}");

            client.try_write(b"hello").unwrap();
            soon(flavor, server.readable()).await.unwrap();
            assert_eq!(server.try_read(&mut buf).unwrap(), 5, "{flavor}");
            assert_eq!(&buf[..5], b"hello");
            assert!(is_would_block(server.try_read(&mut buf)), "{flavor}");
        });
    }
}

#[test]
fn readable_on_a_fresh_stream_waits_for_the_reactor() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            // tokio's behaviour: no false positive from a fresh socket.
            assert!(stays_pending(server.readable()).await, "{flavor}");
            let ready = soon(
                flavor,
                server.ready(Interest::READABLE | Interest::WRITABLE),
            )
            .await
            .unwrap();
            assert_eq!(ready, Ready::WRITABLE, "{flavor}: {ready:?}");
            drop(client);
        });
    }
}

#[test]
fn try_write_until_would_block_then_writable_after_the_peer_reads() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            soon(flavor, client.writable()).await.unwrap();
            let written = fill(&client);
            assert!(written > 0, "{flavor}");
            assert!(is_would_block(client.try_write(b"x")), "{flavor}");
            assert!(
                stays_pending(client.writable()).await,
                "{flavor}: no room yet"
            );

            let reader = runtime::spawn(async move {
                let mut buf = vec![0; 64 * 1024];
                let mut read = 0;
                while read < written {
                    server.readable().await.unwrap();
                    match server.try_read(&mut buf) {
                        Ok(n) => read += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                        Err(e) => panic!("try_read: {e}"),
                    }
                }
                server
            });
            soon(flavor, client.writable()).await.unwrap();
            let server = soon(flavor, reader).await.unwrap();
            assert_eq!(client.try_write(b"more").unwrap(), 4, "{flavor}");
            drop(server);
        });
    }
}

#[test]
fn ready_reports_both_directions_and_only_what_was_asked() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            client.try_write(b"ping").unwrap();
            soon(flavor, server.readable()).await.unwrap();

            let both = server
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(
                both.is_readable() && both.is_writable(),
                "{flavor}: {both:?}"
            );
            assert!(
                !both.is_read_closed() && !both.is_write_closed(),
                "{flavor}"
            );

            let read = server.ready(Interest::READABLE).await.unwrap();
            assert_eq!(read, Ready::READABLE, "{flavor}");
            let write = server.ready(Interest::WRITABLE).await.unwrap();
            assert_eq!(write, Ready::WRITABLE, "{flavor}");
        });
    }
}

#[test]
fn read_closed_after_the_peer_shuts_down() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            // Data: readable, not closed (tokio's `read_closed` test).
            let (client, server) = tcp_pair().await;
            let mut ready_fut = Box::pin(server.ready(Interest::READABLE));
            assert!(stays_pending(ready_fut.as_mut()).await, "{flavor}");
            client.try_write(b"ping").unwrap();
            let ready = soon(flavor, ready_fut).await.unwrap();
            assert!(ready.is_readable() && !ready.is_read_closed(), "{flavor}");

            // The peer shuts its write side down: READ_CLOSED.
            (&client).shutdown().await.unwrap();
            let ready = soon(flavor, async {
                loop {
                    let ready = server.ready(Interest::READABLE).await.unwrap();
                    if ready.is_read_closed() {
                        return ready;
                    }
                    runtime::task::yield_now().await;
                }
            })
            .await;
            assert!(ready.is_readable(), "{flavor}");
            let mut buf = [0; 8];
            assert_eq!(server.try_read(&mut buf).unwrap(), 4, "{flavor}");
            assert_eq!(
                server.try_read(&mut buf).unwrap(),
                0,
                "{flavor}: end of stream"
            );
            // Final: still reported, and a read keeps saying end of stream.
            let again = server.ready(Interest::READABLE).await.unwrap();
            assert!(again.is_read_closed(), "{flavor}");
            assert_eq!(server.try_read(&mut buf).unwrap(), 0, "{flavor}");
            // Not a write-side state.
            let write = server.ready(Interest::WRITABLE).await.unwrap();
            assert!(!write.is_write_closed(), "{flavor}: {write:?}");

            // A dropped peer reads as closed too (tokio's `try_read_write`).
            let (client, server) = tcp_pair().await;
            drop(client);
            let closed = soon(flavor, async {
                loop {
                    let ready = server.ready(Interest::READABLE).await.unwrap();
                    if ready.is_read_closed() {
                        return;
                    }
                    runtime::task::yield_now().await;
                }
            });
            closed.await;
        });
    }
}

#[test]
fn a_reset_closes_both_sides() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            // Zero linger: dropping sends a reset.
            client.set_zero_linger().unwrap();
            drop(client);
            let ready = soon(flavor, async {
                loop {
                    let ready = server.ready(Interest::WRITABLE).await.unwrap();
                    if ready.is_write_closed() {
                        return ready;
                    }
                    time::sleep(Duration::from_millis(1)).await;
                }
            })
            .await;
            assert!(ready.is_writable(), "{flavor}");
            let read = server.ready(Interest::READABLE).await.unwrap();
            assert!(read.is_read_closed(), "{flavor}: {read:?}");
            let err = server.try_write(b"x").unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
                ),
                "{flavor}: {err}"
            );
        });
    }
}

#[test]
fn peek_does_not_consume() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (mut client, mut server) = tcp_pair().await;
            client.write_all(b"hello").await.unwrap();
            let mut buf = [0; 16];
            let n = soon(flavor, server.peek(&mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"hello", "{flavor}");
            let n = poll_fn(|cx| server.poll_peek(cx, &mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"hello", "{flavor}: peeked again");
            let mut read = [0; 5];
            server.read_exact(&mut read).await.unwrap();
            assert_eq!(&read, b"hello", "{flavor}: still there to read");
            assert!(is_would_block(server.try_read(&mut buf)), "{flavor}");
        });
    }
}

#[test]
fn poll_read_ready_and_poll_write_ready() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            soon(flavor, poll_fn(|cx| client.poll_write_ready(cx)))
                .await
                .unwrap();
            assert!(
                stays_pending(poll_fn(|cx| server.poll_read_ready(cx))).await,
                "{flavor}"
            );
            client.try_write(b"x").unwrap();
            soon(flavor, poll_fn(|cx| server.poll_read_ready(cx)))
                .await
                .unwrap();
            // Ready stays ready until a `WouldBlock`.
            poll_fn(|cx| server.poll_read_ready(cx)).await.unwrap();
            let mut buf = [0; 4];
            assert_eq!(server.try_read(&mut buf).unwrap(), 1);
            assert!(is_would_block(server.try_read(&mut buf)));
            assert!(stays_pending(poll_fn(|cx| server.poll_read_ready(cx))).await);
        });
    }
}

#[test]
fn vectored_and_buf_variants() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            soon(flavor, client.writable()).await.unwrap();
            let n = client
                .try_write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
                .unwrap();
            assert_eq!(n, 4, "{flavor}");
            soon(flavor, server.readable()).await.unwrap();
            let (mut x, mut y) = ([0; 3], [0; 3]);
            let n = server
                .try_read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
                .unwrap();
            assert_eq!((n, &x, &y[..1]), (4, b"abc", &b"d"[..]), "{flavor}");

            // `try_read_buf` appends into the spare capacity...
            client.try_write(b"efgh").unwrap();
            soon(flavor, server.readable()).await.unwrap();
            let mut buf = Vec::with_capacity(6);
            buf.extend_from_slice(b"01");
            assert_eq!(server.try_read_buf(&mut buf).unwrap(), 4, "{flavor}");
            assert_eq!(buf, b"01efgh");
            // ...grows a full `Vec` first...
            client.try_write(b"ij").unwrap();
            soon(flavor, server.readable()).await.unwrap();
            assert_eq!(buf.len(), buf.capacity());
            assert_eq!(server.try_read_buf(&mut buf).unwrap(), 2, "{flavor}");
            assert_eq!(buf, b"01efghij");
            // ...and leaves it unchanged when it would block.
            assert!(is_would_block(server.try_read_buf(&mut buf)), "{flavor}");
            assert_eq!(buf, b"01efghij");
        });
    }
}

#[test]
fn try_io_and_async_io_run_the_callers_syscall() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            // Second handles on the same sockets, for syscalls of our own.
            let raw_client =
                std::net::TcpStream::from(client.as_fd().try_clone_to_owned().unwrap());
            let raw_server =
                std::net::TcpStream::from(server.as_fd().try_clone_to_owned().unwrap());

            // The closure's `WouldBlock` clears the readiness: the next
            // `try_io` does not call it.
            let mut buf = [0; 8];
            let first = server.try_io(Interest::READABLE, || (&raw_server).read(&mut buf));
            assert!(is_would_block(first), "{flavor}");
            let mut called = false;
            let second = server.try_io(Interest::READABLE, || {
                called = true;
                Ok(0)
            });
            assert!(is_would_block(second) && !called, "{flavor}");

            soon(flavor, client.writable()).await.unwrap();
            let n = client
                .try_io(Interest::WRITABLE, || (&raw_client).write(b"mine"))
                .unwrap();
            assert_eq!(n, 4, "{flavor}");
            let n = soon(
                flavor,
                server.async_io(Interest::READABLE, || (&raw_server).read(&mut buf)),
            )
            .await
            .unwrap();
            assert_eq!(&buf[..n], b"mine", "{flavor}");
        });
    }
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn priority_data_is_reported() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            use std::os::fd::AsRawFd;
            let (client, server) = tcp_pair().await;
            let mut ready = Box::pin(server.ready(Interest::PRIORITY));
            assert!(stays_pending(ready.as_mut()).await, "{flavor}");
            // SAFETY: a valid one-byte buffer, and the fd is open while
            // `client` lives.
            let sent =
                unsafe { libc::send(client.as_raw_fd(), b"!".as_ptr().cast(), 1, libc::MSG_OOB) };
            assert_eq!(sent, 1, "{flavor}: {}", io::Error::last_os_error());
            let ready = soon(flavor, ready).await.unwrap();
            assert!(ready.is_priority(), "{flavor}: {ready:?}");
            assert!(!ready.is_readable(), "{flavor}: only what was asked");
        });
    }
}

#[test]
fn tcp_options_round_trip() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (client, server) = tcp_pair().await;
            for on in [true, false] {
                client.set_nodelay(on).unwrap();
                assert_eq!(client.nodelay().unwrap(), on, "{flavor}");
            }
            client.set_ttl(42).unwrap();
            assert_eq!(client.ttl().unwrap(), 42, "{flavor}");
            assert!(client.set_ttl(0).is_err(), "{flavor}: TTL 0 is refused");

            assert_eq!(client.linger().unwrap(), None, "{flavor}: off by default");
            client.set_linger(Some(Duration::from_secs(3))).unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::from_secs(3)));
            client.set_zero_linger().unwrap();
            assert_eq!(client.linger().unwrap(), Some(Duration::ZERO));
            client.set_linger(None).unwrap();
            assert_eq!(client.linger().unwrap(), None, "{flavor}");
            drop(server);
        });
    }
}

#[test]
fn unix_stream_readiness_and_try_variants() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let mut buf = [0; 8];
            assert!(is_would_block(b.try_read(&mut buf)), "{flavor}");
            assert!(stays_pending(b.readable()).await, "{flavor}");
            soon(flavor, a.writable()).await.unwrap();
            let n = a
                .try_write_vectored(&[IoSlice::new(b"he"), IoSlice::new(b"llo")])
                .unwrap();
            assert_eq!(n, 5, "{flavor}");
            // `ready` returns as soon as one state holds: wait for the data.
            soon(flavor, b.readable()).await.unwrap();
            let ready = b
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert!(
                ready.is_readable() && ready.is_writable(),
                "{flavor}: {ready:?}"
            );
            let mut first = [0; 2];
            let n = b
                .try_read_vectored(&mut [IoSliceMut::new(&mut first), IoSliceMut::new(&mut buf)])
                .unwrap();
            assert_eq!((n, &first, &buf[..3]), (5, b"he", &b"llo"[..]), "{flavor}");

            a.try_write(b"xyz").unwrap();
            soon(flavor, poll_fn(|cx| b.poll_read_ready(cx)))
                .await
                .unwrap();
            let mut vec = Vec::new();
            assert_eq!(b.try_read_buf(&mut vec).unwrap(), 3, "{flavor}");
            assert_eq!(vec, b"xyz");
            poll_fn(|cx| a.poll_write_ready(cx)).await.unwrap();
            let (raw_a, raw_b) = (std_of(&a), std_of(&b));
            let n = a
                .try_io(Interest::WRITABLE, || (&raw_a).write(b"!"))
                .unwrap();
            assert_eq!(n, 1);
            let got = soon(
                flavor,
                b.async_io(Interest::READABLE, || (&raw_b).read(&mut buf)),
            )
            .await
            .unwrap();
            assert_eq!(&buf[..got], b"!", "{flavor}");

            // The peer shuts down: READ_CLOSED, end of stream.
            (&a).shutdown().await.unwrap();
            let ready = soon(flavor, b.ready(Interest::READABLE)).await.unwrap();
            assert!(ready.is_read_closed(), "{flavor}: {ready:?}");
            assert_eq!(b.try_read(&mut buf).unwrap(), 0, "{flavor}");
        });
    }
}

/// A second std handle on `stream`'s socket, for syscalls of our own.
fn std_of(stream: &UnixStream) -> std::os::unix::net::UnixStream {
    std::os::unix::net::UnixStream::from(stream.as_fd().try_clone_to_owned().unwrap())
}

#[test]
#[cfg(any(target_os = "linux", target_os = "android"))]
fn unix_peer_cred_is_this_process() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, b) = UnixStream::pair().unwrap();
            let cred = a.peer_cred().unwrap();
            // SAFETY: getuid and getgid have no preconditions.
            let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
            assert_eq!(cred.uid(), uid, "{flavor}");
            assert_eq!(cred.gid(), gid, "{flavor}");
            assert_eq!(cred.pid(), Some(std::process::id() as i32), "{flavor}");
            assert_eq!(b.peer_cred().unwrap(), cred, "{flavor}");
        });
    }
}
