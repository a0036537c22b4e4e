//! Read and write halves of a stream, borrowed ([`ReadHalf`],
//! [`WriteHalf`]) or owned ([`OwnedReadHalf`], [`OwnedWriteHalf`]).
//!
//! One type for each, generic over the stream (`TcpStream` or
//! `UnixStream`); `net::tcp` and `net::unix` name them for each stream, as
//! tokio does. Both halves can be used at once by different tasks: a
//! registration keeps separate read and write wakers.

use futures_io::{AsyncRead, AsyncWrite};
use std::error::Error;
use std::fmt;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// A stream that can be split: the net types implement it. Sealed: the
/// trait is not nameable outside this crate.
pub trait Stream: sealed::Sealed {}

pub(crate) mod sealed {
    use std::io::{self, IoSlice};
    use std::task::{Context, Poll};

    /// The operations a half needs, all through `&self`.
    pub trait Sealed {
        fn poll_read_priv(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>>;
        fn poll_write_priv(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>>;
        fn poll_write_vectored_priv(
            &self,
            cx: &mut Context<'_>,
            bufs: &[IoSlice<'_>],
        ) -> Poll<io::Result<usize>>;
        /// Shuts the write side down.
        fn shutdown_write(&self) -> io::Result<()>;
    }
}

/// The read half of a borrowed stream, from `split`.
#[derive(Debug)]
pub struct ReadHalf<'a, S>(&'a S);

/// The write half of a borrowed stream, from `split`. Closing it shuts the
/// write side of the stream down.
#[derive(Debug)]
pub struct WriteHalf<'a, S>(&'a S);

/// The read half of a stream, from `into_split`.
#[derive(Debug)]
pub struct OwnedReadHalf<S> {
    inner: Arc<S>,
}

/// The write half of a stream, from `into_split`. Dropping or closing it
/// shuts the write side of the stream down.
#[derive(Debug)]
pub struct OwnedWriteHalf<S: Stream> {
    inner: Arc<S>,
    shutdown_on_drop: bool,
}

pub(crate) fn split<S: Stream>(stream: &S) -> (ReadHalf<'_, S>, WriteHalf<'_, S>) {
    (ReadHalf(stream), WriteHalf(stream))
}

pub(crate) fn into_split<S: Stream>(stream: S) -> (OwnedReadHalf<S>, OwnedWriteHalf<S>) {
    let inner = Arc::new(stream);
    (
        OwnedReadHalf {
            inner: inner.clone(),
        },
        OwnedWriteHalf {
            inner,
            shutdown_on_drop: true,
        },
    )
}

impl<S: Stream> OwnedReadHalf<S> {
    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    ///
    /// If the halves come from different streams: they are handed back.
    pub fn reunite(self, other: OwnedWriteHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(self, other)
    }
}

impl<S: Stream> OwnedWriteHalf<S> {
    /// Puts the stream back together from its two halves.
    ///
    /// # Errors
    ///
    /// If the halves come from different streams: they are handed back.
    pub fn reunite(self, other: OwnedReadHalf<S>) -> Result<S, ReuniteError<S>> {
        reunite(other, self)
    }
}

fn reunite<S: Stream>(
    read: OwnedReadHalf<S>,
    mut write: OwnedWriteHalf<S>,
) -> Result<S, ReuniteError<S>> {
    if !Arc::ptr_eq(&read.inner, &write.inner) {
        return Err(ReuniteError(read, write));
    }
    write.shutdown_on_drop = false;
    drop(write);
    Ok(Arc::try_unwrap(read.inner)
        .unwrap_or_else(|_| unreachable!("the two halves held the only references")))
}

/// The halves given to `reunite` came from different streams; they are
/// handed back.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let (a, _b) = runtime::net::UnixStream::pair()?;
/// let (c, _d) = runtime::net::UnixStream::pair()?;
/// let (read_a, write_a) = a.into_split();
/// let (read_c, write_c) = c.into_split();
/// let err = read_a.reunite(write_c).unwrap_err();
/// // The halves come back, to be paired correctly.
/// let (read_a, write_c) = (err.0, err.1);
/// assert!(read_a.reunite(write_a).is_ok());
/// assert!(read_c.reunite(write_c).is_ok());
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct ReuniteError<S: Stream>(pub OwnedReadHalf<S>, pub OwnedWriteHalf<S>);

impl<S: Stream + fmt::Debug> fmt::Debug for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReuniteError")
            .field(&self.0)
            .field(&self.1)
            .finish()
    }
}

impl<S: Stream> fmt::Display for ReuniteError<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("tried to reunite halves that are not from the same stream")
    }
}

impl<S: Stream + fmt::Debug> Error for ReuniteError<S> {}

impl<S: Stream> Drop for OwnedWriteHalf<S> {
    fn drop(&mut self) {
        if self.shutdown_on_drop {
            let _ = self.inner.shutdown_write();
        }
    }
}

impl<S> AsRef<S> for ReadHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

impl<S> AsRef<S> for WriteHalf<'_, S> {
    fn as_ref(&self) -> &S {
        self.0
    }
}

impl<S> AsRef<S> for OwnedReadHalf<S> {
    fn as_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Stream> AsRef<S> for OwnedWriteHalf<S> {
    fn as_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Stream> AsyncRead for ReadHalf<'_, S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_read_priv(cx, buf)
    }
}

impl<S: Stream> AsyncRead for OwnedReadHalf<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_read_priv(cx, buf)
    }
}

/// `AsyncWrite` through a `&S`: the same for both write halves.
fn poll_close<S: Stream>(stream: &S) -> Poll<io::Result<()>> {
    Poll::Ready(stream.shutdown_write())
}

impl<S: Stream> AsyncWrite for WriteHalf<'_, S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.poll_write_vectored_priv(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        poll_close(self.0)
    }
}

impl<S: Stream> AsyncWrite for OwnedWriteHalf<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_priv(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.inner.poll_write_vectored_priv(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        poll_close(&*self.inner)
    }
}
