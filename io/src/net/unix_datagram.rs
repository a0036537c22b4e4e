//! [`UnixDatagram`]: a Unix-domain datagram socket.

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::abstract_addr;
use crate::net::buf::{recv_into_spare, recv_into_zeroed};
use crate::ready::Ready;
use crate::registration::{Direction, Initial};
use socket2::SockRef;
use std::fmt;
use std::io;
use std::net::Shutdown;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix-domain datagram socket, as tokio's. All methods take `&self`.
///
/// Paths are as for [`UnixListener`](crate::net::UnixListener): on Linux
/// and Android, one whose first byte is NUL (`"\0name"`) is an abstract
/// name.
///
/// # Examples
///
/// ```
/// use runtime::net::UnixDatagram;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let dir = std::env::temp_dir();
/// let server_path = dir.join(format!("doc-dgram-server-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&server_path);
/// let server = UnixDatagram::bind(&server_path)?;
/// let client = UnixDatagram::unbound()?;
/// client.send_to(b"status?", &server_path).await?;
/// let mut buf = [0; 64];
/// let (n, from) = server.recv_from(&mut buf).await?;
/// assert_eq!(&buf[..n], b"status?");
/// assert!(from.is_unnamed()); // the client did not bind: no reply address
/// std::fs::remove_file(&server_path)?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixDatagram {
    io: IoSource<net::UnixDatagram>,
}

impl UnixDatagram {
    /// A socket bound to `path` (or, if it starts with a NUL byte, to
    /// that abstract name).
    ///
    /// # Errors
    ///
    /// `AddrInUse` if a file exists at `path` (or the abstract name is
    /// taken); `InvalidInput` for an abstract name elsewhere than on Linux
    /// and Android.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixDatagram> {
        let path = path.as_ref();
        let socket = match abstract_addr(path)? {
            Some(addr) => net::UnixDatagram::bind_addr(&addr)?,
            None => net::UnixDatagram::bind(path)?,
        };
        UnixDatagram::from_std(socket)
    }

    /// A socket bound to no address.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn unbound() -> io::Result<UnixDatagram> {
        UnixDatagram::from_std(net::UnixDatagram::unbound()?)
    }

    /// A pair of connected sockets.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let (a, b) = runtime::net::UnixDatagram::pair()?;
    /// a.send(b"one").await?;
    /// a.send(b"two").await?;
    /// let mut buf = [0; 8];
    /// // Datagrams keep their boundaries.
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// assert_eq!(&buf[..3], b"one");
    /// assert_eq!(b.recv(&mut buf).await?, 3);
    /// assert_eq!(&buf[..3], b"two");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn pair() -> io::Result<(UnixDatagram, UnixDatagram)> {
        let (a, b) = net::UnixDatagram::pair()?;
        Ok((UnixDatagram::from_std(a)?, UnixDatagram::from_std(b)?))
    }

    /// Registers `socket` with the current runtime, setting it
    /// non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(socket: net::UnixDatagram) -> io::Result<UnixDatagram> {
        socket.set_nonblocking(true)?;
        Ok(UnixDatagram {
            io: IoSource::new(socket, Initial::Optimistic)?,
        })
    }

    /// Deregisters the socket and returns it as a std socket, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::UnixDatagram> {
        Ok(self.io.into_inner())
    }

    /// Sets the default peer to the socket at `path` (or, if it starts
    /// with a NUL byte, to that abstract name).
    ///
    /// ```
    /// use runtime::net::UnixDatagram;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("doc-dgram-conn-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let server = UnixDatagram::bind(&path)?;
    /// let client = UnixDatagram::unbound()?;
    /// client.connect(&path)?;
    /// assert_eq!(client.peer_addr()?.as_pathname(), Some(path.as_path()));
    /// client.send(b"hi").await?;
    /// let mut buf = [0; 4];
    /// assert_eq!(server.recv(&mut buf).await?, 2);
    /// # std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn connect(&self, path: impl AsRef<Path>) -> io::Result<()> {
        let path = path.as_ref();
        match abstract_addr(path)? {
            Some(addr) => self.io.get_ref().connect_addr(&addr),
            None => self.io.get_ref().connect(path),
        }
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

    /// Waits until the socket may be readable: pairs with `try_recv` and
    /// `try_recv_from`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Read).await
    }

    /// Waits until the socket may be writable: pairs with `try_send` and
    /// `try_send_to`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Write).await
    }

    /// Polls for read readiness; shares one waker slot with `poll_recv`
    /// and `poll_recv_from`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness; shares one waker slot with `poll_send`
    /// and `poll_send_to`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Write, cx)
    }

    /// Sends `buf` to the connected peer.
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    /// Polls to [`send`](Self::send) `buf`.
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Write, cx, |s| s.send(buf))
    }

    /// Sends `buf` to the connected peer without waiting: `WouldBlock` if
    /// the peer's queue is full.
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    /// Polls to [`recv`](Self::recv) into `buf` (a `&mut [u8]` where
    /// tokio's takes a `ReadBuf`).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Read, cx, |s| s.recv(buf))
    }

    /// Receives a datagram without waiting: `WouldBlock` if none is there.
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    /// As [`recv`](Self::recv), appending the datagram to `buf`'s spare
    /// capacity, as [`UdpSocket::recv_buf`](crate::net::UdpSocket::recv_buf).
    pub async fn recv_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| recv_buf(s, buf))
            .await
    }

    /// [`recv_buf`](Self::recv_buf) without waiting.
    pub fn try_recv_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| recv_buf(s, buf))
    }

    /// Sends `buf` to the socket at `path` (or, if it starts with a NUL
    /// byte, to that abstract name).
    ///
    /// # Errors
    ///
    /// `InvalidInput` for a path with a NUL byte past the first, or too
    /// long for a socket address; the socket's errors.
    pub async fn send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let target = target(path.as_ref())?;
        self.io
            .async_io(Interest::WRITABLE, |s| s.send_to_addr(buf, &target))
            .await
    }

    /// Polls to [`send_to`](Self::send_to) `path`.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to).
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        path: impl AsRef<Path>,
    ) -> Poll<io::Result<usize>> {
        let target = target(path.as_ref())?;
        self.io
            .poll_io(Direction::Write, cx, |s| s.send_to_addr(buf, &target))
    }

    /// [`send_to`](Self::send_to) without waiting: `WouldBlock` if the
    /// receiver's queue is full.
    ///
    /// # Errors
    ///
    /// As [`send_to`](Self::send_to).
    pub fn try_send_to(&self, buf: &[u8], path: impl AsRef<Path>) -> io::Result<usize> {
        let target = target(path.as_ref())?;
        self.io
            .try_io(Interest::WRITABLE, |s| s.send_to_addr(buf, &target))
    }

    /// Receives a datagram; returns its length and sender.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.recv_from(buf))
            .await
    }

    /// Polls to [`recv_from`](Self::recv_from) into `buf`.
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(Direction::Read, cx, |s| s.recv_from(buf))
    }

    /// Receives a datagram and its sender without waiting: `WouldBlock`
    /// if none is there.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// As [`recv_from`](Self::recv_from), appending the datagram to
    /// `buf`'s spare capacity. Unlike [`recv_buf`](Self::recv_buf), this
    /// zeroes the spare capacity first: std receives a sender's address
    /// only into an initialized buffer.
    pub async fn recv_buf_from(&self, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| recv_buf_from(s, buf))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting.
    pub fn try_recv_buf_from(&self, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |s| recv_buf_from(s, buf))
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

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer's address.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Shuts down the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

/// The address of `path`: an abstract name if it starts with a NUL byte.
fn target(path: &Path) -> io::Result<SocketAddr> {
    match abstract_addr(path)? {
        Some(addr) => Ok(addr),
        None => SocketAddr::from_pathname(path),
    }
}

fn recv_buf(socket: &net::UnixDatagram, buf: &mut Vec<u8>) -> io::Result<usize> {
    let socket = SockRef::from(socket);
    // SAFETY: socket2's `recv` initializes the bytes it reports.
    unsafe { recv_into_spare(buf, |spare| Ok((socket.recv(spare)?, ()))) }.map(|(n, ())| n)
}

fn recv_buf_from(socket: &net::UnixDatagram, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
    recv_into_zeroed(buf, |dst| socket.recv_from(dst))
}

impl AsRawFd for UnixDatagram {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UnixDatagram {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixDatagram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.io, f)
    }
}
