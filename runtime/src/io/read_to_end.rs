//! `read_to_end` and `read_to_string`, with std's and tokio's guarantees
//! (futures-util's versions give neither of the first two):
//!
//! 1. A buffer with spare capacity for all of the data is not reallocated.
//!    When the data has filled the capacity the buffer came with, the next
//!    read goes to a small stack buffer, so a reader that is at EOF there
//!    costs no allocation.
//! 2. `read_to_string` leaves the string unchanged when the new data is not
//!    UTF-8, and truncates it back to its old length on an IO error.
//! 3. `read_to_end` keeps the bytes read before an error in the `Vec`.
//!
//! The futures-io traits read into initialized memory, so the spare
//! capacity must be zeroed before a read. Each byte is zeroed once: while a
//! read is under way the `Vec`'s length runs ahead of the data, over zeroed
//! room (the *scratch*), and the guards here ([`VecAppend`],
//! [`TextGuard`]) cut the scratch off when they are dropped, whether the
//! future completed or was cancelled.

use futures_io::AsyncRead;
use pin_project_lite::pin_project;
use std::future::Future;
use std::io;
use std::marker::PhantomPinned;
use std::mem;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The stack buffer of rule 1.
const PROBE_SIZE: usize = 32;

/// Reads until EOF into `vec`, whose data is `vec[..*filled]`; anything
/// after it is zeroed scratch (see the module doc). `start_cap` is the
/// capacity `vec` had before the first read (rule 1).
fn poll_read_to_end<R: AsyncRead + ?Sized>(
    mut reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    vec: &mut Vec<u8>,
    filled: &mut usize,
    start_cap: usize,
) -> Poll<io::Result<()>> {
    loop {
        if *filled == vec.capacity() && vec.capacity() == start_cap {
            // Full at the capacity the caller gave: probe before growing.
            let mut probe = [0u8; PROBE_SIZE];
            let n = ready!(reader.as_mut().poll_read(cx, &mut probe))?;
            if n == 0 {
                return Poll::Ready(Ok(()));
            }
            // `filled == capacity`, so there is no scratch to cut first.
            vec.extend_from_slice(&probe[..n]);
            *filled += n;
            continue;
        }
        if *filled == vec.len() {
            if vec.len() == vec.capacity() {
                // Grows by doubling, as std's read_to_end.
                vec.reserve(PROBE_SIZE);
            }
            let capacity = vec.capacity();
            vec.resize(capacity, 0);
        }
        let room = &mut vec[*filled..];
        let room_len = room.len();
        let n = ready!(reader.as_mut().poll_read(cx, room))?;
        assert!(
            n <= room_len,
            "poll_read returned {n} for a {room_len}-byte buffer"
        );
        if n == 0 {
            return Poll::Ready(Ok(()));
        }
        *filled += n;
    }
}

/// A `Vec` that a read appends to: cuts the scratch off when dropped.
#[derive(Debug)]
struct VecAppend<'a> {
    vec: &'a mut Vec<u8>,
    filled: usize,
    start_len: usize,
    start_cap: usize,
}

impl Drop for VecAppend<'_> {
    fn drop(&mut self) {
        self.vec.truncate(self.filled);
    }
}

pin_project! {
    /// The future of
    /// [`AsyncReadExt::read_to_end`](crate::io::AsyncReadExt::read_to_end).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToEnd<'a, R: ?Sized> {
        reader: &'a mut R,
        buf: VecAppend<'a>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, R: ?Sized> ReadToEnd<'a, R> {
    pub(super) fn new(reader: &'a mut R, vec: &'a mut Vec<u8>) -> Self {
        let buf = VecAppend {
            filled: vec.len(),
            start_len: vec.len(),
            start_cap: vec.capacity(),
            vec,
        };
        ReadToEnd {
            reader,
            buf,
            _pin: PhantomPinned,
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToEnd<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let buf = &mut *me.buf;
        let result = ready!(poll_read_to_end(
            Pin::new(&mut **me.reader),
            cx,
            buf.vec,
            &mut buf.filled,
            buf.start_cap,
        ));
        // Rule 3: on an error too, the data stays; only the scratch goes.
        buf.vec.truncate(buf.filled);
        let n = buf.filled - buf.start_len;
        // A second poll after completion reads on, from this length.
        buf.start_len = buf.filled;
        Poll::Ready(result.map(|()| n))
    }
}

/// A `String`'s bytes, taken out of it while a read appends to them.
/// `bytes[..filled]` is the old content and then the new data; anything
/// after `filled` is scratch. Dropped before [`finish`](Self::finish) (the
/// future was cancelled), it puts back the old content and the part of
/// the new data that is whole UTF-8 characters.
#[derive(Debug)]
pub(super) struct TextGuard<'a> {
    output: &'a mut String,
    pub(super) bytes: Vec<u8>,
    pub(super) filled: usize,
    old_len: usize,
    start_cap: usize,
    done: bool,
}

/// What to do with the new data on an IO error.
#[derive(Clone, Copy, Debug)]
pub(super) enum OnIoError {
    /// Drop it: `read_to_string` (rule 2).
    Truncate,
    /// Keep what is valid UTF-8: `read_line`, as tokio's.
    Keep,
}

impl<'a> TextGuard<'a> {
    pub(super) fn new(output: &'a mut String) -> Self {
        let bytes = mem::take(output).into_bytes();
        TextGuard {
            output,
            filled: bytes.len(),
            old_len: bytes.len(),
            start_cap: bytes.capacity(),
            bytes,
            done: false,
        }
    }

    /// Puts the bytes back into the string and says how many were
    /// appended. New data that is not UTF-8 is dropped with an
    /// `InvalidData` error (the string keeps its old content); an IO error
    /// drops or keeps it as `on_error` says.
    pub(super) fn finish(
        &mut self,
        result: io::Result<()>,
        on_error: OnIoError,
    ) -> io::Result<usize> {
        self.done = true;
        let mut bytes = mem::take(&mut self.bytes);
        bytes.truncate(self.filled);
        let valid = std::str::from_utf8(&bytes[self.old_len..]).map_err(|e| e.valid_up_to());
        let appended = bytes.len() - self.old_len;
        match (result, valid) {
            (Ok(()), Ok(_)) => {
                *self.output = into_string(bytes);
                Ok(appended)
            }
            (Ok(()), Err(_)) => {
                bytes.truncate(self.old_len);
                *self.output = into_string(bytes);
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "stream did not contain valid UTF-8",
                ))
            }
            (Err(err), valid) => {
                let keep = match (on_error, valid) {
                    (OnIoError::Truncate, _) | (OnIoError::Keep, Err(_)) => 0,
                    (OnIoError::Keep, Ok(_)) => appended,
                };
                bytes.truncate(self.old_len + keep);
                *self.output = into_string(bytes);
                Err(err)
            }
        }
    }
}

impl Drop for TextGuard<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut bytes = mem::take(&mut self.bytes);
        bytes.truncate(self.filled);
        let valid = match std::str::from_utf8(&bytes[self.old_len..]) {
            Ok(new) => new.len(),
            Err(e) => e.valid_up_to(),
        };
        bytes.truncate(self.old_len + valid);
        *self.output = into_string(bytes);
    }
}

/// `bytes`, checked to be UTF-8 by the caller.
fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("the old content and the checked new data are UTF-8")
}

pin_project! {
    /// The future of
    /// [`AsyncReadExt::read_to_string`](crate::io::AsyncReadExt::read_to_string).
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct ReadToString<'a, R: ?Sized> {
        reader: &'a mut R,
        text: TextGuard<'a>,
        #[pin]
        _pin: PhantomPinned,
    }
}

impl<'a, R: ?Sized> ReadToString<'a, R> {
    pub(super) fn new(reader: &'a mut R, output: &'a mut String) -> Self {
        ReadToString {
            reader,
            text: TextGuard::new(output),
            _pin: PhantomPinned,
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> Future for ReadToString<'_, R> {
    type Output = io::Result<usize>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let me = self.project();
        let text = &mut *me.text;
        assert!(!text.done, "ReadToString polled after completion");
        let result = ready!(poll_read_to_end(
            Pin::new(&mut **me.reader),
            cx,
            &mut text.bytes,
            &mut text.filled,
            text.start_cap,
        ));
        Poll::Ready(text.finish(result, OnIoError::Truncate))
    }
}
