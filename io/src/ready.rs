//! [`Ready`]: the readiness states of an IO resource, as tokio's.

use std::fmt;
use std::ops;

// The bit of each state; `registration.rs` keeps them in the low bits of
// its readiness word, so they must stay below bit 6.
pub(crate) const READABLE: u8 = 1 << 0;
pub(crate) const WRITABLE: u8 = 1 << 1;
pub(crate) const READ_CLOSED: u8 = 1 << 2;
pub(crate) const WRITE_CLOSED: u8 = 1 << 3;
pub(crate) const PRIORITY: u8 = 1 << 4;
pub(crate) const ERROR: u8 = 1 << 5;

/// A set of readiness states, as tokio's `io::Ready`: what
/// [`ready`](crate::net::TcpStream::ready) and an
/// [`AsyncFd`](crate::AsyncFd) guard's `ready` report.
///
/// Combine sets with `|`, intersect them with `&`, take one from another
/// with `-`. A closed state counts as its direction's readiness:
/// [`is_readable`](Self::is_readable) is true for a set holding only
/// [`READ_CLOSED`](Self::READ_CLOSED), because a read on a closed side
/// returns at once (end of file or an error).
///
/// ```
/// use runtime::io::Ready;
///
/// let ready = Ready::READABLE | Ready::WRITE_CLOSED;
/// assert!(ready.is_readable() && ready.is_writable());
/// assert!(ready.is_write_closed() && !ready.is_read_closed());
/// assert_eq!(ready - Ready::READABLE, Ready::WRITE_CLOSED);
/// assert!((ready & Ready::READ_CLOSED).is_empty());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ready(u8);

impl Ready {
    /// No state.
    pub const EMPTY: Ready = Ready(0);

    /// Readable: a read may not block.
    pub const READABLE: Ready = Ready(READABLE);

    /// Writable: a write may not block.
    pub const WRITABLE: Ready = Ready(WRITABLE);

    /// The read side is closed: the peer shut its write side down, or the
    /// connection is gone. Final: once seen, it stays.
    pub const READ_CLOSED: Ready = Ready(READ_CLOSED);

    /// The write side is closed: the connection hung up. Final: once seen,
    /// it stays.
    pub const WRITE_CLOSED: Ready = Ready(WRITE_CLOSED);

    /// Priority (out-of-band) data may be read: `EPOLLPRI`.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Ready = Ready(PRIORITY);

    /// The OS reported an error condition on the fd (`EPOLLERR`); the
    /// next operation, or `take_error`, says which.
    pub const ERROR: Ready = Ready(ERROR);

    /// Every state.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const ALL: Ready =
        Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | PRIORITY | ERROR);

    /// Every state.
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    pub const ALL: Ready = Ready(READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | ERROR);

    /// Whether the set holds no state.
    pub fn is_empty(self) -> bool {
        self == Ready::EMPTY
    }

    /// Whether it holds [`READABLE`](Self::READABLE) or
    /// [`READ_CLOSED`](Self::READ_CLOSED).
    pub fn is_readable(self) -> bool {
        self.0 & (READABLE | READ_CLOSED) != 0
    }

    /// Whether it holds [`WRITABLE`](Self::WRITABLE) or
    /// [`WRITE_CLOSED`](Self::WRITE_CLOSED).
    pub fn is_writable(self) -> bool {
        self.0 & (WRITABLE | WRITE_CLOSED) != 0
    }

    /// Whether it holds [`READ_CLOSED`](Self::READ_CLOSED).
    pub fn is_read_closed(self) -> bool {
        self.0 & READ_CLOSED != 0
    }

    /// Whether it holds [`WRITE_CLOSED`](Self::WRITE_CLOSED).
    pub fn is_write_closed(self) -> bool {
        self.0 & WRITE_CLOSED != 0
    }

    /// Whether it holds [`PRIORITY`](Self::PRIORITY).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// Whether it holds [`ERROR`](Self::ERROR).
    pub fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether every state of `other` is in `self`.
    pub(crate) fn contains(self, other: Ready) -> bool {
        self.0 & other.0 == other.0
    }

    /// The set of the state bits in `bits` (other bits are ignored).
    pub(crate) const fn from_bits(bits: u64) -> Ready {
        Ready((bits & Ready::ALL_BITS as u64) as u8)
    }

    /// The state bits.
    pub(crate) const fn bits(self) -> u64 {
        self.0 as u64
    }

    /// Every state bit, `PRIORITY` included on every OS: the reactor and
    /// the readiness word use it whether or not the public constant exists.
    const ALL_BITS: u8 = READABLE | WRITABLE | READ_CLOSED | WRITE_CLOSED | PRIORITY | ERROR;

    /// One state by its bit: for the crate's code that must not depend on
    /// the cfg of the public constants.
    pub(crate) const fn from_bit(bit: u8) -> Ready {
        Ready(bit & Ready::ALL_BITS)
    }
}

impl ops::BitOr for Ready {
    type Output = Ready;

    fn bitor(self, other: Ready) -> Ready {
        Ready(self.0 | other.0)
    }
}

impl ops::BitOrAssign for Ready {
    fn bitor_assign(&mut self, other: Ready) {
        self.0 |= other.0;
    }
}

impl ops::BitAnd for Ready {
    type Output = Ready;

    fn bitand(self, other: Ready) -> Ready {
        Ready(self.0 & other.0)
    }
}

impl ops::Sub for Ready {
    type Output = Ready;

    fn sub(self, other: Ready) -> Ready {
        Ready(self.0 & !other.0)
    }
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Ready");
        f.field("is_readable", &self.is_readable())
            .field("is_writable", &self.is_writable())
            .field("is_read_closed", &self.is_read_closed())
            .field("is_write_closed", &self.is_write_closed())
            .field("is_error", &self.is_error());
        #[cfg(any(target_os = "linux", target_os = "android"))]
        f.field("is_priority", &self.is_priority());
        f.finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn closed_states_count_as_their_direction() {
        assert!(Ready::READ_CLOSED.is_readable());
        assert!(!Ready::READ_CLOSED.is_writable());
        assert!(Ready::WRITE_CLOSED.is_writable());
        assert!(!Ready::WRITE_CLOSED.is_readable());
        assert!(!Ready::ERROR.is_readable() && !Ready::ERROR.is_writable());
    }

    #[test]
    fn set_operations() {
        let rw = Ready::READABLE | Ready::WRITABLE;
        assert_eq!(rw & Ready::WRITABLE, Ready::WRITABLE);
        assert_eq!(rw - Ready::WRITABLE, Ready::READABLE);
        assert!((rw - rw).is_empty());
        let mut all = Ready::EMPTY;
        for r in [
            Ready::READABLE,
            Ready::WRITABLE,
            Ready::READ_CLOSED,
            Ready::WRITE_CLOSED,
            Ready::ERROR,
        ] {
            all |= r;
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            all |= Ready::PRIORITY;
        }
        assert_eq!(all, Ready::ALL);
        assert!(Ready::ALL.contains(rw));
        assert!(!rw.contains(Ready::ALL));
    }

    #[test]
    fn from_bits_drops_what_is_not_a_state() {
        assert_eq!(
            Ready::from_bits(u64::MAX).bits(),
            u64::from(Ready::ALL_BITS)
        );
        assert_eq!(Ready::from_bits(1 << 6), Ready::EMPTY);
    }

    #[test]
    fn debug_names_each_state() {
        let s = format!("{:?}", Ready::READABLE | Ready::READ_CLOSED);
        assert!(s.contains("is_readable: true"), "{s}");
        assert!(s.contains("is_read_closed: true"), "{s}");
        assert!(s.contains("is_writable: false"), "{s}");
    }
}
