//! An echo server that stops cleanly on Ctrl-C: it stops accepting, lets
//! the open connections finish for up to 5 s, cancels the rest, and prints
//! what happened.
//!
//! ```text
//! cargo run --release --example graceful [ADDR]
//! ```
//!
//! The exit code is 0 when every connection finished on its own, 1 when
//! some were cut at the deadline. `GRACEFUL_GRACE_MS` sets the grace period
//! (the test uses a short one).

use runtime::io::{AsyncReadExt, AsyncWriteExt};
use runtime::net::TcpListener;
use runtime::{signal, task, Runtime};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> std::io::Result<ExitCode> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let grace = std::env::var("GRACEFUL_GRACE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(Duration::from_secs(5), Duration::from_millis);
    let rt = Runtime::new()?;
    rt.block_on(async {
        let listener = TcpListener::bind(addr.as_str()).await?;
        // Listening for Ctrl-C from here on: SIGINT no longer kills us.
        // (`signal` listens from its call; `ctrl_c()` only from its first
        // poll, which would leave a gap before the line below.)
        let mut ctrl_c = signal::unix::signal(signal::unix::SignalKind::interrupt())?;
        say(&format!("listening on {}", listener.local_addr()?));
        loop {
            runtime::select! {
                _ = ctrl_c.recv() => break,
                accepted = listener.accept() => {
                    let (mut stream, _) = accepted?;
                    task::Builder::new().name("conn").spawn(async move {
                        // Served until the client closes, also during the
                        // drain; cancelled at its deadline.
                        let mut buf = [0; 1024];
                        while let Ok(n @ 1..) = stream.read(&mut buf).await {
                            if stream.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                        }
                    })?;
                }
            }
        }
        // Dropping the listener closes it: no new connections.
        drop(listener);
        say("ctrl-c: no longer accepting; draining the open connections");
        Ok::<_, std::io::Error>(())
    })?;
    let report = rt.shutdown_graceful(grace);
    say(&report.to_string());
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// One line on stdout, flushed at once (a pipe buffers otherwise).
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}
