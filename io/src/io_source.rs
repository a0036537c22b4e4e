//! An owned fd registered with the reactor: the building block of every
//! net type and of [`AsyncFd`](crate::AsyncFd).
//!
//! `IoSource` owns both the fd and its [`Registration`], and its `Drop`
//! deletes the fd from the poller before the fd closes: this is the
//! invariant `Reactor::register` asks for.

use crate::context;
use crate::interest::Interest;
use crate::reactor::Reactor;
use crate::ready::Ready;
use crate::registration::{Direction, Guess, Initial, Registration};
use crate::sys;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

/// The interest every net type registers with: both directions (which
/// brings priority data, errors and hang-ups too).
pub(crate) const BOTH: Interest = Interest::READABLE.add(Interest::WRITABLE);

/// An fd of type `T`, registered with the current reactor.
///
/// # Invariant
///
/// While `io` is `Some`, its fd is registered with the reactor of
/// `registration`, and stays open: it is only dropped or given away after
/// [`Registration::deregister`] (see `Drop` and `into_inner`).
pub(crate) struct IoSource<T: AsRawFd> {
    io: Option<T>,
    registration: Registration,
}

impl<T: AsRawFd> IoSource<T> {
    /// Registers `io` for both directions with the current thread's
    /// reactor, its readiness starting as `initial` (`registration.rs`,
    /// rule 3). `io` must be in non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime without IO.
    #[track_caller]
    pub(crate) fn new(io: T, initial: Initial) -> io::Result<IoSource<T>> {
        IoSource::with_reactor(io, context::handle().reactor(), initial)
    }

    /// As [`new`](Self::new), for the events `interest` needs, handing
    /// `io` back with the error if registering fails.
    #[track_caller]
    pub(crate) fn try_with_interest(
        io: T,
        interest: Interest,
        initial: Initial,
    ) -> Result<IoSource<T>, (T, io::Error)> {
        IoSource::register(io, context::handle().reactor(), interest, initial)
    }

    /// Registers `io` for both directions with `reactor`: how a listener
    /// registers the streams it accepts with its own reactor, whatever
    /// thread polls it.
    pub(crate) fn with_reactor(
        io: T,
        reactor: &Arc<Reactor>,
        initial: Initial,
    ) -> io::Result<IoSource<T>> {
        IoSource::register(io, reactor, BOTH, initial).map_err(|(_, e)| e)
    }

    fn register(
        io: T,
        reactor: &Arc<Reactor>,
        interest: Interest,
        initial: Initial,
    ) -> Result<IoSource<T>, (T, io::Error)> {
        // SAFETY: `io` moves into the returned `IoSource`, whose invariant
        // keeps the fd open until it is deregistered. If registering fails,
        // nothing was added to the poller.
        match unsafe { reactor.register(io.as_raw_fd(), interest, initial) } {
            Ok(registration) => Ok(IoSource {
                io: Some(io),
                registration,
            }),
            Err(e) => Err((io, e)),
        }
    }

    pub(crate) fn get_ref(&self) -> &T {
        self.io
            .as_ref()
            .expect("an IoSource holds its io until dropped")
    }

    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.io
            .as_mut()
            .expect("an IoSource holds its io until dropped")
    }

    pub(crate) fn registration(&self) -> &Registration {
        &self.registration
    }

    /// The reactor the fd is registered with.
    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        self.registration.reactor()
    }

    /// Deregisters the fd and hands it back, still open.
    pub(crate) fn into_inner(mut self) -> T {
        let io = self
            .io
            .take()
            .expect("an IoSource holds its io until dropped");
        self.registration.deregister(borrow_fd(&io));
        io
    }

    /// Runs `op` once the fd may be ready in `direction` (the initial
    /// guess counts); on `WouldBlock`, clears that readiness and waits
    /// again. Only the last task to poll a direction is woken.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        // One unit of the task's cooperative budget per operation that
        // completes; given back if it has to wait (runtime-coop).
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        loop {
            let event = ready!(self.registration.poll_ready(direction, Guess::Take, cx))?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_readiness(event);
                }
                result => {
                    coop.made_progress();
                    return Poll::Ready(result);
                }
            }
        }
    }

    /// Polls until an event says the fd is ready in `direction` (the
    /// guess does not count); `poll_read_ready` and `poll_write_ready`.
    /// Shares `poll_io`'s slot: only the last task to poll is woken.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let event = ready!(self.registration.poll_ready(direction, Guess::Skip, cx));
        coop.made_progress();
        Poll::Ready(event.map(drop))
    }

    /// As [`poll_io`](Self::poll_io), as a future waiting for any state of
    /// `interest`; any number of tasks may wait at once.
    pub(crate) async fn async_io<R>(
        &self,
        interest: Interest,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        // One unit of the cooperative budget (yields first if it is spent).
        runtime_coop::consume_budget().await;
        loop {
            let event = self
                .registration
                .readiness(interest.mask(), Guess::Take)
                .await?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_readiness(event);
                }
                result => return result,
            }
        }
    }

    /// Runs `op` if the fd may be ready for `interest` (the guess counts),
    /// else returns `WouldBlock` without a syscall; a `WouldBlock` from
    /// `op` clears the readiness it ran on.
    pub(crate) fn try_io<R>(
        &self,
        interest: Interest,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.registration.ready_now(interest.mask(), Guess::Take) {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = op(self.get_ref());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.registration.clear_readiness(event);
        }
        result
    }

    /// Waits until an event says the fd is ready for `interest`, and
    /// returns the states of `interest` that hold, closed states the OS
    /// reports included (`registration.rs`, rule 5).
    pub(crate) async fn ready(&self, interest: Interest) -> io::Result<Ready> {
        let event = self
            .registration
            .readiness(interest.mask(), Guess::Skip)
            .await?;
        Ok(self.with_closed(event.ready(), interest))
    }

    /// Waits until an event says the fd is ready in `direction`.
    pub(crate) async fn ready_direction(&self, direction: Direction) -> io::Result<()> {
        self.registration
            .readiness(direction.mask(), Guess::Skip)
            .await
            .map(drop)
    }

    /// `ready`, with the closed states of `interest` the OS reports now,
    /// when `ready` says readable without saying closed; records them
    /// (rule 5).
    pub(crate) fn with_closed(&self, ready: Ready, interest: Interest) -> Ready {
        with_closed(
            &self.registration,
            self.get_ref().as_raw_fd(),
            ready,
            interest,
        )
    }
}

/// [`IoSource::with_closed`], for a registration and its fd.
pub(crate) fn with_closed(
    registration: &Registration,
    fd: std::os::fd::RawFd,
    ready: Ready,
    interest: Interest,
) -> Ready {
    if !ready.contains(Ready::READABLE) || ready.is_read_closed() {
        return ready;
    }
    let closed = sys::closed_states(fd);
    if closed.is_empty() {
        return ready;
    }
    registration.set_closed(closed);
    ready | (closed & interest.mask())
}

/// `io`'s fd, borrowed for as long as `io`.
fn borrow_fd<T: AsRawFd>(io: &T) -> std::os::fd::BorrowedFd<'_> {
    // SAFETY: `io` owns an open fd (the `IoSource` invariant) and the
    // borrow cannot outlive it.
    unsafe { std::os::fd::BorrowedFd::borrow_raw(io.as_raw_fd()) }
}

impl<T: AsRawFd> Drop for IoSource<T> {
    fn drop(&mut self) {
        if let Some(io) = &self.io {
            // Before `io` (a field) drops and closes the fd.
            self.registration.deregister(borrow_fd(io));
        }
    }
}

impl<T: AsRawFd> AsRawFd for IoSource<T> {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.get_ref().as_raw_fd()
    }
}

impl<T: AsRawFd + AsFd> AsFd for IoSource<T> {
    fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.get_ref().as_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for IoSource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.get_ref(), f)
    }
}
