//! [`UdpSocket`]: a UDP socket. This file: creating one, addresses,
//! readiness and socket options; sending and receiving are in `send_recv.rs`.

mod send_recv;

use crate::interest::Interest;
use crate::io_source::IoSource;
use crate::net::addr::{each_addr, ToSocketAddrs};
use crate::ready::Ready;
use crate::registration::{Direction, Initial};
use socket2::SockRef;
use std::fmt;
use std::io;
use std::net::{self, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{Context, Poll};

/// A UDP socket, as tokio's. All methods take `&self`: share it through an
/// `Arc` to send and receive from different tasks.
///
/// Each kind of operation comes in three forms, as in tokio: an `async`
/// one that waits (`send_to`, `recv_from`, ...), a `poll_` one for
/// hand-written futures (`poll_send_to`, ...), and a `try_` one that
/// returns `WouldBlock` at once (`try_send_to`, ...), to pair with
/// [`readable`](Self::readable), [`writable`](Self::writable) or
/// [`ready`](Self::ready):
///
/// ```
/// use runtime::net::UdpSocket;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let socket = UdpSocket::bind("127.0.0.1:0").await?;
/// let addr = socket.local_addr()?;
/// // An echo server, for three datagrams.
/// let server = runtime::spawn(async move {
///     let mut buf = [0; 1500];
///     for _ in 0..3 {
///         loop {
///             socket.readable().await?;
///             match socket.try_recv_from(&mut buf) {
///                 Ok((n, from)) => {
///                     socket.send_to(&buf[..n], from).await?;
///                     break;
///                 }
///                 // A spurious wake-up: the readiness is cleared, wait again.
///                 Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
///                 Err(e) => return Err(e),
///             }
///         }
///     }
///     std::io::Result::Ok(())
/// });
///
/// let client = UdpSocket::bind("127.0.0.1:0").await?;
/// for word in ["one", "two", "three"] {
///     client.send_to(word.as_bytes(), addr).await?;
///     let mut buf = [0; 16];
///     let (n, from) = client.recv_from(&mut buf).await?;
///     assert_eq!((&buf[..n], from), (word.as_bytes(), addr));
/// }
/// server.await.unwrap()?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// A datagram longer than the buffer it is received into is truncated:
/// the rest is lost.
pub struct UdpSocket {
    io: IoSource<net::UdpSocket>,
}

impl UdpSocket {
    /// Binds to `addr`, trying each address it resolves to in turn.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let socket = runtime::net::UdpSocket::bind("127.0.0.1:0").await?;
    /// let addr = socket.local_addr()?;
    /// assert!(addr.ip().is_loopback() && addr.port() != 0);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// The last address's error (`AddrInUse`, `InvalidInput`, ...).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    pub async fn bind<A: ToSocketAddrs>(addr: A) -> io::Result<UdpSocket> {
        each_addr(&addr, |addr| async move {
            UdpSocket::from_std(net::UdpSocket::bind(addr)?)
        })
        .await
    }

    /// Registers `socket` with the current runtime, setting it
    /// non-blocking.
    ///
    /// ```
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let std_socket = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// let socket = runtime::net::UdpSocket::from_std(std_socket)?;
    /// let peer = std::net::UdpSocket::bind("127.0.0.1:0")?;
    /// peer.send_to(b"hey", socket.local_addr()?)?;
    /// let mut buf = [0; 8];
    /// let (n, from) = socket.recv_from(&mut buf).await?;
    /// assert_eq!((&buf[..n], from), (&b"hey"[..], peer.local_addr()?));
    /// let std_socket = socket.into_std()?; // and back
    /// assert!(std_socket.local_addr().is_ok());
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn from_std(socket: net::UdpSocket) -> io::Result<UdpSocket> {
        socket.set_nonblocking(true)?;
        Ok(UdpSocket {
            io: IoSource::new(socket, Initial::Optimistic)?,
        })
    }

    /// Deregisters the socket and returns it as a std socket, still in
    /// non-blocking mode.
    pub fn into_std(self) -> io::Result<net::UdpSocket> {
        Ok(self.io.into_inner())
    }

    /// Sets the default peer: `send` goes there and `recv` only takes its
    /// datagrams. Tries each address `addr` resolves to in turn.
    ///
    /// ```
    /// use runtime::net::UdpSocket;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = UdpSocket::bind("127.0.0.1:0").await?;
    /// let b = UdpSocket::bind("127.0.0.1:0").await?;
    /// a.connect(b.local_addr()?).await?;
    /// b.connect(a.local_addr()?).await?;
    /// assert_eq!(a.peer_addr()?, b.local_addr()?);
    /// a.send(b"ping").await?;
    /// let mut buf = [0; 8];
    /// let n = b.recv(&mut buf).await?;
    /// assert_eq!(&buf[..n], b"ping");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    pub async fn connect<A: ToSocketAddrs>(&self, addr: A) -> io::Result<()> {
        each_addr(&addr, |addr| async move { self.io.get_ref().connect(addr) }).await
    }

    /// The local address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().local_addr()
    }

    /// The peer set by [`connect`](Self::connect).
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.io.get_ref().peer_addr()
    }

    /// Waits until the socket is ready for any state of `interest`, and
    /// returns the states that hold; check them, a wake-up may be
    /// spurious. As
    /// [`TcpStream::ready`](crate::net::TcpStream::ready): edge-triggered,
    /// a fresh socket waits for the reactor's first event, cancel safe.
    /// `Interest::ERROR` is satisfied when the OS flags an error on the
    /// socket, for example the ICMP "port unreachable" a connected
    /// socket's datagram came back with; [`take_error`](Self::take_error)
    /// or the next operation says which. As in tokio, `ERROR` stays
    /// reported until a [`try_io`](Self::try_io) with `Interest::ERROR`
    /// whose closure says `WouldBlock` clears it.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        self.io.ready(interest).await
    }

    /// Waits until the socket may be readable: pairs with `try_recv` and
    /// `try_recv_from`. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Read).await
    }

    /// Waits until the socket may be writable: pairs with `try_send` and
    /// `try_send_to`. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<()> {
        self.io.ready_direction(Direction::Write).await
    }

    /// Polls for read readiness. Shares one waker slot with `poll_recv`,
    /// `poll_recv_from` and the `poll_peek` methods: only the task of the
    /// last of those calls is woken.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_recv_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness. Shares one waker slot with `poll_send`
    /// and `poll_send_to`.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub fn poll_send_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.io.poll_ready(Direction::Write, cx)
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

    /// Takes the pending socket error (`SO_ERROR`), if any.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        self.io.get_ref().take_error()
    }

    /// Whether `SO_BROADCAST` is set.
    pub fn broadcast(&self) -> io::Result<bool> {
        self.io.get_ref().broadcast()
    }

    /// Sets `SO_BROADCAST`: whether datagrams may go to a broadcast
    /// address.
    pub fn set_broadcast(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_broadcast(on)
    }

    /// The `IP_TTL` option.
    pub fn ttl(&self) -> io::Result<u32> {
        self.io.get_ref().ttl()
    }

    /// Sets the `IP_TTL` option: the time-to-live of the datagrams sent.
    pub fn set_ttl(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_ttl(ttl)
    }

    /// Whether `IP_MULTICAST_LOOP` is set.
    pub fn multicast_loop_v4(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v4()
    }

    /// Sets `IP_MULTICAST_LOOP`: whether this host's own IPv4 multicast
    /// datagrams are looped back to it.
    pub fn set_multicast_loop_v4(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v4(on)
    }

    /// The `IP_MULTICAST_TTL` option.
    pub fn multicast_ttl_v4(&self) -> io::Result<u32> {
        self.io.get_ref().multicast_ttl_v4()
    }

    /// Sets `IP_MULTICAST_TTL`: the time-to-live of IPv4 multicast
    /// datagrams (1 by default: the local network only).
    pub fn set_multicast_ttl_v4(&self, ttl: u32) -> io::Result<()> {
        self.io.get_ref().set_multicast_ttl_v4(ttl)
    }

    /// Whether `IPV6_MULTICAST_LOOP` is set.
    pub fn multicast_loop_v6(&self) -> io::Result<bool> {
        self.io.get_ref().multicast_loop_v6()
    }

    /// Sets `IPV6_MULTICAST_LOOP`: as
    /// [`set_multicast_loop_v4`](Self::set_multicast_loop_v4), for IPv6.
    pub fn set_multicast_loop_v6(&self, on: bool) -> io::Result<()> {
        self.io.get_ref().set_multicast_loop_v6(on)
    }

    /// Joins the IPv4 multicast group `multiaddr` on the interface with
    /// address `interface` (`Ipv4Addr::UNSPECIFIED`: the OS picks).
    pub fn join_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().join_multicast_v4(&multiaddr, &interface)
    }

    /// Joins the IPv6 multicast group `multiaddr` on the interface with
    /// index `interface` (0: the OS picks).
    pub fn join_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().join_multicast_v6(multiaddr, interface)
    }

    /// Leaves a group joined with
    /// [`join_multicast_v4`](Self::join_multicast_v4).
    pub fn leave_multicast_v4(&self, multiaddr: Ipv4Addr, interface: Ipv4Addr) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v4(&multiaddr, &interface)
    }

    /// Leaves a group joined with
    /// [`join_multicast_v6`](Self::join_multicast_v6).
    pub fn leave_multicast_v6(&self, multiaddr: &Ipv6Addr, interface: u32) -> io::Result<()> {
        self.io.get_ref().leave_multicast_v6(multiaddr, interface)
    }

    /// The `IP_TOS` option.
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos_v4(&self) -> io::Result<u32> {
        SockRef::from(self.io.get_ref()).tos_v4()
    }

    /// Sets the `IP_TOS` option: the type-of-service byte of the IPv4
    /// datagrams sent (DSCP and ECN).
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos_v4(&self, tos: u32) -> io::Result<()> {
        SockRef::from(self.io.get_ref()).set_tos_v4(tos)
    }

    /// The `IP_TOS` option: [`tos_v4`](Self::tos_v4) under its old name,
    /// deprecated as in tokio.
    #[deprecated(note = "`tos` is IPv4-only: use `tos_v4`, as tokio does")]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn tos(&self) -> io::Result<u32> {
        self.tos_v4()
    }

    /// Sets the `IP_TOS` option: [`set_tos_v4`](Self::set_tos_v4) under
    /// its old name, deprecated as in tokio.
    #[deprecated(note = "`set_tos` is IPv4-only: use `set_tos_v4`, as tokio does")]
    #[cfg(not(any(
        target_os = "fuchsia",
        target_os = "redox",
        target_os = "solaris",
        target_os = "illumos",
        target_os = "haiku",
    )))]
    pub fn set_tos(&self, tos: u32) -> io::Result<()> {
        self.set_tos_v4(tos)
    }
}

impl AsRawFd for UdpSocket {
    fn as_raw_fd(&self) -> RawFd {
        self.io.as_raw_fd()
    }
}

impl AsFd for UdpSocket {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.io.as_fd()
    }
}

impl fmt::Debug for UdpSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.io, f)
    }
}
