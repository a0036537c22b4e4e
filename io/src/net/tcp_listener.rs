//! [`TcpListener`]: a TCP socket accepting connections.

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::TcpStream;
use crate::registration::{Direction, Initial};
use std::fmt;
use std::io;
use std::net::{self, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A TCP socket listening for connections, as tokio's.
///
/// An `accept` that fails (for example with `EMFILE`, out of file
/// descriptors) returns the error; the pending connection stays in the
/// backlog and the listener keeps working: the next `accept` tries again.
///
/// # Examples
///
/// A server that answers each connection in a task of its own:
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
///     while let Ok((mut socket, _peer)) = listener.accept().await {
///         runtime::spawn(async move {
///             let mut n = [0; 1];
///             socket.read_exact(&mut n).await?;
///             socket.write_all(&[n[0] * 2]).await
///         });
///     }
/// });
///
/// for i in 1..=3u8 {
///     let mut client = TcpStream::connect(addr).await?;
///     client.write_all(&[i]).await?;
///     let mut reply = [0; 1];
///     client.read_exact(&mut reply).await?;
///     assert_eq!(reply[0], i * 2);
/// }
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct TcpListener {
    io: IoSource<net::TcpListener>,
}

impl TcpListener {
    /// Binds to `addr` and listens, trying each address it resolves to in
    /// turn. Port 0 picks a free port; see [`local_addr`](Self::local_addr).
    /// `SO_REUSEADDR` is set, as std does, and the backlog is 1024, as
    /// tokio's (std's is 128).
    ///
    /// ```
    /// use runtime::net::TcpListener;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// assert_ne!(addr.port(), 0); // a free port was picked
    ///
    /// // The port is taken now.
    /// let err = TcpListener::bind(addr).await.unwrap_err();
    /// assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The last address's error: `AddrInUse` when the port is taken,
    /// `InvalidInput` for an address that does not parse.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<TcpListener> {
        each_addr(&addr, |addr| async move {
            let listener = net::TcpListener::bind(addr)?;
            super::relisten(listener.as_fd())?;
            TcpListener::from_std(listener)
        })
        .await
    }

    /// Registers a non-blocking std listener.
    pub(crate) fn new(listener: net::TcpListener) -> io::Result<TcpListener> {
        Ok(TcpListener {
            io: IoSource::new(listener, Initial::Optimistic)?,
        })
    }

    /// Registers `listener` with the current runtime, setting it
    /// non-blocking.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let addr = std_listener.local_addr()?;
    /// let listener = runtime::net::TcpListener::from_std(std_listener)?;
    /// let _client = std::net::TcpStream::connect(addr)?;
    /// let (_stream, peer) = listener.accept().await?;
    /// assert!(peer.ip().is_loopback());
    /// // And back.
    /// let std_listener = listener.into_std()?;
    /// assert_eq!(std_listener.local_addr()?, addr);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(listener: net::TcpListener) -> io::Result<TcpListener> {
        listener.set_nonblocking(true)?;
        TcpListener::new(listener)
    }

    /// Deregisters the listener and returns it as a std listener, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::TcpListener> {
        Ok(self.io.into_inner())
    }

    /// Waits for a connection and returns it with the peer's address.
    ///
    /// ```
    /// use runtime::net::{TcpListener, TcpStream};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = TcpListener::bind("127.0.0.1:0").await?;
    /// let client = TcpStream::connect(listener.local_addr()?).await?;
    /// let (server_side, peer) = listener.accept().await?;
    /// assert_eq!(peer, client.local_addr()?);
    /// assert_eq!(server_side.local_addr()?, listener.local_addr()?);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let (stream, addr) = self.io.async_io(Interest::READABLE, |l| l.accept()).await?;
        Ok((self.adopt(stream)?, addr))
    }

    /// Polls for a connection.
    pub fn poll_accept(&self, cx: &mut Context<'_>) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        self.io
            .poll_io(Direction::Read, cx, |l| l.accept())
            .map(|accepted| {
                let (stream, addr) = accepted?;
                Ok((self.adopt(stream)?, addr))
            })
    }

    /// Registers an accepted stream with this listener's reactor.
    fn adopt(&self, stream: net::TcpStream) -> io::Result<TcpStream> {
        stream.set_nonblocking(true)?;
        TcpStream::with_reactor(stream, self.io.reactor())
    }

    /// The local address; the port is the one picked when binding to port
    /// 0.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let listener = runtime::net::TcpListener::bind("127.0.0.1:0").await?;
    /// listener.set_ttl(42)?;
    /// assert_eq!(listener.ttl()?, 42);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }
}

impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for TcpListener {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.io, f)
    }
}
