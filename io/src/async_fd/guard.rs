//! The guards an [`AsyncFd`] wait returns: proof of readiness, and the
//! place to clear it.

use super::AsyncFd;
use crate::interest::Interest;
use crate::io_source;
use crate::ready::Ready;
use crate::registration::ReadyEvent;
use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::AsRawFd;

/// Says an [`AsyncFd`] may be ready; returned by
/// [`readable`](AsyncFd::readable), [`ready`](AsyncFd::ready) and the
/// other waits.
#[must_use = "the guard says whether to clear the readiness: call `try_io`, `clear_ready` or `retain_ready`"]
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    /// `None` once cleared.
    event: Option<ReadyEvent>,
    interest: Interest,
}

/// As [`AsyncFdReadyGuard`], holding the `AsyncFd` mutably.
#[must_use = "the guard says whether to clear the readiness: call `try_io`, `clear_ready` or `retain_ready`"]
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
    interest: Interest,
}

/// The states of `event`, the closed ones the OS reports added
/// (`registration.rs`, rule 5); empty once cleared.
fn states<T: AsRawFd>(fd: &AsyncFd<T>, event: Option<ReadyEvent>, interest: Interest) -> Ready {
    match event {
        Some(event) => io_source::with_closed(
            fd.source.registration(),
            fd.as_raw_fd(),
            event.ready(),
            interest,
        ),
        None => Ready::EMPTY,
    }
}

/// Clears the states of `ready` that `event` holds; keeps the rest.
fn clear_matching<T: AsRawFd>(fd: &AsyncFd<T>, event: &mut Option<ReadyEvent>, ready: Ready) {
    if let Some(seen) = event.take() {
        fd.clear(seen.with_ready(ready));
        let left = seen.with_ready(seen.ready() - ready);
        if !left.ready().is_empty() {
            *event = Some(left);
        }
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    pub(super) fn new(fd: &'a AsyncFd<T>, event: ReadyEvent, interest: Interest) -> Self {
        AsyncFdReadyGuard {
            fd,
            event: Some(event),
            interest,
        }
    }

    /// Forgets the readiness: the next wait blocks until the reactor sees a
    /// new event. Call it after IO said `WouldBlock`, never otherwise (an
    /// edge would be lost). Closed states stay: they are final.
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.clear(event);
        }
    }

    /// Forgets the states of `ready` only: for a guard from
    /// [`ready`](AsyncFd::ready) with several interests, after one kind of
    /// IO said `WouldBlock` while the other may still go through.
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.fd, &mut self.event, ready);
    }

    /// Keeps the readiness: the next wait returns at once. This is what
    /// dropping the guard does.
    pub fn retain_ready(&mut self) {}

    /// The states this guard stands for; empty once cleared. If they say
    /// readable but not read-closed, the OS is asked once whether the peer
    /// has closed (the poller does not report a half-close), so
    /// [`Ready::is_read_closed`] is right.
    pub fn ready(&self) -> Ready {
        states(self.fd, self.event, self.interest)
    }

    /// Runs `f`; if it fails with `WouldBlock`, clears the readiness and
    /// returns `Err(TryIoError)`, else returns its result.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block: wait for readiness again.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&'a AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard is for.
    pub fn get_ref(&self) -> &'a AsyncFd<T> {
        self.fd
    }

    /// The inner value of the `AsyncFd`.
    pub fn get_inner(&self) -> &'a T {
        self.fd.get_ref()
    }
}

impl<'a, T: AsRawFd> AsyncFdReadyMutGuard<'a, T> {
    pub(super) fn new(fd: &'a mut AsyncFd<T>, event: ReadyEvent, interest: Interest) -> Self {
        AsyncFdReadyMutGuard {
            fd,
            event: Some(event),
            interest,
        }
    }

    /// As [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.clear(event);
        }
    }

    /// As [`AsyncFdReadyGuard::clear_ready_matching`].
    pub fn clear_ready_matching(&mut self, ready: Ready) {
        clear_matching(self.fd, &mut self.event, ready);
    }

    /// As [`AsyncFdReadyGuard::retain_ready`].
    pub fn retain_ready(&mut self) {}

    /// As [`AsyncFdReadyGuard::ready`].
    pub fn ready(&self) -> Ready {
        states(self.fd, self.event, self.interest)
    }

    /// As [`AsyncFdReadyGuard::try_io`], with `&mut AsyncFd<T>`.
    ///
    /// # Errors
    ///
    /// [`TryIoError`] when `f` would block: wait for readiness again.
    pub fn try_io<R>(
        &mut self,
        f: impl FnOnce(&mut AsyncFd<T>) -> io::Result<R>,
    ) -> Result<io::Result<R>, TryIoError> {
        match f(self.fd) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.clear_ready();
                Err(TryIoError(()))
            }
            result => Ok(result),
        }
    }

    /// The `AsyncFd` this guard is for.
    pub fn get_ref(&self) -> &AsyncFd<T> {
        self.fd
    }

    /// The `AsyncFd` this guard is for, mutably.
    pub fn get_mut(&mut self) -> &mut AsyncFd<T> {
        self.fd
    }

    /// The inner value of the `AsyncFd`.
    pub fn get_inner(&self) -> &T {
        self.fd.get_ref()
    }

    /// The inner value of the `AsyncFd`, mutably.
    pub fn get_inner_mut(&mut self) -> &mut T {
        self.fd.get_mut()
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("fd", &self.fd.as_raw_fd())
            .field("ready", &self.event.map(ReadyEvent::ready))
            .finish_non_exhaustive()
    }
}

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("fd", &self.fd.as_raw_fd())
            .field("ready", &self.event.map(ReadyEvent::ready))
            .finish_non_exhaustive()
    }
}

/// The IO in [`AsyncFdReadyGuard::try_io`] would block; the readiness was
/// cleared.
#[derive(Debug)]
pub struct TryIoError(());

impl fmt::Display for TryIoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation would block")
    }
}

impl Error for TryIoError {}
