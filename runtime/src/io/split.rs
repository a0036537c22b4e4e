//! [`split`]: any `AsyncRead + AsyncWrite` as a read half and a write half
//! that two tasks can use at once, as tokio's.
//!
//! The halves share the stream behind a mutex, held only for the length
//! of one `poll_*` call, never across an `await`. A half waiting for its
//! direction holds nothing; its waker is the stream's business, and a
//! stream that keeps separate read and write wakers (the sockets, a
//! [`DuplexStream`](crate::io::DuplexStream)) lets both halves wait at
//! once. For the sockets, their own `split`/`into_split` need no lock.

use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::io::{self, IoSlice, IoSliceMut};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

/// The read half of a stream, from [`split`].
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (a, mut b) = runtime::io::duplex(16);
/// let (mut read, write) = runtime::io::split(a);
/// assert!(read.is_pair_of(&write));
/// b.write_all(b"abc").await?;
/// let mut buf = [0; 3];
/// read.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"abc");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct ReadHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// The write half of a stream, from [`split`]. Closing it
/// ([`shutdown`](crate::io::AsyncWriteExt::shutdown)) closes the stream's
/// write side, as the stream's own `poll_close` does.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (a, mut b) = runtime::io::duplex(16);
/// let (_read, mut write) = runtime::io::split(a);
/// write.write_all(b"last words").await?;
/// write.shutdown().await?;
/// let mut got = String::new();
/// b.read_to_string(&mut got).await?; // EOF after them
/// assert_eq!(got, "last words");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub struct WriteHalf<T> {
    inner: Arc<Mutex<T>>,
}

/// Splits `stream` into a read half and a write half, each `Send` if the
/// stream is, which [`ReadHalf::unsplit`] puts back together.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (stream, mut peer) = runtime::io::duplex(64);
/// let (mut read, mut write) = runtime::io::split(stream);
/// let writer = runtime::spawn(async move {
///     write.write_all(b"hi").await?;
///     std::io::Result::Ok(write)
/// });
/// let mut got = [0; 2];
/// peer.read_exact(&mut got).await?;
/// peer.write_all(&got).await?;
/// read.read_exact(&mut got).await?;
/// assert_eq!(&got, b"hi");
/// let write = writer.await.unwrap()?;
/// let _stream = read.unsplit(write);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn split<T>(stream: T) -> (ReadHalf<T>, WriteHalf<T>)
where
    T: AsyncRead + AsyncWrite,
{
    let inner = Arc::new(Mutex::new(stream));
    (
        ReadHalf {
            inner: inner.clone(),
        },
        WriteHalf { inner },
    )
}

/// Runs `f` on the pinned stream, under the lock.
fn with_lock<T, R>(inner: &Mutex<T>, f: impl FnOnce(Pin<&mut T>) -> R) -> R {
    // A panic in another half's poll does not make the stream unusable
    // for this one: the stream's own state is its business.
    let mut guard: MutexGuard<'_, T> = inner.lock().unwrap_or_else(PoisonError::into_inner);
    // SAFETY: the stream lives in the `Arc`'s allocation and never moves
    // out of it while pinned: the only way out is `unsplit`, which takes
    // both halves and needs `T: Unpin`. So it may be pinned here.
    let stream = unsafe { Pin::new_unchecked(&mut *guard) };
    f(stream)
}

impl<T> ReadHalf<T> {
    /// Whether `other` is the write half of the same stream.
    pub fn is_pair_of(&self, other: &WriteHalf<T>) -> bool {
        other.is_pair_of(self)
    }

    /// The stream, from its two halves.
    ///
    /// ```
    /// let (a, _b) = runtime::io::duplex(16);
    /// let (c, _d) = runtime::io::duplex(16);
    /// let (read_a, write_a) = runtime::io::split(a);
    /// let (_read_c, write_c) = runtime::io::split(c);
    /// assert!(!read_a.is_pair_of(&write_c)); // `unsplit` would panic
    /// let _a = read_a.unsplit(write_a);
    /// ```
    ///
    /// # Panics
    /// If `write` is the half of another stream.
    #[track_caller]
    pub fn unsplit(self, write: WriteHalf<T>) -> T
    where
        T: Unpin,
    {
        assert!(
            self.is_pair_of(&write),
            "ReadHalf::unsplit with the write half of another stream"
        );
        drop(write);
        let mutex = Arc::try_unwrap(self.inner)
            .ok()
            .expect("only the two halves hold the stream");
        mutex.into_inner().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<T> WriteHalf<T> {
    /// Whether `other` is the read half of the same stream.
    pub fn is_pair_of(&self, other: &ReadHalf<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl<T: AsyncRead> AsyncRead for ReadHalf<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        with_lock(&self.inner, |stream| stream.poll_read(cx, buf))
    }

    fn poll_read_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &mut [IoSliceMut<'_>],
    ) -> Poll<io::Result<usize>> {
        with_lock(&self.inner, |stream| stream.poll_read_vectored(cx, bufs))
    }
}

impl<T: AsyncWrite> AsyncWrite for WriteHalf<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        with_lock(&self.inner, |stream| stream.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        with_lock(&self.inner, |stream| stream.poll_write_vectored(cx, bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_lock(&self.inner, |stream| stream.poll_flush(cx))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        with_lock(&self.inner, |stream| stream.poll_close(cx))
    }
}

impl<T> fmt::Debug for ReadHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadHalf").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for WriteHalf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WriteHalf").finish_non_exhaustive()
    }
}
