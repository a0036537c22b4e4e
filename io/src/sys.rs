//! The few calls to the OS that neither std, socket2 nor polling make for
//! us: each a small safe function around one `libc` call.

use crate::ready::Ready;
use std::os::fd::RawFd;

/// `POLLRDHUP` where the OS has it (Linux, Android): the peer shut its
/// write side down. Elsewhere only a full hang-up is seen.
#[cfg(any(target_os = "linux", target_os = "android"))]
const POLLRDHUP: libc::c_short = libc::POLLRDHUP;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const POLLRDHUP: libc::c_short = 0;

/// The closed states `fd` is in now, asked with a `poll(2)` that does not
/// wait: `READ_CLOSED` on `POLLRDHUP` (the peer's half-close) or `POLLHUP`,
/// and `WRITE_CLOSED` too on `POLLHUP`. Empty if the call fails: nothing is
/// learnt, and the next operation on the fd reports the error.
pub(crate) fn closed_states(fd: RawFd) -> Ready {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLIN | POLLRDHUP,
        revents: 0,
    };
    // SAFETY: `pfd` is one initialized `pollfd`, borrowed mutably for the
    // call, and the count says one; a zero timeout returns at once. An fd
    // that is not open is reported in `revents` (`POLLNVAL`), not UB.
    let n = unsafe { libc::poll(&mut pfd, 1, 0) };
    if n <= 0 {
        return Ready::EMPTY;
    }
    let mut closed = Ready::EMPTY;
    if pfd.revents & (POLLRDHUP | libc::POLLHUP) != 0 {
        closed |= Ready::READ_CLOSED;
    }
    if pfd.revents & libc::POLLHUP != 0 {
        closed |= Ready::WRITE_CLOSED;
    }
    closed
}

/// The credentials of the process at the other end of the Unix socket
/// `fd`, as `(pid, uid, gid)`: `SO_PEERCRED`, as they were when the
/// connection was made (or the pair created).
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_cred(fd: RawFd) -> std::io::Result<(libc::pid_t, libc::uid_t, libc::gid_t)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes for the call, and `len`
    // says how big `cred` is; the kernel writes at most that much.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    if len as usize != std::mem::size_of::<libc::ucred>() {
        return Err(std::io::Error::other("SO_PEERCRED returned a short ucred"));
    }
    Ok((cred.pid, cred.uid, cred.gid))
}

/// Elsewhere: not done here yet.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_cred(_fd: RawFd) -> std::io::Result<(libc::pid_t, libc::uid_t, libc::gid_t)> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "peer credentials are only read on Linux and Android",
    ))
}
