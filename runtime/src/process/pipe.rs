//! [`ChildStdin`], [`ChildStdout`] and [`ChildStderr`]: the parent's ends
//! of a child's pipes, non-blocking and registered with the reactor.

use futures_io::{AsyncRead, AsyncWrite};
use runtime_io::{AsyncFd, Interest};
use std::fs::File;
use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{ready, Context, Poll};

/// One end of a pipe, in non-blocking mode, on the reactor of the runtime
/// it was made in. A `File` only for its `Read`/`Write` on `&File` and its
/// close on drop: a pipe needs nothing else.
#[derive(Debug)]
struct Pipe {
    fd: AsyncFd<File>,
}

impl Pipe {
    /// Makes `fd` non-blocking and registers it for `interest`.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one without IO, as every IO type.
    #[track_caller]
    fn new(fd: OwnedFd, interest: Interest) -> io::Result<Pipe> {
        set_nonblocking(fd.as_fd(), true)?;
        let fd = AsyncFd::with_interest(File::from(fd), interest)?;
        Ok(Pipe { fd })
    }

    /// Runs `op` once the pipe is ready for `interest`, again while it
    /// would block. One unit of the task's cooperative budget per
    /// operation that completes.
    fn poll_io<R>(
        &self,
        cx: &mut Context<'_>,
        interest: Interest,
        mut op: impl FnMut(&File) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        loop {
            let mut guard = if interest == Interest::WRITABLE {
                ready!(self.fd.poll_write_ready(cx))?
            } else {
                ready!(self.fd.poll_read_ready(cx))?
            };
            let done = guard.try_io(|fd| loop {
                match op(fd.get_ref()) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    result => break result,
                }
            });
            // `Err`: it would block, and the readiness is cleared: poll
            // again, which stores the waker.
            if let Ok(result) = done {
                coop.made_progress();
                return Poll::Ready(result);
            }
        }
    }

    /// Takes the fd off the reactor and back to blocking mode, the mode
    /// nearly every program expects of the stdio it inherits.
    fn into_blocking_fd(self) -> io::Result<OwnedFd> {
        let fd = OwnedFd::from(self.fd.into_inner());
        set_nonblocking(fd.as_fd(), false)?;
        Ok(fd)
    }
}

/// Sets or clears `O_NONBLOCK` on `fd`'s open file description (a pipe
/// end: shared by no one but this process, until it is handed to a child).
fn set_nonblocking(fd: BorrowedFd<'_>, nonblocking: bool) -> io::Result<()> {
    // SAFETY: `F_GETFL` reads the flags of an fd the borrow keeps open;
    // it takes no pointer.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    if flags == -1 {
        return Err(io::Error::last_os_error());
    }
    let wanted = if nonblocking {
        flags | libc::O_NONBLOCK
    } else {
        flags & !libc::O_NONBLOCK
    };
    if wanted != flags {
        // SAFETY: as above; `F_SETFL` takes the flags by value.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, wanted) } == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The parent's end of a child's stdin pipe: [`AsyncWrite`]. As tokio's.
///
/// Dropping it closes the pipe, which the child reads as end of input;
/// `poll_close` (`AsyncWriteExt::close`) does **not** close it (as tokio's
/// `shutdown`), it only flushes, which does nothing: a pipe has no buffer
/// of ours. [`Child::wait`](super::Child::wait) drops `child.stdin` first.
#[derive(Debug)]
pub struct ChildStdin {
    pipe: Pipe,
}

/// The parent's end of a child's stdout pipe: [`AsyncRead`]. As tokio's.
#[derive(Debug)]
pub struct ChildStdout {
    pipe: Pipe,
}

/// The parent's end of a child's stderr pipe: [`AsyncRead`]. As tokio's.
#[derive(Debug)]
pub struct ChildStderr {
    pipe: Pipe,
}

impl ChildStdin {
    /// Takes over a std `ChildStdin`: makes it non-blocking and registers
    /// it with the current runtime's reactor.
    ///
    /// # Errors
    ///
    /// If the fd cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one without IO.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdin) -> io::Result<ChildStdin> {
        Ok(ChildStdin {
            pipe: Pipe::new(inner.into(), Interest::WRITABLE)?,
        })
    }
}

impl ChildStdout {
    /// Takes over a std `ChildStdout`, as [`ChildStdin::from_std`].
    ///
    /// # Errors
    ///
    /// If the fd cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one without IO.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStdout) -> io::Result<ChildStdout> {
        Ok(ChildStdout {
            pipe: Pipe::new(inner.into(), Interest::READABLE)?,
        })
    }
}

impl ChildStderr {
    /// Takes over a std `ChildStderr`, as [`ChildStdin::from_std`].
    ///
    /// # Errors
    ///
    /// If the fd cannot be made non-blocking or registered.
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one without IO.
    #[track_caller]
    pub fn from_std(inner: std::process::ChildStderr) -> io::Result<ChildStderr> {
        Ok(ChildStderr {
            pipe: Pipe::new(inner.into(), Interest::READABLE)?,
        })
    }
}

impl AsyncWrite for ChildStdin {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.pipe
            .poll_io(cx, Interest::WRITABLE, |mut file| file.write(buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.pipe
            .poll_io(cx, Interest::WRITABLE, |mut file| file.write_vectored(bufs))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Flushes, which does nothing; the pipe closes when the `ChildStdin`
    /// is dropped (as tokio's `poll_shutdown`).
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// `AsyncRead` for the two output pipes.
macro_rules! impl_read {
    ($ty:ty) => {
        impl AsyncRead for $ty {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut [u8],
            ) -> Poll<io::Result<usize>> {
                self.pipe
                    .poll_io(cx, Interest::READABLE, |mut file| file.read(buf))
            }

            fn poll_read_vectored(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                bufs: &mut [IoSliceMut<'_>],
            ) -> Poll<io::Result<usize>> {
                self.pipe
                    .poll_io(cx, Interest::READABLE, |mut file| file.read_vectored(bufs))
            }
        }
    };
}

impl_read!(ChildStdout);
impl_read!(ChildStderr);

/// What the three pipe types share: the fd traits, `into_owned_fd`, and
/// the conversion to a `Stdio` for another child.
macro_rules! impl_fd {
    ($ty:ident) => {
        impl $ty {
            /// Takes the pipe off the reactor and returns its fd, back in
            /// blocking mode (as tokio's).
            ///
            /// # Errors
            ///
            /// If the fd cannot be put back in blocking mode (it is closed
            /// then).
            pub fn into_owned_fd(self) -> io::Result<OwnedFd> {
                self.pipe.into_blocking_fd()
            }
        }

        impl AsRawFd for $ty {
            fn as_raw_fd(&self) -> RawFd {
                self.pipe.fd.as_raw_fd()
            }
        }

        impl AsFd for $ty {
            fn as_fd(&self) -> BorrowedFd<'_> {
                self.pipe.fd.as_fd()
            }
        }

        /// The pipe as another child's stdio, in blocking mode (tokio's
        /// `TryInto<Stdio>`; this `TryFrom` gives the same `try_into`):
        /// how one child's output is piped into another's input.
        impl TryFrom<$ty> for Stdio {
            type Error = io::Error;

            fn try_from(pipe: $ty) -> io::Result<Stdio> {
                pipe.into_owned_fd().map(Stdio::from)
            }
        }
    };
}

impl_fd!(ChildStdin);
impl_fd!(ChildStdout);
impl_fd!(ChildStderr);
