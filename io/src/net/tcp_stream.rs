//! [`TcpStream`]: a TCP connection.

use crate::io_source::IoSource;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::net::split::{self, OwnedReadHalf, OwnedWriteHalf, ReadHalf, WriteHalf};
use crate::reactor::Reactor;
use crate::registration::{Direction, Initial};
use socket2::{Domain, Protocol, SockRef, Socket, Type};
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::net::{self, Shutdown, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// A TCP connection, as tokio's: created by [`connect`](Self::connect) or
/// by accepting on a [`TcpListener`](crate::net::TcpListener).
///
/// Implements `futures_io::AsyncRead` and `AsyncWrite` (also through
/// `&TcpStream`); `poll_close` shuts the write side down. Reading and
/// writing may happen at once from two tasks: see [`split`](Self::split)
/// and [`into_split`](Self::into_split).
///
/// Dropping it deregisters the socket, then closes it.
pub struct TcpStream {
    io: IoSource<net::TcpStream>,
}

impl TcpStream {
    /// Connects to `addr`, trying each address it resolves to in turn
    /// (host names are resolved on the runtime's blocking pool).
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
            .async_io(Direction::Write, |s| {
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

    /// Whether `TCP_NODELAY` is set.
    pub fn nodelay(&self) -> io::Result<bool> {
        self.io.get_ref().nodelay()
    }

    /// Sets `TCP_NODELAY` (disables Nagle's algorithm when `true`).
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.io.get_ref().set_nodelay(nodelay)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// The `SO_LINGER` option.
    pub fn linger(&self) -> io::Result<Option<Duration>> {
        SockRef::from(self.io.get_ref()).linger()
    }

    /// Sets the `SO_LINGER` option.
    pub fn set_linger(&self, linger: Option<Duration>) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_linger(linger)
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

    /// Reads into `bufs` without waiting: `WouldBlock` if no data is there.
    pub fn try_read_vectored(&self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Read, |mut s| s.read_vectored(bufs))
    }

    /// Writes `buf` without waiting: `WouldBlock` if the send buffer is
    /// full.
    pub fn try_write(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Direction::Write, |mut s| s.write(buf))
    }

    /// Writes `bufs` without waiting: `WouldBlock` if the send buffer is
    /// full.
    pub fn try_write_vectored(&self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.io
            .try_io(Direction::Write, |mut s| s.write_vectored(bufs))
    }

    /// Reads into `buf` without removing the data from the queue, waiting
    /// until some is there.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Direction::Read, |s| s.peek(buf)).await
    }

    /// Splits the stream into a read half and a write half, borrowing it.
    pub fn split(&self) -> (ReadHalf<'_, TcpStream>, WriteHalf<'_, TcpStream>) {
        split::split(self)
    }

    /// Splits the stream into owned read and write halves; dropping the
    /// write half shuts the write side down. `reunite` puts them back
    /// together.
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
