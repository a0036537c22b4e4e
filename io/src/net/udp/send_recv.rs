//! Sending, receiving and peeking on a [`UdpSocket`]: each in its
//! `async`, `poll_` and `try_` forms (see the type's doc).
//!
//! The `poll_` forms take a `&mut [u8]` where tokio's take a `ReadBuf`,
//! and return the count with what else tokio's return.

use super::UdpSocket;
use crate::interest::Interest;
use crate::net::addr::{resolve, ToSocketAddrs};
use crate::net::buf::recv_into_spare;
use crate::registration::Direction;
use socket2::{SockAddr, SockRef};
use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll};

/// An IP socket address from socket2's, which a UDP socket always gives.
fn ip_addr(addr: SockAddr) -> io::Result<SocketAddr> {
    addr.as_socket().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the sender's address is not an IP address",
        )
    })
}

impl UdpSocket {
    /// Sends `buf` to the connected peer; returns the bytes sent.
    ///
    /// # Errors
    ///
    /// `NotConnected` if [`connect`](Self::connect) was not called; the
    /// socket's errors (a `ConnectionRefused` may report an ICMP error an
    /// earlier datagram came back with).
    pub async fn send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.async_io(Interest::WRITABLE, |s| s.send(buf)).await
    }

    /// Polls to [`send`](Self::send) `buf`.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn poll_send(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Write, cx, |s| s.send(buf))
    }

    /// [`send`](Self::send) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (which clears the write
    /// readiness); as [`send`](Self::send).
    pub fn try_send(&self, buf: &[u8]) -> io::Result<usize> {
        self.io.try_io(Interest::WRITABLE, |s| s.send(buf))
    }

    /// Receives a datagram from the connected peer into `buf`.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.recv(buf)).await
    }

    /// Polls to [`recv`](Self::recv) into `buf`.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn poll_recv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Read, cx, |s| s.recv(buf))
    }

    /// [`recv`](Self::recv) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is there (which clears the read
    /// readiness); as [`recv`](Self::recv).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.recv(buf))
    }

    /// As [`recv`](Self::recv), appending the datagram to `buf`'s spare
    /// capacity (uninitialized before); its length grows by the count
    /// returned. A `Vec` with no spare capacity first grows by 64 bytes,
    /// and a datagram longer than the spare capacity is truncated:
    /// reserve room first. Stands in for tokio's `recv_buf<B: BufMut>`.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let socket = runtime::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// # peer.send_to(b"datagram", socket.local_addr()?)?;
    /// # socket.connect(peer.local_addr()?).await?;
    /// let mut buf = Vec::with_capacity(1500);
    /// let n = socket.recv_buf(&mut buf).await?;
    /// assert_eq!(buf.len(), n);
    /// assert_eq!(buf, b"datagram");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv); `buf` is unchanged then.
    pub async fn recv_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.io
            .async_io(Interest::READABLE, |s| recv_buf(s, buf))
            .await
    }

    /// [`recv_buf`](Self::recv_buf) without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_recv`](Self::try_recv); `buf` is unchanged then.
    pub fn try_recv_buf(&self, buf: &mut Vec<u8>) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| recv_buf(s, buf))
    }

    /// Sends `buf` to `target` (its first address, if a name resolves to
    /// several); returns the bytes sent.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if `target` resolves to no address; the socket's
    /// errors.
    pub async fn send_to<A: ToSocketAddrs>(&self, buf: &[u8], target: A) -> io::Result<usize> {
        let target = resolve(&target).await?.into_iter().next().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "no addresses to send data to")
        })?;
        self.io
            .async_io(Interest::WRITABLE, |s| s.send_to(buf, target))
            .await
    }

    /// Polls to send `buf` to `target`.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub fn poll_send_to(
        &self,
        cx: &mut Context<'_>,
        buf: &[u8],
        target: SocketAddr,
    ) -> Poll<io::Result<usize>> {
        self.io
            .poll_io(Direction::Write, cx, |s| s.send_to(buf, target))
    }

    /// Sends `buf` to `target` without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if the send buffer is full (which clears the write
    /// readiness); the socket's errors.
    pub fn try_send_to(&self, buf: &[u8], target: SocketAddr) -> io::Result<usize> {
        self.io
            .try_io(Interest::WRITABLE, |s| s.send_to(buf, target))
    }

    /// Receives a datagram into `buf`; returns its length and sender.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.recv_from(buf))
            .await
    }

    /// Polls to [`recv_from`](Self::recv_from) into `buf`.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let socket = runtime::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// # peer.send_to(b"datagram", socket.local_addr()?)?;
    /// let mut buf = [0; 1500];
    /// let (n, from) = std::future::poll_fn(|cx| socket.poll_recv_from(cx, &mut buf)).await?;
    /// assert_eq!((&buf[..n], from), (&b"datagram"[..], peer.local_addr()?));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from).
    pub fn poll_recv_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(Direction::Read, cx, |s| s.recv_from(buf))
    }

    /// [`recv_from`](Self::recv_from) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is there (which clears the read
    /// readiness); the socket's errors.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.recv_from(buf))
    }

    /// As [`recv_from`](Self::recv_from), appending the datagram to
    /// `buf`'s spare capacity, as [`recv_buf`](Self::recv_buf) does.
    ///
    /// # Errors
    ///
    /// As [`recv_from`](Self::recv_from); `buf` is unchanged then.
    pub async fn recv_buf_from(&self, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| recv_buf_from(s, buf))
            .await
    }

    /// [`recv_buf_from`](Self::recv_buf_from) without waiting.
    ///
    /// # Errors
    ///
    /// As [`try_recv_from`](Self::try_recv_from); `buf` is unchanged then.
    pub fn try_recv_buf_from(&self, buf: &mut Vec<u8>) -> io::Result<(usize, SocketAddr)> {
        self.io
            .try_io(Interest::READABLE, |s| recv_buf_from(s, buf))
    }

    /// Receives a datagram from the connected peer into `buf` without
    /// removing it from the queue: the next receive gets it again.
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.async_io(Interest::READABLE, |s| s.peek(buf)).await
    }

    /// Polls to [`peek`](Self::peek) into `buf`.
    ///
    /// # Errors
    ///
    /// As [`peek`](Self::peek).
    pub fn poll_peek(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.io.poll_io(Direction::Read, cx, |s| s.peek(buf))
    }

    /// [`peek`](Self::peek) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is there; the socket's errors.
    pub fn try_peek(&self, buf: &mut [u8]) -> io::Result<usize> {
        self.io.try_io(Interest::READABLE, |s| s.peek(buf))
    }

    /// Receives a datagram into `buf` without removing it from the queue;
    /// returns its length and sender.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let socket = runtime::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// # peer.send_to(b"datagram", socket.local_addr()?)?;
    /// let mut buf = [0; 64];
    /// let (n, from) = socket.peek_from(&mut buf).await?;
    /// assert_eq!(from, peer.local_addr()?);
    /// // Still queued: the receive gets the same datagram.
    /// let (m, _) = socket.recv_from(&mut buf).await?;
    /// assert_eq!((n, &buf[..m]), (m, &b"datagram"[..]));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io
            .async_io(Interest::READABLE, |s| s.peek_from(buf))
            .await
    }

    /// Polls to [`peek_from`](Self::peek_from) into `buf`.
    ///
    /// # Errors
    ///
    /// As [`peek_from`](Self::peek_from).
    pub fn poll_peek_from(
        &self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<(usize, SocketAddr)>> {
        self.io.poll_io(Direction::Read, cx, |s| s.peek_from(buf))
    }

    /// [`peek_from`](Self::peek_from) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is there; the socket's errors.
    pub fn try_peek_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.io.try_io(Interest::READABLE, |s| s.peek_from(buf))
    }

    /// The sender of the datagram at the head of the queue, waiting for
    /// one; the datagram stays queued.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let socket = runtime::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// # let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// # peer.send_to(b"datagram", socket.local_addr()?)?;
    /// assert_eq!(socket.peek_sender().await?, peer.local_addr()?);
    /// let mut buf = [0; 64];
    /// assert_eq!(socket.recv_from(&mut buf).await?.0, 8); // still there
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The socket's errors.
    pub async fn peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.async_io(Interest::READABLE, peek_sender).await
    }

    /// Polls to [`peek_sender`](Self::peek_sender).
    ///
    /// # Errors
    ///
    /// As [`peek_sender`](Self::peek_sender).
    pub fn poll_peek_sender(&self, cx: &mut Context<'_>) -> Poll<io::Result<SocketAddr>> {
        self.io.poll_io(Direction::Read, cx, peek_sender)
    }

    /// [`peek_sender`](Self::peek_sender) without waiting.
    ///
    /// # Errors
    ///
    /// `WouldBlock` if no datagram is there; the socket's errors.
    pub fn try_peek_sender(&self) -> io::Result<SocketAddr> {
        self.io.try_io(Interest::READABLE, peek_sender)
    }
}

fn recv_buf(socket: &std::net::UdpSocket, buf: &mut Vec<u8>) -> io::Result<usize> {
    let socket = SockRef::from(socket);
    // SAFETY: socket2's `recv` initializes the bytes it reports.
    unsafe { recv_into_spare(buf, |spare| Ok((socket.recv(spare)?, ()))) }.map(|(n, ())| n)
}

fn recv_buf_from(
    socket: &std::net::UdpSocket,
    buf: &mut Vec<u8>,
) -> io::Result<(usize, SocketAddr)> {
    let socket = SockRef::from(socket);
    // SAFETY: socket2's `recv_from` initializes the bytes it reports.
    let (n, from) = unsafe { recv_into_spare(buf, |spare| socket.recv_from(spare)) }?;
    Ok((n, ip_addr(from)?))
}

fn peek_sender(socket: &std::net::UdpSocket) -> io::Result<SocketAddr> {
    ip_addr(SockRef::from(socket).peek_sender()?)
}
