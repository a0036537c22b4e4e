//! Feature `tokio-io`: this crate's streams under tokio's IO traits, with
//! libraries written against them (tokio-util's codecs, hyper-util's
//! `TokioIo`), and `io::compat::Compat` both ways.

mod common;

use futures_util::{SinkExt, StreamExt};
use runtime::io::compat::Compat;
use runtime::net::{TcpListener, TcpStream};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_util::codec::{Framed, LinesCodec};

#[test]
fn tokio_utils_framed_lines_work_on_our_sockets_byte_for_byte() {
    for (flavor, rt) in common::io_runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = runtime::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let mut lines = Framed::new(stream, LinesCodec::new());
                while let Some(line) = lines.next().await {
                    let line = line.unwrap();
                    lines.send(format!("echo: {line}")).await.unwrap();
                }
            });
            // The wire bytes, read with tokio's own extension traits on our
            // socket: LinesCodec writes each frame and a '\n'.
            let mut raw = TcpStream::connect(addr).await.unwrap();
            raw.write_all(b"one\ntwo\r\n").await.unwrap();
            let want = b"echo: one\necho: two\n";
            let mut got = vec![0; want.len()];
            raw.read_exact(&mut got).await.unwrap();
            assert_eq!(&got[..], &want[..], "{flavor}");
            // And frames through a client Framed: LinesCodec strips the
            // newline (asynchronous-codec's keeps it).
            let mut client = Framed::new(raw, LinesCodec::new());
            client.send("three").await.unwrap();
            assert_eq!(
                client.next().await.unwrap().unwrap(),
                "echo: three",
                "{flavor}"
            );
            drop(client);
            server.await.unwrap();
        });
    }
}

#[test]
fn hyper_utils_tokio_io_serves_on_our_sockets() {
    use http_body_util::{BodyExt, Empty, Full};
    use hyper::body::Bytes;
    use hyper_util::rt::TokioIo;
    for (flavor, rt) in common::io_runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            runtime::spawn(async move {
                let (stream, _) = listener.accept().await.unwrap();
                let service = hyper::service::service_fn(|_req| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(
                        "over TokioIo",
                    ))))
                });
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                    .unwrap();
            });
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut client, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            runtime::spawn(conn);
            client.ready().await.unwrap();
            let request = hyper::Request::get("/")
                .header("host", "x")
                .body(Empty::<Bytes>::new())
                .unwrap();
            let response = client.send_request(request).await.unwrap();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"over TokioIo", "{flavor}");
        });
    }
}

#[test]
fn compat_goes_both_ways() {
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // futures-io -> tokio -> futures-io: the same bytes.
        let (a, b) = runtime::io::duplex(16);
        let mut a = Compat::new(Compat::new(a));
        let mut b = Compat::new(b);
        let writer = runtime::spawn(async move {
            runtime::io::AsyncWriteExt::write_all(&mut a, &[7u8; 1000])
                .await
                .unwrap();
            runtime::io::AsyncWriteExt::shutdown(&mut a).await.unwrap();
        });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, vec![7u8; 1000]);
        writer.await.unwrap();
    });
}

#[test]
fn files_pipes_and_halves_take_tokios_traits() {
    fn tokio_read<T: tokio::io::AsyncRead>() {}
    fn tokio_write<T: tokio::io::AsyncWrite>() {}
    tokio_read::<runtime::fs::File>();
    tokio_write::<runtime::fs::File>();
    tokio_write::<runtime::process::ChildStdin>();
    tokio_read::<runtime::process::ChildStdout>();
    tokio_read::<runtime::process::ChildStderr>();
    tokio_read::<runtime::net::UnixStream>();
    tokio_write::<runtime::net::UnixStream>();
    tokio_read::<runtime::net::tcp::OwnedReadHalf>();
    tokio_write::<runtime::net::tcp::OwnedWriteHalf>();
    tokio_read::<runtime::net::tcp::ReadHalf<'static>>();
    tokio_write::<runtime::net::unix::OwnedWriteHalf>();
    tokio_read::<runtime::io::DuplexStream>();
    tokio_write::<runtime::io::WriteHalf<runtime::io::DuplexStream>>();
}

#[test]
fn tokio_postgres_connect_raw_speaks_over_a_compat_stream() {
    // A fake server on the other end of a duplex pair: it reads the
    // startup message and refuses it with an ErrorResponse, which
    // tokio-postgres must parse and report.
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (client, mut server) = runtime::io::duplex(4096);
        let fake = runtime::spawn(async move {
            // Both families of traits apply to a DuplexStream here: name
            // this crate's.
            use runtime::io::{AsyncReadExt as R, AsyncWriteExt as W};
            let mut len = [0; 4];
            R::read_exact(&mut server, &mut len).await.unwrap();
            let len = u32::from_be_bytes(len) as usize;
            let mut startup = vec![0; len - 4];
            R::read_exact(&mut server, &mut startup).await.unwrap();
            // Protocol 3.0, then "user\0me\0...".
            assert_eq!(&startup[..4], &196_608u32.to_be_bytes());
            assert!(startup.windows(8).any(|w| w == b"user\0me\0"));
            let mut fields = Vec::new();
            for (code, value) in [(b'S', "FATAL"), (b'C', "28000"), (b'M', "not today")] {
                fields.push(code);
                fields.extend_from_slice(value.as_bytes());
                fields.push(0);
            }
            fields.push(0);
            let mut reply = vec![b'E'];
            reply.extend_from_slice(&(fields.len() as u32 + 4).to_be_bytes());
            reply.extend_from_slice(&fields);
            W::write_all(&mut server, &reply).await.unwrap();
        });
        let mut config = tokio_postgres::Config::new();
        config.user("me").dbname("db");
        let err = config
            .connect_raw(Compat::new(client), tokio_postgres::NoTls)
            .await
            .err()
            .expect("the fake server refuses");
        let db = err.as_db_error().expect("the server's error, parsed");
        assert_eq!(db.message(), "not today");
        assert_eq!(db.code().code(), "28000");
        fake.await.unwrap();
    });
}
