//! `runtime::hyper` (feature `hyper`): hyper 1.x servers and clients on
//! this runtime's sockets, its timer and its executor.

mod common;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::{server::conn::http1, service::service_fn, Request, Response};
use runtime::hyper::{Executor, Io, Timer};
use runtime::net::{TcpListener, TcpStream};
use std::convert::Infallible;
use std::io::{Read, Write};
use std::time::Duration;

async fn serve_one(listener: TcpListener, header_timeout: Option<Duration>) {
    let (stream, _) = listener.accept().await.unwrap();
    let echo_path = service_fn(|request: Request<hyper::body::Incoming>| async move {
        let body = format!("you asked for {}", request.uri().path());
        Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
    });
    let mut builder = http1::Builder::new();
    builder.timer(Timer::new());
    if let Some(t) = header_timeout {
        builder.header_read_timeout(t);
    }
    if let Err(e) = builder.serve_connection(Io::new(stream), echo_path).await {
        eprintln!("server: {e:?}");
    }
}

#[test]
fn a_server_and_a_client_talk_over_one_connection() {
    for (flavor, rt) in common::io_runtimes() {
        rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let server = runtime::spawn(serve_one(listener, None));
            let stream = TcpStream::connect(addr).await.unwrap();
            let (mut client, conn) = hyper::client::conn::http1::handshake(Io::new(stream))
                .await
                .unwrap();
            let conn = runtime::spawn(conn);
            for path in ["/a", "/bb", "/ccc"] {
                let request = Request::get(path)
                    .header("host", "localhost")
                    .body(Empty::<Bytes>::new())
                    .unwrap();
                // hyper's rule: a request goes out once the connection is
                // ready for it.
                client.ready().await.unwrap();
                let response = match client.send_request(request).await {
                    Ok(response) => response,
                    Err(e) => panic!("{flavor}: {e:?}; connection: {:?}", conn.await),
                };
                assert_eq!(response.status(), 200, "{flavor}");
                let body = response.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(body, format!("you asked for {path}"), "{flavor}");
            }
            drop(client);
            conn.await.unwrap().unwrap();
            server.await.unwrap();
        });
    }
}

#[test]
fn the_timer_makes_the_header_read_timeout_work() {
    for (flavor, rt) in common::io_runtimes() {
        let waited = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            runtime::spawn(serve_one(listener, Some(Duration::from_millis(100))));
            // A client that sends half a request head and stops.
            runtime::task::spawn_blocking(move || {
                let mut client = std::net::TcpStream::connect(addr).unwrap();
                client
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .unwrap();
                client.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n").unwrap();
                let started = std::time::Instant::now();
                // The server gives up on the head and closes (hyper may
                // answer 408 first).
                let _ = client.read_to_end(&mut Vec::new());
                started.elapsed()
            })
            .await
            .unwrap()
        });
        assert!(waited < Duration::from_secs(5), "{flavor}: {waited:?}");
        assert!(waited >= Duration::from_millis(90), "{flavor}: {waited:?}");
    }
}

#[test]
fn the_executor_spawns_on_the_current_runtime() {
    use hyper::rt::Executor as _;
    let rt = runtime::Runtime::new().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async move {
        Executor::new().execute(async move { tx.send(7).unwrap() });
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 7);
}

#[test]
fn the_timer_follows_a_paused_clock() {
    use hyper::rt::Timer as _;
    let rt = runtime::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let start = runtime::time::Instant::now();
        Timer::new().sleep(Duration::from_secs(3600)).await;
        assert!(start.elapsed() >= Duration::from_secs(3600));
    });
}

#[test]
fn a_reset_moves_the_sleep() {
    use hyper::rt::Timer as _;
    let rt = runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let timer = Timer::new();
        let mut sleep = timer.sleep(Duration::from_secs(10));
        let started = std::time::Instant::now();
        timer.reset(&mut sleep, started + Duration::from_millis(50));
        sleep.await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(50), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    });
}
