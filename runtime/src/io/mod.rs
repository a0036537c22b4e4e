//! IO traits and readiness for any file descriptor.
//!
//! The byte-stream traits are the runtime-agnostic ones of `futures-io`
//! ([`AsyncRead`], [`AsyncWrite`], ...), re-exported here with the
//! extension traits of `futures-util` ([`AsyncReadExt`], [`AsyncWriteExt`],
//! ...) that give `read`, `read_exact`, `write_all`, `copy` and the rest.
//! [`AsyncFd`] makes any `AsRawFd` type (a pipe, a device) awaitable, as
//! tokio's does.

pub use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
pub use futures_util::io::{
    copy, AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt, BufReader, BufWriter,
};
pub use runtime_io::{AsyncFd, AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};
