//! [`UnixListener`]: a Unix-domain socket accepting connections.

use crate::io_source::IoSource;
use crate::net::UnixStream;
use crate::registration::Direction;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix-domain socket listening for connections, as tokio's.
///
/// The socket file stays after the listener is dropped: remove it to bind
/// the same path again.
pub struct UnixListener {
    io: IoSource<net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` and listens.
    ///
    /// # Errors
    ///
    /// `AddrInUse` if a file exists at `path`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        UnixListener::from_std(net::UnixListener::bind(path)?)
    }

    /// Registers `listener` with the current runtime, setting it
    /// non-blocking.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(listener: net::UnixListener) -> io::Result<UnixListener> {
        listener.set_nonblocking(true)?;
        Ok(UnixListener {
            io: IoSource::new(listener)?,
        })
    }

    /// Deregisters the listener and returns it as a std listener, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        Ok(self.io.into_inner())
    }

    /// Waits for a connection and returns it with the peer's address.
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Direction::Read, |l| l.accept()).await?;
        Ok((self.adopt(stream)?, addr))
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(UnixStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |l| l.accept())
            .map(|accepted| {
                let (stream, addr) = accepted?;
                Ok((self.adopt(stream)?, addr))
            })
    }

    /// Registers an accepted stream with this listener's reactor.
    fn adopt(&self, stream: net::UnixStream) -> io::Result<UnixStream> {
        stream.set_nonblocking(true)?;
        UnixStream::with_reactor(stream, self.io.reactor())
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }
}

impl AsRawFd for UnixListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UnixListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UnixListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.io, f)
    }
}
