//! [`AsyncWriteExt`]: tokio's write methods over `futures_io::AsyncWrite`,
//! and the futures they return (`!Unpin`, as tokio's).

use futures_io::AsyncWrite;
use pin_project_lite::pin_project;
use runtime_io::Buf;
use std::future::Future;
use std::io::{self, IoSlice};
use std::marker::PhantomPinned;
use std::mem::size_of;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Generates the `write_<int>` methods: each writes `$ty::$to(n)` with
/// [`WriteNum`].
macro_rules! write_num_methods {
    ($($name:ident($ty:ty) = $to:ident, $doc:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Fails with [`io::ErrorKind::WriteZero`] if the writer takes no
        /// more bytes.
        ///
        /// # Cancel safety
        /// Not cancel safe: some of the bytes may have been written.
        fn $name(&mut self, n: $ty) -> WriteNum<'_, Self, [u8; size_of::<$ty>()]>
        where
            Self: Unpin,
        {
            WriteNum::new(self, n.$to())
        }
    )*};
}

/// tokio's write methods, for every [`AsyncWrite`]: `write`,
/// `write_vectored`, `write_all`, `write_buf`, `write_all_buf`, the
/// `write_<int>` family, `flush` and `shutdown` (the futures-io trait
/// calls it `poll_close`).
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut a, mut b) = runtime::io::duplex(64);
/// a.write_all(b"ping").await?;
/// a.write_u16_le(513).await?;
/// a.shutdown().await?;
///
/// let mut got = Vec::new();
/// b.read_to_end(&mut got).await?;
/// assert_eq!(got, b"ping\x01\x02");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait AsyncWriteExt: AsyncWrite {
    /// Writes some of `src`, and returns how many bytes.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, nothing
    /// was written.
    fn write<'a>(&'a mut self, src: &'a [u8]) -> Write<'a, Self>
    where
        Self: Unpin,
    {
        Write {
            writer: self,
            src,
            _pin: PhantomPinned,
        }
    }

    /// Writes some of the bytes of `bufs`, in order, and returns how many.
    ///
    /// # Cancel safety
    /// Cancel safe, as [`write`](AsyncWriteExt::write).
    fn write_vectored<'a, 'b>(&'a mut self, bufs: &'a [IoSlice<'b>]) -> WriteVectored<'a, 'b, Self>
    where
        Self: Unpin,
    {
        WriteVectored {
            writer: self,
            bufs,
            _pin: PhantomPinned,
        }
    }

    /// Writes all of `src`.
    ///
    /// Fails with [`io::ErrorKind::WriteZero`] if the writer takes no more
    /// bytes.
    ///
    /// # Cancel safety
    /// Not cancel safe: how much was written before a cancellation is not
    /// known.
    fn write_all<'a>(&'a mut self, src: &'a [u8]) -> WriteAll<'a, Self>
    where
        Self: Unpin,
    {
        WriteAll {
            writer: self,
            src,
            _pin: PhantomPinned,
        }
    }

    /// Writes some of the bytes of `src`, advances it past them, and
    /// returns how many: 0 if `src` is empty.
    ///
    /// tokio takes a `bytes::Buf`; this takes this crate's
    /// [`Buf`](crate::io::buf::Buf), implemented for `&[u8]`,
    /// `std::io::Cursor`, `VecDeque<u8>` and `&mut` of any of them.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped, nothing was written and
    /// `src` did not advance.
    fn write_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteBuf<'a, Self, B>
    where
        Self: Unpin,
        B: Buf + ?Sized,
    {
        WriteBuf {
            writer: self,
            src,
            _pin: PhantomPinned,
        }
    }

    /// Writes all of `src`, advancing it as bytes are written.
    ///
    /// ```
    /// use runtime::io::AsyncWriteExt;
    /// use std::io::Cursor;
    ///
    /// # runtime::Runtime::new().unwrap().block_on(async {
    /// let mut out = Vec::new();
    /// let mut src = Cursor::new(b"hello".to_vec());
    /// out.write_all_buf(&mut src).await?;
    /// assert_eq!(out, b"hello");
    /// assert_eq!(src.position(), 5);
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    /// After a cancellation, `src` has advanced past exactly the bytes that
    /// were written: calling it again writes the rest.
    fn write_all_buf<'a, B>(&'a mut self, src: &'a mut B) -> WriteAllBuf<'a, Self, B>
    where
        Self: Unpin,
        B: Buf + ?Sized,
    {
        WriteAllBuf {
            writer: self,
            src,
            _pin: PhantomPinned,
        }
    }

    write_num_methods! {
        write_u8(u8) = to_be_bytes, "Writes a `u8`.";
        write_i8(i8) = to_be_bytes, "Writes an `i8`.";
        write_u16(u16) = to_be_bytes, "Writes a big-endian `u16`.";
        write_i16(i16) = to_be_bytes, "Writes a big-endian `i16`.";
        write_u32(u32) = to_be_bytes, "Writes a big-endian `u32`.";
        write_i32(i32) = to_be_bytes, "Writes a big-endian `i32`.";
        write_u64(u64) = to_be_bytes, "Writes a big-endian `u64`.";
        write_i64(i64) = to_be_bytes, "Writes a big-endian `i64`.";
        write_u128(u128) = to_be_bytes, "Writes a big-endian `u128`.";
        write_i128(i128) = to_be_bytes, "Writes a big-endian `i128`.";
        write_f32(f32) = to_be_bytes, "Writes a big-endian `f32`.";
        write_f64(f64) = to_be_bytes, "Writes a big-endian `f64`.";
        write_u16_le(u16) = to_le_bytes, "Writes a little-endian `u16`.";
        write_i16_le(i16) = to_le_bytes, "Writes a little-endian `i16`.";
        write_u32_le(u32) = to_le_bytes, "Writes a little-endian `u32`.";
        write_i32_le(i32) = to_le_bytes, "Writes a little-endian `i32`.";
        write_u64_le(u64) = to_le_bytes, "Writes a little-endian `u64`.";
        write_i64_le(i64) = to_le_bytes, "Writes a little-endian `i64`.";
        write_u128_le(u128) = to_le_bytes, "Writes a little-endian `u128`.";
        write_i128_le(i128) = to_le_bytes, "Writes a little-endian `i128`.";
        write_f32_le(f32) = to_le_bytes, "Writes a little-endian `f32`.";
        write_f64_le(f64) = to_le_bytes, "Writes a little-endian `f64`.";
    }

    /// Flushes: waits until everything written so far has reached its
    /// destination.
    ///
    /// # Cancel safety
    /// Cancel safe: dropping it loses no data, and it can be called again.
    fn flush(&mut self) -> Flush<'_, Self>
    where
        Self: Unpin,
    {
        Flush {
            writer: self,
            _pin: PhantomPinned,
        }
    }

    /// Flushes and shuts the writer down (futures-io's `poll_close`): for a
    /// socket, the write side, so the peer reads EOF; for a
    /// [`BufWriter`](crate::io::BufWriter), its buffer is written first.
    fn shutdown(&mut self) -> Shutdown<'_, Self>
    where
        Self: Unpin,
    {
        Shutdown {
            writer: self,
            _pin: PhantomPinned,
        }
    }
}

impl<W: AsyncWrite + ?Sized> AsyncWriteExt for W {}

fn write_zero() -> io::Error {
    io::Error::new(io::ErrorKind::WriteZero, "failed to write the whole buffer")
}

pin_project! {
    /// The future of [`AsyncWriteExt::write`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Write<'a, W: ?Sized> {
        writer: &'a mut W,
        src: &'a [u8],
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Write<'_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        Pin::new(&mut **me.writer).poll_write(cx, me.src)
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::write_vectored`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteVectored<'a, 'b, W: ?Sized> {
        writer: &'a mut W,
        bufs: &'a [IoSlice<'b>],
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteVectored<'_, '_, W> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        Pin::new(&mut **me.writer).poll_write_vectored(cx, me.bufs)
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::write_all`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteAll<'a, W: ?Sized> {
        writer: &'a mut W,
        src: &'a [u8],
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for WriteAll<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        while !me.src.is_empty() {
            let n = ready!(Pin::new(&mut **me.writer).poll_write(cx, me.src))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            *me.src = &me.src[n..];
        }
        Poll::Ready(Ok(()))
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::write_buf`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteBuf<'a, W: ?Sized, B: ?Sized> {
        writer: &'a mut W,
        src: &'a mut B,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteBuf<'_, W, B> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        if !me.src.has_remaining() {
            return Poll::Ready(Ok(0));
        }
        let n = ready!(Pin::new(&mut **me.writer).poll_write(cx, me.src.chunk()))?;
        me.src.advance(n);
        Poll::Ready(Ok(n))
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::write_all_buf`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteAllBuf<'a, W: ?Sized, B: ?Sized> {
        writer: &'a mut W,
        src: &'a mut B,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized, B: Buf + ?Sized> Future for WriteAllBuf<'_, W, B> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        while me.src.has_remaining() {
            let n = ready!(Pin::new(&mut **me.writer).poll_write(cx, me.src.chunk()))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            me.src.advance(n);
        }
        Poll::Ready(Ok(()))
    }
}

pin_project! {
    /// The future of the `write_<int>` methods of [`AsyncWriteExt`]:
    /// writes the bytes of a `B` (a `[u8; N]`). (tokio has one type per
    /// method, `WriteU16` and so on.)
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct WriteNum<'a, W: ?Sized, B> {
        writer: &'a mut W,
        buf: B,
        written: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, W: ?Sized, B> WriteNum<'a, W, B> {
    fn new(writer: &'a mut W, buf: B) -> Self {
        WriteNum {
            writer,
            buf,
            written: 0,
            _pin: PhantomPinned,
        }
    }
}

impl<W, B> Future for WriteNum<'_, W, B>
where
    W: AsyncWrite + Unpin + ?Sized,
    B: AsRef<[u8]>,
{
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let me = self.project();
        while *me.written < me.buf.as_ref().len() {
            let src = &me.buf.as_ref()[*me.written..];
            let n = ready!(Pin::new(&mut **me.writer).poll_write(cx, src))?;
            if n == 0 {
                return Poll::Ready(Err(write_zero()));
            }
            *me.written += n;
        }
        Poll::Ready(Ok(()))
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::flush`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Flush<'a, W: ?Sized> {
        writer: &'a mut W,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Flush<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.project().writer).poll_flush(cx)
    }
}

pin_project! {
    /// The future of [`AsyncWriteExt::shutdown`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Shutdown<'a, W: ?Sized> {
        writer: &'a mut W,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> Future for Shutdown<'_, W> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut **self.project().writer).poll_close(cx)
    }
}
