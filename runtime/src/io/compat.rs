//! tokio's IO traits (feature `tokio-io`): this crate's byte streams
//! implement tokio's `AsyncRead`/`AsyncWrite` beside the futures-io ones,
//! and [`Compat`] turns any futures-io type into a tokio one and back.
//!
//! With it, libraries written against tokio's traits take this crate's
//! sockets, pipes and files as they are: tokio-util's `Framed` and codecs,
//! hyper-util's `TokioIo` and tokio-postgres' `connect_raw` are tested
//! (`tests/tokio_io.rs`). (Mind that codecs differ between crates:
//! tokio-util's `LinesCodec` strips the newline, asynchronous-codec's
//! keeps it.) A library that spawns onto tokio itself still needs a tokio
//! runtime to spawn on.
//!
//! ```
//! use runtime::io::compat::Compat;
//! use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
//!
//! # runtime::Runtime::new().unwrap().block_on(async {
//! let (a, b) = runtime::io::duplex(64);
//! let (mut a, mut b) = (Compat::new(a), Compat::new(b)); // tokio's traits
//! a.write_all(b"ping").await?;
//! let mut buf = [0; 4];
//! b.read_exact(&mut buf).await?;
//! assert_eq!(&buf, b"ping");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```

use pin_project_lite::pin_project;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

runtime_io::__tokio_read_via_futures_io!(
    [] crate::fs::File,
    [] crate::process::ChildStdout,
    [] crate::process::ChildStderr,
    [] super::DuplexStream,
    [] super::SimplexStream,
    [] super::Stdin,
    [T: futures_io::AsyncRead] super::ReadHalf<T>,
);
runtime_io::__tokio_write_via_futures_io!(
    [] crate::fs::File,
    [] crate::process::ChildStdin,
    [] super::DuplexStream,
    [] super::SimplexStream,
    [] super::Stdout,
    [] super::Stderr,
    [T: futures_io::AsyncWrite] super::WriteHalf<T>,
);

pin_project! {
    /// A byte stream seen through the other family of traits: a futures-io
    /// stream as a tokio one (`tokio::io::AsyncRead`/`AsyncWrite`), or a
    /// tokio stream as a futures-io one, as tokio-util's `compat` does.
    #[derive(Debug)]
    pub struct Compat<T> {
        #[pin]
        inner: T,
    }
}

impl<T> Compat<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Compat<T> {
        Compat { inner }
    }

    /// The stream.
    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    /// The stream, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: futures_io::AsyncRead> tokio::io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(self
            .project()
            .inner
            .poll_read(cx, buf.initialize_unfilled()))?;
        buf.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl<T: futures_io::AsyncWrite> tokio::io::AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_close(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        true
    }
}

impl<T: tokio::io::AsyncRead> futures_io::AsyncRead for Compat<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut buf = tokio::io::ReadBuf::new(buf);
        ready!(self.project().inner.poll_read(cx, &mut buf))?;
        Poll::Ready(Ok(buf.filled().len()))
    }
}

impl<T: tokio::io::AsyncWrite> futures_io::AsyncWrite for Compat<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.project().inner.poll_write_vectored(cx, bufs)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}
