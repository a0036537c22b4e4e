//! An owned fd registered with the reactor: the building block of every
//! net type and of [`AsyncFd`](crate::AsyncFd).
//!
//! `IoSource` owns both the fd and its [`Registration`], and its `Drop`
//! deletes the fd from the poller before the fd closes: this is the
//! invariant `Reactor::register` asks for.

use crate::context;
use crate::reactor::Reactor;
use crate::registration::{Direction, Initial, Registration};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

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
    /// Registers `io` with the current thread's reactor, its readiness
    /// starting as `initial` (`registration.rs`, rule 3). `io` must be in
    /// non-blocking mode.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime without IO.
    #[track_caller]
    pub(crate) fn new(io: T, initial: Initial) -> io::Result<IoSource<T>> {
        IoSource::with_reactor(io, context::handle().reactor(), initial)
    }

    /// Registers `io` with `reactor`: how a listener registers the streams
    /// it accepts with its own reactor, whatever thread polls it.
    pub(crate) fn with_reactor(
        io: T,
        reactor: &Arc<Reactor>,
        initial: Initial,
    ) -> io::Result<IoSource<T>> {
        // SAFETY: `io` moves into the returned `IoSource`, whose invariant
        // keeps the fd open until it is deregistered. If registering fails,
        // nothing was added to the poller.
        let registration = unsafe { reactor.register(io.as_raw_fd(), initial)? };
        Ok(IoSource {
            io: Some(io),
            registration,
        })
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

    /// Runs `op` once the fd is ready in `direction`; on `WouldBlock`,
    /// clears that readiness and waits again.
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
            let event = ready!(self.registration.poll_ready(direction, cx))?;
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

    /// As [`poll_io`](Self::poll_io), as a future; any number of tasks may
    /// wait at once.
    pub(crate) async fn async_io<R>(
        &self,
        direction: Direction,
        mut op: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        // One unit of the cooperative budget (yields first if it is spent).
        runtime_coop::consume_budget().await;
        loop {
            let event = self.registration.readiness(direction).await?;
            match op(self.get_ref()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.registration.clear_readiness(event);
                }
                result => return result,
            }
        }
    }

    /// Runs `op` if the fd is known to be ready in `direction`, else
    /// returns `WouldBlock` without a syscall; a `WouldBlock` from `op`
    /// clears the readiness.
    pub(crate) fn try_io<R>(
        &self,
        direction: Direction,
        op: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        let event = match self.registration.ready_now(direction) {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = op(self.get_ref());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.registration.clear_readiness(event);
        }
        result
    }

    /// Waits until the fd is ready in `direction`.
    pub(crate) async fn ready(&self, direction: Direction) -> io::Result<()> {
        self.registration.readiness(direction).await.map(drop)
    }
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
