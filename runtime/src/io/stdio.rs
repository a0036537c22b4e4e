//! [`stdin`], [`stdout`] and [`stderr`], on the blocking pool as tokio's.
//!
//! The process's standard streams may be terminals, pipes or files, none
//! of which the reactor can wait on in general, so each operation runs as
//! a closure on the blocking pool. [`Blocking`] is tokio's adapter for
//! that:
//!
//! 1. At most one operation is in flight. The std handle and a buffer are
//!    moved into its closure and come back with its result.
//! 2. A write copies up to [`MAX_BUF`] bytes into the buffer, starts the
//!    closure and returns at once (the write happens behind); its error,
//!    if any, comes back from the next write or flush.
//! 3. A read starts a closure that reads up to `min(len, MAX_BUF)` bytes
//!    into the buffer, then copies out of the buffer; what does not fit
//!    in the caller's slice stays for the next read.
//! 4. `flush` waits for the write in flight and then flushes, on the pool
//!    as well; `shutdown` is a flush (tokio's does not wait for the write
//!    in flight).

use crate::task::{spawn_blocking, JoinHandle};
use futures_io::{AsyncRead, AsyncWrite};
use std::fmt;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// The most one blocking read or write moves, as tokio's.
const MAX_BUF: usize = 2 * 1024 * 1024;

/// Bytes read ahead, or to write: `data[pos..]`.
#[derive(Default)]
struct Buf {
    data: Vec<u8>,
    pos: usize,
}

impl Buf {
    fn is_empty(&self) -> bool {
        self.pos == self.data.len()
    }

    /// Copies out as much as fits in `dst` (rule 3).
    fn copy_to(&mut self, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.data.len() - self.pos);
        dst[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.is_empty() {
            self.data.clear();
            self.pos = 0;
        }
        n
    }

    /// One read of up to `max` bytes from `reader`, into the empty buffer.
    fn read_from(&mut self, reader: &mut impl Read, max: usize) -> io::Result<usize> {
        debug_assert!(self.is_empty());
        self.data.resize(max, 0);
        let result = loop {
            match reader.read(&mut self.data) {
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                result => break result,
            }
        };
        self.data.truncate(*result.as_ref().unwrap_or(&0));
        self.pos = 0;
        result
    }
}

type Outcome<T> = (io::Result<usize>, Buf, T);

enum State<T> {
    /// The std handle and the buffer are here.
    Idle(T, Buf),
    /// A closure has them (rule 1).
    Busy(JoinHandle<Outcome<T>>),
    /// The closure that had them failed (it panicked, or the runtime shut
    /// down before it ran): the handle is gone.
    Lost,
}

/// tokio's `Blocking<T>`: a std reader or writer whose operations run on
/// the blocking pool, one at a time (see the module doc).
pub(super) struct Blocking<T> {
    state: State<T>,
    /// A write finished since the last flush.
    need_flush: bool,
}

impl<T: Send + 'static> Blocking<T> {
    fn new(inner: T) -> Blocking<T> {
        Blocking {
            state: State::Idle(inner, Buf::default()),
            need_flush: false,
        }
    }

    /// Starts `op` on the handle and the buffer (the state must be idle).
    fn start(&mut self, op: impl FnOnce(&mut T, &mut Buf) -> io::Result<usize> + Send + 'static) {
        let State::Idle(mut inner, mut buf) = std::mem::replace(&mut self.state, State::Lost)
        else {
            unreachable!("an operation started while another is in flight");
        };
        self.state = State::Busy(spawn_blocking(move || {
            let result = op(&mut inner, &mut buf);
            (result, buf, inner)
        }));
    }

    /// Waits for the operation in flight, if any; the handle and buffer
    /// are back (idle) when this returns `Ready`. Returns its result.
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        match &mut self.state {
            State::Idle(..) => Poll::Ready(Ok(0)),
            State::Lost => Poll::Ready(Err(lost())),
            State::Busy(handle) => {
                let joined = ready!(Pin::new(handle).poll(cx));
                match joined {
                    Ok((result, buf, inner)) => {
                        self.state = State::Idle(inner, buf);
                        Poll::Ready(result)
                    }
                    Err(err) => {
                        self.state = State::Lost;
                        // `JoinError` is not `Sync` (yet), so only its message.
                        Poll::Ready(Err(io::Error::other(err.to_string())))
                    }
                }
            }
        }
    }
}

fn lost() -> io::Error {
    io::Error::other("the std handle was lost in a failed blocking task")
}

impl<T: Read + Send + 'static> Blocking<T> {
    fn poll_read(&mut self, cx: &mut Context<'_>, dst: &mut [u8]) -> Poll<io::Result<usize>> {
        if let State::Idle(_, buf) = &mut self.state {
            if !buf.is_empty() || dst.is_empty() {
                return Poll::Ready(Ok(buf.copy_to(dst)));
            }
            let max = dst.len().min(MAX_BUF);
            self.start(move |inner, buf| buf.read_from(inner, max));
        }
        ready!(self.poll_idle(cx))?;
        let State::Idle(_, buf) = &mut self.state else {
            unreachable!("poll_idle returned Ready(Ok) so the state is idle");
        };
        // Rule 3: copy out now; an empty buffer here is EOF.
        Poll::Ready(Ok(buf.copy_to(dst)))
    }
}

impl<T: Write + Send + 'static> Blocking<T> {
    fn poll_write(&mut self, cx: &mut Context<'_>, src: &[u8]) -> Poll<io::Result<usize>> {
        // Rule 2: the previous write's error comes back here.
        ready!(self.poll_idle(cx))?;
        let State::Idle(_, buf) = &mut self.state else {
            unreachable!("poll_idle returned Ready(Ok) so the state is idle");
        };
        if src.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = src.len().min(MAX_BUF);
        buf.data.extend_from_slice(&src[..n]);
        self.start(|inner, buf| {
            let result = inner.write_all(&buf.data).map(|()| buf.data.len());
            buf.data.clear();
            result
        });
        self.need_flush = true;
        Poll::Ready(Ok(n))
    }

    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        loop {
            ready!(self.poll_idle(cx))?;
            if !self.need_flush {
                return Poll::Ready(Ok(()));
            }
            self.need_flush = false;
            self.start(|inner, _| inner.flush().map(|()| 0));
        }
    }
}

impl<T> fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Idle(..) => "idle",
            State::Busy(_) => "busy",
            State::Lost => "lost",
        };
        f.debug_struct("Blocking")
            .field("state", &state)
            .field("need_flush", &self.need_flush)
            .finish()
    }
}

/// The process's standard input, from [`stdin`].
#[derive(Debug)]
pub struct Stdin {
    std: Blocking<io::Stdin>,
}

/// The process's standard output, from [`stdout`].
#[derive(Debug)]
pub struct Stdout {
    std: Blocking<io::Stdout>,
}

/// The process's standard error, from [`stderr`].
#[derive(Debug)]
pub struct Stderr {
    std: Blocking<io::Stderr>,
}

/// A handle to the process's standard input; its reads run on the
/// blocking pool, so it must be read inside a runtime.
///
/// As tokio's (and for the same reason: a read of a terminal cannot be
/// cancelled), a read in flight keeps a blocking thread until a line
/// comes, even after the future is dropped; an interactive program had
/// better read stdin from one dedicated thread.
pub fn stdin() -> Stdin {
    Stdin {
        std: Blocking::new(io::stdin()),
    }
}

/// A handle to the process's standard output; its writes run on the
/// blocking pool, so it must be written inside a runtime.
///
/// A write returns as soon as its bytes are copied: call
/// [`flush`](crate::io::AsyncWriteExt::flush) to wait until they are out.
/// Several handles, or handles on several tasks, may interleave their
/// writes; wrap one handle in a [`BufWriter`](crate::io::BufWriter) or a
/// lock to keep lines whole.
///
/// ```
/// use runtime::io::AsyncWriteExt;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let mut out = runtime::io::stdout();
/// out.write_all(b"hello from a task\n").await?;
/// out.flush().await?;
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
pub fn stdout() -> Stdout {
    Stdout {
        std: Blocking::new(io::stdout()),
    }
}

/// A handle to the process's standard error; as [`stdout`].
pub fn stderr() -> Stderr {
    Stderr {
        std: Blocking::new(io::stderr()),
    }
}

impl AsyncRead for Stdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().std.poll_read(cx, buf)
    }
}

/// The `AsyncWrite` of `Stdout` and `Stderr`: rules 2 and 4.
macro_rules! blocking_write {
    ($ty:ty) => {
        impl AsyncWrite for $ty {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                self.get_mut().std.poll_write(cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }

            fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                self.get_mut().std.poll_flush(cx)
            }
        }
    };
}

blocking_write!(Stdout);
blocking_write!(Stderr);

impl AsRawFd for Stdin {
    fn as_raw_fd(&self) -> RawFd {
        io::stdin().as_raw_fd()
    }
}

impl AsRawFd for Stdout {
    fn as_raw_fd(&self) -> RawFd {
        io::stdout().as_raw_fd()
    }
}

impl AsRawFd for Stderr {
    fn as_raw_fd(&self) -> RawFd {
        io::stderr().as_raw_fd()
    }
}
