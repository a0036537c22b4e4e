//! In-memory pipes, as tokio's: [`SimplexStream`] (one direction, a
//! bounded byte buffer) and [`DuplexStream`] (two of them, crossed).
//!
//! A pipe is a buffer of at most `max_buf_size` bytes, a *closed* flag
//! and one waker per side. A write that finds the buffer full waits for a
//! read; a read that finds it empty waits for a write. Closing, by either
//! side, sets the flag: the reader then drains what is buffered and reads
//! EOF, and the writer's next write fails with `BrokenPipe`. A
//! `DuplexStream` closes both of its pipes when dropped (its write side
//! for the peer's reads, its read side for the peer's writes), and
//! `shutdown` closes its write side only.
//!
//! Wakers are taken under the pipe's lock and woken after it is released.

use super::split::{split, ReadHalf, WriteHalf};
use futures_io::{AsyncRead, AsyncWrite};
use std::collections::VecDeque;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{ready, Context, Poll, Waker};

/// One direction of an in-memory pipe: what a write puts in, a read takes
/// out. Also the state each direction of a [`DuplexStream`] shares.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut read, mut write) = runtime::io::simplex(16);
/// write.write_all(b"abc").await?;
/// write.shutdown().await?;
/// let mut got = String::new();
/// read.read_to_string(&mut got).await?;
/// assert_eq!(got, "abc");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct SimplexStream {
    buffer: VecDeque<u8>,
    max_buf_size: usize,
    is_closed: bool,
    read_waker: Option<Waker>,
    write_waker: Option<Waker>,
}

/// One end of an in-memory, two-way pipe, from [`duplex`]: what one end
/// writes, the other reads.
///
/// Each direction buffers at most the `max_buf_size` given to `duplex`;
/// a writer waits while its direction is full. When an end is dropped, the
/// other reads what was buffered and then EOF, and its writes fail with
/// [`io::ErrorKind::BrokenPipe`]. [`shutdown`](crate::io::AsyncWriteExt::shutdown)
/// closes the writing direction only: the peer reads EOF and can still
/// write back.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// // A test double for a connection: the server end runs in a task.
/// let (mut client, mut server) = runtime::io::duplex(64);
/// runtime::spawn(async move {
///     let mut request = String::new();
///     server.read_to_string(&mut request).await?; // until the client shuts down
///     server.write_all(request.to_uppercase().as_bytes()).await
/// });
/// client.write_all(b"quiet").await?;
/// client.shutdown().await?; // the client can still read
/// let mut reply = String::new();
/// client.read_to_string(&mut reply).await?;
/// assert_eq!(reply, "QUIET");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct DuplexStream {
    read: Arc<Mutex<SimplexStream>>,
    write: Arc<Mutex<SimplexStream>>,
}

/// A pair of connected [`DuplexStream`]s, each direction buffering at most
/// `max_buf_size` bytes.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut server) = runtime::io::duplex(64);
/// client.write_all(b"ping").await?;
/// let mut buf = [0; 4];
/// server.read_exact(&mut buf).await?;
/// assert_eq!(&buf, b"ping");
/// drop(client);
/// assert_eq!(server.read(&mut buf).await?, 0);
/// assert_eq!(
///     server.write(b"x").await.unwrap_err().kind(),
///     std::io::ErrorKind::BrokenPipe
/// );
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn duplex(max_buf_size: usize) -> (DuplexStream, DuplexStream) {
    let one = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    let two = Arc::new(Mutex::new(SimplexStream::new_unsplit(max_buf_size)));
    (
        DuplexStream {
            read: one.clone(),
            write: two.clone(),
        },
        DuplexStream {
            read: two,
            write: one,
        },
    )
}

/// A [`SimplexStream`] of at most `max_buf_size` bytes, split into its read
/// and write halves. A writer waits while `max_buf_size` bytes are unread.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut rx, mut tx) = runtime::io::simplex(4);
/// // 10 bytes through a 4-byte pipe: the writer waits for the reader.
/// let writer = runtime::spawn(async move {
///     tx.write_all(b"0123456789").await?;
///     tx.shutdown().await
/// });
/// let mut got = Vec::new();
/// rx.read_to_end(&mut got).await?;
/// assert_eq!(got, b"0123456789");
/// writer.await.unwrap()?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn simplex(max_buf_size: usize) -> (ReadHalf<SimplexStream>, WriteHalf<SimplexStream>) {
    split(SimplexStream::new_unsplit(max_buf_size))
}

fn lock(pipe: &Mutex<SimplexStream>) -> MutexGuard<'_, SimplexStream> {
    // Nothing panics under this lock; if something did, the buffer is
    // still consistent (each change is one VecDeque call).
    pipe.lock().unwrap_or_else(PoisonError::into_inner)
}

impl SimplexStream {
    /// A pipe of at most `max_buf_size` bytes, not split: what is written
    /// to it is read from it. [`simplex`] gives it in two halves.
    pub fn new_unsplit(max_buf_size: usize) -> SimplexStream {
        SimplexStream {
            buffer: VecDeque::new(),
            max_buf_size,
            is_closed: false,
            read_waker: None,
            write_waker: None,
        }
    }

    /// Closes the pipe for the reader (it drains, then reads EOF); returns
    /// the waker to wake after the lock is released.
    fn close_write(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.read_waker.take()
    }

    /// Closes the pipe for the writer (it gets `BrokenPipe`).
    fn close_read(&mut self) -> Option<Waker> {
        self.is_closed = true;
        self.write_waker.take()
    }

    /// A read, without the budget; the waker to wake comes back with it.
    fn read_locked(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> (Poll<io::Result<usize>>, Option<Waker>) {
        if buf.is_empty() {
            return (Poll::Ready(Ok(0)), None);
        }
        if self.buffer.is_empty() {
            if self.is_closed {
                return (Poll::Ready(Ok(0)), None);
            }
            self.read_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let n = buf.len().min(self.buffer.len());
        for (dst, src) in buf.iter_mut().zip(self.buffer.drain(..n)) {
            *dst = src;
        }
        (Poll::Ready(Ok(n)), self.write_waker.take())
    }

    /// A write of the bytes of `bufs`, in order, as many as fit.
    fn write_locked<'b>(
        &mut self,
        cx: &mut Context<'_>,
        bufs: impl Iterator<Item = &'b [u8]> + Clone,
    ) -> (Poll<io::Result<usize>>, Option<Waker>) {
        if self.is_closed {
            return (Poll::Ready(Err(io::ErrorKind::BrokenPipe.into())), None);
        }
        if bufs.clone().all(|buf| buf.is_empty()) {
            return (Poll::Ready(Ok(0)), None);
        }
        let mut room = self.max_buf_size - self.buffer.len();
        if room == 0 {
            self.write_waker = Some(cx.waker().clone());
            return (Poll::Pending, None);
        }
        let mut n = 0;
        for buf in bufs {
            let take = buf.len().min(room);
            self.buffer.extend(&buf[..take]);
            room -= take;
            n += take;
            if room == 0 {
                break;
            }
        }
        (Poll::Ready(Ok(n)), self.read_waker.take())
    }
}

/// Runs one read or write under the cooperative budget, and wakes the
/// other side it returns (after the lock `op` took is released).
fn budgeted<T>(
    cx: &mut Context<'_>,
    op: impl FnOnce(&mut Context<'_>) -> (Poll<io::Result<T>>, Option<Waker>),
) -> Poll<io::Result<T>> {
    let mut coop = ready!(runtime_coop::poll_proceed(cx));
    let (result, waker) = op(cx);
    if let Some(waker) = waker {
        waker.wake();
    }
    if result.is_ready() {
        coop.made_progress();
    }
    result
}

impl AsyncRead for SimplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| self.get_mut().read_locked(cx, buf))
    }
}

impl AsyncWrite for SimplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| {
            self.get_mut().write_locked(cx, std::iter::once(buf))
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(waker) = self.get_mut().close_write() {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for DuplexStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| lock(&self.read).read_locked(cx, buf))
    }
}

impl AsyncWrite for DuplexStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| {
            lock(&self.write).write_locked(cx, std::iter::once(buf))
        })
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        budgeted(cx, |cx| {
            lock(&self.write).write_locked(cx, bufs.iter().map(|buf| &**buf))
        })
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let waker = lock(&self.write).close_write();
        if let Some(waker) = waker {
            waker.wake();
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for DuplexStream {
    fn drop(&mut self) {
        let reader = lock(&self.write).close_write();
        let writer = lock(&self.read).close_read();
        reader.into_iter().chain(writer).for_each(Waker::wake);
    }
}
