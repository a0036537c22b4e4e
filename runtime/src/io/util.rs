//! [`empty`], [`sink`] and [`repeat`]: readers and writers of nothing, as
//! tokio's. Each is always ready, so each counts against the task's
//! cooperative budget: a loop over one still lets other tasks run.

use futures_io::{AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite};
use std::io::{self, IoSlice, SeekFrom};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A reader at EOF that also takes (and drops) any write, from [`empty`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Empty {
    _priv: (),
}

/// A writer that takes and drops every byte, from [`sink`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Sink {
    _priv: (),
}

/// A reader of one byte, over and over, from [`repeat`].
#[derive(Clone, Copy, Debug)]
pub struct Repeat {
    byte: u8,
}

/// A reader that is always at EOF, and a writer that takes every byte and
/// drops it, as tokio's.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut empty = runtime::io::empty();
/// let mut buf = Vec::new();
/// assert_eq!(empty.read_to_end(&mut buf).await?, 0);
/// assert_eq!(empty.write(b"dropped").await?, 7);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn empty() -> Empty {
    Empty { _priv: () }
}

/// A writer that takes every byte and drops it.
///
/// ```
/// use runtime::io::AsyncWriteExt;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut sink = runtime::io::sink();
/// sink.write_all(&[0; 1024]).await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn sink() -> Sink {
    Sink { _priv: () }
}

/// A reader that fills every buffer with `byte`, without end.
///
/// ```
/// use runtime::io::AsyncReadExt;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut buf = [0; 3];
/// runtime::io::repeat(7).read_exact(&mut buf).await?;
/// assert_eq!(buf, [7, 7, 7]);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn repeat(byte: u8) -> Repeat {
    Repeat { byte }
}

/// Spends one unit of the budget on an operation that is always ready.
fn spend(cx: &mut Context<'_>) -> Poll<()> {
    ready!(runtime_coop::poll_proceed(cx)).made_progress();
    Poll::Ready(())
}

impl AsyncRead for Empty {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        _: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(spend(cx));
        Poll::Ready(Ok(0))
    }
}

impl AsyncBufRead for Empty {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        ready!(spend(cx));
        Poll::Ready(Ok(&[]))
    }

    fn consume(self: Pin<&mut Self>, _: usize) {}
}

impl AsyncSeek for Empty {
    fn poll_seek(self: Pin<&mut Self>, _: &mut Context<'_>, _: SeekFrom) -> Poll<io::Result<u64>> {
        Poll::Ready(Ok(0))
    }
}

/// The writes of `Empty` and `Sink`: everything taken, nothing kept.
fn poll_drop_all(cx: &mut Context<'_>, len: usize) -> Poll<io::Result<usize>> {
    ready!(spend(cx));
    Poll::Ready(Ok(len))
}

impl AsyncWrite for Empty {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        poll_drop_all(cx, buf.len())
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        poll_drop_all(cx, bufs.iter().map(|buf| buf.len()).sum())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(spend(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(spend(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        poll_drop_all(cx, buf.len())
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        poll_drop_all(cx, bufs.iter().map(|buf| buf.len()).sum())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(spend(cx));
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(spend(cx));
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for Repeat {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        ready!(spend(cx));
        buf.fill(self.byte);
        Poll::Ready(Ok(buf.len()))
    }
}
