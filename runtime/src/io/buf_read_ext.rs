//! [`AsyncBufReadExt`]: tokio's methods over `futures_io::AsyncBufRead`,
//! with [`Lines`] and [`Split`].

use super::read_to_end::{OnIoError, TextGuard};
use futures_io::AsyncBufRead;
use pin_project_lite::pin_project;
use std::future::{poll_fn, Future};
use std::io;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// tokio's methods for every [`AsyncBufRead`] (a
/// [`BufReader`](crate::io::BufReader), `&[u8]`, ...): `fill_buf`,
/// `consume`, `read_until`, `read_line`, `split` and `lines`.
///
/// ```
/// use runtime::io::{AsyncBufReadExt, BufReader};
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut lines = BufReader::new(&b"one\r\ntwo\nthree"[..]).lines();
/// assert_eq!(lines.next_line().await?.as_deref(), Some("one"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("two"));
/// assert_eq!(lines.next_line().await?.as_deref(), Some("three"));
/// assert_eq!(lines.next_line().await?, None);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait AsyncBufReadExt: AsyncBufRead {
    /// The buffered bytes, reading more first if there are none; empty at
    /// EOF. Call [`consume`](AsyncBufReadExt::consume) with how many were
    /// used.
    ///
    /// # Cancel safety
    /// Cancel safe: if the future is dropped, no data was consumed.
    fn fill_buf(&mut self) -> FillBuf<'_, Self>
    where
        Self: Unpin,
    {
        FillBuf {
            reader: Some(self),
            _pin: PhantomPinned,
        }
    }

    /// Marks `amt` bytes of the buffer as used: the next
    /// [`fill_buf`](AsyncBufReadExt::fill_buf) starts after them.
    fn consume(&mut self, amt: usize)
    where
        Self: Unpin,
    {
        Pin::new(self).consume(amt)
    }

    /// Appends bytes to `buf` until `byte` (which is appended too) or EOF,
    /// and returns how many it appended: 0 at EOF.
    ///
    /// On an error, the bytes read until then stay in `buf`.
    ///
    /// # Cancel safety
    /// The bytes read before a cancellation are in `buf`: calling it again
    /// goes on to the delimiter.
    fn read_until<'a>(&'a mut self, byte: u8, buf: &'a mut Vec<u8>) -> ReadUntil<'a, Self>
    where
        Self: Unpin,
    {
        ReadUntil {
            start_len: buf.len(),
            reader: self,
            byte,
            buf,
            _pin: PhantomPinned,
        }
    }

    /// Appends a line to `buf`, its `\n` (or `\r\n`) included, and returns
    /// how many bytes it appended: 0 at EOF.
    ///
    /// If the line is not UTF-8, fails with
    /// [`io::ErrorKind::InvalidData`] and leaves `buf` unchanged (the bytes
    /// are consumed). On an IO error, the valid UTF-8 read until then stays
    /// in `buf`, as tokio's.
    ///
    /// ```
    /// use runtime::io::{AsyncBufReadExt, BufReader};
    ///
    /// # runtime::Runtime::new().unwrap().block_on(async {
    /// let mut reader = BufReader::new(&b"hello\nworld"[..]);
    /// let mut line = String::new();
    /// assert_eq!(reader.read_line(&mut line).await?, 6);
    /// assert_eq!(line, "hello\n");
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    /// Not cancel safe: `buf` keeps its old content and the whole UTF-8
    /// characters read so far, but use [`Lines::next_line`] (which keeps a
    /// partial line for the next call) in a `select!`.
    fn read_line<'a>(&'a mut self, buf: &'a mut String) -> ReadLine<'a, Self>
    where
        Self: Unpin,
    {
        ReadLine {
            reader: self,
            text: TextGuard::new(buf),
            _pin: PhantomPinned,
        }
    }

    /// The segments of this reader between `byte`s, as a [`Split`].
    fn split(self, byte: u8) -> Split<Self>
    where
        Self: Sized,
    {
        Split {
            reader: self,
            delim: byte,
            buf: Vec::new(),
        }
    }

    /// The lines of this reader, as a [`Lines`].
    fn lines(self) -> Lines<Self>
    where
        Self: Sized,
    {
        Lines {
            reader: self,
            buf: Vec::new(),
        }
    }
}

impl<R: AsyncBufRead + ?Sized> AsyncBufReadExt for R {}

/// Appends from `reader` to `buf` until `delim` (appended too) or EOF.
fn poll_read_until<R: AsyncBufRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    delim: u8,
    buf: &mut Vec<u8>,
) -> Poll<io::Result<()>> {
    loop {
        let (found, used) = {
            let available = ready!(reader.as_mut().poll_fill_buf(cx))?;
            match memchr::memchr(delim, available) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (false, available.len())
                }
            }
        };
        reader.as_mut().consume(used);
        if found || used == 0 {
            return Poll::Ready(Ok(()));
        }
    }
}

pin_project! {
    /// The future of [`AsyncBufReadExt::fill_buf`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct FillBuf<'a, R: ?Sized> {
        reader: Option<&'a mut R>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, R: AsyncBufRead + Unpin + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&'a [u8]>> {
        let me = self.project();
        let reader = me.reader.take().expect("FillBuf polled after completion");
        match Pin::new(&mut *reader).poll_fill_buf(cx) {
            Poll::Ready(Ok(slice)) => {
                // SAFETY: `slice` borrows `*reader`, which is borrowed for
                // `'a` and which this future gave up above (it is never put
                // back), so nothing else can touch it during `'a`. The
                // borrow checker only rejects the longer borrow because the
                // `Pending` arm puts `reader` back (NLL problem case #3).
                let slice: &'a [u8] =
                    unsafe { std::slice::from_raw_parts(slice.as_ptr(), slice.len()) };
                Poll::Ready(Ok(slice))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                *me.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}

pin_project! {
    /// The future of [`AsyncBufReadExt::read_until`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadUntil<'a, R: ?Sized> {
        reader: &'a mut R,
        byte: u8,
        buf: &'a mut Vec<u8>,
        start_len: usize,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadUntil<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        ready!(poll_read_until(
            Pin::new(&mut **me.reader),
            cx,
            *me.byte,
            me.buf
        ))?;
        let n = me.buf.len() - *me.start_len;
        *me.start_len = me.buf.len();
        Poll::Ready(Ok(n))
    }
}

pin_project! {
    /// The future of [`AsyncBufReadExt::read_line`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadLine<'a, R: ?Sized> {
        reader: &'a mut R,
        text: TextGuard<'a>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<R: AsyncBufRead + Unpin + ?Sized> Future for ReadLine<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let text = &mut *me.text;
        let result = poll_read_until(Pin::new(&mut **me.reader), cx, b'\n', &mut text.bytes);
        // No scratch here: all of `bytes` is data, also for the drop guard.
        text.filled = text.bytes.len();
        let result = ready!(result);
        Poll::Ready(text.finish(result, OnIoError::Keep))
    }
}

pin_project! {
    /// The lines of a reader, from [`AsyncBufReadExt::lines`]: each without
    /// its `\n` or `\r\n`.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Lines<R> {
        #[pin]
        reader: R,
        buf: Vec<u8>,
    }
}

impl<R> Lines<R> {
    /// The reader.
    pub fn get_ref(&self) -> &R {
        &self.reader
    }

    /// The reader, mutably.
    pub fn get_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    /// The reader; a partial line read before is lost.
    pub fn into_inner(self) -> R {
        self.reader
    }
}

impl<R: AsyncBufRead> Lines<R> {
    /// The next line, or `None` at EOF. A last line without a newline is
    /// returned too. A line that is not UTF-8 is an
    /// [`io::ErrorKind::InvalidData`] error (and is consumed).
    ///
    /// # Cancel safety
    /// Cancel safe: a partial line stays in this `Lines` and the next call
    /// goes on with it.
    pub async fn next_line(&mut self) -> io::Result<Option<String>>
    where
        R: Unpin,
    {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_line(cx)).await
    }

    /// Polls for the next line, as [`next_line`](Lines::next_line).
    pub fn poll_next_line(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<String>>> {
        let me = self.project();
        ready!(poll_read_until(me.reader, cx, b'\n', me.buf))?;
        if me.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut line = std::mem::take(me.buf);
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        match String::from_utf8(line) {
            Ok(line) => Poll::Ready(Ok(Some(line))),
            Err(_) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ))),
        }
    }
}

pin_project! {
    /// The segments of a reader between delimiter bytes, from
    /// [`AsyncBufReadExt::split`]: each without its delimiter.
    #[derive(Debug)]
    #[must_use = "streams do nothing unless polled"]
    pub struct Split<R> {
        #[pin]
        reader: R,
        delim: u8,
        buf: Vec<u8>,
    }
}

impl<R: AsyncBufRead> Split<R> {
    /// The next segment, or `None` at EOF. A last segment without a
    /// delimiter is returned too.
    ///
    /// # Cancel safety
    /// Cancel safe: a partial segment stays in this `Split`.
    pub async fn next_segment(&mut self) -> io::Result<Option<Vec<u8>>>
    where
        R: Unpin,
    {
        poll_fn(|cx| Pin::new(&mut *self).poll_next_segment(cx)).await
    }

    /// Polls for the next segment, as
    /// [`next_segment`](Split::next_segment).
    pub fn poll_next_segment(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<Option<Vec<u8>>>> {
        let me = self.project();
        ready!(poll_read_until(me.reader, cx, *me.delim, me.buf))?;
        if me.buf.is_empty() {
            return Poll::Ready(Ok(None));
        }
        let mut segment = std::mem::take(me.buf);
        if segment.last() == Some(me.delim) {
            segment.pop();
        }
        Poll::Ready(Ok(Some(segment)))
    }
}
