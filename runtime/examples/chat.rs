//! A TCP chat server: each line a client sends goes to every other client,
//! through one `runtime::sync::broadcast` channel.
//!
//! ```text
//! cargo run --example chat [ADDR]
//! ```
//!
//! ADDR defaults to `127.0.0.1:0` (a free port). The first line on stdout
//! is `listening on <addr>`; connect two or more `nc <addr>` to chat.
//! A client is named by its address: it is greeted with
//! `welcome, you are <peer>`, and the others see `<peer> joined`,
//! `<peer>: <line>` for each of its lines, and `<peer> left`.

use runtime::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::sync::broadcast::{self, error::RecvError};
use std::io::Write;
use std::net::SocketAddr;

/// A line for everyone but its sender.
type Message = (SocketAddr, String);

#[runtime::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1);
    let listener = TcpListener::bind(addr.as_deref().unwrap_or("127.0.0.1:0")).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let (tx, _) = broadcast::channel::<Message>(64);
    loop {
        let (socket, peer) = listener.accept().await?;
        // Subscribed here, at the accept: the client misses no line sent
        // from now on.
        let (tx, rx) = (tx.clone(), tx.subscribe());
        runtime::spawn(async move {
            if let Err(e) = client(socket, peer, &tx, rx).await {
                eprintln!("{peer}: {e}");
            }
            let _ = tx.send((peer, format!("{peer} left")));
        });
    }
}

/// Serves one client: its lines go to the channel, the others' lines to it.
async fn client(
    socket: TcpStream,
    peer: SocketAddr,
    tx: &broadcast::Sender<Message>,
    mut rx: broadcast::Receiver<Message>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    // Announced before the greeting: a client that joins after it has
    // been greeted does not hear this one join.
    let _ = tx.send((peer, format!("{peer} joined")));
    let welcome = format!("welcome, you are {peer}\n");
    write.write_all(welcome.as_bytes()).await?;
    loop {
        runtime::select! {
            // `next_line` is cancel safe: a partial line waits in `lines`.
            line = lines.next_line() => match line? {
                Some(line) => {
                    let _ = tx.send((peer, format!("{peer}: {line}")));
                }
                None => return Ok(()),
            },
            message = rx.recv() => match message {
                Ok((from, text)) if from != peer => {
                    write.write_all(format!("{text}\n").as_bytes()).await?;
                }
                Ok(_) => {} // our own line
                Err(RecvError::Lagged(n)) => eprintln!("{peer}: too slow, skipped {n} lines"),
                Err(RecvError::Closed) => return Ok(()),
            },
        }
    }
}
