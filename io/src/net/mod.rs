//! Networking: TCP, UDP and Unix-domain sockets, with tokio's names.
//!
//! Every type registers its socket with the current runtime's reactor when
//! it is created, so creating one outside a runtime (or in a runtime built
//! without IO) panics with a message saying so. Streams implement
//! `futures_io::AsyncRead` and `AsyncWrite`.
//!
//! Beside the `async` methods, each type has tokio's readiness surface:
//! `ready(Interest)` returning [`Ready`](crate::Ready), `readable()` and
//! `writable()`, `poll_*_ready`, and `try_*` methods (`try_read`,
//! `try_send_to`, ...) that return `WouldBlock` at once instead of
//! waiting, clearing the readiness the reactor reported so that the next
//! wait waits for a new event. `try_io` and `async_io` run a syscall of
//! the caller's own under the same rules. The methods tokio gives a
//! `BufMut` or a `ReadBuf` take a `Vec<u8>` (its spare capacity) or a
//! `&mut [u8]` here.

mod addr;
mod buf;
pub(crate) mod split;
mod stream_io;
mod tcp_listener;
mod tcp_socket;
mod tcp_stream;
mod ucred;
mod udp;
mod unix_datagram;
mod unix_listener;
mod unix_stream;

pub use addr::{lookup_host, ToSocketAddrs};

/// The backlog `TcpListener::bind` and `UnixListener::bind` listen with:
/// 1024, as tokio's (mio's) do. std listens with 128, which a burst of
/// connections overflows: Linux then drops the handshake and the client
/// retries after one second, then two, four... (and fails after about two
/// minutes), so a server that accepts as fast as it can still sees
/// connections stall for seconds.
const LISTEN_BACKLOG: i32 = 1024;

/// Raises the backlog of a socket std has bound and put in listen mode
/// (`listen` again on a listening socket sets a new backlog).
fn relisten(socket: std::os::fd::BorrowedFd<'_>) -> std::io::Result<()> {
    socket2::SockRef::from(&socket).listen(LISTEN_BACKLOG)
}
pub use split::{ReuniteError, Stream};
pub use tcp_listener::TcpListener;
pub use tcp_socket::TcpSocket;
pub use tcp_stream::TcpStream;
pub use udp::UdpSocket;
pub use unix_datagram::UnixDatagram;
pub use unix_listener::UnixListener;
pub use unix_stream::UnixStream;

/// The halves of a [`TcpStream`], as tokio's `net::tcp`.
pub mod tcp {
    use super::{split, TcpStream};

    /// The read half of a borrowed [`TcpStream`].
    pub type ReadHalf<'a> = split::ReadHalf<'a, TcpStream>;
    /// The write half of a borrowed [`TcpStream`].
    pub type WriteHalf<'a> = split::WriteHalf<'a, TcpStream>;
    /// The owned read half of a [`TcpStream`].
    pub type OwnedReadHalf = split::OwnedReadHalf<TcpStream>;
    /// The owned write half of a [`TcpStream`].
    pub type OwnedWriteHalf = split::OwnedWriteHalf<TcpStream>;
    /// The halves given to `reunite` came from different streams.
    pub type ReuniteError = split::ReuniteError<TcpStream>;
}

/// The halves of a [`UnixStream`] and its peer's credentials, as tokio's
/// `net::unix`.
pub mod unix {
    use super::{split, UnixStream};

    pub use super::ucred::{gid_t, pid_t, uid_t, UCred};

    /// The read half of a borrowed [`UnixStream`].
    pub type ReadHalf<'a> = split::ReadHalf<'a, UnixStream>;
    /// The write half of a borrowed [`UnixStream`].
    pub type WriteHalf<'a> = split::WriteHalf<'a, UnixStream>;
    /// The owned read half of a [`UnixStream`].
    pub type OwnedReadHalf = split::OwnedReadHalf<UnixStream>;
    /// The owned write half of a [`UnixStream`].
    pub type OwnedWriteHalf = split::OwnedWriteHalf<UnixStream>;
    /// The halves given to `reunite` came from different streams.
    pub type ReuniteError = split::ReuniteError<UnixStream>;
}
