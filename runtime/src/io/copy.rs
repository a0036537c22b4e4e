//! [`copy`], [`copy_buf`], [`copy_bidirectional`] and
//! [`copy_bidirectional_with_sizes`], with tokio's semantics: the writer
//! is flushed whenever the reader has nothing more for now (so a copy
//! between two sockets through a `BufWriter` cannot stall with data in
//! the buffer), and at the end; a copy counts against its task's
//! cooperative budget.

use futures_io::{AsyncBufRead, AsyncRead, AsyncWrite};
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The buffer size of `copy` and `copy_bidirectional`, as tokio's.
const DEFAULT_BUF_SIZE: usize = 8 * 1024;

/// One direction of a copy: a buffer, what of it is still to be written
/// (`pos..cap`), and whether the reader is done.
#[derive(Debug)]
struct CopyBuffer {
    buf: Box<[u8]>,
    pos: usize,
    cap: usize,
    amt: u64,
    read_done: bool,
    /// Bytes were written since the last flush.
    need_flush: bool,
}

impl CopyBuffer {
    fn new(size: usize) -> CopyBuffer {
        CopyBuffer {
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            cap: 0,
            amt: 0,
            read_done: false,
            need_flush: false,
        }
    }

    /// Reads into the free end of the buffer; a read of 0 is EOF.
    fn poll_fill<R: AsyncRead + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
    ) -> Poll<io::Result<()>> {
        let n = ready!(reader.poll_read(cx, &mut self.buf[self.cap..]))?;
        self.read_done = n == 0;
        self.cap += n;
        Poll::Ready(Ok(()))
    }

    /// Writes from the buffer. While the writer is not ready, reads ahead
    /// into the free end, so both sides are waited on.
    fn poll_write<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        reader: Pin<&mut R>,
        writer: Pin<&mut W>,
    ) -> Poll<io::Result<usize>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        match writer.poll_write(cx, &self.buf[self.pos..self.cap]) {
            Poll::Pending => {
                if !self.read_done && self.cap < self.buf.len() {
                    ready!(self.poll_fill(cx, reader))?;
                }
                Poll::Pending
            }
            ready => ready,
        }
    }

    /// Copies until the reader's EOF, then flushes; returns the count.
    fn poll_copy<R, W>(
        &mut self,
        cx: &mut Context<'_>,
        mut reader: Pin<&mut R>,
        mut writer: Pin<&mut W>,
    ) -> Poll<io::Result<u64>>
    where
        R: AsyncRead + ?Sized,
        W: AsyncWrite + ?Sized,
    {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        loop {
            // 1. Read, if there is room and the reader may have more.
            if self.cap < self.buf.len() && !self.read_done {
                match self.poll_fill(cx, reader.as_mut()) {
                    Poll::Ready(result) => {
                        coop.made_progress();
                        result?;
                    }
                    Poll::Pending if self.pos == self.cap => {
                        // Nothing to write either: flush what was written,
                        // so the other side sees it while this one waits.
                        if self.need_flush {
                            ready!(writer.as_mut().poll_flush(cx))?;
                            coop.made_progress();
                            self.need_flush = false;
                        }
                        return Poll::Pending;
                    }
                    Poll::Pending => {}
                }
            }

            // 2. Write all that is buffered.
            while self.pos < self.cap {
                let n = ready!(self.poll_write(cx, reader.as_mut(), writer.as_mut()))?;
                coop.made_progress();
                if n == 0 {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "write zero bytes into writer",
                    )));
                }
                self.pos += n;
                self.amt += n as u64;
                self.need_flush = true;
            }
            self.pos = 0;
            self.cap = 0;

            // 3. At EOF, with everything written: flush, done.
            if self.read_done {
                ready!(writer.as_mut().poll_flush(cx))?;
                coop.made_progress();
                return Poll::Ready(Ok(self.amt));
            }
        }
    }
}

/// Copies all of `reader` into `writer`, through an 8 KiB buffer, and
/// returns how many bytes; the writer is flushed at the end and whenever
/// the reader has to wait.
///
/// Errors come back at once (`WriteZero` if the writer takes no more
/// bytes); some data read may then not have been written.
///
/// ```
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader: &[u8] = b"hello";
/// let mut writer: Vec<u8> = Vec::new();
/// let n = runtime::io::copy(&mut reader, &mut writer).await?;
/// assert_eq!((n, &writer[..]), (5, &b"hello"[..]));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Cancel safety
/// Not cancel safe: buffered data is lost.
pub async fn copy<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = CopyBuffer::new(DEFAULT_BUF_SIZE);
    poll_fn(|cx| buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer))).await
}

/// Copies all of `reader`, straight from its own buffer, into `writer`,
/// and returns how many bytes; the writer is flushed at the end.
///
/// ```
/// use runtime::io::BufReader;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut reader = BufReader::new(&b"hello"[..]);
/// let mut writer: Vec<u8> = Vec::new();
/// assert_eq!(runtime::io::copy_buf(&mut reader, &mut writer).await?, 5);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Cancel safety
/// Not cancel safe, as [`copy`].
pub async fn copy_buf<R, W>(reader: &mut R, writer: &mut W) -> io::Result<u64>
where
    R: AsyncBufRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut amt = 0u64;
    poll_fn(|cx| {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        loop {
            let mut reader = Pin::new(&mut *reader);
            let chunk = ready!(reader.as_mut().poll_fill_buf(cx))?;
            coop.made_progress();
            if chunk.is_empty() {
                ready!(Pin::new(&mut *writer).poll_flush(cx))?;
                return Poll::Ready(Ok(amt));
            }
            let n = ready!(Pin::new(&mut *writer).poll_write(cx, chunk))?;
            if n == 0 {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write zero bytes into writer",
                )));
            }
            reader.consume(n);
            amt += n as u64;
        }
    })
    .await
}

/// Where one direction of a bidirectional copy is.
enum Transfer {
    Running(CopyBuffer),
    /// The reader ended: shutting the writer down.
    ShuttingDown(u64),
    Done(u64),
}

fn poll_transfer<A, B>(
    cx: &mut Context<'_>,
    state: &mut Transfer,
    reader: &mut A,
    writer: &mut B,
) -> Poll<io::Result<u64>>
where
    A: AsyncRead + Unpin + ?Sized,
    B: AsyncWrite + Unpin + ?Sized,
{
    loop {
        match state {
            Transfer::Running(buf) => {
                let n = ready!(buf.poll_copy(cx, Pin::new(&mut *reader), Pin::new(&mut *writer)))?;
                *state = Transfer::ShuttingDown(n);
            }
            Transfer::ShuttingDown(n) => {
                ready!(Pin::new(&mut *writer).poll_close(cx))?;
                *state = Transfer::Done(*n);
            }
            Transfer::Done(n) => return Poll::Ready(Ok(*n)),
        }
    }
}

/// Copies `a` into `b` and `b` into `a` at once, until both have ended,
/// and returns the counts `(a to b, b to a)`.
///
/// When one side reads EOF, the other is shut down
/// ([`shutdown`](crate::io::AsyncWriteExt::shutdown)) and the copy goes
/// on in the other direction. Each direction has an 8 KiB buffer
/// ([`copy_bidirectional_with_sizes`] sets them). An error on either side
/// ends both at once; data read but not yet written is then lost.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut proxy_front) = runtime::io::duplex(64);
/// let (mut proxy_back, mut server) = runtime::io::duplex(64);
/// let proxy = runtime::spawn(async move {
///     runtime::io::copy_bidirectional(&mut proxy_front, &mut proxy_back).await
/// });
/// client.write_all(b"ping").await?;
/// client.shutdown().await?;
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// server.write_all(b"pong!").await?;
/// drop(server);
/// assert_eq!(proxy.await.unwrap()?, (4, 5));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Cancel safety
/// Not cancel safe: buffered data is lost.
pub async fn copy_bidirectional<A, B>(a: &mut A, b: &mut B) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    copy_bidirectional_with_sizes(a, b, DEFAULT_BUF_SIZE, DEFAULT_BUF_SIZE).await
}

/// [`copy_bidirectional`], with buffers of `a_to_b_buf_size` and
/// `b_to_a_buf_size` bytes.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut front) = runtime::io::duplex(1024);
/// let (mut back, mut server) = runtime::io::duplex(1024);
/// // Small buffers: the copy still moves everything, a little at a time.
/// let proxy = runtime::spawn(async move {
///     runtime::io::copy_bidirectional_with_sizes(&mut front, &mut back, 4, 4).await
/// });
/// client.write_all(&[1; 100]).await?;
/// client.shutdown().await?;
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got.len(), 100);
/// drop(server);
/// assert_eq!(proxy.await.unwrap()?, (100, 0));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub async fn copy_bidirectional_with_sizes<A, B>(
    a: &mut A,
    b: &mut B,
    a_to_b_buf_size: usize,
    b_to_a_buf_size: usize,
) -> io::Result<(u64, u64)>
where
    A: AsyncRead + AsyncWrite + Unpin + ?Sized,
    B: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut a_to_b = Transfer::Running(CopyBuffer::new(a_to_b_buf_size));
    let mut b_to_a = Transfer::Running(CopyBuffer::new(b_to_a_buf_size));
    poll_fn(|cx| {
        // Both directions are polled every time, so each registers its
        // wakers; either error ends the copy.
        let a_to_b = poll_transfer(cx, &mut a_to_b, a, b)?;
        let b_to_a = poll_transfer(cx, &mut b_to_a, b, a)?;
        Poll::Ready(Ok((ready!(a_to_b), ready!(b_to_a))))
    })
    .await
}
