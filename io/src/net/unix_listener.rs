//! [`UnixListener`]: a Unix-domain socket accepting connections.

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::abstract_addr;
use crate::net::UnixStream;
use crate::registration::{Direction, Initial};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::os::unix::net::{self, SocketAddr};
use std::path::Path;
use std::task::{Context, Poll};

/// A Unix-domain socket listening for connections, as tokio's.
///
/// The socket file stays after the listener is dropped: remove it to bind
/// the same path again. On Linux and Android, a path whose first byte is
/// NUL (`"\0name"`) is an abstract name instead (see
/// `std::os::linux::net::SocketAddrExt`): no file, and the name is free
/// again once the socket is closed.
///
/// # Examples
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
/// use runtime::net::{UnixListener, UnixStream};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let path = std::env::temp_dir().join(format!("doc-listener-{}.sock", std::process::id()));
/// # let _ = std::fs::remove_file(&path);
/// let listener = UnixListener::bind(&path)?;
/// let server = runtime::spawn(async move {
///     let (mut socket, _) = listener.accept().await?;
///     socket.write_all(b"welcome").await?;
///     std::io::Result::Ok(())
/// });
/// let mut client = UnixStream::connect(&path).await?;
/// let mut greeting = String::new();
/// client.read_to_string(&mut greeting).await?;
/// assert_eq!(greeting, "welcome");
/// server.await.unwrap()?;
/// std::fs::remove_file(&path)?; // the file stays until removed
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct UnixListener {
    io: IoSource<net::UnixListener>,
}

impl UnixListener {
    /// Binds to `path` (or, if it starts with a NUL byte, to that
    /// abstract name) and listens, with a backlog of 1024 as tokio's.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # let _guard = rt.enter();
    /// use runtime::net::UnixListener;
    ///
    /// let path = std::env::temp_dir().join(format!("doc-bind-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// assert_eq!(listener.local_addr()?.as_pathname(), Some(path.as_path()));
    /// // The file is still there: binding again fails until it is removed.
    /// drop(listener);
    /// let err = UnixListener::bind(&path).unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// ```
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
    pub fn bind(path: impl AsRef<Path>) -> io::Result<UnixListener> {
        let path = path.as_ref();
        let listener = match abstract_addr(path)? {
            Some(addr) => net::UnixListener::bind_addr(&addr)?,
            None => net::UnixListener::bind(path)?,
        };
        super::relisten(listener.as_fd())?;
        UnixListener::from_std(listener)
    }

    /// Binds to `addr` and listens: a path or, on Linux and Android, an
    /// abstract name made with `SocketAddrExt::from_abstract_name`.
    ///
    /// # Errors
    ///
    /// As [`bind`](Self::bind); `InvalidInput` for an unnamed address.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn bind_addr(addr: &SocketAddr) -> io::Result<UnixListener> {
        let listener = net::UnixListener::bind_addr(addr)?;
        super::relisten(listener.as_fd())?;
        UnixListener::from_std(listener)
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
            io: IoSource::new(listener, Initial::Optimistic)?,
        })
    }

    /// Deregisters the listener and returns it as a std listener, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::UnixListener> {
        Ok(self.io.into_inner())
    }

    /// Waits for a connection and returns it with the peer's address
    /// (unnamed, for a client that did not bind).
    ///
    /// ```
    /// use runtime::net::{UnixListener, UnixStream};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let path = std::env::temp_dir().join(format!("doc-accept-{}.sock", std::process::id()));
    /// # let _ = std::fs::remove_file(&path);
    /// let listener = UnixListener::bind(&path)?;
    /// let _client = UnixStream::connect(&path).await?;
    /// let (stream, peer) = listener.accept().await?;
    /// assert!(peer.is_unnamed());
    /// assert_eq!(stream.local_addr()?.as_pathname(), Some(path.as_path()));
    /// # std::fs::remove_file(&path)?;
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(UnixStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
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
