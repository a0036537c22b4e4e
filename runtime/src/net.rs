//! Networking: TCP, UDP and Unix sockets, with tokio's names and methods.
//!
//! This is the `runtime-io` crate's `net` module: each socket registers
//! with the runtime's reactor (a `polling` poller driven by the worker that
//! parks, edge-triggered) when it is created, and must be created inside a
//! runtime built with [`enable_io`](crate::runtime::Builder::enable_io) or
//! [`enable_all`](crate::runtime::Builder::enable_all), or it panics saying
//! so. Streams implement the runtime-agnostic `futures_io::AsyncRead` and
//! `AsyncWrite` (see [`crate::io`]), so futures-io crates work with them.
//!
//! Each type also has tokio's readiness surface: `ready(Interest)`,
//! `readable()`, `writable()`, `poll_*_ready` and the non-blocking `try_*`
//! methods, which return `WouldBlock` (and clear the readiness) instead of
//! waiting:
//!
//! ```
//! use runtime::io::Interest;
//! use runtime::net::UdpSocket;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let a = UdpSocket::bind("127.0.0.1:0").await?;
//! let b = UdpSocket::bind("127.0.0.1:0").await?;
//! let mut buf = [0; 16];
//! let would_block = b.try_recv_from(&mut buf).unwrap_err();
//! assert_eq!(would_block.kind(), std::io::ErrorKind::WouldBlock);
//!
//! a.send_to(b"ping", b.local_addr()?).await?;
//! let ready = b.ready(Interest::READABLE).await?;
//! assert!(ready.is_readable());
//! let (n, from) = b.try_recv_from(&mut buf)?;
//! assert_eq!((&buf[..n], from), (&b"ping"[..], a.local_addr()?));
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! ```
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::net::{TcpListener, TcpStream};
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let listener = TcpListener::bind("127.0.0.1:0").await?;
//! let addr = listener.local_addr()?;
//! let server = runtime::spawn(async move {
//!     let (mut socket, _) = listener.accept().await?;
//!     let mut buf = [0; 5];
//!     socket.read_exact(&mut buf).await?;
//!     socket.write_all(&buf).await?;
//!     std::io::Result::Ok(())
//! });
//! let mut client = TcpStream::connect(addr).await?;
//! client.write_all(b"hello").await?;
//! let mut echo = [0; 5];
//! client.read_exact(&mut echo).await?;
//! assert_eq!(&echo, b"hello");
//! server.await.unwrap()?;
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

pub use runtime_io::net::*;
