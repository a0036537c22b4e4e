//! Runs the network examples (`echo`, `chat`, `proxy`, `http`, `udp_echo`)
//! as child processes and talks to each over real sockets, std's blocking
//! ones, checking the bytes that come back.
//!
//! Nothing here can hang: every socket has a read and a write timeout,
//! the first line of a child is waited for with one too, and each child is
//! killed when its [`Example`] guard drops, also when an assertion fails.

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long one read, write or start may take: generous, for a loaded
/// machine; a test that passes never waits for it.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The examples this file runs.
const EXAMPLES: [&str; 5] = ["echo", "chat", "proxy", "http", "udp_echo"];

/// The example's binary: the one `cargo test` built beside the test
/// binaries if it is newer than its source, or else one built here
/// (`cargo test --test examples` builds no example).
fn example(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap(); // target/debug
        let beside = dir.join("examples");
        if EXAMPLES
            .iter()
            .all(|name| is_fresh(&beside.join(name), name))
        {
            return beside;
        }
        // Its own target directory: the outer cargo may hold this one's lock.
        let target = dir.join("examples-test");
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
        let mut cargo = Command::new(env!("CARGO"));
        cargo.args(["build", "-p", "runtime", "--manifest-path"]);
        cargo.arg(manifest).arg("--target-dir").arg(&target);
        for name in EXAMPLES {
            cargo.args(["--example", name]);
        }
        assert!(
            cargo.status().unwrap().success(),
            "building the examples failed"
        );
        target.join("debug").join("examples")
    });
    dir.join(name)
}

/// Whether `binary` exists and is newer than the example's source.
fn is_fresh(binary: &Path, name: &str) -> bool {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.rs"));
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    matches!((modified(binary), modified(&source)), (Some(b), Some(s)) if b >= s)
}

/// A running example, killed and reaped when dropped. Its stderr is
/// kept, and shown if the test fails.
struct Example {
    name: String,
    child: Child,
    addr: SocketAddr,
    stderr: Option<JoinHandle<String>>,
}

impl Example {
    /// Starts the example and waits for its `listening on ADDR` line.
    fn start(name: &str, args: &[&str]) -> Example {
        let mut child = Command::new(example(name))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {name}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        // The guard first: a failure below still kills the child.
        let mut example = Example {
            name: name.to_owned(),
            child,
            addr: ([0, 0, 0, 0], 0).into(),
            stderr: Some(std::thread::spawn(move || {
                let mut bytes = Vec::new();
                let _ = stderr.read_to_end(&mut bytes);
                String::from_utf8_lossy(&bytes).into_owned()
            })),
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            let mut line = String::new();
            let _ = out.read_line(&mut line);
            let _ = tx.send(line);
            // Keep reading, so that the child never blocks on a full pipe.
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        let line = rx
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|_| panic!("{name} printed no line in {TIMEOUT:?}"));
        example.addr = line
            .trim_end()
            .strip_prefix("listening on ")
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("{name}: unexpected first line {line:?}"));
        example
    }

    fn connect(&self) -> TcpStream {
        connect(self.addr)
    }

    fn assert_running(&mut self) {
        let status = self.child.try_wait().unwrap();
        assert!(status.is_none(), "the example exited: {status:?}");
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The pipe is closed now: the thread has read it all.
        let stderr = self.stderr.take().map(|t| t.join().unwrap_or_default());
        if std::thread::panicking() {
            eprintln!("{}'s stderr:\n{}", self.name, stderr.unwrap_or_default());
        }
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).unwrap();
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// Writes `msg` and reads back as many bytes, which must be `msg`.
fn round_trip(stream: &mut TcpStream, msg: &[u8]) {
    stream.write_all(msg).unwrap();
    let mut back = vec![0; msg.len()];
    stream.read_exact(&mut back).unwrap();
    assert_eq!(back, msg);
}

/// Writes all of `data` and then closes the write side, from a thread,
/// while this one reads until EOF; returns what was read.
fn send_all_and_read_to_end(mut stream: TcpStream, data: Vec<u8>) -> Vec<u8> {
    let mut writer = stream.try_clone().unwrap();
    let writing = std::thread::spawn(move || {
        writer.write_all(&data).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut back = Vec::new();
    stream.read_to_end(&mut back).unwrap();
    writing.join().unwrap();
    back
}

/// Bytes that are not all alike, so a lost or reordered chunk shows.
fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// The server closed its side: the next read is EOF.
fn assert_closed(stream: &mut impl Read) {
    let mut buf = [0; 64];
    match stream.read(&mut buf) {
        Ok(0) => {}
        other => panic!("expected EOF, got {other:?}"),
    }
}

#[test]
fn echo_sends_back_every_byte_on_each_connection() {
    let mut echo = Example::start("echo", &[]);
    let mut conns: Vec<TcpStream> = (0..4).map(|_| echo.connect()).collect();
    for round in 0..3 {
        for (i, conn) in conns.iter_mut().enumerate() {
            round_trip(conn, format!("connection {i}, round {round}\n").as_bytes());
        }
    }
    // Many clients at once, each on its own thread.
    let addr = echo.addr;
    let clients: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                let mut conn = connect(addr);
                for round in 0..20 {
                    round_trip(&mut conn, format!("client {i}, round {round}").as_bytes());
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    // 64 KiB, and closing our side makes the server close its.
    let data = pattern(64 * 1024);
    assert!(send_all_and_read_to_end(echo.connect(), data.clone()) == data);
    for mut conn in conns {
        conn.shutdown(Shutdown::Write).unwrap();
        assert_closed(&mut conn);
    }
    round_trip(&mut echo.connect(), b"still serving");
    echo.assert_running();
}

/// One chat client: its name is its address, as the server sees it.
struct ChatClient {
    name: SocketAddr,
    write: TcpStream,
    read: BufReader<TcpStream>,
}

impl ChatClient {
    /// Connects and reads the greeting: once it is read, the server has
    /// subscribed this client, and it hears every later line.
    fn join(server: SocketAddr) -> ChatClient {
        let write = connect(server);
        let name = write.local_addr().unwrap();
        let read = BufReader::new(write.try_clone().unwrap());
        let mut client = ChatClient { name, write, read };
        assert_eq!(client.hear(), format!("welcome, you are {name}"));
        client
    }

    fn say(&mut self, line: &str) {
        self.write
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// The next line, without its newline.
    fn hear(&mut self) -> String {
        let mut line = String::new();
        self.read.read_line(&mut line).unwrap();
        assert!(
            line.ends_with('\n'),
            "{}: not a whole line: {line:?}",
            self.name
        );
        line.pop();
        line
    }

    /// Nothing more comes within a short while.
    fn hears_nothing(&mut self) {
        let stream = self.read.get_ref();
        stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut line = String::new();
        match self.read.read_line(&mut line) {
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            other => panic!("{}: expected nothing, got {other:?} {line:?}", self.name),
        }
        self.read.get_ref().set_read_timeout(Some(TIMEOUT)).unwrap();
    }
}

#[test]
fn chat_lines_reach_every_other_client_and_not_the_sender() {
    let mut chat = Example::start("chat", &[]);
    let mut a = ChatClient::join(chat.addr);
    let mut b = ChatClient::join(chat.addr);
    assert_eq!(a.hear(), format!("{} joined", b.name));
    let mut c = ChatClient::join(chat.addr);
    for other in [&mut a, &mut b] {
        assert_eq!(other.hear(), format!("{} joined", c.name));
    }
    a.say("hello");
    for other in [&mut b, &mut c] {
        assert_eq!(other.hear(), format!("{}: hello", a.name));
    }
    b.say("hi there");
    // A's next line is B's: its own "hello" did not come back to it.
    assert_eq!(a.hear(), format!("{}: hi there", b.name));
    assert_eq!(c.hear(), format!("{}: hi there", b.name));
    let gone = c.name;
    drop(c);
    // B's next line is C leaving: its own line did not come back either.
    for other in [&mut a, &mut b] {
        assert_eq!(other.hear(), format!("{gone} left"));
    }
    // A line sent in two pieces arrives whole.
    a.write.write_all(b"in two ").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    a.write.write_all(b"pieces\r\n").unwrap();
    assert_eq!(b.hear(), format!("{}: in two pieces", a.name));
    a.hears_nothing();
    chat.assert_running();
}

#[test]
fn proxy_forwards_both_ways_to_the_echo_example() {
    let echo = Example::start("echo", &[]);
    let target = echo.addr.to_string();
    let mut proxy = Example::start("proxy", &["127.0.0.1:0", &target]);
    let mut conns: Vec<TcpStream> = (0..3).map(|_| proxy.connect()).collect();
    for round in 0..3 {
        for (i, conn) in conns.iter_mut().enumerate() {
            round_trip(conn, format!("through the proxy: {i}, {round}").as_bytes());
        }
    }
    // A few hundred KiB up and back, then the half-close goes through
    // too: proxy to echo, then echo's close back through the proxy.
    let data = pattern(600 * 1024);
    let back = send_all_and_read_to_end(proxy.connect(), data.clone());
    assert_eq!(back.len(), data.len());
    let first_difference = back.iter().zip(&data).position(|(a, b)| a != b);
    assert_eq!(first_difference, None);
    for mut conn in conns {
        conn.shutdown(Shutdown::Write).unwrap();
        assert_closed(&mut conn);
    }
    proxy.assert_running();
}

#[test]
fn proxy_closes_the_client_when_the_target_refuses_and_carries_on() {
    // A port nobody listens on.
    let target = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut proxy = Example::start("proxy", &["127.0.0.1:0", &target.to_string()]);
    for _ in 0..2 {
        assert_closed(&mut proxy.connect());
    }
    proxy.assert_running();
}

/// An HTTP response: status code, headers (names lowercased) and body.
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        let (_, value) = self.headers.iter().find(|(n, _)| n == name)?;
        Some(value)
    }
}

/// Reads one response, its body by its `Content-Length`.
fn read_response(read: &mut BufReader<TcpStream>) -> Response {
    let mut line = String::new();
    read.read_line(&mut line).unwrap();
    let status = line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3)?.parse().ok())
        .unwrap_or_else(|| panic!("not a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        read.read_line(&mut line).unwrap();
        assert!(line.ends_with("\r\n"), "header line cut short: {line:?}");
        if line == "\r\n" {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut response = Response {
        status,
        headers,
        body: Vec::new(),
    };
    let len = response.header("content-length").expect("a Content-Length");
    response.body = vec![0; len.parse().unwrap()];
    read.read_exact(&mut response.body).unwrap();
    response
}

/// Sends `request` on a new connection and reads one response.
fn http(server: SocketAddr, request: &[u8]) -> (Response, TcpStream, BufReader<TcpStream>) {
    let mut stream = connect(server);
    stream.write_all(request).unwrap();
    let mut read = BufReader::new(stream.try_clone().unwrap());
    let response = read_response(&mut read);
    (response, stream, read)
}

fn assert_hello(response: &Response) {
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello world");
    assert_eq!(response.header("content-length"), Some("11"));
}

#[test]
fn http_answers_get_root_404_otherwise_and_keeps_the_connection() {
    let mut server = Example::start("http", &[]);
    let (hello, mut stream, mut read) = http(server.addr, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_hello(&hello);
    assert_eq!(hello.header("connection"), Some("keep-alive"));
    // The same connection, kept alive.
    stream
        .write_all(b"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let missing = read_response(&mut read);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("content-length"), Some("0"));
    assert!(missing.body.is_empty());
    // Two requests in one write: two answers, in order.
    stream
        .write_all(b"GET /a HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut read).status, 404);
    assert_hello(&read_response(&mut read));
    // Asked to close: the answer says so, and the server closes.
    stream
        .write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let last = read_response(&mut read);
    assert_hello(&last);
    assert_eq!(last.header("connection"), Some("close"));
    assert_closed(&mut read);
    // HTTP/1.0 closes too.
    let (old, _, mut read) = http(server.addr, b"GET / HTTP/1.0\r\n\r\n");
    assert_hello(&old);
    assert_eq!(old.header("connection"), Some("close"));
    assert_closed(&mut read);
    server.assert_running();
}

#[test]
fn http_answers_bad_requests_400_and_stays_up() {
    let mut server = Example::start("http", &[]);
    let mut big = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', 20 * 1024));
    big.extend(b"\r\n\r\n");
    let bad: [&[u8]; 5] = [
        b"garbage\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/2.0\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\n\r\n",
        &big, // over the 8 KiB a head may have
    ];
    for request in bad {
        let (response, _, mut read) = http(server.addr, request);
        assert_eq!(
            response.status,
            400,
            "{:?}",
            String::from_utf8_lossy(request)
        );
        assert_eq!(response.header("connection"), Some("close"));
        assert_closed(&mut read);
    }
    // A head cut short by the client's close is a bad request too.
    let mut stream = server.connect();
    stream.write_all(b"GET / HT").unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut read = BufReader::new(stream);
    assert_eq!(read_response(&mut read).status, 400);
    // A request with a body (not read): answered, then closed.
    let (post, _, mut read) = http(
        server.addr,
        b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(post.status, 404);
    assert_eq!(post.header("connection"), Some("close"));
    assert_closed(&mut read);
    // A client that connects and goes away at once.
    drop(server.connect());
    // Still serving.
    assert_hello(&http(server.addr, b"GET / HTTP/1.1\r\n\r\n").0);
    server.assert_running();
}

#[test]
fn udp_echo_sends_each_datagram_back_to_its_sender() {
    let mut server = Example::start("udp_echo", &[]);
    let bind = || {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(TIMEOUT)).unwrap();
        socket
    };
    let (a, b) = (bind(), bind());
    let mut buf = vec![0; 65_536];
    let sixty_k = pattern(60_000);
    let one_k = pattern(1000);
    for msg in [&b"ping"[..], b"", one_k.as_slice(), sixty_k.as_slice()] {
        a.send_to(msg, server.addr).unwrap();
        let (n, from) = a.recv_from(&mut buf).unwrap();
        assert_eq!(from, server.addr);
        assert!(&buf[..n] == msg, "{} bytes back for {}", n, msg.len());
    }
    // Two senders at once: each gets its own datagram.
    a.send_to(b"from a", server.addr).unwrap();
    b.send_to(b"from b", server.addr).unwrap();
    for (socket, msg) in [(&b, &b"from b"[..]), (&a, &b"from a"[..])] {
        let (n, from) = socket.recv_from(&mut buf).unwrap();
        assert_eq!((&buf[..n], from), (msg, server.addr));
    }
    server.assert_running();
}
