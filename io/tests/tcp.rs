//! TCP behaviour: echo, bulk transfer, half-close, errors, halves.

mod common;

use common::{checksum, run, CHECKSUM_INIT};
use futures_util::future::{join, join_all};
use futures_util::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{lookup_host, TcpListener, TcpSocket, TcpStream};
use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

async fn listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[test]
fn echo_many_concurrent_connections() {
    const CONNECTIONS: usize = 1000;
    run(async {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1024).unwrap();
        let addr = listener.local_addr().unwrap();
        // Many tasks wait in `accept` on one listener at once.
        let server = join_all((0..CONNECTIONS).map(|_| async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0; 64];
            loop {
                let n = stream.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                stream.write_all(&buf[..n]).await.unwrap();
            }
        }));
        let clients = join_all((0..CONNECTIONS).map(|i| async move {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            for round in 0..3u8 {
                let msg = [round ^ i as u8; 64];
                stream.write_all(&msg).await.unwrap();
                let mut back = [0; 64];
                stream.read_exact(&mut back).await.unwrap();
                assert_eq!(back, msg);
            }
            stream.close().await.unwrap();
        }));
        join(server, clients).await;
    });
}

#[test]
fn sixty_four_mib_through_one_connection() {
    const TOTAL: usize = 64 << 20;
    run(async {
        let (listener, addr) = listener().await;
        let sender = async {
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
            stream.close().await.unwrap();
            hash
        };
        let receiver = async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut hash = CHECKSUM_INIT;
            let mut received = 0;
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
        };
        let (sent_hash, (received, received_hash)) = join(sender, receiver).await;
        assert_eq!(received, TOTAL);
        assert_eq!(sent_hash, received_hash);
    });
}

#[test]
fn half_close_reads_zero_and_the_other_direction_still_works() {
    run(async {
        let (listener, addr) = listener().await;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let mut client = client.unwrap();
        let (mut server, _) = accepted.unwrap();
        client.write_all(b"hello").await.unwrap();
        client.close().await.unwrap(); // futures-io: the write side
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"hello");
        // EOF stays EOF.
        assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
        server.write_all(b"reply").await.unwrap();
        server.close().await.unwrap();
        let mut reply = Vec::new();
        client.read_to_end(&mut reply).await.unwrap();
        assert_eq!(reply, b"reply");
    });
}

#[test]
fn refused_connection_is_connection_refused() {
    run(async {
        // A port that was just free.
        let addr = {
            let (listener, addr) = listener().await;
            drop(listener);
            addr
        };
        let err = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err:?}");
    });
}

#[test]
fn address_in_use_is_addr_in_use() {
    run(async {
        let (_listener, addr) = listener().await;
        let err = TcpListener::bind(addr).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse, "{err:?}");
    });
}

#[test]
fn bad_address_is_invalid_input() {
    run(async {
        for bad in ["not an address", "127.0.0.1", "127.0.0.1:notaport"] {
            let err = TcpStream::connect(bad).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err:?}");
            let err = TcpListener::bind(bad).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad}: {err:?}");
        }
    });
}

#[test]
fn reset_connection_is_an_error_not_a_hang() {
    run(async {
        let (listener, addr) = listener().await;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let client = client.unwrap();
        let (mut server, _) = accepted.unwrap();
        // Linger 0: close sends RST.
        client.set_linger(Some(Duration::ZERO)).unwrap();
        drop(client);
        let start = Instant::now();
        let mut buf = [0; 16];
        let err = server.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionReset, "{err:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
        // Writing fails too, eventually (EPIPE or ECONNRESET), and does
        // not hang.
        let mut failed = false;
        for _ in 0..100 {
            if server.write_all(&[0; 1024]).await.is_err() {
                failed = true;
                break;
            }
        }
        assert!(failed);
    });
}

#[test]
fn accept_loop_survives_clients_that_close_at_once() {
    run(async {
        let (listener, addr) = listener().await;
        let server = async {
            let mut served = 0;
            while served < 100 {
                let (mut stream, _) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => panic!("accept failed: {e:?}"),
                };
                // A client that closed at once: the read sees EOF or a
                // reset, never a hang.
                let _ = stream.write_all(b"hi").await;
                let _ = stream.read(&mut [0; 8]).await;
                served += 1;
            }
            // Still accepting after all that.
            let (mut stream, _) = listener.accept().await.unwrap();
            stream.write_all(b"alive").await.unwrap();
        };
        let clients = async {
            for i in 0..100 {
                let stream = std::net::TcpStream::connect(addr).unwrap();
                if i % 2 == 0 {
                    let socket = TcpStream::from_std(stream).unwrap();
                    socket.set_linger(Some(Duration::ZERO)).unwrap();
                }
            }
            let mut last = TcpStream::connect(addr).await.unwrap();
            let mut got = Vec::new();
            last.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"alive");
        };
        join(server, clients).await;
    });
}

#[test]
fn split_halves_work_concurrently_and_reunite() {
    run(async {
        let (listener, addr) = listener().await;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let client = client.unwrap();
        let (server, _) = accepted.unwrap();

        // Borrowed halves: echo on the server side.
        let echo = async {
            let (mut read, mut write) = server.split();
            let mut buf = [0; 1024];
            let mut echoed = 0;
            while echoed < 400 {
                let n = read.read(&mut buf).await.unwrap();
                assert_ne!(n, 0, "EOF before 400 bytes");
                write.write_all(&buf[..n]).await.unwrap();
                echoed += n;
            }
        };
        // Owned halves: one side writes while the other reads.
        let (mut read, mut write) = client.into_split();
        let writer = async move {
            for _ in 0..100 {
                let bufs = [IoSlice::new(b"ab"), IoSlice::new(b"cd")];
                let n = write.write_vectored(&bufs).await.unwrap();
                assert_eq!(n, 4, "a short vectored write of 4 bytes");
            }
            write
        };
        let reader = async {
            let mut got = vec![0; 400];
            read.read_exact(&mut got).await.unwrap();
            assert_eq!(got, b"abcd".repeat(100));
        };
        let ((write, ()), ()) = join(join(writer, reader), echo).await;
        let stream = read.reunite(write).unwrap();
        assert_eq!(stream.peer_addr().unwrap(), addr);
    });
}

#[test]
fn owned_write_half_drop_shuts_down_write_side() {
    run(async {
        let (listener, addr) = listener().await;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let (_read, write) = client.unwrap().into_split();
        let (mut server, _) = accepted.unwrap();
        drop(write);
        assert_eq!(server.read(&mut [0; 8]).await.unwrap(), 0);
    });
}

#[test]
fn options_peek_and_try_io() {
    run(async {
        let (listener, addr) = listener().await;
        let (client, accepted) = join(TcpStream::connect(addr), listener.accept()).await;
        let client = client.unwrap();
        let (server, peer) = accepted.unwrap();
        assert_eq!(peer, client.local_addr().unwrap());
        assert_eq!(client.peer_addr().unwrap(), addr);

        client.set_nodelay(true).unwrap();
        assert!(client.nodelay().unwrap());
        client.set_ttl(42).unwrap();
        assert_eq!(client.ttl().unwrap(), 42);
        listener.set_ttl(43).unwrap();
        assert_eq!(listener.ttl().unwrap(), 43);

        client.writable().await.unwrap();
        assert_eq!(client.try_write(b"peek").unwrap(), 4);
        let mut buf = [0; 4];
        assert_eq!(server.peek(&mut buf).await.unwrap(), 4);
        assert_eq!(&buf, b"peek");
        server.readable().await.unwrap();
        assert_eq!(server.try_read(&mut buf).unwrap(), 4);
        assert_eq!(&buf, b"peek");
        // Nothing left: WouldBlock, not a hang.
        let err = server.try_read(&mut buf).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);

        // std round trip.
        let std = client.into_std().unwrap();
        let client = TcpStream::from_std(std).unwrap();
        assert_eq!(client.peer_addr().unwrap(), addr);
    });
}

#[test]
fn connect_by_name_resolves_on_the_blocking_pool() {
    run(async {
        let (listener, addr) = listener().await;
        let port = addr.port();
        let (client, accepted) = join(TcpStream::connect(("localhost", port)), async {
            listener.accept().await
        })
        .await;
        // `localhost` may resolve to ::1 first; connect tries each address.
        client.unwrap();
        accepted.unwrap();
        let addrs: Vec<_> = lookup_host(format!("localhost:{port}"))
            .await
            .unwrap()
            .collect();
        assert!(addrs.iter().any(|a| a.ip().is_loopback()), "{addrs:?}");
        let addrs: Vec<_> = lookup_host(addr).await.unwrap().collect();
        assert_eq!(addrs, [addr]);
    });
}

#[test]
fn tcp_socket_connects() {
    run(async {
        let (listener, addr) = listener().await;
        let socket = TcpSocket::new_v4().unwrap();
        socket.set_reuseaddr(true).unwrap();
        assert!(socket.reuseaddr().unwrap());
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let local = socket.local_addr().unwrap();
        let (client, accepted) = join(socket.connect(addr), listener.accept()).await;
        assert_eq!(client.unwrap().local_addr().unwrap(), local);
        assert_eq!(accepted.unwrap().1, local);
    });
}

#[test]
fn accepted_streams_use_the_listeners_reactor_on_any_thread() {
    run(async {
        let (listener, addr) = listener().await;
        // A thread that never entered a runtime polls accept and uses the
        // stream: both go through the listener's reactor.
        std::thread::scope(|scope| {
            let server = scope.spawn(|| {
                common::block_on(async {
                    let (mut stream, _) = listener.accept().await.unwrap();
                    stream.write_all(b"from another thread").await.unwrap();
                })
            });
            let mut client = std::net::TcpStream::connect(addr).unwrap();
            server.join().unwrap();
            let mut got = String::new();
            std::io::Read::read_to_string(&mut client, &mut got).unwrap();
            assert_eq!(got, "from another thread");
        });
    });
}

/// A listening socket's backlog, as Linux reports it in `TCP_INFO`
/// (`tcpi_sacked` holds it for a socket in the listen state).
#[cfg(target_os = "linux")]
fn listen_backlog(fd: std::os::fd::RawFd) -> u32 {
    // SAFETY: `info` is a plain C struct that may be all zeros, and `len`
    // is its size, which getsockopt writes at most.
    unsafe {
        let mut info: libc::tcp_info = std::mem::zeroed();
        let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
        let rc = libc::getsockopt(
            fd,
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &mut len,
        );
        assert_eq!(rc, 0, "{}", io::Error::last_os_error());
        info.tcpi_sacked
    }
}

#[cfg(target_os = "linux")]
#[test]
fn bind_listens_with_tokios_backlog_of_1024() {
    use std::os::fd::AsRawFd;
    run(async {
        let (listener, _) = listener().await;
        // std's bind alone listens with 128; the kernel caps the value at
        // net.core.somaxconn.
        let somaxconn: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
            .map_or(4096, |s| s.trim().parse().unwrap());
        assert_eq!(listen_backlog(listener.as_raw_fd()), 1024.min(somaxconn));
    });
}
