//! A hyper 1.x HTTP/1 server on this runtime (feature `hyper`): answers
//! every request with "hello world".
//!
//! `cargo run --release --features hyper --example hyper_server [ADDR]`
//! prints `listening on ADDR` (default 127.0.0.1:3000), then serves until
//! killed; `hyper_client` talks to it.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{server::conn::http1, service::service_fn, Response};
use runtime::hyper::{Io, Timer};
use runtime::net::TcpListener;
use std::convert::Infallible;
use std::io::Write;
use std::time::Duration;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3000".into());
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (stream, _) = listener.accept().await?;
        runtime::spawn(async move {
            let hello = service_fn(|_request| async {
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from("hello world"))))
            });
            let served = http1::Builder::new()
                // Without a timer hyper ignores the header timeout.
                .timer(Timer::new())
                .header_read_timeout(Duration::from_secs(5))
                .serve_connection(Io::new(stream), hello)
                .await;
            if let Err(e) = served {
                eprintln!("connection: {e}");
            }
        });
    }
}
