//! [`AsyncSeekExt`]: tokio's seek methods over `futures_io::AsyncSeek`.

use futures_io::AsyncSeek;
use pin_project_lite::pin_project;
use std::future::Future;
use std::io::{self, SeekFrom};
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// tokio's seek methods, for every [`AsyncSeek`]: `seek`, `rewind` and
/// `stream_position`.
///
/// ```
/// use runtime::io::{AsyncReadExt, AsyncSeekExt};
/// use std::io::SeekFrom;
/// // std's `Cursor` implements std's traits only; futures-util's is the
/// // futures-io one.
/// use futures_util::io::Cursor;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut cursor = Cursor::new(b"abcdef".to_vec());
/// assert_eq!(cursor.seek(SeekFrom::End(-2)).await?, 4);
/// assert_eq!(cursor.read_u8().await?, b'e');
/// assert_eq!(cursor.stream_position().await?, 5);
/// cursor.rewind().await?;
/// assert_eq!(cursor.read_u8().await?, b'a');
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub trait AsyncSeekExt: AsyncSeek {
    /// Seeks to `pos`, and returns the new position from the start.
    ///
    /// # Cancel safety
    /// Not cancel safe: the seek may or may not have happened.
    fn seek(&mut self, pos: SeekFrom) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        Seek {
            seeker: self,
            pos,
            _pin: PhantomPinned,
        }
    }

    /// Seeks to the start.
    fn rewind(&mut self) -> Rewind<'_, Self>
    where
        Self: Unpin,
    {
        Rewind {
            seek: self.seek(SeekFrom::Start(0)),
        }
    }

    /// The current position from the start (a seek by 0).
    fn stream_position(&mut self) -> Seek<'_, Self>
    where
        Self: Unpin,
    {
        self.seek(SeekFrom::Current(0))
    }
}

impl<S: AsyncSeek + ?Sized> AsyncSeekExt for S {}

pin_project! {
    /// The future of [`AsyncSeekExt::seek`] and
    /// [`AsyncSeekExt::stream_position`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Seek<'a, S: ?Sized> {
        seeker: &'a mut S,
        pos: SeekFrom,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Seek<'_, S> {
    type Output = io::Result<u64>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        let me = self.project();
        Pin::new(&mut **me.seeker).poll_seek(cx, *me.pos)
    }
}

pin_project! {
    /// The future of [`AsyncSeekExt::rewind`].
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Rewind<'a, S: ?Sized> {
        #[pin]
        seek: Seek<'a, S>,
    }
}

impl<S: AsyncSeek + Unpin + ?Sized> Future for Rewind<'_, S> {
    type Output = io::Result<()>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.project().seek.poll(cx))?;
        Poll::Ready(Ok(()))
    }
}
