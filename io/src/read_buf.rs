//! [`ReadBuf`]: a byte buffer filled from the front, whose tail may be
//! uninitialized memory; tokio's type, with tokio's methods.
//!
//! # Invariant
//!
//! `filled <= initialized <= buf.len()`, and the first `initialized`
//! bytes of `buf` hold initialized `u8`s. Every `unsafe` block below
//! relies on it or restores it, and says which.

use std::fmt;
use std::mem::MaybeUninit;

/// A buffer that a read fills from the front: the filled part, then bytes
/// that are initialized but not filled, then bytes that may never have
/// been written.
///
/// ```text
/// [ filled       | unfilled                       ]
/// [ initialized               | maybe uninit      ]
/// ```
///
/// The futures-io traits read into `&mut [u8]`, so this crate's readers do
/// not take a `ReadBuf`; it is the buffer of
/// `AsyncReadExt::read_buf` (which initializes what a read needs once, and
/// remembers it) and of the places tokio's API names it.
///
/// ```
/// use runtime::io::ReadBuf;
///
/// let mut storage = [0u8; 8];
/// let mut buf = ReadBuf::new(&mut storage);
/// buf.put_slice(b"abc");
/// assert_eq!(buf.filled(), b"abc");
/// assert_eq!(buf.remaining(), 5);
/// buf.initialize_unfilled_to(2).copy_from_slice(b"de");
/// buf.advance(2);
/// assert_eq!(buf.filled(), b"abcde");
/// ```
pub struct ReadBuf<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    filled: usize,
    initialized: usize,
}

impl<'a> ReadBuf<'a> {
    /// A `ReadBuf` over initialized memory: all of it counts as
    /// initialized, none of it as filled.
    pub fn new(buf: &'a mut [u8]) -> ReadBuf<'a> {
        let initialized = buf.len();
        // SAFETY: `u8` and `MaybeUninit<u8>` have the same layout. The
        // slice is initialized and, as `initialized` says so, this type
        // never writes uninitialized bytes into it (the invariant).
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        ReadBuf {
            buf,
            filled: 0,
            initialized,
        }
    }

    /// A `ReadBuf` over memory that may be uninitialized: none of it counts
    /// as initialized. If some is, say so with
    /// [`assume_init`](Self::assume_init).
    pub fn uninit(buf: &'a mut [MaybeUninit<u8>]) -> ReadBuf<'a> {
        ReadBuf {
            buf,
            filled: 0,
            initialized: 0,
        }
    }

    /// The length of the whole buffer.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }

    /// The filled part.
    pub fn filled(&self) -> &[u8] {
        // SAFETY: `filled <= initialized` (the invariant).
        unsafe { assume_init(&self.buf[..self.filled]) }
    }

    /// The filled part, mutably.
    pub fn filled_mut(&mut self) -> &mut [u8] {
        // SAFETY: `filled <= initialized` (the invariant).
        unsafe { assume_init_mut(&mut self.buf[..self.filled]) }
    }

    /// The initialized part, the filled part included.
    pub fn initialized(&self) -> &[u8] {
        // SAFETY: the invariant.
        unsafe { assume_init(&self.buf[..self.initialized]) }
    }

    /// The initialized part, the filled part included, mutably.
    pub fn initialized_mut(&mut self) -> &mut [u8] {
        // SAFETY: the invariant.
        unsafe { assume_init_mut(&mut self.buf[..self.initialized]) }
    }

    /// A new `ReadBuf` over the first `n` unfilled bytes (fewer if fewer
    /// remain). What is filled in it does not advance `self`: call
    /// [`advance`](Self::advance) (and, for bytes it initialized,
    /// [`assume_init`](Self::assume_init)) afterwards.
    pub fn take(&mut self, n: usize) -> ReadBuf<'_> {
        let end = self.filled + n.min(self.remaining());
        ReadBuf {
            buf: &mut self.buf[self.filled..end],
            filled: 0,
            // The bytes this buffer knows are initialized stay so.
            initialized: self.initialized.clamp(self.filled, end) - self.filled,
        }
    }

    /// The whole buffer, initialized or not.
    ///
    /// # Safety
    /// The caller must not write uninitialized bytes (`MaybeUninit::uninit()`)
    /// anywhere in it: bytes this buffer counts as initialized must stay so.
    pub unsafe fn inner_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        self.buf
    }

    /// The unfilled part, initialized or not.
    ///
    /// # Safety
    /// As [`inner_mut`](Self::inner_mut): no uninitialized byte may be
    /// written into it.
    pub unsafe fn unfilled_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        &mut self.buf[self.filled..]
    }

    /// The unfilled part, zeroing what was not initialized yet (only the
    /// first call pays for that).
    pub fn initialize_unfilled(&mut self) -> &mut [u8] {
        self.initialize_unfilled_to(self.remaining())
    }

    /// The first `n` unfilled bytes, zeroing those not initialized yet.
    ///
    /// # Panics
    /// If fewer than `n` bytes remain.
    #[track_caller]
    pub fn initialize_unfilled_to(&mut self, n: usize) -> &mut [u8] {
        assert!(
            n <= self.remaining(),
            "initialize_unfilled_to({n}) with {} bytes remaining",
            self.remaining()
        );
        let end = self.filled + n;
        if self.initialized < end {
            self.buf[self.initialized..end].fill(MaybeUninit::new(0));
            self.initialized = end;
        }
        // SAFETY: `end <= initialized`, just made so.
        unsafe { assume_init_mut(&mut self.buf[self.filled..end]) }
    }

    /// How many bytes are not filled.
    pub fn remaining(&self) -> usize {
        self.capacity() - self.filled
    }

    /// Empties the filled part; the bytes stay initialized.
    pub fn clear(&mut self) {
        self.filled = 0;
    }

    /// Counts `n` more bytes as filled.
    ///
    /// # Panics
    /// If that would fill bytes that are not initialized.
    #[track_caller]
    pub fn advance(&mut self, n: usize) {
        let filled = self
            .filled
            .checked_add(n)
            .expect("ReadBuf::advance overflows");
        self.set_filled(filled);
    }

    /// Sets the length of the filled part; it may shrink.
    ///
    /// # Panics
    /// If `n` is past the initialized part.
    #[track_caller]
    pub fn set_filled(&mut self, n: usize) {
        assert!(
            n <= self.initialized,
            "set_filled({n}) past the {} initialized bytes",
            self.initialized
        );
        self.filled = n;
    }

    /// Counts the first `n` unfilled bytes as initialized (a smaller count
    /// than what is already known changes nothing).
    ///
    /// # Safety
    /// Those `n` bytes must have been initialized, and `n` must not exceed
    /// [`remaining`](Self::remaining).
    pub unsafe fn assume_init(&mut self, n: usize) {
        let end = self.filled + n;
        debug_assert!(end <= self.capacity());
        self.initialized = self.initialized.max(end);
    }

    /// Appends `data` to the filled part.
    ///
    /// # Panics
    /// If `data` is longer than [`remaining`](Self::remaining).
    #[track_caller]
    pub fn put_slice(&mut self, data: &[u8]) {
        assert!(
            data.len() <= self.remaining(),
            "put_slice of {} bytes with {} remaining",
            data.len(),
            self.remaining()
        );
        let end = self.filled + data.len();
        for (slot, &byte) in self.buf[self.filled..end].iter_mut().zip(data) {
            *slot = MaybeUninit::new(byte);
        }
        self.initialized = self.initialized.max(end);
        self.filled = end;
    }
}

impl fmt::Debug for ReadBuf<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadBuf")
            .field("filled", &self.filled)
            .field("initialized", &self.initialized)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn assume_init(slice: &[MaybeUninit<u8>]) -> &[u8] {
    // SAFETY: same layout; the caller says the bytes are initialized.
    unsafe { &*(slice as *const [MaybeUninit<u8>] as *const [u8]) }
}

/// # Safety
/// Every byte of `slice` must be initialized.
unsafe fn assume_init_mut(slice: &mut [MaybeUninit<u8>]) -> &mut [u8] {
    // SAFETY: same layout; the caller says the bytes are initialized, and
    // a `&mut [u8]` can only write initialized bytes back.
    unsafe { &mut *(slice as *mut [MaybeUninit<u8>] as *mut [u8]) }
}

#[cfg(all(test, not(loom)))]
mod test {
    use super::*;

    #[test]
    fn uninit_grows_initialized_only_as_needed() {
        let mut storage = [MaybeUninit::uninit(); 16];
        let mut buf = ReadBuf::uninit(&mut storage);
        assert_eq!(buf.initialized().len(), 0);
        buf.initialize_unfilled_to(4).copy_from_slice(b"abcd");
        assert_eq!(buf.initialized(), b"abcd");
        assert_eq!(buf.filled(), b"");
        buf.advance(3);
        assert_eq!(buf.filled(), b"abc");
        buf.put_slice(b"XYZ");
        assert_eq!(buf.filled(), b"abcXYZ");
        assert_eq!(buf.initialized().len(), 6);
        buf.clear();
        assert_eq!(buf.filled(), b"");
        assert_eq!(buf.initialized().len(), 6);
        assert_eq!(buf.remaining(), 16);
    }

    #[test]
    fn take_keeps_what_is_initialized() {
        let mut storage = [0u8; 10];
        let mut buf = ReadBuf::new(&mut storage);
        buf.advance(4);
        let mut part = buf.take(100);
        assert_eq!(part.capacity(), 6);
        assert_eq!(part.initialized().len(), 6);
        part.put_slice(b"hi");
        assert_eq!(part.filled(), b"hi");
        buf.advance(2);
        assert_eq!(&buf.filled()[4..], b"hi");
    }

    #[test]
    #[should_panic(expected = "past the")]
    fn set_filled_past_initialized_panics() {
        let mut storage = [MaybeUninit::uninit(); 4];
        ReadBuf::uninit(&mut storage).set_filled(1);
    }

    #[test]
    #[should_panic(expected = "put_slice")]
    fn put_slice_past_the_end_panics() {
        let mut storage = [0u8; 2];
        ReadBuf::new(&mut storage).put_slice(b"abc");
    }
}
