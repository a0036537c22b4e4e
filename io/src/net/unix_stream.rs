//! [`UnixStream`]: a Unix-domain stream socket.

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::abstract_addr;
use crate::net::buf::recv_into_spare;
use crate::net::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::net::ucred::UCred;
use crate::reactor::Reactor;
use crate::ready::Ready;
use crate::registration::{Direction, Initial};
use crate::sys;
use socket2::{Domain, SockAddr, SockRef, Socket, Type};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::Shutdown;
use std::os::fd::AsRawFd;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A Unix-domain stream socket, as tokio's: from
/// [`connect`](Self::connect), [`pair`](Self::pair) or a
/// [`UnixListener`](crate::net::UnixListener).
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (also through
/// `&UnixStream`); `poll_close` shuts the write side down.
///
/// # Examples
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::UnixStream;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // Two connected sockets, e.g. to talk to a child process or a thread.
/// let (mut a, mut b) = UnixStream::pair()?;
/// a.write_all(b"over here").await?;
/// a.shutdown().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?;
/// assert_eq!(got, "over here");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixStream {
    io: IoSource<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path` (or, on Linux and Android, if it
    /// starts with a NUL byte, to that abstract name).
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("doc-connect-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let err = UnixStream::connect(&path).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::NotFound); // nothing there yet
    ///
    /// let listener = UnixListener::bind(&path)?;
    /// let stream = UnixStream::connect(&path).await?;
    /// assert_eq!(stream.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// # drop(listener);
    /// # std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `NotFound` if there is no socket there, `ConnectionRefused` if
    /// nobody listens on it; `InvalidInput` for an abstract name elsewhere
    /// than on Linux and Android.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    pub async fn connect(path: impl AsRef<Path>) -> io::Result<UnixStream> {
        let path = path.as_ref();
        // Fails for an abstract name where there are none. Where there
        // are, socket2 reads a leading NUL as one too (the same address
        // as std's `from_abstract_name`), and its socket connects without
        // blocking, which std's `connect_addr` cannot.
        abstract_addr(path)?;
        let addr = SockAddr::unix(path)?;
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        match socket.connect(&addr) {
            Ok(()) => {}
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
            Err(e) => return Err(e),
        }
        let stream = UnixStream::new(std::os::fd::OwnedFd::from(socket).into())?;
        stream
            .io
            .async_io(Interest::WRITABLE, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// A pair of connected sockets.
    ///
    /// ```
    /// use runtime::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (mut a, mut b) = runtime::net::UnixStream::pair()?;
    /// b.write_all(b"x").await?;
    /// let mut byte = [0; 1];
    /// a.read_exact(&mut byte).await?;
    /// assert_eq!(&byte, b"x");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixStream, UnixStream)> {
        let (a, b) = net::UnixStream::pair()?;
        Ok((UnixStream::from_std(a)?, UnixStream::from_std(b)?))
    }

    pub(crate) fn new(stream: net::UnixStream) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::new(stream, Initial::Optimistic)?,
        })
    }

    /// Registers a non-blocking std stream with `reactor`.
    pub(crate) fn with_reactor(
        stream: net::UnixStream,
        reactor: &Arc<Reactor>,
    ) -> io::Result<UnixStream> {
        Ok(UnixStream {
            io: IoSource::with_reactor(stream, reactor, Initial::Optimistic)?,
        })
    }

    /// Registers `stream` with the current runtime, setting it
    /// non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::new(stream)
    }

    /// Deregisters the stream and returns it as a std stream, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::UnixStream> {
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

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Shuts down the read side, the write side, or both. Not public: as
    /// in tokio, `stream.shutdown().await` is `AsyncWriteExt::shutdown`
    /// (the write side), which an inherent method of that name would hide.
    pub(crate) fn shutdown_std(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// The credentials of the peer process, as the kernel recorded them
    /// when the connection was made (`SO_PEERCRED`).
    ///
    /// # Errors
    ///
    /// `Unsupported` other than on Linux and Android; the OS's error.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # let _guard = rt.enter();
    /// let (a, _b) = runtime::net::UnixStream::pair()?;
    /// let cred = a.peer_cred()?;
    /// // The peer is this process.
    /// assert_eq!(cred.pid(), Some(std::process::id() as i32));
    /// # std::io::Result::Ok(())
    /// ```
    pub fn peer_cred(&self) -> io::Result<UCred> {
        let (pid, uid, gid) = sys::peer_cred(self.io.as_raw_fd())?;
        Ok(UCred {
            pid: Some(pid),
            uid,
            gid,
        })
    }

    /// Waits until the socket is ready for any state of `interest`, and
    /// returns the states that hold, as
    /// [`TcpStream::ready`](crate::net::TcpStream::ready) (which has an
    /// example).
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the stream may be readable: pairs with
    /// [`try_read`](Self::try_read).
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Read).await
    }

    /// Waits until the stream may be writable: pairs with
    /// [`try_write`](Self::try_write).
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Write).await
    }

    /// Polls for read readiness; shares one waker slot with `poll_read`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness; shares one waker slot with `poll_write`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Write, cx)
    }

    /// Reads into `buf` without waiting, as
    /// [`TcpStream::try_read`](crate::net::TcpStream::try_read).
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no data is there (which clears the read
    /// readiness); the socket's errors.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |mut s| s.read(buf))
    }

    /// As [`try_read`](Self::try_read), into several buffers.
    ///
    /// # Errors
    ///
    /// As [`try_read`](Self::try_read).
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::READABLE, |mut s| s.read_vectored(bufs))
    }

    /// As [`try_read`](Self::try_read), appending to `buf`'s spare
    /// capacity, as
    /// [`TcpStream::try_read_buf`](crate::net::TcpStream::try_read_buf).
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

    /// Writes from `buf` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (which clears the write
    /// readiness); the socket's errors.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |mut s| s.write(buf))
    }

    /// As [`try_write`](Self::try_write), from several buffers.
    ///
    /// # Errors
    ///
    /// As [`try_write`](Self::try_write).
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |mut s| s.write_vectored(bufs))
    }

    /// Runs `f`, an IO operation of the caller's own on the socket, if it
    /// may be ready for `interest`, as
    /// [`TcpStream::try_io`](crate::net::TcpStream::try_io).
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

    /// As [`try_io`](Self::try_io), waiting for `interest` while `f` says
    /// `WouldBlock`.
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

    /// Splits the stream into a read half and a write half, borrowing it.
    pub fn split(&self) -> (ReadHalf<'_, UnixStream>, WriteHalf<'_, UnixStream>) {
        split::split(self)
    }

    /// Splits the stream into owned halves; dropping the write half shuts
    /// the write side down.
    ///
    /// ```
    /// use runtime::io::{AsyncReadExt, AsyncWriteExt};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, mut b) = runtime::net::UnixStream::pair()?;
    /// let (mut read, mut write) = a.into_split();
    /// runtime::spawn(async move {
    ///     write.write_all(b"bye").await?;
    ///     std::io::Result::Ok(()) // `write` dropped: the write side shuts down
    /// });
    /// let mut got = Vec::new();
    /// b.read_to_end(&mut got).await?; // ends when the write half is gone
    /// assert_eq!(got, b"bye");
    /// b.write_all(b"!").await?;
    /// let mut one = [0; 1];
    /// read.read_exact(&mut one).await?;
    /// assert_eq!(&one, b"!");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn into_split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        split::into_split(self)
    }
}

crate::net::stream_io::stream_io_impls!(UnixStream);
