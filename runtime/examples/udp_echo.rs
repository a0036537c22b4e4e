//! A UDP echo server: each datagram goes back to the address it came from.
//!
//! ```text
//! cargo run --example udp_echo [ADDR]
//! ```
//!
//! ADDR defaults to `127.0.0.1:0` (a free port). The first line on stdout
//! is `listening on <addr>`; try it with `nc -u <addr>`.

use runtime::net::UdpSocket;
use std::io::Write;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    let socket = UdpSocket::bind(addr.as_deref().unwrap_or("127.0.0.1:0")).await?;
    println!("listening on {}", socket.local_addr()?);
    std::io::stdout().flush()?;
    // The largest UDP payload: a datagram is never cut short.
    let mut buf = vec![0; 65_535];
    loop {
        let (n, peer) = socket.recv_from(&mut buf).await?;
        // A datagram that cannot go back is lost, as UDP allows; the
        // server carries on with the next one.
        if let Err(e) = socket.send_to(&buf[..n], peer).await {
            eprintln!("{peer}: {e}");
        }
    }
}
