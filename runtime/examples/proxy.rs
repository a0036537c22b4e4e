//! A TCP proxy: each connection accepted on ADDR is forwarded to TARGET,
//! bytes copied both ways by `runtime::io::copy_bidirectional`.
//!
//! ```text
//! cargo run --example proxy -- ADDR TARGET
//! cargo run --example proxy -- 127.0.0.1:8081 127.0.0.1:8080
//! ```
//!
//! ADDR may be `127.0.0.1:0` (a free port). The first line on stdout is
//! `listening on <addr>`. When one side closes its half, the proxy closes
//! the same half towards the other side, and the connection ends once
//! both directions have. If TARGET refuses, the client's connection is
//! closed and the proxy goes on.

use runtime::io::copy_bidirectional;
use runtime::net::{TcpListener, TcpStream};
use std::io::Write;
use std::sync::Arc;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let Some(target) = args.next() else {
        eprintln!("usage: proxy ADDR TARGET");
        std::process::exit(2);
    };
    let target: Arc<str> = target.into();
    let listener = TcpListener::bind(addr.as_str()).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (mut inbound, peer) = listener.accept().await?;
        let target = Arc::clone(&target);
        runtime::spawn(async move {
            let mut outbound = match TcpStream::connect(&*target).await {
                Ok(outbound) => outbound,
                Err(e) => return eprintln!("{peer}: connecting to {target}: {e}"),
            };
            match copy_bidirectional(&mut inbound, &mut outbound).await {
                Ok((up, down)) => eprintln!("{peer}: {up} bytes up, {down} down"),
                Err(e) => eprintln!("{peer}: {e}"),
            }
        });
    }
}
