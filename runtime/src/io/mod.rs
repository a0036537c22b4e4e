//! Byte streams: tokio's `io` module over the runtime-agnostic
//! `futures-io` traits.
//!
//! The traits themselves are `futures-io`'s ([`AsyncRead`],
//! [`AsyncWrite`], [`AsyncBufRead`], [`AsyncSeek`]), so the net types and
//! any futures-io crate work together. The extension traits are this
//! crate's, with tokio's method names, signatures and guarantees:
//! [`AsyncReadExt`] (`read_exact` returns the length, `read_to_end` and
//! `read_to_string` keep std's guarantees, `read_u32` and the rest),
//! [`AsyncWriteExt`] (`shutdown`, not `close`; `write_all_buf`, ...),
//! [`AsyncBufReadExt`] (`lines` gives [`Lines::next_line`]) and
//! [`AsyncSeekExt`]. There is deliberately no `split` method on a reader:
//! [`split`] is a function, and the sockets have their own `split` and
//! `into_split`.
//!
//! ```
//! use runtime::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! # runtime::Runtime::new().unwrap().block_on(async {
//! let (client, server) = runtime::io::duplex(1024);
//! runtime::spawn(async move {
//!     let (read, mut write) = runtime::io::split(server);
//!     let mut lines = BufReader::new(read).lines();
//!     while let Some(line) = lines.next_line().await? {
//!         write.write_all(line.to_uppercase().as_bytes()).await?;
//!         write.write_all(b"\n").await?;
//!     }
//!     std::io::Result::Ok(())
//! });
//! let (read, mut write) = runtime::io::split(client);
//! write.write_all(b"hello\n").await?;
//! let mut reply = String::new();
//! BufReader::new(read).read_line(&mut reply).await?;
//! assert_eq!(reply, "HELLO\n");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! Beside them, as tokio's: [`copy`], [`copy_buf`],
//! [`copy_bidirectional`]; [`split`]; [`duplex`] and [`simplex`]
//! (in-memory pipes); [`empty`], [`sink`], [`repeat`]; [`BufReader`],
//! [`BufWriter`], [`BufStream`]; [`stdin`], [`stdout`], [`stderr`] (on the
//! blocking pool); [`ReadBuf`]. [`AsyncFd`] makes any `AsRawFd` type (a
//! pipe, a device) awaitable.
//!
//! | file | the one idea in it |
//! |---|---|
//! | `read_ext.rs` | [`AsyncReadExt`] and its simple futures |
//! | `read_to_end.rs` | `read_to_end`, `read_to_string`: the guarantees, zeroing each byte once |
//! | `write_ext.rs` | [`AsyncWriteExt`] and its futures |
//! | `buf_read_ext.rs` | [`AsyncBufReadExt`], [`Lines`], [`Split`] |
//! | `seek_ext.rs` | [`AsyncSeekExt`] |
//! | `copy.rs` | the copy buffer: flush when the reader waits; the bidirectional copy |
//! | `split.rs` | [`split`]: two halves over one lock held per poll |
//! | `duplex.rs` | in-memory pipes: bounded buffer, closed flag, two wakers |
//! | `util.rs` | [`empty`], [`sink`], [`repeat`] |
//! | `buf_stream.rs` | [`BufStream`] |
//! | `stdio.rs` | the standard streams: one blocking operation in flight |
//!
//! # Differences from tokio
//! - The traits are futures-io's: `poll_read` fills a `&mut [u8]` (not a
//!   [`ReadBuf`]), `poll_close` is tokio's `poll_shutdown`, and
//!   `AsyncSeek` is one `poll_seek` call. `std::io::Cursor` implements
//!   std's traits only; futures-util's `Cursor` implements these.
//! - `read_buf`, `write_buf` and `write_all_buf` take this crate's
//!   [`buf::BufMut`] and [`buf::Buf`] (for `Vec<u8>`, [`ReadBuf`], `&[u8]`,
//!   `Cursor`, `VecDeque<u8>`) where tokio takes `bytes`' traits.
//! - The `read_<int>` and `write_<int>` futures are one generic type each
//!   (`ReadNum`, `WriteNum`), not one type per method.
//! - [`BufReader`], [`BufWriter`], [`Take`] and [`Chain`] are futures-util's
//!   types (same methods and semantics as tokio's).
//! - `Stdout::shutdown` flushes first.

mod buf_read_ext;
mod buf_stream;
#[cfg(feature = "tokio-io")]
pub mod compat;
mod copy;
mod duplex;
mod read_ext;
mod read_to_end;
mod seek_ext;
mod split;
mod stdio;
mod util;
mod write_ext;

/// The buffers `read_buf`, `write_buf` and `write_all_buf` take: this
/// crate's stand-ins for `bytes::BufMut` and `bytes::Buf`.
pub mod buf {
    pub use runtime_io::{Buf, BufMut};
}

pub use buf_read_ext::{AsyncBufReadExt, Lines, Split};
pub use buf_stream::BufStream;
pub use copy::{copy, copy_bidirectional, copy_bidirectional_with_sizes, copy_buf};
pub use duplex::{duplex, simplex, DuplexStream, SimplexStream};
pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
/// futures-util's `BufReader` (tokio's methods and semantics): it reads
/// in large chunks into a buffer, so many small reads (a line, a byte)
/// cost few reads of the inner stream, and gives
/// [`AsyncBufReadExt`] (`read_line`, `lines`, `read_until`).
///
/// ```
/// use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut tx, rx) = runtime::io::duplex(64);
/// tx.write_all(b"first line\nsecond line\nrest").await?;
/// drop(tx);
///
/// let mut reader = BufReader::new(rx);
/// let mut line = String::new();
/// reader.read_line(&mut line).await?;
/// assert_eq!(line, "first line\n");
/// let mut lines = reader.lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("second line"));
/// let mut reader = lines.into_inner();
/// let mut rest = String::new();
/// reader.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "rest");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub use futures_util::io::BufReader;
/// futures-util's `BufWriter` (tokio's methods and semantics): it gathers
/// small writes into one buffer and writes it out when full, on `flush` or
/// on `shutdown`. Unflushed bytes are lost if it is dropped: flush first.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = runtime::io::duplex(64);
/// let mut writer = BufWriter::new(tx);
/// for word in ["a", "b", "c"] {
///     writer.write_all(word.as_bytes()).await?; // buffered
/// }
/// writer.shutdown().await?; // flushes, then closes
/// let mut got = String::new();
/// rx.read_to_string(&mut got).await?;
/// assert_eq!(got, "abc");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub use futures_util::io::BufWriter;
pub use read_ext::{AsyncReadExt, Chain, Take};
pub use runtime_io::{
    AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, AsyncFdTryNewError, Interest, ReadBuf, Ready,
    TryIoError,
};
pub use seek_ext::AsyncSeekExt;
pub use split::{split, ReadHalf, WriteHalf};
pub use std::io::{Error, ErrorKind, Result, SeekFrom};
pub use stdio::{stderr, stdin, stdout, Stderr, Stdin, Stdout};
pub use util::{empty, repeat, sink, Empty, Repeat, Sink};
pub use write_ext::AsyncWriteExt;
