//! [`TcpStream`]: a TCP connection.

mod options;

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::buf::recv_into_spare;
use crate::net::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::reactor::Reactor;
use crate::ready::Ready;
use crate::registration::{Direction, Initial};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{self, Shutdown, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

/// A TCP connection, as tokio's: created by [`connect`](Self::connect) or
/// by accepting on a [`TcpListener`](crate::net::TcpListener).
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (also through
/// `&TcpStream`); `poll_close` shuts the write side down. Reading and
/// writing may happen at once from two tasks: see [`split`](Self::split)
/// and [`into_split`](Self::into_split).
///
/// Dropping it deregisters the socket, then closes it.
///
/// # Examples
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{TcpListener, TcpStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let listener = TcpListener::bind("127.0.0.1:0").await?;
/// let addr = listener.local_addr()?;
/// runtime::spawn(async move {
///     let (mut socket, _) = listener.accept().await?;
///     let mut request = String::new();
///     socket.read_to_string(&mut request).await?; // until the client shuts down
///     socket.write_all(format!("{} bytes", request.len()).as_bytes()).await?;
///     std::io::Result::Ok(())
/// });
///
/// let mut stream = TcpStream::connect(addr).await?;
/// assert_eq!(stream.peer_addr()?, addr);
/// stream.write_all(b"hello").await?;
/// stream.shutdown().await?; // the write side: the server sees the end
/// let mut reply = String::new();
/// stream.read_to_string(&mut reply).await?;
/// assert_eq!(reply, "5 bytes");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpStream {
    io: IoSource<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn
    /// (host names are resolved on the runtime's blocking pool).
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let stream = TcpStream::connect(addr).await?;
    /// let (accepted, from) = listener.accept().await?;
    /// assert_eq!(from, stream.local_addr()?);
    /// assert_eq!(accepted.peer_addr()?, stream.local_addr()?);
    ///
    /// // Nobody listens there any more.
    /// drop(listener);
    /// let err = TcpStream::connect(addr).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The last address's error: `ConnectionRefused` when nobody listens,
    /// `InvalidInput` for an address that does not parse.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    pub async fn connect<A: ToSocketAddrs>(addr: A) -> io::Result<TcpStream> {
        each_addr(&addr, connect_addr).await
    }

    /// Registers a connected (or connecting) non-blocking std stream.
    pub(crate) fn new(stream: net::TcpStream) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::new(stream, Initial::Optimistic)?,
        })
    }

    /// Starts connecting `socket` (non-blocking) to `addr`, then waits until
    /// the connection is made or has failed.
    pub(crate) async fn connect_socket(socket: Socket, addr: SocketAddr) -> io::Result<TcpStream> {
        match socket.connect(&addr.into()) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = TcpStream::new(socket.into())?;
        // Writable means connected or failed; `SO_ERROR` tells which. A
        // writable that is not (the optimistic initial readiness) shows as
        // `NotConnected`: wait again.
        stream
            .io
            .async_io(Interest::WRITABLE, |s| {
                if let Some(e) = s.take_error()? {
                    return Err(e);
                }
                match s.peer_addr() {
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {
                        Err(io::ErrorKind::WouldBlock.into())
                    }
                    Err(e) => Err(e),
                }
            })
            .await?;
        Ok(stream)
    }

    /// Registers a non-blocking std stream with `reactor`.
    pub(crate) fn with_reactor(
        stream: net::TcpStream,
        reactor: &Arc<Reactor>,
    ) -> io::Result<TcpStream> {
        Ok(TcpStream {
            io: IoSource::with_reactor(stream, reactor, Initial::Optimistic)?,
        })
    }

    /// Registers `stream` with the current runtime, setting it
    /// non-blocking.
    ///
    /// ```
    /// use runtime::io::AsyncReadExt;
    /// use std::io::Write;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let std_stream = std::net::TcpStream::connect(server.local_addr()?)?;
    /// let (mut peer, _) = server.accept()?;
    /// peer.write_all(b"hi")?;
    ///
    /// let mut stream = runtime::net::TcpStream::from_std(std_stream)?;
    /// let mut buf = [0; 2];
    /// stream.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"hi");
    /// // And back to std (non-blocking still).
    /// let std_stream = stream.into_std()?;
    /// assert_eq!(std_stream.peer_addr()?, server.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::new(stream)
    }

    /// Deregisters the stream and returns it as a std stream, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::TcpStream> {
        Ok(self.io.into_inner())
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read side, the write side, or both. Not public: as
    /// in tokio, `stream.shutdown().await` is `AsyncWriteExt::shutdown`
    /// (the write side), which an inherent method of that name would hide.
    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the socket is ready for any state of `interest`, and
    /// returns the states that hold; check them, a wake-up may be
    /// spurious. Pairs with `try_read`/`try_write` to read and write from
    /// one task without splitting the stream:
    ///
    /// ```
    /// use runtime::io::Interest;
    /// use std::io::ErrorKind::WouldBlock;
    /// # use std::io::{Read, Write};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// # let echo = std::thread::spawn(move || {
    /// #     let mut buf = [0; 5];
    /// #     peer.read_exact(&mut buf)?;
    /// #     peer.write_all(&buf)
    /// # });
    /// // Send "hello" and read the peer's echo, from one task.
    /// let (mut sent, mut got) = (0, Vec::new());
    /// while got.len() < 5 {
    ///     let interest = if sent < 5 {
    ///         Interest::READABLE | Interest::WRITABLE
    ///     } else {
    ///         Interest::READABLE
    ///     };
    ///     let ready = stream.ready(interest).await?;
    ///     if ready.is_readable() {
    ///         let mut buf = [0; 4096];
    ///         match stream.try_read(&mut buf) {
    ///             Ok(0) => break, // the peer closed
    ///             Ok(n) => got.extend_from_slice(&buf[..n]),
    ///             Err(e) if e.kind() == WouldBlock => {}
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    ///     if ready.is_writable() && sent < 5 {
    ///         match stream.try_write(&b"hello"[sent..]) {
    ///             Ok(n) => sent += n,
    ///             Err(e) if e.kind() == WouldBlock => {}
    ///             Err(e) => return Err(e),
    ///         }
    ///     }
    /// }
    /// assert_eq!(got, b"hello");
    /// # echo.join().unwrap()?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// Readiness is edge-triggered: once reported, a state holds until an
    /// operation says `WouldBlock` (which clears it), so this returns at
    /// once until then. The closed states are final. A fresh stream waits
    /// for the reactor's first event, which reports the state the socket
    /// is in. Cancel safe.
    ///
    /// `READ_CLOSED` is reported when the peer has shut its write side
    /// down: the poller reports that as a plain readable edge, so when
    /// `interest` is readable and the socket is, this asks the OS once
    /// (a `poll(2)` that does not wait).
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the stream may be readable: pairs with
    /// [`try_read`](Self::try_read). As [`ready`](Self::ready) with
    /// `READABLE`; any number of tasks may wait.
    ///
    /// ```
    /// # use std::io::Write;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// peer.write_all(b"ping")?;
    /// stream.readable().await?;
    /// let mut buf = [0; 8];
    /// // Readable: the data is there (a spurious wake would give WouldBlock).
    /// assert_eq!(stream.try_read(&mut buf)?, 4);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Read).await
    }

    /// Waits until the stream may be writable: pairs with
    /// [`try_write`](Self::try_write). As [`ready`](Self::ready) with
    /// `WRITABLE`; any number of tasks may wait.
    ///
    /// ```
    /// # use std::io::Read;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// stream.writable().await?;
    /// assert_eq!(stream.try_write(b"pong")?, 4);
    /// let mut buf = [0; 4];
    /// peer.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"pong");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Write).await
    }

    /// Polls for read readiness. Shares one waker slot with `poll_read`
    /// and [`poll_peek`](Self::poll_peek): only the task of the last of
    /// those calls is woken.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness. Shares one waker slot with `poll_write`:
    /// only the task of the last of those calls is woken.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Write, cx)
    }

    /// Reads into `buf` without waiting; `Ok(0)` is the end of the stream
    /// (or an empty `buf`).
    ///
    /// ```
    /// # use std::io::Write;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// # peer.write_all(b"data")?;
    /// let mut buf = [0; 4096];
    /// let n = loop {
    ///     stream.readable().await?;
    ///     match stream.try_read(&mut buf) {
    ///         Ok(n) => break n,
    ///         // A spurious wake-up: the readiness is cleared, wait again.
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// };
    /// assert_eq!(&buf[..n], b"data");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no data is there (which clears the read readiness,
    /// so [`readable`](Self::readable) waits for new data); the socket's
    /// errors.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut s| s.read(buf))
    }

    /// As [`try_read`](Self::try_read), into several buffers (`readv`).
    ///
    /// # Errors
    ///
    /// As [`try_read`](Self::try_read).
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut s| s.read_vectored(bufs))
    }

    /// As [`try_read`](Self::try_read), appending to `buf`: the bytes go
    /// into its spare capacity, uninitialized before, and its length grows
    /// by the count returned. A `Vec` with no spare capacity first grows
    /// by 64 bytes. This stands in for tokio's `try_read_buf<B: BufMut>`
    /// (`bytes` is not a dependency), with `Vec<u8>`'s `BufMut` behaviour.
    ///
    /// ```
    /// # use std::io::Write;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// # peer.write_all(b"abc")?;
    /// let mut buf = Vec::with_capacity(4096);
    /// loop {
    ///     stream.readable().await?;
    ///     match stream.try_read_buf(&mut buf) {
    ///         Ok(n) => {
    ///             assert_eq!(buf.len(), n);
    ///             break;
    ///         }
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// assert_eq!(buf, b"abc");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`try_read`](Self::try_read); `buf` is unchanged then.
    pub fn try_read_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| {
            let socket = SockRef::from(s);
            // SAFETY: socket2's `recv` initializes the bytes it reports.
            unsafe { recv_into_spare(buf, |spare| Ok((socket.recv(spare)?, ()))) }.map(|(n, ())| n)
        })
    }

    /// Writes from `buf` without waiting; returns how much was written.
    ///
    /// ```
    /// # use std::io::Read;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// let mut rest: &[u8] = b"all of it";
    /// while !rest.is_empty() {
    ///     stream.writable().await?;
    ///     match stream.try_write(rest) {
    ///         Ok(n) => rest = &rest[n..],
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
    ///         Err(e) => return Err(e),
    ///     }
    /// }
    /// let mut buf = [0; 9];
    /// peer.read_exact(&mut buf)?;
    /// assert_eq!(&buf, b"all of it");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (which clears the write
    /// readiness, so [`writable`](Self::writable) waits for room); the
    /// socket's errors.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |mut s| s.write(buf))
    }

    /// As [`try_write`](Self::try_write), from several buffers (`writev`).
    ///
    /// # Errors
    ///
    /// As [`try_write`](Self::try_write).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut s| s.write_vectored(bufs))
    }

    /// Runs `f`, an IO operation of the caller's own on the socket (a
    /// syscall on [`as_raw_fd`](std::os::fd::AsRawFd::as_raw_fd)), if the
    /// socket may be ready for `interest`; else returns `WouldBlock`
    /// without calling it. A `WouldBlock` from `f` clears the readiness, so
    /// `f` must say it only when its syscall did, and should do one kind
    /// of IO (reads for `READABLE`, writes for `WRITABLE`).
    ///
    /// ```
    /// use runtime::io::Interest;
    /// use std::os::fd::AsRawFd;
    /// # use std::io::Read;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// stream.writable().await?;
    /// // A send with a flag std has no method for.
    /// let sent = stream.try_io(Interest::WRITABLE, || {
    ///     // SAFETY: a valid pointer and length, and the fd is open while
    ///     // `stream` lives.
    ///     let n = unsafe {
    ///         libc::send(stream.as_raw_fd(), b"x".as_ptr().cast(), 1, libc::MSG_NOSIGNAL)
    ///     };
    ///     if n < 0 { Err(std::io::Error::last_os_error()) } else { Ok(n as usize) }
    /// })?;
    /// assert_eq!(sent, 1);
    /// # let mut buf = [0; 1];
    /// # peer.read_exact(&mut buf)?;
    /// # assert_eq!(&buf, b"x");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `WouldBlock`; `f`'s errors; an error once the runtime has shut
    /// down.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.try_io(interest, |_| f())
    }

    /// As [`try_io`](Self::try_io), waiting: waits for `interest`, runs
    /// `f`, and while `f` says `WouldBlock`, clears the readiness and waits
    /// again.
    ///
    /// # Errors
    ///
    /// `f`'s errors; an error once the runtime has shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        mut f: impl FnMut() -> io::Result<R>,
    ) -> io::Result<R> {
        self.io.async_io(interest, |_| f()).await
    }

    /// Reads into `buf` without removing the data from the queue, waiting
    /// until some is there; the next read or peek sees the same bytes.
    ///
    /// ```
    /// use runtime::io::AsyncReadExt;
    /// # use std::io::Write;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// # let mut stream = stream;
    /// peer.write_all(b"GET /")?;
    /// let mut head = [0; 3];
    /// let n = stream.peek(&mut head).await?;
    /// assert_eq!(&head[..n], &b"GET"[..n]);
    /// // Still there for the read.
    /// let mut all = [0; 5];
    /// stream.read_exact(&mut all).await?;
    /// assert_eq!(&all, b"GET /");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The socket's errors; an error once the runtime has shut down.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// Polls to [`peek`](Self::peek) into `buf`. Shares one waker slot
    /// with `poll_read` and `poll_read_ready`. Takes a `&mut [u8]` where
    /// tokio's takes a `ReadBuf`, and returns the count.
    ///
    /// # Errors
    ///
    /// As [`peek`](Self::peek).
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Read, cx, |s| s.peek(buf))
    }

    /// Splits the stream into a read half and a write half, borrowing it.
    /// The halves can be used at once, e.g. to copy one into the other.
    ///
    /// ```
    /// use runtime::io::AsyncWriteExt;
    /// # use std::io::{Read, Write};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// # let mut stream = stream;
    /// peer.write_all(b"echo me")?;
    /// peer.shutdown(std::net::Shutdown::Write)?;
    /// // An echo: everything read goes back.
    /// let (mut reader, mut writer) = stream.split();
    /// let n = runtime::io::copy(&mut reader, &mut writer).await?;
    /// writer.shutdown().await?;
    /// assert_eq!(n, 7);
    /// let mut back = String::new();
    /// peer.read_to_string(&mut back)?;
    /// assert_eq!(back, "echo me");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn split(&self) -> (ReadHalf<'_, TcpStream>, WriteHalf<'_, TcpStream>) {
        split::split(self)
    }

    /// Splits the stream into owned read and write halves; dropping the
    /// write half shuts the write side down. `reunite` puts them back
    /// together.
    ///
    /// ```
    /// use runtime::io::{AsyncReadExt, AsyncWriteExt};
    /// # use std::io::{Read, Write};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// # let mut peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    /// # let (stream, _) = listener.accept().await?;
    /// let (mut read, mut write) = stream.into_split();
    /// // Each half may go to a task of its own.
    /// let writer = runtime::spawn(async move {
    ///     write.write_all(b"out").await?;
    ///     std::io::Result::Ok(write)
    /// });
    /// peer.write_all(b"in")?;
    /// let mut buf = [0; 2];
    /// read.read_exact(&mut buf).await?;
    /// assert_eq!(&buf, b"in");
    /// let write = writer.await.unwrap()?;
    /// let mut out = [0; 3];
    /// peer.read_exact(&mut out)?;
    /// assert_eq!(&out, b"out");
    /// // Back together.
    /// let stream = read.reunite(write).unwrap();
    /// assert!(stream.peer_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<TcpStream>, OwnedWriteHalf<TcpStream>) {
        split::into_split(self)
    }
}

/// Connects a new socket to `addr`.
async fn connect_addr(addr: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    TcpStream::connect_socket(socket, addr).await
}

crate::net::stream_io::stream_io_impls!(TcpStream);
