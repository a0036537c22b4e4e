//! A TCP echo server: every byte a client sends comes back to it, until
//! the client closes its side.
//!
//! ```text
//! cargo run --example echo [ADDR]
//! ```
//!
//! ADDR defaults to `127.0.0.1:0` (a free port). The first line on stdout
//! is `listening on <addr>`; try it with `nc <addr>`.

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::TcpListener;
use std::io::Write;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    let listener = TcpListener::bind(addr.as_deref().unwrap_or("127.0.0.1:0")).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (mut socket, peer) = listener.accept().await?;
        // One task per connection: a slow client holds up no one else.
        runtime::spawn(async move {
            let mut buf = vec![0; 8 * 1024];
            loop {
                let n = match socket.read(&mut buf).await {
                    Ok(0) => return, // the client closed its side
                    Ok(n) => n,
                    Err(e) => return eprintln!("{peer}: {e}"),
                };
                if let Err(e) = socket.write_all(&buf[..n]).await {
                    return eprintln!("{peer}: {e}");
                }
            }
        });
    }
}
