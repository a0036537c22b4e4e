//! [`AsyncFd`]: readiness for any file descriptor, as tokio's; its guards
//! are in `guard.rs`.

mod guard;

pub use guard::{AsyncFdReadyGuard, AsyncFdReadyMutGuard, TryIoError};

use crate::interest::Interest;
use crate::io_source::{IoSource, BOTH};
use crate::registration::{Direction, Guess, Initial, ReadyEvent};
use std::error::Error;
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, RawFd};
use std::task::{ready, Context, Poll};

/// An fd registered with the reactor, for IO the caller does itself.
///
/// The fd must be in non-blocking mode. Wait for readiness with
/// [`readable`](Self::readable), [`writable`](Self::writable) or
/// [`ready`](Self::ready), do the IO through the guard's
/// [`try_io`](AsyncFdReadyGuard::try_io), which clears the readiness when
/// the IO says `WouldBlock`, and loop:
///
/// ```
/// use std::io::Read;
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// # let (sock, mut peer) = std::os::unix::net::UnixStream::pair()?;
/// # sock.set_nonblocking(true)?;
/// # std::io::Write::write_all(&mut peer, b"bytes")?;
/// # let fd = runtime::io::AsyncFd::new(sock)?;
/// let mut buf = [0; 1024];
/// let n = loop {
///     let mut guard = fd.readable().await?;
///     match guard.try_io(|inner| inner.get_ref().read(&mut buf)) {
///         Ok(result) => break result?,
///         Err(_would_block) => continue,
///     }
/// };
/// assert_eq!(&buf[..n], b"bytes");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// or let [`async_io`](Self::async_io) run that loop:
///
/// ```
/// use runtime::io::Interest;
/// use std::io::Read;
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// # let (sock, mut peer) = std::os::unix::net::UnixStream::pair()?;
/// # sock.set_nonblocking(true)?;
/// # std::io::Write::write_all(&mut peer, b"bytes")?;
/// # let fd = runtime::io::AsyncFd::new(sock)?;
/// let mut buf = [0; 1024];
/// let n = fd
///     .async_io(Interest::READABLE, |inner| (&*inner).read(&mut buf))
///     .await?;
/// assert_eq!(&buf[..n], b"bytes");
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
///
/// Readiness comes from the reactor: a new `AsyncFd` is neither readable
/// nor writable until the reactor's first event for it (which, for an fd
/// that is ready when it is registered, comes on the reactor's next turn),
/// so a guard always stands for an event the OS reported.
///
/// Readiness is edge-triggered: once ready, an fd stays ready until some IO
/// on it reports `WouldBlock` through a guard or `try_io` (or
/// [`clear_ready`](AsyncFdReadyGuard::clear_ready) is called). Closed
/// states ([`Ready::READ_CLOSED`](crate::Ready::READ_CLOSED),
/// `WRITE_CLOSED`) are final and are never cleared.
///
/// An interest the fd was not registered for (see
/// [`with_interest`](Self::with_interest)) could never be satisfied: the
/// methods that take one return an `InvalidInput` error for it instead of
/// waiting forever. Errors can always be waited for.
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
    /// What it was registered for.
    interest: Interest,
}

impl<T: AsRawFd> AsyncFd<T> {
    /// Registers `inner`'s fd with the current runtime's reactor, for
    /// reading and writing.
    ///
    /// # Errors
    ///
    /// If the poller refuses the fd (for example a regular file, which
    /// epoll does not take), or the runtime has shut down. `inner` is
    /// dropped then; [`try_new`](Self::try_new) hands it back.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn new(inner: T) -> io::Result<AsyncFd<T>> {
        AsyncFd::with_interest(inner, BOTH)
    }

    /// Registers `inner`'s fd for the events `interest` needs: for
    /// example only `WRITABLE` for an fd that is never read.
    /// `PRIORITY` and `READABLE` register the same events; errors come
    /// with any interest.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn with_interest(inner: T, interest: Interest) -> io::Result<AsyncFd<T>> {
        AsyncFd::try_with_interest(inner, interest).map_err(io::Error::from)
    }

    /// As [`new`](Self::new), handing `inner` back if registering fails.
    ///
    /// ```
    /// use runtime::io::AsyncFd;
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # let _guard = rt.enter();
    ///
    /// // epoll takes no regular file.
    /// let file = std::fs::File::open("Cargo.toml").unwrap();
    /// let err = AsyncFd::try_new(file).unwrap_err();
    /// let (file, cause) = err.into_parts();
    /// assert_eq!(cause.raw_os_error(), Some(libc::EPERM));
    /// assert!(file.metadata().is_ok(), "the file is still ours, and open");
    /// ```
    ///
    /// # Errors
    ///
    /// [`AsyncFdTryNewError`]: the cause and `inner`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn try_new(inner: T) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        AsyncFd::try_with_interest(inner, BOTH)
    }

    /// As [`with_interest`](Self::with_interest), handing `inner` back if
    /// registering fails.
    ///
    /// # Errors
    ///
    /// [`AsyncFdTryNewError`]: the cause and `inner`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in a runtime built without IO.
    #[track_caller]
    pub fn try_with_interest(
        inner: T,
        interest: Interest,
    ) -> Result<AsyncFd<T>, AsyncFdTryNewError<T>> {
        match IoSource::try_with_interest(inner, interest, Initial::FromReactor) {
            Ok(source) => Ok(AsyncFd { source, interest }),
            Err((inner, cause)) => Err(AsyncFdTryNewError { inner, cause }),
        }
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
    /// readable. Only the task of the last call is woken.
    pub fn poll_read_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_event(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event, Interest::READABLE)))
    }

    /// As [`poll_read_ready`](Self::poll_read_ready), with a guard whose
    /// `try_io` gets `&mut AsyncFd<T>`.
    pub fn poll_read_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_event(Direction::Read, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(
            self,
            event,
            Interest::READABLE,
        )))
    }

    /// Polls for write readiness; on `Ready`, the guard says the fd may be
    /// writable. Only the task of the last call is woken.
    pub fn poll_write_ready<'a>(
        &'a self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyGuard<'a, T>>> {
        let event = ready!(self.poll_event(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyGuard::new(self, event, Interest::WRITABLE)))
    }

    /// As [`poll_write_ready`](Self::poll_write_ready), with a guard whose
    /// `try_io` gets `&mut AsyncFd<T>`.
    pub fn poll_write_ready_mut<'a>(
        &'a mut self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<AsyncFdReadyMutGuard<'a, T>>> {
        let event = ready!(self.poll_event(Direction::Write, cx))?;
        Poll::Ready(Ok(AsyncFdReadyMutGuard::new(
            self,
            event,
            Interest::WRITABLE,
        )))
    }

    fn poll_event(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let interest = match direction {
            Direction::Read => Interest::READABLE,
            Direction::Write => Interest::WRITABLE,
        };
        self.check(interest)?;
        self.source
            .registration()
            .poll_ready(direction, Guess::Skip, cx)
    }

    /// Waits until any state of `interest` holds; the guard's
    /// [`ready`](AsyncFdReadyGuard::ready) says which. Any number of tasks
    /// may wait.
    ///
    /// ```
    /// use runtime::io::{Interest, Ready};
    /// use std::io::{Read, Write};
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// # let (sock, mut peer) = std::os::unix::net::UnixStream::pair()?;
    /// # sock.set_nonblocking(true)?;
    /// # std::io::Write::write_all(&mut peer, b"bytes")?;
    /// # let fd = runtime::io::AsyncFd::new(sock)?;
    /// let mut guard = fd.ready(Interest::READABLE | Interest::WRITABLE).await?;
    /// if guard.ready().is_readable() {
    ///     let mut buf = [0; 64];
    ///     match fd.get_ref().read(&mut buf) {
    ///         // Clear only what blocked: a write may still go through.
    ///         Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
    ///             guard.clear_ready_matching(Ready::READABLE)
    ///         }
    ///         other => drop(other?),
    ///     }
    /// }
    /// # std::io::Result::Ok(())
    /// # }).unwrap();
    /// ```
    ///
    /// # Errors
    ///
    /// `InvalidInput` for an interest the fd was not registered for; an
    /// error once the runtime has shut down.
    pub async fn ready(&self, interest: Interest) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        let event = self.event(interest).await?;
        Ok(AsyncFdReadyGuard::new(self, event, interest))
    }

    /// As [`ready`](Self::ready), with a guard whose `try_io` gets
    /// `&mut AsyncFd<T>`.
    ///
    /// # Errors
    ///
    /// As [`ready`](Self::ready).
    pub async fn ready_mut(
        &mut self,
        interest: Interest,
    ) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        let event = self.event(interest).await?;
        Ok(AsyncFdReadyMutGuard::new(self, event, interest))
    }

    /// Waits until the fd may be readable. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the fd was registered without read interest; an
    /// error once the runtime has shut down.
    pub async fn readable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::READABLE).await
    }

    /// As [`readable`](Self::readable), with a guard whose `try_io` gets
    /// `&mut AsyncFd<T>`.
    ///
    /// # Errors
    ///
    /// As [`readable`](Self::readable).
    pub async fn readable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::READABLE).await
    }

    /// Waits until the fd may be writable. Any number of tasks may wait.
    ///
    /// # Errors
    ///
    /// `InvalidInput` if the fd was registered without write interest; an
    /// error once the runtime has shut down.
    pub async fn writable(&self) -> io::Result<AsyncFdReadyGuard<'_, T>> {
        self.ready(Interest::WRITABLE).await
    }

    /// As [`writable`](Self::writable), with a guard whose `try_io` gets
    /// `&mut AsyncFd<T>`.
    ///
    /// # Errors
    ///
    /// As [`writable`](Self::writable).
    pub async fn writable_mut(&mut self) -> io::Result<AsyncFdReadyMutGuard<'_, T>> {
        self.ready_mut(Interest::WRITABLE).await
    }

    async fn event(&self, interest: Interest) -> io::Result<ReadyEvent> {
        self.check(interest)?;
        self.source
            .registration()
            .readiness(interest.mask(), Guess::Skip)
            .await
    }

    /// Waits for `interest`, then runs `f` on the inner value; while `f`
    /// says `WouldBlock`, clears the readiness and waits again. `f` must
    /// do one kind of IO on the fd (reads for `READABLE`, writes for
    /// `WRITABLE`), and say `WouldBlock` only when that IO did, or the
    /// readiness goes out of step with the fd.
    ///
    /// # Errors
    ///
    /// `f`'s error; `InvalidInput` for an interest the fd was not
    /// registered for; an error once the runtime has shut down.
    pub async fn async_io<R>(
        &self,
        interest: Interest,
        f: impl FnMut(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        self.source.async_io(interest, f).await
    }

    /// As [`async_io`](Self::async_io), with the inner value mutably.
    ///
    /// # Errors
    ///
    /// As [`async_io`](Self::async_io).
    pub async fn async_io_mut<R>(
        &mut self,
        interest: Interest,
        mut f: impl FnMut(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        runtime_coop::consume_budget().await;
        loop {
            let event = self.event(interest).await?;
            match f(self.source.get_mut()) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    self.source.registration().clear_readiness(event);
                }
                result => return result,
            }
        }
    }

    /// Runs `f` on the inner value if the fd is ready for `interest`, else
    /// returns `WouldBlock` without calling it; a `WouldBlock` from `f`
    /// clears the readiness it ran on. `f` is held to what
    /// [`async_io`](Self::async_io) says.
    ///
    /// # Errors
    ///
    /// `WouldBlock`, `f`'s error; `InvalidInput` for an interest the fd
    /// was not registered for; an error once the runtime has shut down.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce(&T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        self.source.try_io(interest, f)
    }

    /// As [`try_io`](Self::try_io), with the inner value mutably.
    ///
    /// # Errors
    ///
    /// As [`try_io`](Self::try_io).
    pub fn try_io_mut<R>(
        &mut self,
        interest: Interest,
        f: impl FnOnce(&mut T) -> io::Result<R>,
    ) -> io::Result<R> {
        self.check(interest)?;
        let event = match self
            .source
            .registration()
            .ready_now(interest.mask(), Guess::Take)
        {
            Some(event) => event?,
            None => return Err(io::ErrorKind::WouldBlock.into()),
        };
        let result = f(self.source.get_mut());
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.source.registration().clear_readiness(event);
        }
        result
    }

    /// An `InvalidInput` error if no state of `interest` can come for this
    /// registration: waiting would never end.
    fn check(&self, interest: Interest) -> io::Result<()> {
        if interest.intersects(self.interest.reportable()) {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the AsyncFd is registered for {:?}, which never reports {interest:?}",
                    self.interest
                ),
            ))
        }
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

impl<T: AsRawFd> AsFd for AsyncFd<T> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd is open while `self` lives (the `IoSource`
        // invariant), and the borrow cannot outlive `self`.
        unsafe { BorrowedFd::borrow_raw(self.as_raw_fd()) }
    }
}

impl<T: AsRawFd + fmt::Debug> fmt::Debug for AsyncFd<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFd")
            .field("inner", self.get_ref())
            .field("interest", &self.interest)
            .finish()
    }
}

/// [`AsyncFd::try_new`] or [`AsyncFd::try_with_interest`] failed: the
/// cause, and the value that was to be registered, handed back.
pub struct AsyncFdTryNewError<T> {
    inner: T,
    cause: io::Error,
}

impl<T> AsyncFdTryNewError<T> {
    /// The value given to `try_new`, and why it could not be registered.
    pub fn into_parts(self) -> (T, io::Error) {
        (self.inner, self.cause)
    }
}

impl<T> fmt::Display for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.cause, f)
    }
}

impl<T> fmt::Debug for AsyncFdTryNewError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncFdTryNewError")
            .field("cause", &self.cause)
            .finish_non_exhaustive()
    }
}

impl<T> Error for AsyncFdTryNewError<T> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.cause)
    }
}

impl<T> From<AsyncFdTryNewError<T>> for io::Error {
    fn from(err: AsyncFdTryNewError<T>) -> io::Error {
        err.cause
    }
}
