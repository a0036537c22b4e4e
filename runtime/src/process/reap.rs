//! Learning that a child exited, and reaping it: the [`Reaper`] of one
//! child, and the process-wide list of orphans. The rules cited here are
//! numbered in the module doc of `process/mod.rs`.

use crate::signal::unix::{signal, Signal, SignalKind};
use parking_lot::{const_mutex, Mutex};
use runtime_io::{AsyncFd, Interest};
use std::fmt;
use std::io;
use std::os::fd::OwnedFd;
use std::process::{Child as StdChild, ExitStatus};
use std::task::{ready, Context, Poll};

/// One unreaped child and what tells it when the child has exited.
///
/// Dropping a `Reaper` whose child has not been reaped puts the child's
/// pid on the orphan list (rule 4): it is never forgotten unreaped.
pub(super) struct Reaper {
    child: StdChild,
    watch: Watch,
}

/// How a [`Reaper`] hears of its child's exit (rule 1).
enum Watch {
    /// The child's pidfd, which becomes readable once the child has exited.
    Pidfd(AsyncFd<OwnedFd>),
    /// A `SIGCHLD` listener made after the child was spawned: every exit
    /// after it was made wakes it (the wake-up may be for another child).
    Sigchld(Signal),
}

/// Cleared once `pidfd_open` says it is not there (`ENOSYS`: a kernel
/// before 5.3) or not allowed (`EPERM`: a seccomp filter), so later spawns
/// go straight to `SIGCHLD` (rule 1).
#[cfg(target_os = "linux")]
static PIDFD_WORKS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

impl Reaper {
    /// Starts watching `child`, which must not have been waited for: its
    /// pidfd if the kernel gives one and `pidfd` allows it, else a
    /// `SIGCHLD` listener. The current thread must be in a runtime with IO
    /// (`Command::spawn` checked it).
    ///
    /// # Errors
    ///
    /// If neither watch can be set up; `child` is handed back with the
    /// cause.
    pub(super) fn new(child: StdChild, pidfd: bool) -> Result<Reaper, (StdChild, io::Error)> {
        match Watch::new(child.id(), pidfd) {
            Ok(watch) => Ok(Reaper { child, watch }),
            Err(e) => Err((child, e)),
        }
    }

    /// The child's pid.
    pub(super) fn id(&self) -> u32 {
        self.child.id()
    }

    /// Whether its exit is learned through a pidfd (for tests and `Debug`).
    pub(super) fn uses_pidfd(&self) -> bool {
        matches!(self.watch, Watch::Pidfd(_))
    }

    /// Sends `SIGKILL`; nothing if the child was reaped already. The pid
    /// cannot name another process: it stays ours until we reap it.
    pub(super) fn kill(&mut self) -> io::Result<()> {
        self.child.kill()
    }

    /// Reaps the child if it has exited, without waiting. Once this said
    /// `Some`, it says the same status again without a syscall (std keeps
    /// it).
    pub(super) fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        self.child.try_wait()
    }

    /// Waits for the child to exit, and reaps it (rule 2).
    pub(super) fn poll_wait(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        let status = ready!(self.poll_exit(cx));
        // Each exit seen is a moment to reap orphans too (rule 4).
        reap_orphans();
        Poll::Ready(status)
    }

    fn poll_exit(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<ExitStatus>> {
        loop {
            match &mut self.watch {
                Watch::Pidfd(fd) => match fd.poll_read_ready(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(mut guard)) => {
                        if let Some(status) = self.child.try_wait()? {
                            return Poll::Ready(Ok(status));
                        }
                        // A pidfd is readable only once the process has
                        // exited, so this is a stale event: wait for the
                        // next one.
                        guard.clear_ready();
                    }
                    // The pidfd's runtime has shut down: watch again from
                    // this thread's runtime, if it has IO (rule 3).
                    Poll::Ready(Err(e)) => match rewatch(self.child.id()) {
                        Some(watch) => self.watch = watch,
                        None => return Poll::Ready(Err(e)),
                    },
                },
                Watch::Sigchld(listener) => {
                    // Looked at after the listener was made, and after
                    // each wake-up: an exit between this look and the
                    // next poll is a delivery the listener sees.
                    if let Some(status) = self.child.try_wait()? {
                        return Poll::Ready(Ok(status));
                    }
                    // `recv` never ends with `None`.
                    let _delivery = ready!(listener.poll_recv(cx));
                }
            }
        }
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        orphan(&mut self.child);
    }
}

/// Lists `child` as an orphan unless it has been reaped (rule 4). An
/// error from `waitpid` means the pid is not ours to wait for any more
/// (someone reaped it behind our back): nothing to remember then.
pub(super) fn orphan(child: &mut StdChild) {
    if let Ok(None) = child.try_wait() {
        push_orphan(child.id());
    }
}

impl fmt::Debug for Reaper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reaper")
            .field("pid", &self.child.id())
            .field("pidfd", &self.uses_pidfd())
            .finish()
    }
}

impl Watch {
    /// The pidfd of `pid` on the current runtime's reactor, if allowed and
    /// possible; else a `SIGCHLD` listener there (rule 1).
    fn new(pid: u32, pidfd: bool) -> io::Result<Watch> {
        #[cfg(target_os = "linux")]
        if pidfd && PIDFD_WORKS.load(std::sync::atomic::Ordering::Relaxed) {
            match pidfd_open(pid) {
                // A reactor that refuses the pidfd is not expected; the
                // signal below still works then.
                Ok(fd) => {
                    if let Ok(fd) = AsyncFd::with_interest(fd, Interest::READABLE) {
                        return Ok(Watch::Pidfd(fd));
                    }
                }
                Err(e) if matches!(e.raw_os_error(), Some(libc::ENOSYS | libc::EPERM)) => {
                    // Relaxed: a flag that only saves later attempts; a
                    // thread that misses it tries once more and fails the
                    // same way.
                    PIDFD_WORKS.store(false, std::sync::atomic::Ordering::Relaxed);
                }
                // Out of fds, or of memory: this child gets the signal.
                Err(_) => {}
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (pid, pidfd);
        Ok(Watch::Sigchld(signal(SignalKind::child())?))
    }
}

/// A new watch for `pid` on this thread's runtime, if it is in one with
/// IO; `None` outside one (the caller then reports its own error).
fn rewatch(pid: u32) -> Option<Watch> {
    let handle = crate::runtime::Handle::try_current().ok()?;
    handle.inner.io.as_ref()?;
    // A runtime that is shutting down refuses new registrations: `None`
    // then as well, so the caller does not loop.
    Watch::new(pid, true).ok()
}

/// `pidfd_open(pid, 0)`: an fd for the process, readable once it exits.
#[cfg(target_os = "linux")]
fn pidfd_open(pid: u32) -> io::Result<OwnedFd> {
    use std::os::fd::{FromRawFd, RawFd};

    let pid =
        libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let flags: libc::c_uint = 0;
    // SAFETY: `pidfd_open` takes a pid and flags by value and touches no
    // memory of ours; it returns a new fd, or -1 with `errno` set.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, flags) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    let fd = RawFd::try_from(fd).map_err(|_| io::Error::other("pidfd_open returned no fd"))?;
    // SAFETY: the kernel just made `fd` (close-on-exec, as pidfd_open
    // always sets it) and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The pids of children whose `Reaper` was dropped before they were
/// reaped (rule 4).
static ORPHANS: Mutex<Vec<libc::pid_t>> = const_mutex(Vec::new());

fn push_orphan(pid: u32) {
    // A pid always fits: it came from the kernel as a `pid_t`.
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        ORPHANS.lock().push(pid);
    }
}

/// Reaps every orphan that has exited (rule 4).
pub(super) fn reap_orphans() {
    let mut orphans = ORPHANS.lock();
    if !orphans.is_empty() {
        orphans.retain(|&pid| !reap(pid));
    }
}

/// `waitpid(pid, WNOHANG)`: whether `pid` is done with (reaped now, or not
/// ours to wait for any more).
fn reap(pid: libc::pid_t) -> bool {
    let mut status: libc::c_int = 0;
    // SAFETY: `waitpid` writes the status into `status`, a live local, and
    // with `WNOHANG` returns at once. The pid is a child of ours that no
    // one has reaped (rule 4), so it names no other process.
    let reaped = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
    match reaped {
        0 => false,
        -1 => io::Error::last_os_error().raw_os_error() != Some(libc::EINTR),
        _ => true,
    }
}
