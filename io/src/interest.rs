//! [`Interest`]: which readiness an operation waits for, as tokio's.

use crate::ready::{self, Ready};
use std::fmt;
use std::ops;

const READABLE: u8 = 1 << 0;
const WRITABLE: u8 = 1 << 1;
const PRIORITY: u8 = 1 << 4;
const ERROR: u8 = 1 << 5;

/// The readiness to wait for, as tokio's `io::Interest`: given to
/// [`ready`](crate::net::TcpStream::ready), `try_io`, `async_io` and
/// [`AsyncFd::with_interest`](crate::AsyncFd::with_interest).
///
/// Never empty: combine with `|` or [`add`](Self::add);
/// [`remove`](Self::remove) returns `None` rather than an empty interest.
/// Each interest is satisfied by these [`Ready`] states:
///
/// | interest | satisfied by |
/// |---|---|
/// | `READABLE` | `READABLE`, `READ_CLOSED` |
/// | `WRITABLE` | `WRITABLE`, `WRITE_CLOSED` |
/// | `PRIORITY` | `PRIORITY`, `READ_CLOSED` |
/// | `ERROR` | `ERROR` |
///
/// ```
/// use runtime::io::Interest;
///
/// let both = Interest::READABLE | Interest::WRITABLE;
/// assert!(both.is_readable() && both.is_writable());
/// assert_eq!(both.remove(Interest::WRITABLE), Some(Interest::READABLE));
/// assert_eq!(Interest::READABLE.remove(Interest::READABLE), None);
/// assert_eq!(format!("{both:?}"), "READABLE | WRITABLE");
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Interest(u8);

impl Interest {
    /// Interest in reading.
    pub const READABLE: Interest = Interest(READABLE);

    /// Interest in writing.
    pub const WRITABLE: Interest = Interest(WRITABLE);

    /// Interest in error conditions (`EPOLLERR`). epoll reports them
    /// whether asked or not; what raises one depends on the fd and the OS.
    pub const ERROR: Interest = Interest(ERROR);

    /// Interest in priority (out-of-band) data: `EPOLLPRI`, for example TCP
    /// urgent data.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const PRIORITY: Interest = Interest(PRIORITY);

    /// Whether it includes [`READABLE`](Self::READABLE).
    pub const fn is_readable(self) -> bool {
        self.0 & READABLE != 0
    }

    /// Whether it includes [`WRITABLE`](Self::WRITABLE).
    pub const fn is_writable(self) -> bool {
        self.0 & WRITABLE != 0
    }

    /// Whether it includes [`ERROR`](Self::ERROR).
    pub const fn is_error(self) -> bool {
        self.0 & ERROR != 0
    }

    /// Whether it includes [`PRIORITY`](Self::PRIORITY).
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub const fn is_priority(self) -> bool {
        self.0 & PRIORITY != 0
    }

    /// The interest in both `self` and `other`; the same as `self | other`.
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub const fn add(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// `self` without `other`, or `None` if nothing is left.
    #[must_use = "this returns the result of the operation, without modifying the original"]
    pub fn remove(self, other: Interest) -> Option<Interest> {
        let left = self.0 & !other.0;
        (left != 0).then_some(Interest(left))
    }

    /// The [`Ready`] states that satisfy this interest (the table above).
    pub(crate) fn mask(self) -> Ready {
        let mut bits = 0;
        if self.0 & READABLE != 0 {
            bits |= ready::READABLE | ready::READ_CLOSED;
        }
        if self.0 & WRITABLE != 0 {
            bits |= ready::WRITABLE | ready::WRITE_CLOSED;
        }
        if self.0 & PRIORITY != 0 {
            bits |= ready::PRIORITY | ready::READ_CLOSED;
        }
        if self.0 & ERROR != 0 {
            bits |= ready::ERROR;
        }
        Ready::from_bit(bits)
    }

    /// Whether registering for it needs the poller's read interest: reads
    /// and priority data come through `EPOLLIN`/`EPOLLPRI`, which polling
    /// asks for together.
    pub(crate) fn wants_read_events(self) -> bool {
        self.0 & (READABLE | PRIORITY) != 0
    }

    /// What a registration for `self` can report: read events bring
    /// priority data and the other way round (polling asks epoll for both
    /// together), and errors come whatever was asked.
    pub(crate) fn reportable(self) -> Interest {
        let mut bits = ERROR;
        if self.wants_read_events() {
            bits |= READABLE | PRIORITY;
        }
        if self.is_writable() {
            bits |= WRITABLE;
        }
        Interest(bits)
    }

    /// Whether `self` and `other` have an interest in common.
    pub(crate) fn intersects(self, other: Interest) -> bool {
        self.0 & other.0 != 0
    }
}

impl ops::BitOr for Interest {
    type Output = Interest;

    fn bitor(self, other: Interest) -> Interest {
        self.add(other)
    }
}

impl ops::BitOrAssign for Interest {
    fn bitor_assign(&mut self, other: Interest) {
        *self = self.add(other);
    }
}

impl fmt::Debug for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (READABLE, "READABLE"),
            (WRITABLE, "WRITABLE"),
            (PRIORITY, "PRIORITY"),
            (ERROR, "ERROR"),
        ];
        let mut first = true;
        for (bit, name) in names {
            if self.0 & bit != 0 {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn masks_as_the_table_says() {
        assert_eq!(
            Interest::READABLE.mask(),
            Ready::READABLE | Ready::READ_CLOSED
        );
        assert_eq!(
            Interest::WRITABLE.mask(),
            Ready::WRITABLE | Ready::WRITE_CLOSED
        );
        assert_eq!(Interest::ERROR.mask(), Ready::ERROR);
        #[cfg(any(target_os = "linux", target_os = "android"))]
        assert_eq!(
            Interest::PRIORITY.mask(),
            Ready::PRIORITY | Ready::READ_CLOSED
        );
        assert_eq!(
            (Interest::READABLE | Interest::ERROR).mask(),
            Ready::READABLE | Ready::READ_CLOSED | Ready::ERROR
        );
    }

    #[test]
    fn add_remove_and_predicates() {
        let mut i = Interest::READABLE;
        i |= Interest::ERROR;
        assert!(i.is_readable() && i.is_error() && !i.is_writable());
        assert_eq!(i.remove(Interest::ERROR), Some(Interest::READABLE));
        assert_eq!(i.remove(i), None);
        assert_eq!(i.remove(Interest::WRITABLE), Some(i));
        assert_eq!(
            Interest::WRITABLE.add(Interest::READABLE),
            Interest::READABLE | Interest::WRITABLE
        );
        assert!(i.wants_read_events());
        assert!(!Interest::ERROR.wants_read_events());
        let reads = Interest::READABLE.reportable();
        assert!(reads.is_readable() && reads.is_error() && !reads.is_writable());
        assert!(!Interest::ERROR.reportable().intersects(Interest::WRITABLE));
        assert_eq!(format!("{i:?}"), "READABLE | ERROR");
    }
}
