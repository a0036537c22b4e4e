//! Runs `examples/graceful.rs` as a child process: connections are served,
//! SIGINT stops the accepting, an open connection is still served during
//! the drain, and the report and exit code say what was cut.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The example's binary: built by `cargo test` beside the test binaries,
/// or built here if this test was run alone.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap(); // target/debug
    let built = dir.join("examples").join("graceful");
    if built.exists() {
        return built;
    }
    // Its own target directory: the outer cargo may hold this one's lock.
    let target = dir.join("example-graceful");
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-p",
            "runtime",
            "--example",
            "graceful",
            "--target-dir",
        ])
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success(), "building the example failed");
    target.join("debug").join("examples").join("graceful")
}

struct Server {
    child: Child,
    out: BufReader<ChildStdout>,
    addr: String,
}

impl Server {
    fn start(grace_ms: u64) -> Server {
        let mut child = Command::new(example())
            .env("GRACEFUL_GRACE_MS", grace_ms.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let line = read_line(&mut out);
        let addr = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, out, addr }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    fn interrupt(&self) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our
        // child's, not yet reaped.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        assert_eq!(rc, 0);
    }

    /// The rest of stdout and the exit code.
    fn finish(mut self) -> (String, i32) {
        let mut rest = String::new();
        self.out.read_to_string(&mut rest).unwrap();
        let status = self.child.wait().unwrap();
        (rest, status.code().expect("exited, not killed"))
    }
}

fn read_line(out: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    line.trim_end().to_string()
}

fn echo(s: &mut TcpStream, msg: &[u8]) {
    s.write_all(msg).unwrap();
    let mut back = vec![0; msg.len()];
    s.read_exact(&mut back).unwrap();
    assert_eq!(back, msg);
}

#[test]
fn ctrl_c_stops_accepting_drains_and_reports_the_cut_connection() {
    let mut server = Server::start(500);
    let mut finishing = server.connect();
    let mut lingering = server.connect();
    echo(&mut finishing, b"hello");
    echo(&mut lingering, b"world");
    server.interrupt();
    let line = read_line(&mut server.out);
    assert!(line.contains("no longer accepting"), "{line}");
    // The listener is closed: a new connection is refused.
    assert!(TcpStream::connect(&server.addr).is_err());
    // Open connections are still served during the drain.
    echo(&mut finishing, b"still here");
    drop(finishing);
    let started = Instant::now();
    let (rest, code) = server.finish();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "waited for the deadline"
    );
    // The finished connection's task ends during the drain, or just before
    // it starts (the example says "draining" before it calls the drain).
    assert!(
        rest.contains("1 task finished, 1 cancelled at the deadline")
            || rest.contains("0 tasks finished, 1 cancelled at the deadline"),
        "{rest}"
    );
    assert!(rest.contains("cancelled: task "), "{rest}");
    assert!(rest.contains("\"conn\" (spawned at "), "{rest}");
    assert!(rest.contains("examples/graceful.rs"), "{rest}");
    assert_eq!(code, 1, "{rest}");
    // The cut connection was closed by the server.
    let mut buf = [0; 1];
    assert_eq!(lingering.read(&mut buf).unwrap_or(0), 0);
}

#[test]
fn when_every_connection_closes_it_exits_at_once_and_cleanly() {
    let mut server = Server::start(10_000);
    let mut a = server.connect();
    echo(&mut a, b"ping");
    server.interrupt();
    let line = read_line(&mut server.out);
    assert!(line.contains("no longer accepting"), "{line}");
    echo(&mut a, b"pong");
    drop(a);
    let started = Instant::now();
    let (rest, code) = server.finish();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "did not wait for the 10 s grace: {:?}",
        started.elapsed()
    );
    // The connection's task ends during the drain, or just before it
    // starts (the example says "draining" before it calls the drain).
    assert!(
        rest.contains("1 task finished, 0 cancelled")
            || rest.contains("0 tasks finished, 0 cancelled"),
        "{rest}"
    );
    assert_eq!(code, 0, "{rest}");
}
