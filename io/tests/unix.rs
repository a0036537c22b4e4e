//! Unix-domain stream and datagram sockets, in the temp dir.

mod common;

use common::{run, temp_path};
use futures_util::future::join;
use futures_util::{AsyncReadExt, AsyncWriteExt};
use runtime_io::net::{UnixDatagram, UnixListener, UnixStream};
use std::io;

#[test]
fn unix_stream_echo_through_a_listener() {
    let path = temp_path("stream");
    run(async {
        let listener = UnixListener::bind(&path).unwrap();
        let server = async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            stream.read_to_end(&mut got).await.unwrap();
            stream.write_all(&got).await.unwrap();
            stream.close().await.unwrap();
        };
        let client = async {
            let mut stream = UnixStream::connect(&path).await.unwrap();
            assert_eq!(
                stream.peer_addr().unwrap().as_pathname(),
                Some(path.as_path())
            );
            stream.write_all(b"over unix").await.unwrap();
            stream.close().await.unwrap();
            let mut back = Vec::new();
            stream.read_to_end(&mut back).await.unwrap();
            assert_eq!(back, b"over unix");
        };
        join(server, client).await;
        // The path is taken while the file exists.
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    });
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn unix_stream_pair_and_split() {
    run(async {
        let (a, b) = UnixStream::pair().unwrap();
        let (mut a_read, mut a_write) = a.into_split();
        let (mut b_read, mut b_write) = b.split();
        let one = async {
            a_write.write_all(b"from a").await.unwrap();
            let mut buf = [0; 6];
            a_read.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"from b");
        };
        let two = async {
            b_write.write_all(b"from b").await.unwrap();
            let mut buf = [0; 6];
            b_read.read_exact(&mut buf).await.unwrap();
            assert_eq!(&buf, b"from a");
        };
        join(one, two).await;
    });
}

#[test]
fn unix_connect_to_nothing_fails() {
    let path = temp_path("nothing");
    run(async {
        let err = UnixStream::connect(&path).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    });
}

#[test]
fn unix_datagram_bound_and_pair() {
    let a_path = temp_path("dgram-a");
    let b_path = temp_path("dgram-b");
    run(async {
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        let recv = async {
            let mut buf = [0; 32];
            let (n, from) = b.recv_from(&mut buf).await.unwrap();
            assert_eq!(&buf[..n], b"datagram");
            assert_eq!(from.as_pathname(), Some(a_path.as_path()));
        };
        let send = async {
            assert_eq!(a.send_to(b"datagram", &b_path).await.unwrap(), 8);
        };
        join(recv, send).await;

        let (x, y) = UnixDatagram::pair().unwrap();
        x.send(b"one").await.unwrap();
        let mut buf = [0; 8];
        assert_eq!(y.recv(&mut buf).await.unwrap(), 3);
        assert_eq!(
            y.try_recv(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
    });
    std::fs::remove_file(&a_path).unwrap();
    std::fs::remove_file(&b_path).unwrap();
}

/// A Linux abstract socket name, unique to this process and `tag`: as a
/// path (a leading NUL byte, as the net types take it) and as the name.
#[cfg(target_os = "linux")]
fn abstract_name(tag: &str) -> (String, Vec<u8>) {
    let name = format!("runtime-io-test-{}-{tag}", std::process::id());
    (format!("\0{name}"), name.into_bytes())
}

#[cfg(target_os = "linux")]
#[test]
fn unix_stream_over_an_abstract_name() {
    use std::os::linux::net::SocketAddrExt;
    let (path, name) = abstract_name("stream");
    run(async {
        let listener = UnixListener::bind(&path).unwrap();
        assert_eq!(
            listener.local_addr().unwrap().as_abstract_name(),
            Some(&name[..])
        );
        let server = async {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut buf = [0; 8];
            stream.read_exact(&mut buf).await.unwrap();
            stream.write_all(&buf).await.unwrap();
        };
        let client = async {
            let mut stream = UnixStream::connect(&path).await.unwrap();
            assert_eq!(
                stream.peer_addr().unwrap().as_abstract_name(),
                Some(&name[..])
            );
            stream.write_all(b"abstract").await.unwrap();
            let mut back = [0; 8];
            stream.read_exact(&mut back).await.unwrap();
            assert_eq!(&back, b"abstract");
        };
        join(server, client).await;
        // The name is taken while the listener lives.
        let err = UnixListener::bind(&path).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
    });
}

#[cfg(target_os = "linux")]
#[test]
fn unix_datagram_over_abstract_names() {
    use std::os::linux::net::SocketAddrExt;
    let (a_path, a_name) = abstract_name("dgram-a");
    let (b_path, b_name) = abstract_name("dgram-b");
    run(async {
        let a = UnixDatagram::bind(&a_path).unwrap();
        let b = UnixDatagram::bind(&b_path).unwrap();
        assert_eq!(
            b.local_addr().unwrap().as_abstract_name(),
            Some(&b_name[..])
        );
        assert_eq!(a.send_to(b"to b", &b_path).await.unwrap(), 4);
        let mut buf = [0; 16];
        let (n, from) = b.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"to b");
        assert_eq!(from.as_abstract_name(), Some(&a_name[..]));

        b.connect(&a_path).unwrap();
        assert_eq!(b.peer_addr().unwrap().as_abstract_name(), Some(&a_name[..]));
        assert_eq!(b.send(b"back").await.unwrap(), 4);
        let (n, from) = a.recv_from(&mut buf).await.unwrap();
        assert_eq!(&buf[..n], b"back");
        assert_eq!(from.as_abstract_name(), Some(&b_name[..]));
    });
}
