//! Unix signals: [`signal`] makes a [`Signal`] listener for one
//! [`SignalKind`], as tokio's `tokio::signal::unix`.
//!
//! How a delivery reaches every listener, and why none is lost, is in the
//! [module doc of `signal`](super#design).

use super::registry::{self, Listener};
use runtime_io::{AsyncFd, Interest};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::task::{Context, Poll};

/// A kind of signal to listen for: a signal number, as tokio's.
///
/// ```
/// use runtime::signal::unix::SignalKind;
///
/// assert_eq!(SignalKind::interrupt().as_raw_value(), libc::SIGINT);
/// assert_eq!(SignalKind::from_raw(libc::SIGHUP), SignalKind::hangup());
/// let raw: std::os::raw::c_int = SignalKind::terminate().into();
/// assert_eq!(raw, libc::SIGTERM);
/// ```
#[derive(Debug, Clone, Copy, Hash, PartialEq, Eq)]
pub struct SignalKind(c_int);

impl SignalKind {
    /// Any signal by number, for example a real-time one
    /// (`libc::SIGRTMIN() + 1` on Linux). Whether it can be listened for
    /// is decided by [`signal`].
    pub const fn from_raw(signum: c_int) -> SignalKind {
        SignalKind(signum)
    }

    /// The signal number.
    pub const fn as_raw_value(&self) -> c_int {
        self.0
    }

    /// `SIGALRM`: a real-time timer (`alarm`, `setitimer`) expired.
    /// Terminates the process by default.
    pub const fn alarm() -> SignalKind {
        SignalKind(libc::SIGALRM)
    }

    /// `SIGCHLD`: a child process stopped, resumed or exited. Ignored by
    /// default.
    pub const fn child() -> SignalKind {
        SignalKind(libc::SIGCHLD)
    }

    /// `SIGHUP`: the controlling terminal hung up; daemons often take it
    /// as "reload the configuration". Terminates the process by default.
    pub const fn hangup() -> SignalKind {
        SignalKind(libc::SIGHUP)
    }

    /// `SIGINT`: the interrupt key (Ctrl-C) on the terminal. Terminates
    /// the process by default; see also [`ctrl_c`](super::ctrl_c).
    pub const fn interrupt() -> SignalKind {
        SignalKind(libc::SIGINT)
    }

    /// `SIGIO`: IO is possible on an fd set up for it (`O_ASYNC`). Ignored
    /// by default on the BSDs and macOS; terminates the process on Linux.
    pub const fn io() -> SignalKind {
        SignalKind(libc::SIGIO)
    }

    /// `SIGPIPE`: a write to a pipe or socket with no reader. Terminates
    /// the process by default, but Rust programs start with it ignored
    /// (writes fail with `BrokenPipe` instead).
    pub const fn pipe() -> SignalKind {
        SignalKind(libc::SIGPIPE)
    }

    /// `SIGQUIT`: the quit key (Ctrl-\\) on the terminal. Terminates the
    /// process with a core dump by default.
    pub const fn quit() -> SignalKind {
        SignalKind(libc::SIGQUIT)
    }

    /// `SIGTERM`: a polite request to terminate (what `kill` sends).
    /// Terminates the process by default.
    pub const fn terminate() -> SignalKind {
        SignalKind(libc::SIGTERM)
    }

    /// `SIGUSR1`: for the application to define. Terminates the process
    /// by default.
    pub const fn user_defined1() -> SignalKind {
        SignalKind(libc::SIGUSR1)
    }

    /// `SIGUSR2`: for the application to define. Terminates the process
    /// by default.
    pub const fn user_defined2() -> SignalKind {
        SignalKind(libc::SIGUSR2)
    }

    /// `SIGWINCH`: the terminal window changed size. Ignored by default.
    pub const fn window_change() -> SignalKind {
        SignalKind(libc::SIGWINCH)
    }
}

impl From<c_int> for SignalKind {
    fn from(signum: c_int) -> SignalKind {
        SignalKind::from_raw(signum)
    }
}

impl From<SignalKind> for c_int {
    fn from(kind: SignalKind) -> c_int {
        kind.as_raw_value()
    }
}

/// A listener for one kind of signal, made by [`signal`]; as tokio's.
///
/// [`recv`](Signal::recv) completes once per wake-up, and each wake-up
/// stands for **at least one** delivery: deliveries that arrive while the
/// listener is not waiting are coalesced into one (the OS coalesces
/// pending signals of a kind, too). A delivery that arrives after
/// `signal()` returned is never lost, even if the listener was not being
/// polled at that moment; one that arrived before `signal()` is not seen.
/// Every listener of a kind sees each delivery, whatever runtime it is in.
///
/// ```
/// use runtime::signal::unix::{signal, SignalKind};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let mut hangup = signal(SignalKind::hangup())?;
/// // SAFETY: `raise` has no preconditions; `signal` installed the
/// // handler, so SIGHUP no longer terminates the process.
/// unsafe { libc::raise(libc::SIGHUP) };
/// assert_eq!(hangup.recv().await, Some(()));
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// # Caveats
///
/// The first listener of a kind installs a process-wide handler for it,
/// which stays for the rest of the process, as tokio's: from then on the
/// signal's default action (often terminating the process) no longer
/// happens, even after every listener is dropped; a delivery with no
/// listener is dropped. A handler some other library installed earlier is
/// still called (signal-hook-registry chains to it).
///
/// Dropping a `Signal` removes it from the registry and closes its fd.
///
/// # Differences from tokio
///
/// - Each listener registers its own fd (a `dup` of the wake-up socket)
///   with the reactor of the runtime it was created in, where tokio's
///   signal driver owns one per runtime.
/// - Once that runtime has shut down, a listener no longer wakes by
///   itself; it is still woken when a listener (of any kind) in a live
///   runtime takes the delivery in (rule 2 of the design), and sees it
///   when next polled. In tokio every runtime's signal driver takes
///   deliveries in, listeners or not.
#[must_use = "a `Signal` does nothing unless `recv` is awaited"]
pub struct Signal {
    kind: SignalKind,
    listener: Listener,
    /// This listener's own fd for the wake-up socket, on the reactor of
    /// the runtime `signal()` ran in; `None` once that reactor is gone.
    fd: Option<AsyncFd<UnixStream>>,
}

/// Listens for signals of `kind`, as tokio's `signal`.
///
/// The first call for a kind installs its process-wide handler (see
/// [`Signal`]'s caveats). Any number of listeners of one kind may exist,
/// in any number of runtimes; each delivery wakes them all.
///
/// # Errors
///
/// - For a number that is not a signal (`0` or less), and for the signals
///   that cannot or must not be handled: `SIGKILL` and `SIGSTOP` (the OS
///   does not let them be caught), and `SIGILL`, `SIGFPE` and `SIGSEGV`
///   (signal-hook-registry's `FORBIDDEN` list: faults, which a handler
///   that returns would re-raise forever). The kind is `Other`, as tokio's.
/// - If the OS refuses to install the handler (a number it does not know,
///   `EINVAL`), or to create the wake-up socket or its fd. Unlike tokio, a
///   failed installation is not remembered: the next call tries again.
///
/// ```
/// use runtime::signal::unix::{signal, SignalKind};
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let err = signal(SignalKind::from_raw(libc::SIGKILL)).unwrap_err();
/// assert!(err.to_string().contains("SIGKILL"), "{err}");
/// # });
/// ```
///
/// # Panics
///
/// Outside a runtime, or in a runtime built without IO
/// ([`enable_io`](crate::runtime::Builder::enable_io) or
/// [`enable_all`](crate::runtime::Builder::enable_all)), with the same
/// message as the [`net`](crate::net) types. No handler is installed then.
#[track_caller]
pub fn signal(kind: SignalKind) -> io::Result<Signal> {
    let signum = kind.as_raw_value();
    check_catchable(signum)?;
    // The fd first: registering it with the reactor is what panics
    // outside a runtime, and it must do so before a handler is installed.
    let fd = AsyncFd::with_interest(registry::receiver()?, Interest::READABLE)?;
    let listener = registry::listen(signum)?;
    Ok(Signal {
        kind,
        listener,
        fd: Some(fd),
    })
}

/// Refuses the numbers no handler can be installed for; see [`signal`].
fn check_catchable(signum: c_int) -> io::Result<()> {
    let name = match signum {
        libc::SIGKILL => "SIGKILL",
        libc::SIGSTOP => "SIGSTOP",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGSEGV => "SIGSEGV",
        _ if signum <= 0 => {
            return Err(io::Error::other(format!(
                "cannot listen for signal {signum}: not a signal number"
            )))
        }
        // Anything else signal-hook-registry refuses, should its list grow.
        _ if signal_hook_registry::FORBIDDEN.contains(&signum) => "this signal",
        _ => return Ok(()),
    };
    Err(io::Error::other(format!(
        "cannot listen for {name} (signal {signum}): SIGKILL and SIGSTOP cannot be caught, \
         and SIGILL, SIGFPE and SIGSEGV are faults that signal-hook-registry refuses to handle"
    )))
}

impl Signal {
    /// Waits for the next wake-up: at least one delivery since the last
    /// one returned (or since [`signal`] made the listener). Always
    /// `Some(())`; the `Option` is tokio's, which never returns `None`
    /// either.
    ///
    /// ```
    /// use runtime::signal::unix::{signal, SignalKind};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut usr1 = signal(SignalKind::user_defined1())?;
    /// for _ in 0..2 {
    ///     // SAFETY: `raise` has no preconditions, and SIGUSR1 is handled.
    ///     unsafe { libc::raise(libc::SIGUSR1) };
    ///     usr1.recv().await;
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: what was delivered is counted in the registry, not in
    /// the future, so a `recv` dropped in a [`select!`](crate::select)
    /// loses nothing and the next `recv` returns at once.
    pub async fn recv(&mut self) -> Option<()> {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Polls for the next wake-up, as [`recv`](Signal::recv): `Ready`
    /// (always with `Some(())`) if a delivery came since the last one
    /// returned, else `Pending`, and the task of `cx` is woken when one
    /// comes. Only the task of the last poll is woken.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<()>> {
        // Rule 4: drain this listener's fd until the reactor has it armed,
        // then (rule 2) dispatch and compare, in `Listener::poll`.
        self.drain_fd(cx);
        self.listener.poll(cx.waker()).map(Some)
    }

    /// Reads the wake-up socket through this listener's fd while the
    /// reactor says it is readable; returns once the reactor holds the
    /// waker of `cx` for the next byte (or the fd is given up).
    fn drain_fd(&mut self, cx: &mut Context<'_>) {
        let Some(fd) = &self.fd else { return };
        loop {
            match fd.poll_read_ready(cx) {
                Poll::Pending => return,
                Poll::Ready(Ok(mut guard)) => {
                    match guard.try_io(|fd| registry::drain(fd.get_ref())) {
                        // `WouldBlock`: read to the end, readiness cleared;
                        // poll again to arm the reactor.
                        Err(_would_block) => {}
                        // Any other end (the socket closed, which cannot
                        // happen while the process lives): readiness would
                        // stay set, so stop using the fd rather than spin.
                        Ok(_) => break,
                    }
                }
                // The runtime has shut down: no more wake-ups from it.
                Poll::Ready(Err(_)) => break,
            }
        }
        self.fd = None;
    }
}

impl fmt::Debug for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signal")
            .field("kind", &self.kind)
            .field("on_reactor", &self.fd.is_some())
            .finish_non_exhaustive()
    }
}

/// How many [`Signal`]s of `kind` exist now, in every runtime. Not public
/// API: for tests that check dropped listeners leave nothing behind.
#[doc(hidden)]
pub fn listener_count(kind: SignalKind) -> usize {
    registry::listener_count(kind.as_raw_value())
}
