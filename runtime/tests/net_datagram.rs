//! The datagram sockets' readiness and non-blocking surface (tokio's
//! `try_send_to`, `poll_recv_from`, `recv_buf`, `peek_sender`, ...) and the
//! UDP socket options, on both flavors, as tokio documents them.

mod common;

use common::io_runtimes;
use runtime::io::Interest;
use runtime::net::{UdpSocket, UnixDatagram, UnixListener, UnixStream};
use runtime::time;
use std::future::{poll_fn, Future};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
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

/// Two sockets on loopback, and their addresses.
async fn udp_pair() -> (UdpSocket, SocketAddr, UdpSocket, SocketAddr) {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    (a, a_addr, b, b_addr)
}

/// A path in the temp dir no other test uses.
fn temp_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "runtime-dgram-{}-{name}-{n}.sock",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn udp_try_send_to_and_try_recv_from() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, a_addr, b, b_addr) = udp_pair().await;
            let mut buf = [0; 16];
            assert!(is_would_block(b.try_recv_from(&mut buf)), "{flavor}");
            assert!(stays_pending(b.readable()).await, "{flavor}");

            soon(flavor, a.writable()).await.unwrap();
            assert_eq!(a.try_send_to(b"ping", b_addr).unwrap(), 4, "{flavor}");
            soon(flavor, b.readable()).await.unwrap();
            assert_eq!(b.try_recv_from(&mut buf).unwrap(), (4, a_addr), "{flavor}");
            assert_eq!(&buf[..4], b"ping");
            assert!(is_would_block(b.try_recv_from(&mut buf)), "{flavor}");

            // Connected: try_send / try_recv.
            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();
            assert_eq!(b.try_send(b"pong").unwrap(), 4, "{flavor}");
            soon(flavor, a.readable()).await.unwrap();
            assert_eq!(a.try_recv(&mut buf).unwrap(), 4, "{flavor}");
            assert_eq!(&buf[..4], b"pong");
            assert!(is_would_block(a.try_recv(&mut buf)), "{flavor}");
        });
    }
}

#[test]
fn udp_poll_functions() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, a_addr, b, b_addr) = udp_pair().await;
            soon(flavor, poll_fn(|cx| a.poll_send_ready(cx)))
                .await
                .unwrap();
            assert!(
                stays_pending(poll_fn(|cx| b.poll_recv_ready(cx))).await,
                "{flavor}"
            );
            let n = poll_fn(|cx| a.poll_send_to(cx, b"one", b_addr))
                .await
                .unwrap();
            assert_eq!(n, 3, "{flavor}");
            soon(flavor, poll_fn(|cx| b.poll_recv_ready(cx)))
                .await
                .unwrap();

            let mut buf = [0; 16];
            // Peeking leaves the datagram queued.
            let from = poll_fn(|cx| b.poll_peek_sender(cx)).await.unwrap();
            assert_eq!(from, a_addr, "{flavor}");
            let peeked = poll_fn(|cx| b.poll_peek_from(cx, &mut buf)).await.unwrap();
            assert_eq!(peeked, (3, a_addr), "{flavor}");
            let got = poll_fn(|cx| b.poll_recv_from(cx, &mut buf)).await.unwrap();
            assert_eq!(got, (3, a_addr), "{flavor}");
            assert_eq!(&buf[..3], b"one");

            a.connect(b_addr).await.unwrap();
            b.connect(a_addr).await.unwrap();
            assert_eq!(poll_fn(|cx| a.poll_send(cx, b"two")).await.unwrap(), 3);
            let n = soon(flavor, poll_fn(|cx| b.poll_peek(cx, &mut buf)))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"two", "{flavor}");
            let n = poll_fn(|cx| b.poll_recv(cx, &mut buf)).await.unwrap();
            assert_eq!(&buf[..n], b"two", "{flavor}");
        });
    }
}

#[test]
fn udp_peek_variants_do_not_consume() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, a_addr, b, b_addr) = udp_pair().await;
            let mut buf = [0; 16];
            assert!(is_would_block(b.try_peek_sender()), "{flavor}");
            a.send_to(b"abc", b_addr).await.unwrap();
            assert_eq!(soon(flavor, b.peek_sender()).await.unwrap(), a_addr);
            assert_eq!(b.try_peek_sender().unwrap(), a_addr, "{flavor}");
            assert_eq!(b.peek_from(&mut buf).await.unwrap(), (3, a_addr));
            assert_eq!(b.try_peek_from(&mut buf).unwrap(), (3, a_addr));
            b.connect(a_addr).await.unwrap();
            assert_eq!(b.peek(&mut buf).await.unwrap(), 3, "{flavor}");
            assert_eq!(b.try_peek(&mut buf).unwrap(), 3, "{flavor}");
            assert_eq!(b.recv(&mut buf).await.unwrap(), 3, "{flavor}: still queued");
            assert!(is_would_block(b.try_peek(&mut buf)), "{flavor}");
        });
    }
}

#[test]
fn udp_recv_buf_appends_to_spare_capacity() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, a_addr, b, b_addr) = udp_pair().await;
            let mut buf = Vec::with_capacity(32);
            buf.extend_from_slice(b">");
            a.send_to(b"first", b_addr).await.unwrap();
            let (n, from) = soon(flavor, b.recv_buf_from(&mut buf)).await.unwrap();
            assert_eq!((n, from, &buf[..]), (5, a_addr, &b">first"[..]), "{flavor}");

            a.send_to(b"second", b_addr).await.unwrap();
            soon(flavor, b.readable()).await.unwrap();
            let (n, from) = b.try_recv_buf_from(&mut buf).unwrap();
            assert_eq!((n, from), (6, a_addr), "{flavor}");
            assert_eq!(buf, b">firstsecond");
            assert!(is_would_block(b.try_recv_buf_from(&mut buf)), "{flavor}");
            assert_eq!(buf, b">firstsecond", "{flavor}: unchanged on WouldBlock");

            b.connect(a_addr).await.unwrap();
            a.send_to(b"third", b_addr).await.unwrap();
            let mut empty = Vec::new();
            assert_eq!(soon(flavor, b.recv_buf(&mut empty)).await.unwrap(), 5);
            assert_eq!(empty, b"third", "{flavor}: an empty Vec grows first");
            a.send_to(b"4", b_addr).await.unwrap();
            soon(flavor, b.readable()).await.unwrap();
            assert_eq!(b.try_recv_buf(&mut empty).unwrap(), 1, "{flavor}");
            assert_eq!(empty, b"third4");
        });
    }
}

#[test]
fn udp_error_interest_reports_an_icmp_error() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            // A port nobody listens on: the datagram comes back as an
            // ICMP "port unreachable", which the OS flags on the socket.
            let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            let closed_addr = closed.local_addr().unwrap();
            drop(closed);
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            socket.connect(closed_addr).await.unwrap();
            let mut ready = Box::pin(socket.ready(Interest::ERROR));
            assert!(
                stays_pending(ready.as_mut()).await,
                "{flavor}: no error yet"
            );
            socket.send(b"anyone?").await.unwrap();
            let ready = soon(flavor, ready).await.unwrap();
            assert!(ready.is_error(), "{flavor}: {ready:?}");
            assert!(
                !ready.is_readable() && !ready.is_writable(),
                "{flavor}: {ready:?}"
            );
            let err = socket.take_error().unwrap().expect("the pending error");
            assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{flavor}");
        });
    }
}

#[test]
#[allow(deprecated)] // `tos` and `set_tos`, deprecated as in tokio
fn udp_options_round_trip() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            for on in [true, false] {
                socket.set_broadcast(on).unwrap();
                assert_eq!(socket.broadcast().unwrap(), on, "{flavor}");
                socket.set_multicast_loop_v4(on).unwrap();
                assert_eq!(socket.multicast_loop_v4().unwrap(), on, "{flavor}");
            }
            socket.set_ttl(9).unwrap();
            assert_eq!(socket.ttl().unwrap(), 9, "{flavor}");
            socket.set_multicast_ttl_v4(7).unwrap();
            assert_eq!(socket.multicast_ttl_v4().unwrap(), 7, "{flavor}");
            socket.set_tos_v4(0x10).unwrap();
            assert_eq!(socket.tos_v4().unwrap(), 0x10, "{flavor}");
            socket.set_tos(0x08).unwrap();
            assert_eq!(socket.tos().unwrap(), 0x08, "{flavor}");

            // Joining takes effect: leaving twice fails the second time.
            let group = Ipv4Addr::new(239, 255, 12, 34);
            socket
                .join_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .unwrap();
            socket
                .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .unwrap();
            let err = socket
                .leave_multicast_v4(group, Ipv4Addr::LOCALHOST)
                .unwrap_err();
            assert_eq!(
                err.kind(),
                io::ErrorKind::AddrNotAvailable,
                "{flavor}: {err}"
            );
            // A group address that is not multicast is refused.
            assert!(socket
                .join_multicast_v4(Ipv4Addr::LOCALHOST, Ipv4Addr::UNSPECIFIED)
                .is_err());

            let v6 = match UdpSocket::bind("[::1]:0").await {
                Ok(v6) => v6,
                // No IPv6 on this host: the IPv4 half has run.
                Err(e) if e.kind() == io::ErrorKind::AddrNotAvailable => return,
                Err(e) => panic!("{flavor}: {e}"),
            };
            for on in [false, true] {
                v6.set_multicast_loop_v6(on).unwrap();
                assert_eq!(v6.multicast_loop_v6().unwrap(), on, "{flavor}");
            }
            let group = "ff02::1:3".parse::<Ipv6Addr>().unwrap();
            v6.join_multicast_v6(&group, 0).unwrap();
            v6.leave_multicast_v6(&group, 0).unwrap();
            assert!(v6.leave_multicast_v6(&group, 0).is_err(), "{flavor}");
        });
    }
}

#[test]
fn unix_datagram_try_send_to_and_poll_variants() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a_path, b_path) = (temp_path("a"), temp_path("b"));
            let a = UnixDatagram::bind(&a_path).unwrap();
            let b = UnixDatagram::bind(&b_path).unwrap();
            let mut buf = [0; 16];
            assert!(is_would_block(b.try_recv_from(&mut buf)), "{flavor}");
            assert!(stays_pending(b.readable()).await, "{flavor}");

            assert_eq!(a.try_send_to(b"try", &b_path).unwrap(), 3, "{flavor}");
            soon(flavor, poll_fn(|cx| b.poll_recv_ready(cx)))
                .await
                .unwrap();
            let (n, from) = b.try_recv_from(&mut buf).unwrap();
            assert_eq!(
                (n, from.as_pathname()),
                (3, Some(a_path.as_path())),
                "{flavor}"
            );

            soon(flavor, poll_fn(|cx| a.poll_send_ready(cx)))
                .await
                .unwrap();
            let n = poll_fn(|cx| a.poll_send_to(cx, b"poll", &b_path))
                .await
                .unwrap();
            assert_eq!(n, 4, "{flavor}");
            let (n, from) = soon(flavor, poll_fn(|cx| b.poll_recv_from(cx, &mut buf)))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"poll", "{flavor}");
            assert_eq!(from.as_pathname(), Some(a_path.as_path()));

            // Connected: poll_send / poll_recv, and the buf variants.
            a.connect(&b_path).unwrap();
            assert_eq!(poll_fn(|cx| a.poll_send(cx, b"one")).await.unwrap(), 3);
            let n = soon(flavor, poll_fn(|cx| b.poll_recv(cx, &mut buf)))
                .await
                .unwrap();
            assert_eq!(&buf[..n], b"one", "{flavor}");
            a.send(b"two").await.unwrap();
            let mut vec = Vec::new();
            assert_eq!(soon(flavor, b.recv_buf(&mut vec)).await.unwrap(), 3);
            a.send(b"3").await.unwrap();
            soon(flavor, b.readable()).await.unwrap();
            assert_eq!(b.try_recv_buf(&mut vec).unwrap(), 1, "{flavor}");
            assert_eq!(vec, b"two3");
            assert!(is_would_block(b.try_recv_buf(&mut vec)), "{flavor}");

            let _ = std::fs::remove_file(&a_path);
            let _ = std::fs::remove_file(&b_path);
        });
    }
}

#[test]
fn unix_datagram_recv_buf_from_an_unnamed_sender() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let path = temp_path("named");
            let named = UnixDatagram::bind(&path).unwrap();
            let unnamed = UnixDatagram::unbound().unwrap();
            unnamed.send_to(b"anon", &path).await.unwrap();
            let mut buf = b"<".to_vec();
            let (n, from) = soon(flavor, named.recv_buf_from(&mut buf)).await.unwrap();
            assert_eq!((n, &buf[..]), (4, &b"<anon"[..]), "{flavor}");
            assert!(from.is_unnamed(), "{flavor}: {from:?}");
            assert!(
                is_would_block(named.try_recv_buf_from(&mut buf)),
                "{flavor}"
            );
            assert_eq!(buf, b"<anon");
            let _ = std::fs::remove_file(&path);
        });
    }
}

#[test]
fn unix_datagram_bad_targets_are_errors() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let socket = UnixDatagram::unbound().unwrap();
            let err = socket.try_send_to(b"x", "bad\0path").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{flavor}: {err}");
            let err = poll_fn(|cx| socket.poll_send_to(cx, b"x", "bad\0path"))
                .await
                .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{flavor}: {err}");
            let missing = temp_path("missing");
            let err = socket.try_send_to(b"x", &missing).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::NotFound, "{flavor}: {err}");
            let long = "x".repeat(200);
            assert!(socket.try_send_to(b"x", long).is_err(), "{flavor}");
        });
    }
}

#[test]
fn unix_datagram_ready_and_try_io() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (a, b) = UnixDatagram::pair().unwrap();
            let ready = soon(flavor, a.ready(Interest::WRITABLE)).await.unwrap();
            assert!(ready.is_writable(), "{flavor}");
            let mut called = false;
            let first = b.try_io(Interest::READABLE, || {
                called = true;
                Err::<(), _>(io::ErrorKind::WouldBlock.into())
            });
            assert!(
                is_would_block(first) && called,
                "{flavor}: the guess runs it"
            );
            called = false;
            let second = b.try_io(Interest::READABLE, || {
                called = true;
                Ok(())
            });
            assert!(is_would_block(second) && !called, "{flavor}: cleared");
            a.send(b"x").await.unwrap();
            let mut buf = [0; 4];
            let n = soon(
                flavor,
                b.async_io(Interest::READABLE, || {
                    std::os::unix::net::UnixDatagram::from(
                        std::os::fd::AsFd::as_fd(&b).try_clone_to_owned()?,
                    )
                    .recv(&mut buf)
                }),
            )
            .await
            .unwrap();
            assert_eq!(&buf[..n], b"x", "{flavor}");
        });
    }
}

#[test]
fn unix_listener_bind_addr() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let path = temp_path("listener");
            let addr = std::os::unix::net::SocketAddr::from_pathname(&path).unwrap();
            let listener = UnixListener::bind_addr(&addr).unwrap();
            assert_eq!(
                listener.local_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            let client = UnixStream::connect(&path).await.unwrap();
            let (server, _) = soon(flavor, listener.accept()).await.unwrap();
            client.try_write(b"hi").unwrap();
            soon(flavor, server.readable()).await.unwrap();
            let mut buf = [0; 2];
            assert_eq!(server.try_read(&mut buf).unwrap(), 2, "{flavor}");
            let err = UnixListener::bind_addr(&addr).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{flavor}");
            let _ = std::fs::remove_file(&path);

            #[cfg(target_os = "linux")]
            {
                use std::os::linux::net::SocketAddrExt;
                let name = format!("runtime-dgram-{}-abstract", std::process::id());
                let addr = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
                let listener = UnixListener::bind_addr(&addr).unwrap();
                let bound = listener.local_addr().unwrap();
                assert_eq!(bound.as_abstract_name(), Some(name.as_bytes()), "{flavor}");
            }
        });
    }
}
