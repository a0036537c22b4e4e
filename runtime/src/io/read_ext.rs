//! [`AsyncReadExt`]: tokio's read methods over `futures_io::AsyncRead`,
//! and the futures they return (all `!Unpin`, as tokio's, so that they
//! could become `async fn`s without a breaking change).

use super::read_to_end::{ReadToEnd, ReadToString};
use futures_io::AsyncRead;
use pin_project_lite::pin_project;
use runtime_io::{BufMut, ReadBuf};
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem::size_of;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

pub use futures_util::io::{Chain, Take};

/// Generates the `read_<int>` methods: each reads `size_of::<$ty>()`
/// bytes with [`ReadNum`] and converts them with `$ty::$from`.
macro_rules! read_num_methods {
    ($($name:ident -> $ty:ty = $from:ident, $doc:literal, $cancel:literal;)*) => {$(
        #[doc = $doc]
        ///
        /// Fails with [`io::ErrorKind::UnexpectedEof`] if the reader ends
        /// before all of the bytes came.
        ///
        /// # Cancel safety
        #[doc = $cancel]
        fn $name(&mut self) -> ReadNum<'_, Self, $ty, [u8; size_of::<$ty>()]>
        where
            Self: Unpin,
        {
            ReadNum::new(self, <$ty>::$from)
        }
    )*};
}

/// tokio's read methods, for every [`AsyncRead`]: `read`, `read_exact`,
/// `read_to_end`, `read_to_string`, `read_buf`, the `read_<int>` family,
/// `chain` and `take`.
///
/// It has no `split`: to use the two halves of a stream from two tasks,
/// call [`io::split`](crate::io::split), or the stream's own `split` /
/// `into_split`.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncWriteExt};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (mut client, mut server) = runtime::io::duplex(64);
/// client.write_u32(7).await?;
/// client.write_all(b"hello").await?;
/// drop(client);
///
/// assert_eq!(server.read_u32().await?, 7);
/// let mut rest = String::new();
/// server.read_to_string(&mut rest).await?;
/// assert_eq!(rest, "hello");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait AsyncReadExt: AsyncRead {
    /// This reader, then `next` once this one is at EOF.
    fn chain<R: AsyncRead>(self, next: R) -> Chain<Self, R>
    where
        Self: Sized,
    {
        futures_util::AsyncReadExt::chain(self, next)
    }

    /// Reads some bytes into `buf`, and returns how many. `Ok(0)` means
    /// EOF (or an empty `buf`).
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped before it completes, no data
    /// was read.
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> Read<'a, Self>
    where
        Self: Unpin,
    {
        Read {
            reader: self,
            buf,
            _pin: PhantomPinned,
        }
    }

    /// Reads some bytes into the room of `buf`, advances it by as many, and
    /// returns how many: `Ok(0)` at EOF or when `buf` has no room.
    ///
    /// tokio takes a `bytes::BufMut`; this takes this crate's
    /// [`BufMut`](crate::io::buf::BufMut), implemented for `Vec<u8>` (read
    /// into its spare capacity, growing it by 64 bytes if it has none) and
    /// [`ReadBuf`]. The futures-io traits read into initialized memory, so
    /// the room is zeroed before each read.
    ///
    /// ```
    /// use runtime::io::AsyncReadExt;
    ///
    /// # runtime::Runtime::new().unwrap().block_on(async {
    /// let mut reader: &[u8] = b"abc";
    /// let mut buf = Vec::with_capacity(16);
    /// let n = reader.read_buf(&mut buf).await?;
    /// assert_eq!((n, &buf[..]), (3, &b"abc"[..]));
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    /// Cancel safe, as [`read`](AsyncReadExt::read).
    fn read_buf<'a, B>(&'a mut self, buf: &'a mut B) -> ReadBufFuture<'a, Self, B>
    where
        Self: Unpin,
        B: BufMut + ?Sized,
    {
        ReadBufFuture {
            reader: self,
            buf,
            _pin: PhantomPinned,
        }
    }

    /// Reads exactly `buf.len()` bytes, and returns that length (tokio's
    /// signature; std's returns `()`).
    ///
    /// Fails with [`io::ErrorKind::UnexpectedEof`] if the reader ends
    /// first; what was read until then is in `buf`, but how much is not
    /// said.
    ///
    /// # Cancel safety
    /// Not cancel safe: bytes may have been read into `buf` and are lost
    /// to the next read.
    fn read_exact<'a>(&'a mut self, buf: &'a mut [u8]) -> ReadExact<'a, Self>
    where
        Self: Unpin,
    {
        ReadExact {
            reader: self,
            buf,
            pos: 0,
            _pin: PhantomPinned,
        }
    }

    /// Reads until EOF, appending to `buf`, and returns how many bytes it
    /// appended.
    ///
    /// With std's and tokio's guarantees: if `buf` has spare capacity for
    /// all the data, it is not reallocated (a reader that ends exactly at
    /// the capacity is probed with a small stack buffer first); on an
    /// error, the bytes read before it stay in `buf`.
    ///
    /// # Cancel safety
    /// Not cancel safe, in that the count is lost; the bytes read before
    /// the cancellation stay in `buf`.
    fn read_to_end<'a>(&'a mut self, buf: &'a mut Vec<u8>) -> ReadToEnd<'a, Self>
    where
        Self: Unpin,
    {
        ReadToEnd::new(self, buf)
    }

    /// Reads until EOF, appending to `buf` if the data is UTF-8, and
    /// returns how many bytes it appended.
    ///
    /// With std's and tokio's guarantees: if the data is not UTF-8 the
    /// error is [`io::ErrorKind::InvalidData`] and `buf` is unchanged; on
    /// an IO error `buf` is truncated back to its old length. A `buf` with
    /// room for the data is not reallocated.
    ///
    /// # Cancel safety
    /// Not cancel safe: `buf` keeps its old content, but bytes read before
    /// the cancellation may be lost (those that form whole UTF-8
    /// characters are kept).
    fn read_to_string<'a>(&'a mut self, buf: &'a mut String) -> ReadToString<'a, Self>
    where
        Self: Unpin,
    {
        ReadToString::new(self, buf)
    }

    /// A reader of at most `limit` bytes of this one.
    fn take(self, limit: u64) -> Take<Self>
    where
        Self: Sized,
    {
        futures_util::AsyncReadExt::take(self, limit)
    }

    read_num_methods! {
        read_u8 -> u8 = from_be_bytes, "Reads a `u8`.",
            "Cancel safe: a one-byte read either happened or did not.";
        read_i8 -> i8 = from_be_bytes, "Reads an `i8`.",
            "Cancel safe: a one-byte read either happened or did not.";
        read_u16 -> u16 = from_be_bytes, "Reads a big-endian `u16`.", "Not cancel safe: some bytes may be lost.";
        read_i16 -> i16 = from_be_bytes, "Reads a big-endian `i16`.", "Not cancel safe: some bytes may be lost.";
        read_u32 -> u32 = from_be_bytes, "Reads a big-endian `u32`.", "Not cancel safe: some bytes may be lost.";
        read_i32 -> i32 = from_be_bytes, "Reads a big-endian `i32`.", "Not cancel safe: some bytes may be lost.";
        read_u64 -> u64 = from_be_bytes, "Reads a big-endian `u64`.", "Not cancel safe: some bytes may be lost.";
        read_i64 -> i64 = from_be_bytes, "Reads a big-endian `i64`.", "Not cancel safe: some bytes may be lost.";
        read_u128 -> u128 = from_be_bytes, "Reads a big-endian `u128`.", "Not cancel safe: some bytes may be lost.";
        read_i128 -> i128 = from_be_bytes, "Reads a big-endian `i128`.", "Not cancel safe: some bytes may be lost.";
        read_f32 -> f32 = from_be_bytes, "Reads a big-endian `f32`.", "Not cancel safe: some bytes may be lost.";
        read_f64 -> f64 = from_be_bytes, "Reads a big-endian `f64`.", "Not cancel safe: some bytes may be lost.";
        read_u16_le -> u16 = from_le_bytes, "Reads a little-endian `u16`.", "Not cancel safe: some bytes may be lost.";
        read_i16_le -> i16 = from_le_bytes, "Reads a little-endian `i16`.", "Not cancel safe: some bytes may be lost.";
        read_u32_le -> u32 = from_le_bytes, "Reads a little-endian `u32`.", "Not cancel safe: some bytes may be lost.";
        read_i32_le -> i32 = from_le_bytes, "Reads a little-endian `i32`.", "Not cancel safe: some bytes may be lost.";
        read_u64_le -> u64 = from_le_bytes, "Reads a little-endian `u64`.", "Not cancel safe: some bytes may be lost.";
        read_i64_le -> i64 = from_le_bytes, "Reads a little-endian `i64`.", "Not cancel safe: some bytes may be lost.";
        read_u128_le -> u128 = from_le_bytes, "Reads a little-endian `u128`.", "Not cancel safe: some bytes may be lost.";
        read_i128_le -> i128 = from_le_bytes, "Reads a little-endian `i128`.", "Not cancel safe: some bytes may be lost.";
        read_f32_le -> f32 = from_le_bytes, "Reads a little-endian `f32`.", "Not cancel safe: some bytes may be lost.";
        read_f64_le -> f64 = from_le_bytes, "Reads a little-endian `f64`.", "Not cancel safe: some bytes may be lost.";
    }
}

impl<R: AsyncRead + ?Sized> AsyncReadExt for R {}

pin_project! {
    /// The future of [`AsyncReadExt::read`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Read<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut [u8],
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for Read<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        Pin::new(&mut **me.reader).poll_read(cx, me.buf)
    }
}

pin_project! {
    /// The future of [`AsyncReadExt::read_buf`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadBufFuture<'a, R: ?Sized, B: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut B,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R, B> Future for ReadBufFuture<'_, R, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: BufMut + ?Sized,
{
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        if !me.buf.has_remaining_mut() {
            return Poll::Ready(Ok(0));
        }
        let n = {
            let mut room = ReadBuf::uninit(me.buf.chunk_mut());
            let dst = room.initialize_unfilled();
            let n = ready!(Pin::new(&mut **me.reader).poll_read(cx, dst))?;
            assert!(
                n <= dst.len(),
                "poll_read returned {n} for a {}-byte buffer",
                dst.len()
            );
            n
        };
        // SAFETY: `initialize_unfilled` zeroed the whole chunk before the
        // read, so its first `n` bytes are initialized, and `n` fits in it
        // (asserted above).
        unsafe { me.buf.advance_mut(n) };
        Poll::Ready(Ok(n))
    }
}

pin_project! {
    /// The future of [`AsyncReadExt::read_exact`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadExact<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: &'a mut [u8],
        pos: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadExact<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        while *me.pos < me.buf.len() {
            let n = ready!(Pin::new(&mut **me.reader).poll_read(cx, &mut me.buf[*me.pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(early_eof()));
            }
            *me.pos += n;
        }
        Poll::Ready(Ok(me.buf.len()))
    }
}

pub(super) fn early_eof() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "early eof")
}

pin_project! {
    /// The future of the `read_<int>` methods of [`AsyncReadExt`]: reads
    /// the bytes of a `B` (a `[u8; N]`), then converts them to a `T`.
    /// (tokio has one type per method, `ReadU16` and so on.)
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadNum<'a, R: ?Sized, T, B> {
        reader: &'a mut R,
        buf: B,
        filled: usize,
        convert: fn(B) -> T,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, R: ?Sized, T, B: Default> ReadNum<'a, R, T, B> {
    fn new(reader: &'a mut R, convert: fn(B) -> T) -> Self {
        ReadNum {
            reader,
            buf: B::default(),
            filled: 0,
            convert,
            _pin: PhantomPinned,
        }
    }
}

impl<R, T, B> Future for ReadNum<'_, R, T, B>
where
    R: AsyncRead + Unpin + ?Sized,
    B: AsMut<[u8]> + Copy,
{
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        let me = self.project();
        while *me.filled < me.buf.as_mut().len() {
            let dst = &mut me.buf.as_mut()[*me.filled..];
            let n = ready!(Pin::new(&mut **me.reader).poll_read(cx, dst))?;
            if n == 0 {
                return Poll::Ready(Err(early_eof()));
            }
            *me.filled += n;
        }
        Poll::Ready(Ok((me.convert)(*me.buf)))
    }
}
