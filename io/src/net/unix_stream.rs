//! [`UnixStream`]: a Unix-domain stream socket.

use crate::io_source::IoSource;
use crate::net::addr::abstract_addr;
use crate::net::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::reactor::Reactor;
use crate::registration::{Direction, Initial};
use socket2::{Domain, SockAddr, Socket, Type};
use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::sync::Arc;

/// A Unix-domain stream socket, as tokio's: from
/// [`connect`](Self::connect), [`pair`](Self::pair) or a
/// [`UnixListener`](crate::net::UnixListener).
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (also through
/// `&UnixStream`); `poll_close` shuts the write side down.
pub struct UnixStream {
    io: IoSource<net::UnixStream>,
}

impl UnixStream {
    /// Connects to the socket at `path` (or, on Linux and Android, if it
    /// starts with a NUL byte, to that abstract name).
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
            .async_io(Direction::Write, |s| match s.take_error()? {
                Some(e) => Err(e),
                None => Ok(()),
            })
            .await?;
        Ok(stream)
    }

    /// A pair of connected sockets.
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

    /// Shuts down the read side, the write side, or both.
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.io.get_ref().shutdown(how)
    }

    /// Waits until the stream may be readable.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready(Direction::Read).await
    }

    /// Waits until the stream may be writable.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready(Direction::Write).await
    }

    /// Reads into `buf` without waiting: `WouldBlock` if no data is there.
    pub fn try_read(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Read, |mut s| s.read(buf))
    }

    /// Writes `buf` without waiting: `WouldBlock` if the buffer is full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write(buf))
    }

    /// Splits the stream into a read half and a write half, borrowing it.
    pub fn split(&self) -> (ReadHalf<'_, UnixStream>, WriteHalf<'_, UnixStream>) {
        split::split(self)
    }

    /// Splits the stream into owned halves; dropping the write half shuts
    /// the write side down.
    pub fn into_split(self) -> (OwnedReadHalf<UnixStream>, OwnedWriteHalf<UnixStream>) {
        split::into_split(self)
    }
}

crate::net::stream_io::stream_io_impls!(UnixStream);
