//! A hyper 1.x HTTP/1 client on this runtime (feature `hyper`): sends
//! `GET /` N times over one connection and prints each status and body.
//!
//! `cargo run --release --features hyper --example hyper_client ADDR [N]`

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::Request;
use runtime::hyper::Io;
use runtime::net::TcpStream;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[runtime::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".into());
    let n: usize = args.next().map_or(Ok(3), |n| n.parse())?;
    let stream = TcpStream::connect(addr.as_str()).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(Io::new(stream)).await?;
    runtime::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("connection: {e}");
        }
    });
    for _ in 0..n {
        let request = Request::get("/")
            .header("host", addr.as_str())
            .body(Empty::<Bytes>::new())?;
        // A request goes out once the connection is ready for it.
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        println!("{status} {}", String::from_utf8_lossy(&body));
    }
    Ok(())
}
