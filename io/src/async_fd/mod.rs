//! [`AsyncFd`]: readiness for any file descriptor, as tokio's.

use crate::io_source::IoSource;
use crate::registration::{Direction, Initial, ReadyEvent};
use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::task::{ready, Context, Poll};

/// An fd registered with the reactor, for IO the caller does itself.
///
/// The fd must be in non-blocking mode. Wait for readiness with
/// [`readable`](Self::readable) or [`writable`](Self::writable), do the IO
/// through the guard's [`try_io`](AsyncFdReadyGuard::try_io), which clears
/// the readiness when the IO says `WouldBlock`, and loop:
///
/// ```no_run
/// # async fn f(fd: runtime_io::AsyncFd<std::os::unix::net::UnixStream>) -> std::io::Result<()> {
/// use std::io::Read;
/// let mut buf = [0; 1024];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// # let _ = n; Ok(()) }
/// ```
///
/// Readiness comes from the reactor: a new `AsyncFd` is neither readable
/// nor writable until the reactor's first event for it (which, for an fd
/// that is ready when it is registered, comes on the reactor's next turn),
/// so a guard always stands for an event the OS reported. The net types
/// (`TcpStream`, `UnixStream`, ...) differ on purpose: they start
/// optimistic, as ready both ways, because each of their operations tries
/// the syscall first and a `WouldBlock` clears the guess, which saves a
/// reactor round-trip when the socket is ready already.
///
/// Readiness is edge-triggered: once ready, an fd stays ready until some IO
/// on it reports `WouldBlock` through a guard (or
/// [`clear_ready`](AsyncFdReadyGuard::clear_ready) is called).
///
/// Once the runtime has shut down (it is being dropped, or was), every
/// wait returns an error (kind `Other`, saying the IO driver has shut
/// down), never a guard.
///
/// Dropping it deregisters the fd, then drops the inner value (which
/// closes the fd if it owns it); [`into_inner`](Self::into_inner)
/// deregisters and hands the value back.
pub struct AsyncFd<T: AsRawFd> {
    source: IoSource<T>,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s fd with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// If the poller refuses the fd (for example a regular file, which
    /// epoll does not take), or the runtime has shut down.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        Ok(AsyncFd {
            source: IoSource::new(inner, Initial::FromReactor)?,
        })
    }

    /// The inner value.
    pub fn get_ref(&self) -> &T {
        self.source.get_ref()
    }

    /// The inner value, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        self.source.get_mut()
    }

    /// Deregisters the fd and returns the inner value.
    pub fn into_inner(self) -> T {
        self.source.into_inner()
    }

    /// Polls for read readiness; on `Ready`, the guard says the fd may be
    /// readable.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready(Direction::Read, cx)
    }

    /// Polls for write readiness; on `Ready`, the guard says the fd may be
    /// writable.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        self.poll_ready(Direction::Write, cx)
    }

    fn poll_ready<'a>(
        &'a self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.source.registration().poll_ready(direction, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        }))
    }

    /// Waits until the fd may be readable. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Direction::Read).await
    }

    /// Waits until the fd may be writable. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// Once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Direction::Write).await
    }

    /// As [`readable`](Self::readable), with a guard whose `try_io` gets
    /// `&mut AsyncFd<T>`.
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self
            .source
            .registration()
            .readiness(Direction::Read)
            .await?;
        Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        })
    }

    /// As [`writable`](Self::writable), with a guard whose `try_io` gets
    /// `&mut AsyncFd<T>`.
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self
            .source
            .registration()
            .readiness(Direction::Write)
            .await?;
        Ok(AsyncFdReadyMutGuard {
            fd: self,
            event: Some(event),
        })
    }

    async fn ready(&self, direction: Direction) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.source.registration().readiness(direction).await?;
        Ok(AsyncFdReadyGuard {
            fd: self,
            event: Some(event),
        })
    }

    fn clear(&self, event: ReadyEvent) {
        self.source.registration().clear_readiness(event);
    }
}

impl<T: AsRawFd> AsRawFd for AsyncFd<T> {
    fn as_raw_fd(&self) -> RawFd {
        self.source.as_raw_fd()
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .finish()
    }
}

/// Says an [`AsyncFd`] may be ready; returned by
/// [`readable`](AsyncFd::readable) and friends.
pub struct AsyncFdReadyGuard<'a, T: AsRawFd> {
    fd: &'a AsyncFd<T>,
    event: Option<ReadyEvent>,
}

impl<'a, T: AsRawFd> AsyncFdReadyGuard<'a, T> {
    /// Forgets the readiness: the next wait blocks until the reactor sees a
    /// new event. Call it after IO said `WouldBlock`, never otherwise (an
    /// edge would be lost).
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.clear(event);
        }
    }

    /// Keeps the readiness: the next wait returns at once. This is what
    /// dropping the guard does.
    pub fn retain_ready(&mut self) {
        self.event = None;
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

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyGuard")
            .field("fd", &self.fd.as_raw_fd())
            .finish_non_exhaustive()
    }
}

/// As [`AsyncFdReadyGuard`], holding the `AsyncFd` mutably.
pub struct AsyncFdReadyMutGuard<'a, T: AsRawFd> {
    fd: &'a mut AsyncFd<T>,
    event: Option<ReadyEvent>,
}

impl<T: AsRawFd> AsyncFdReadyMutGuard<'_, T> {
    /// As [`AsyncFdReadyGuard::clear_ready`].
    pub fn clear_ready(&mut self) {
        if let Some(event) = self.event.take() {
            self.fd.clear(event);
        }
    }

    /// As [`AsyncFdReadyGuard::retain_ready`].
    pub fn retain_ready(&mut self) {
        self.event = None;
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

impl<T: AsRawFd> fmt::Debug for AsyncFdReadyMutGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdReadyMutGuard")
            .field("fd", &self.fd.as_raw_fd())
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
