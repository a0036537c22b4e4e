//! [`Buf`]: a [`File`](super::File)'s one buffer, holding either bytes
//! read ahead (not yet handed to the caller) or bytes to write.
//!
//! The vector is kept initialised up to its largest use, so a read into it
//! zeroes only memory it never used before, not 2 MiB per read.

use std::fs::File as StdFile;
use std::io::{self, IoSlice, Read, Write};

/// The live bytes are `data[pos..end]`; `data[end..]` is spare,
/// initialised room.
#[derive(Debug, Default)]
pub(super) struct Buf {
    data: Vec<u8>,
    pos: usize,
    end: usize,
}

impl Buf {
    pub(super) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    /// How many live bytes there are.
    pub(super) fn len(&self) -> usize {
        self.end - self.pos
    }

    /// Forgets the live bytes, keeping the memory.
    pub(super) fn clear(&mut self) {
        self.pos = 0;
        self.end = 0;
    }

    /// Makes `data[..len]` usable room (the buffer must be empty).
    fn room(&mut self, len: usize) -> &mut [u8] {
        debug_assert!(self.is_empty());
        if self.data.len() < len {
            self.data.resize(len, 0);
        }
        &mut self.data[..len]
    }

    /// Copies live bytes out, as many as fit in `dst`.
    pub(super) fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.end - self.pos);
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.clear();
        }
        n
    }

    /// Drops the bytes read ahead, returning the seek that brings the OS
    /// cursor back to where the caller has read up to (`<= 0`).
    pub(super) fn discard_read(&mut self) -> i64 {
        // A `Vec`'s length is at most `isize::MAX`, which fits in an i64.
        let back = -(self.len() as i64);
        self.clear();
        back
    }

    /// Takes up to `max` bytes of `src` to write (the buffer must be
    /// empty); returns how many.
    pub(super) fn copy_from(&mut self, src: &[u8], max: usize) -> usize {
        let n = src.len().min(max);
        self.room(n).copy_from_slice(&src[..n]);
        self.end = n;
        n
    }

    /// Takes up to `max` bytes from the slices, in order, to write (the
    /// buffer must be empty); returns how many.
    pub(super) fn copy_from_bufs(&mut self, bufs: &[IoSlice<'_>], max: usize) -> usize {
        let total = bufs.iter().map(|b| b.len()).fold(0, usize::saturating_add);
        let room = self.room(total.min(max));
        let mut n = 0;
        for buf in bufs {
            let take = buf.len().min(room.len() - n);
            room[n..n + take].copy_from_slice(&buf[..take]);
            n += take;
            if n == room.len() {
                break;
            }
        }
        self.end = n;
        n
    }

    /// One read of up to `max` bytes from `file` into the empty buffer
    /// (on the blocking pool); retried on `Interrupted`.
    pub(super) fn read_from(&mut self, mut file: &StdFile, max: usize) -> io::Result<usize> {
        let room = self.room(max);
        let result = loop {
            match file.read(room) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => break result,
            }
        };
        self.pos = 0;
        self.end = *result.as_ref().unwrap_or(&0);
        result
    }

    /// Writes every live byte to `file` and empties the buffer, whatever
    /// the outcome (on the blocking pool).
    pub(super) fn write_to(&mut self, mut file: &StdFile) -> io::Result<()> {
        let result = file.write_all(&self.data[self.pos..self.end]);
        self.clear();
        result
    }
}

#[cfg(all(test, not(loom)))]
mod test {
    use super::Buf;
    use std::io::IoSlice;

    #[test]
    fn copies_in_and_out_in_pieces() {
        let mut buf = Buf::default();
        assert_eq!(buf.copy_from(b"abcdef", 4), 4);
        let mut out = [0; 3];
        assert_eq!(buf.copy_to(&mut out), 3);
        assert_eq!(&out, b"abc");
        assert_eq!(buf.discard_read(), -1);
        assert!(buf.is_empty());
        assert_eq!(buf.copy_to(&mut out), 0);
    }

    #[test]
    fn vectored_copy_stops_at_max() {
        let mut buf = Buf::default();
        let bufs = [
            IoSlice::new(b"ab"),
            IoSlice::new(b""),
            IoSlice::new(b"cdef"),
        ];
        assert_eq!(buf.copy_from_bufs(&bufs, 5), 5);
        let mut out = [0; 8];
        assert_eq!(buf.copy_to(&mut out), 5);
        assert_eq!(&out[..5], b"abcde");
    }
}
