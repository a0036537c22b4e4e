//! Receiving into a `Vec<u8>`'s spare capacity: this crate's stand-in for
//! the `BufMut` methods of tokio (`try_read_buf`, `recv_buf`, ...), which
//! would need the `bytes` crate.
//!
//! As `bytes`' `BufMut for Vec<u8>`: the bytes go after `len()`, into the
//! capacity already reserved, without initializing it first; a `Vec` with
//! no spare capacity first grows by [`GROW`] bytes, so a receive always
//! has room. Reserve more beforehand (`Vec::with_capacity`, `reserve`) to
//! take more in one call: a datagram longer than the spare capacity is
//! truncated, as with any buffer.

use std::io;
use std::mem::MaybeUninit;

/// How much a full `Vec` grows by before a receive: what `bytes` does.
pub(crate) const GROW: usize = 64;

/// Receives into the spare capacity of `buf` with `recv`, growing it first
/// if it has none, and extends its length by the `n` bytes `recv` says it
/// received. Returns `recv`'s result.
///
/// # Safety
///
/// `recv` may return `Ok((n, _))` only once it has initialized the first
/// `n` bytes of the slice it is given (which socket2's receive calls
/// promise: they pass the slice to the syscall, which reports how much it
/// wrote).
pub(crate) unsafe fn recv_into_spare<R>(
    buf: &mut Vec<u8>,
    recv: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)> {
    if buf.capacity() == buf.len() {
        buf.reserve(GROW);
    }
    let spare = buf.spare_capacity_mut();
    let room = spare.len();
    let (n, extra) = recv(spare)?;
    debug_assert!(n <= room, "received more than the room given");
    // SAFETY: `recv` initialized the first `n` bytes after `len()` (this
    // function's contract), and they are within the capacity (`n <= room`,
    // as a syscall never reports more than the length it was given).
    unsafe { buf.set_len(buf.len() + n.min(room)) };
    Ok((n.min(room), extra))
}

/// Receives into the spare capacity of `buf` with `recv`, a safe function
/// over a `&mut [u8]`: for std's calls that have no uninitialized
/// variant. The spare capacity is zeroed first, which costs a `memset` of
/// it per call.
pub(crate) fn recv_into_zeroed<R>(
    buf: &mut Vec<u8>,
    recv: impl FnOnce(&mut [u8]) -> io::Result<(usize, R)>,
) -> io::Result<(usize, R)> {
    if buf.capacity() == buf.len() {
        buf.reserve(GROW);
    }
    let len = buf.len();
    buf.resize(buf.capacity(), 0);
    let result = recv(&mut buf[len..]);
    let n = match &result {
        Ok((n, _)) => (*n).min(buf.len() - len),
        Err(_) => 0,
    };
    buf.truncate(len + n);
    result.map(|(_, extra)| (n, extra))
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn fill(src: &[u8]) -> impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, ())> + '_ {
        move |spare| {
            let n = src.len().min(spare.len());
            for (dst, &b) in spare.iter_mut().zip(&src[..n]) {
                dst.write(b);
            }
            Ok((n, ()))
        }
    }

    #[test]
    fn appends_after_the_length_and_grows_a_full_vec() {
        let mut buf = Vec::with_capacity(4);
        buf.extend_from_slice(b"ab");
        // SAFETY: `fill` initializes what it reports.
        let (n, ()) = unsafe { recv_into_spare(&mut buf, fill(b"cdef")) }.unwrap();
        assert_eq!((n, &buf[..]), (2, &b"abcd"[..]), "only the spare room");
        // Full now: it grows by GROW and takes the rest.
        // SAFETY: as above.
        let (n, ()) = unsafe { recv_into_spare(&mut buf, fill(b"ef")) }.unwrap();
        assert_eq!((n, &buf[..]), (2, &b"abcdef"[..]));
        assert!(buf.capacity() >= 4 + GROW);
    }

    #[test]
    fn an_error_leaves_the_vec_as_it_was() {
        let mut buf = b"xy".to_vec();
        // SAFETY: the closure initializes nothing and reports nothing.
        let err = unsafe {
            recv_into_spare(&mut buf, |_| -> io::Result<(usize, ())> {
                Err(io::ErrorKind::WouldBlock.into())
            })
        }
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(buf, b"xy");
        let err = recv_into_zeroed(&mut buf, |_| -> io::Result<(usize, ())> {
            Err(io::ErrorKind::WouldBlock.into())
        })
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(buf, b"xy");
    }

    #[test]
    fn zeroed_appends_what_was_received() {
        let mut buf = b"ab".to_vec();
        let (n, ()) = recv_into_zeroed(&mut buf, |dst| {
            dst[..3].copy_from_slice(b"cde");
            Ok((3, ()))
        })
        .unwrap();
        assert_eq!((n, &buf[..]), (3, &b"abcde"[..]));
    }
}
