//! A tiny HTTP/1.1 server with no dependency: `GET /` answers `200 OK`
//! with `hello world`, any other request `404 Not Found`, and one it
//! cannot parse `400 Bad Request`.
//!
//! ```text
//! cargo run --example http [ADDR]    # then: curl -v http://<addr>/
//! ```
//!
//! ADDR defaults to `127.0.0.1:0` (a free port); the first line on stdout
//! is `listening on <addr>`. Answers have a `Content-Length` (404 and 400
//! have empty bodies). Connections are kept alive (requests may be
//! pipelined) until the client asks to close, speaks HTTP/1.0, sends a
//! body (not read here) or a bad request (a head over 8 KiB is one); that
//! answer says `Connection: close`, and the server closes.

use runtime::io::{copy, sink, AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::time::{timeout, Duration};
use std::io::Write;

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    let listener = TcpListener::bind(addr.as_deref().unwrap_or("127.0.0.1:0")).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    loop {
        let (socket, peer) = listener.accept().await?;
        runtime::spawn(async move {
            if let Err(e) = serve(BufReader::new(socket)).await {
                eprintln!("{peer}: {e}");
            }
        });
    }
}

/// Answers requests until the client closes or a request says to close.
async fn serve(mut socket: BufReader<TcpStream>) -> std::io::Result<()> {
    while let Some(head) = read_head(&mut socket).await? {
        let (status, body, keep_alive) = answer(&head).unwrap_or(("400 Bad Request", "", false));
        let connection = if keep_alive { "keep-alive" } else { "close" };
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: {connection}\r\n\r\n{body}",
            body.len()
        );
        socket.get_mut().write_all(response.as_bytes()).await?;
        if !keep_alive {
            // Unread bytes would turn the close into a reset: drain (up to 1 s).
            socket.get_mut().shutdown().await?;
            let _ = timeout(Duration::from_secs(1), copy(&mut socket, &mut sink())).await;
            break;
        }
    }
    Ok(())
}

/// One request head, up to its blank line: `None` if the connection
/// closed before a request began, empty if the head was cut short or is
/// over 8 KiB (both are answered 400).
async fn read_head(socket: &mut BufReader<TcpStream>) -> std::io::Result<Option<Vec<u8>>> {
    let mut limited = (&mut *socket).take(8 * 1024);
    let mut head = Vec::new();
    loop {
        let start = head.len();
        match limited.read_until(b'\n', &mut head).await? {
            0 if start == 0 => return Ok(None),
            n if n == 0 || !head.ends_with(b"\n") => return Ok(Some(Vec::new())),
            _ if matches!(&head[start..], b"\r\n" | b"\n") => return Ok(Some(head)),
            _ => {}
        }
    }
}

/// The status, body and whether to keep the connection open, or `None`
/// if `head` is not an HTTP/1.x request.
fn answer(head: &[u8]) -> Option<(&'static str, &'static str, bool)> {
    let mut lines = std::str::from_utf8(head).ok()?.lines();
    let mut request = lines.next()?.split(' ');
    let (method, path, version) = (request.next()?, request.next()?, request.next()?);
    if request.next().is_some() || !matches!(version, "HTTP/1.0" | "HTTP/1.1") {
        return None;
    }
    let mut keep_alive = version == "HTTP/1.1";
    for line in lines.take_while(|line| !line.is_empty()) {
        let (name, value) = line.split_once(':')?;
        let value = value.trim().to_ascii_lowercase();
        keep_alive &= match name.to_ascii_lowercase().as_str() {
            "connection" => !value.split(',').any(|token| token.trim() == "close"),
            "content-length" => value == "0",
            "transfer-encoding" => false,
            _ => true,
        };
    }
    Some(match (method, path) {
        ("GET", "/") => ("200 OK", "hello world", keep_alive),
        _ => ("404 Not Found", "", keep_alive),
    })
}
