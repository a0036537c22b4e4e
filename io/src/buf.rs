//! [`Buf`] and [`BufMut`]: the buffers tokio's `read_buf`, `write_buf` and
//! `write_all_buf` take, without the `bytes` crate.
//!
//! tokio takes `bytes::Buf` and `bytes::BufMut` there. These two traits
//! are the part of them those methods use, with the same method names, so
//! a `bytes` implementation maps onto them one to one; this crate
//! implements them for the std types tokio code passes most often
//! (`Vec<u8>`, `&[u8]`, `Cursor`, `VecDeque<u8>`) and for [`ReadBuf`].

use crate::ReadBuf;
use std::collections::VecDeque;
use std::io::Cursor;
use std::mem::MaybeUninit;

/// Bytes to write, consumed from the front: what `write_buf` and
/// `write_all_buf` take (tokio takes `bytes::Buf`).
///
/// ```
/// use runtime::io::buf::Buf;
///
/// let mut data: &[u8] = b"hello";
/// assert_eq!(data.chunk(), b"hello");
/// data.advance(2);
/// assert_eq!(data.remaining(), 3);
/// ```
pub trait Buf {
    /// How many bytes are left.
    fn remaining(&self) -> usize;

    /// The next bytes: a non-empty slice while any remain, and at most
    /// [`remaining`](Buf::remaining) long.
    fn chunk(&self) -> &[u8];

    /// Consumes `n` bytes from the front.
    ///
    /// # Panics
    /// If `n` is more than [`remaining`](Buf::remaining).
    fn advance(&mut self, n: usize);

    /// Whether any byte is left.
    fn has_remaining(&self) -> bool {
        self.remaining() > 0
    }
}

impl Buf for &[u8] {
    fn remaining(&self) -> usize {
        self.len()
    }

    fn chunk(&self) -> &[u8] {
        self
    }

    #[track_caller]
    fn advance(&mut self, n: usize) {
        *self = &self[n..];
    }
}

impl<T: AsRef<[u8]>> Buf for Cursor<T> {
    fn remaining(&self) -> usize {
        self.chunk().len()
    }

    fn chunk(&self) -> &[u8] {
        let data = self.get_ref().as_ref();
        let start = usize::try_from(self.position()).map_or(data.len(), |p| p.min(data.len()));
        &data[start..]
    }

    #[track_caller]
    fn advance(&mut self, n: usize) {
        assert!(n <= self.remaining(), "advance({n}) past the end");
        self.set_position(self.position() + n as u64);
    }
}

impl Buf for VecDeque<u8> {
    fn remaining(&self) -> usize {
        self.len()
    }

    fn chunk(&self) -> &[u8] {
        let (front, back) = self.as_slices();
        if front.is_empty() {
            back
        } else {
            front
        }
    }

    #[track_caller]
    fn advance(&mut self, n: usize) {
        assert!(n <= self.len(), "advance({n}) past the end");
        self.drain(..n);
    }
}

impl<B: Buf + ?Sized> Buf for &mut B {
    fn remaining(&self) -> usize {
        (**self).remaining()
    }

    fn chunk(&self) -> &[u8] {
        (**self).chunk()
    }

    fn advance(&mut self, n: usize) {
        (**self).advance(n)
    }
}

/// Room to read into, filled from the front: what `read_buf` takes (tokio
/// takes `bytes::BufMut`).
///
/// A `Vec<u8>` reads into its spare capacity and grows its length (and
/// reserves 64 bytes first if it is full, as `bytes` does); a [`ReadBuf`]
/// reads into its unfilled part.
pub trait BufMut {
    /// How many more bytes can be put in (for a `Vec`, up to
    /// `isize::MAX` in all).
    fn remaining_mut(&self) -> usize;

    /// The room for the next bytes, which may be uninitialized; at most
    /// [`remaining_mut`](BufMut::remaining_mut) long, and not empty while
    /// any room remains (a `Vec` may grow here to make some).
    fn chunk_mut(&mut self) -> &mut [MaybeUninit<u8>];

    /// Counts the first `n` bytes of the last [`chunk_mut`](BufMut::chunk_mut)
    /// as written.
    ///
    /// # Safety
    /// Those `n` bytes must have been initialized, and `n` must be at most
    /// the length of that chunk.
    unsafe fn advance_mut(&mut self, n: usize);

    /// Whether any room remains.
    fn has_remaining_mut(&self) -> bool {
        self.remaining_mut() > 0
    }
}

impl BufMut for Vec<u8> {
    fn remaining_mut(&self) -> usize {
        isize::MAX as usize - self.len()
    }

    fn chunk_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        if self.capacity() == self.len() {
            self.reserve(64);
        }
        self.spare_capacity_mut()
    }

    unsafe fn advance_mut(&mut self, n: usize) {
        let len = self.len() + n;
        assert!(len <= self.capacity(), "advance_mut({n}) past the capacity");
        // SAFETY: the caller initialized the first `n` bytes of the spare
        // capacity, which is where `chunk_mut` pointed.
        unsafe { self.set_len(len) }
    }
}

impl BufMut for ReadBuf<'_> {
    fn remaining_mut(&self) -> usize {
        self.remaining()
    }

    fn chunk_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: `BufMut` callers may only initialize this memory (the
        // contract of `advance_mut`); nothing writes uninit bytes here.
        unsafe { self.unfilled_mut() }
    }

    unsafe fn advance_mut(&mut self, n: usize) {
        // SAFETY: the caller initialized these `n` unfilled bytes.
        unsafe { self.assume_init(n) };
        self.advance(n);
    }
}

impl<B: BufMut + ?Sized> BufMut for &mut B {
    fn remaining_mut(&self) -> usize {
        (**self).remaining_mut()
    }

    fn chunk_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        (**self).chunk_mut()
    }

    unsafe fn advance_mut(&mut self, n: usize) {
        // SAFETY: the caller's promise, passed on.
        unsafe { (**self).advance_mut(n) }
    }
}

#[cfg(all(test, not(loom)))]
mod test {
    use super::*;

    #[test]
    fn vec_deque_chunks_cover_both_halves() {
        let mut deque: VecDeque<u8> = VecDeque::with_capacity(4);
        deque.extend(b"xxab");
        deque.drain(..2);
        deque.extend(b"cd");
        let mut out = Vec::new();
        while deque.has_remaining() {
            let chunk = deque.chunk().to_vec();
            out.extend_from_slice(&chunk);
            deque.advance(chunk.len());
        }
        assert_eq!(out, b"abcd");
    }

    #[test]
    fn cursor_past_the_end_is_empty() {
        let mut cursor = Cursor::new(b"abc".to_vec());
        cursor.advance(1);
        assert_eq!(cursor.chunk(), b"bc");
        cursor.set_position(10);
        assert_eq!(cursor.remaining(), 0);
    }

    #[test]
    fn full_vec_makes_room() {
        let mut vec = Vec::new();
        let chunk = vec.chunk_mut();
        assert!(chunk.len() >= 64);
        chunk[0] = MaybeUninit::new(7);
        // SAFETY: one byte written just above.
        unsafe { vec.advance_mut(1) };
        assert_eq!(vec, [7]);
    }
}
