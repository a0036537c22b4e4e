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
