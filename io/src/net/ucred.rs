//! [`UCred`]: who is at the other end of a Unix socket.

/// A process id, as tokio's `net::unix::pid_t`.
#[allow(non_camel_case_types)]
pub type pid_t = libc::pid_t;
/// A user id, as tokio's `net::unix::uid_t`.
#[allow(non_camel_case_types)]
pub type uid_t = libc::uid_t;
/// A group id, as tokio's `net::unix::gid_t`.
#[allow(non_camel_case_types)]
pub type gid_t = libc::gid_t;

/// The credentials of the peer of a [`UnixStream`](crate::net::UnixStream),
/// from [`peer_cred`](crate::net::UnixStream::peer_cred): those of the
/// process that connected (or created the pair), taken at that moment.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # let _guard = rt.enter();
/// let (a, _b) = runtime::net::UnixStream::pair()?;
/// let cred = a.peer_cred()?;
/// // This process made both ends.
/// assert_eq!(cred.pid(), Some(std::process::id() as runtime::net::unix::pid_t));
/// # std::io::Result::Ok(())
/// ```
#[derive(Copy, Clone, Eq, PartialEq, Hash, Debug)]
pub struct UCred {
    pub(crate) pid: Option<pid_t>,
    pub(crate) uid: uid_t,
    pub(crate) gid: gid_t,
}

impl UCred {
    /// The peer's effective user id.
    pub fn uid(&self) -> uid_t {
        self.uid
    }

    /// The peer's effective group id.
    pub fn gid(&self) -> gid_t {
        self.gid
    }

    /// The peer's process id, where the OS reports one.
    pub fn pid(&self) -> Option<pid_t> {
        self.pid
    }
}
