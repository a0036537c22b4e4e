//! [`Inner`]: the state machine of a [`File`](super::File), tokio's
//! `Idle(buf)` / `Busy(JoinHandle)`.
//!
//! 1. At most one blocking closure is in flight per file. The one buffer
//!    ([`Buf`]) moves into it and comes back with its [`Outcome`]; the
//!    std file is shared with it through the `Arc`.
//! 2. A closure, once started, runs to its end even if the future that
//!    started it is dropped (dropping a `JoinHandle` detaches it). So every
//!    operation first *settles* the one in flight (waits for it and takes
//!    its outcome) before it starts its own; an outcome nobody waits for
//!    any more (a dropped read or seek) is applied to the state and
//!    otherwise dropped. A dropped read's bytes stay in the buffer for the
//!    next read.
//! 3. A write copies up to `max_buf_size` bytes into the buffer, starts a
//!    closure that writes them all, and returns. That closure's error is
//!    kept in `write_err` when it is settled, and returned once, by the
//!    next read, write, seek, flush, `sync_all`, `sync_data` or `set_len`.
//!    A closure that panicked or was cancelled by the runtime's shutdown
//!    is an error of whichever operation settles it.
//! 4. A read with the buffer empty starts a closure reading up to
//!    `max(dst.len(), window)` bytes, capped at `max_buf_size`, then copies
//!    out what fits; the rest stays for the next reads. A read that got all
//!    it asked doubles `window`; a short read, an error, a write or a seek
//!    resets it to 0: only a sequential reader reads ahead.
//! 5. Bytes read ahead leave the OS cursor past the caller's position by
//!    their count. An operation that uses the cursor (write, seek,
//!    `set_len`, and `try_clone`/`into_std`, whose std file shares it)
//!    discards them first, its closure seeking back by that count;
//!    `SeekFrom::Current` is adjusted by the same amount, and a seek that
//!    fails puts the cursor back where the caller was.
//! 6. futures-io's seek is one `poll_seek(pos)`, polled until ready. A
//!    seek closure returns its target with its result, and answers the
//!    `poll_seek` whose target is the same; any other is a new seek.

use super::buf::Buf;
use crate::fs::pool;
use crate::runtime::Handle;
use crate::task::JoinHandle;
use std::fmt;
use std::fs::File as StdFile;
use std::future::{poll_fn, Future};
use std::io::{self, IoSlice, Seek, SeekFrom};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

pub(super) struct Inner {
    state: State,
    /// A write's error not yet returned (rule 3).
    write_err: Option<io::Error>,
    /// How far the next read reads ahead (rule 4).
    window: usize,
}

enum State {
    /// The buffer is here; nothing is in flight.
    Idle(Buf),
    /// A closure has the buffer (rule 1).
    Busy(JoinHandle<(Outcome, Buf)>),
}

/// What a closure did.
enum Outcome {
    Read {
        result: io::Result<usize>,
        asked: usize,
    },
    Write(io::Result<()>),
    Seek {
        target: SeekFrom,
        result: io::Result<u64>,
    },
    /// `set_len`, `sync_all`, `sync_data`, or a seek back alone.
    Other(io::Result<()>),
}

/// What [`Inner::settle`] found finished, for the caller that may want it.
enum Settled {
    /// Nothing was in flight.
    Nothing,
    /// A write (its error, if any, is in `write_err`).
    Write,
    Read(io::Result<usize>),
    Seek {
        target: SeekFrom,
        result: io::Result<u64>,
    },
    Other(io::Result<()>),
}

/// Seeks `file` by `back` bytes, if any (rule 5).
fn seek_back(mut file: &StdFile, back: i64) -> io::Result<()> {
    if back != 0 {
        file.seek(SeekFrom::Current(back))?;
    }
    Ok(())
}

impl Inner {
    pub(super) fn new() -> Inner {
        Inner {
            state: State::Idle(Buf::default()),
            write_err: None,
            window: 0,
        }
    }

    /// The buffer, if nothing is in flight.
    fn idle_buf(&mut self) -> Option<&mut Buf> {
        match &mut self.state {
            State::Idle(buf) => Some(buf),
            State::Busy(_) => None,
        }
    }

    /// Whether a closure is in flight.
    pub(super) fn is_busy(&self) -> bool {
        matches!(self.state, State::Busy(_))
    }

    /// Starts `op` on `pool` with the file and the buffer; the state must
    /// be idle (rule 1).
    fn start<F>(&mut self, pool: Handle, std: &Arc<StdFile>, op: F)
    where
        F: FnOnce(&StdFile, &mut Buf) -> Outcome + Send + 'static,
    {
        let State::Idle(mut buf) = std::mem::replace(&mut self.state, State::Idle(Buf::default()))
        else {
            unreachable!("an operation started while another is in flight");
        };
        let std = std.clone();
        self.state = State::Busy(pool.spawn_blocking(move || {
            let outcome = op(&std, &mut buf);
            (outcome, buf)
        }));
    }

    /// Waits for the closure in flight, if any, and applies its outcome
    /// (rules 2 to 4). The state is idle once this is ready.
    fn settle(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Settled>> {
        let State::Busy(handle) = &mut self.state else {
            return Poll::Ready(Ok(Settled::Nothing));
        };
        let joined = ready!(Pin::new(handle).poll(cx));
        let (outcome, buf) = match joined {
            Ok(done) => done,
            Err(err) => {
                // The buffer, and any bytes it held, went with the closure.
                self.state = State::Idle(Buf::default());
                self.window = 0;
                return Poll::Ready(Err(err.into()));
            }
        };
        self.state = State::Idle(buf);
        Poll::Ready(Ok(match outcome {
            Outcome::Read { result, asked } => {
                self.window = match result {
                    Ok(n) if n == asked => asked.saturating_mul(2),
                    _ => 0,
                };
                Settled::Read(result)
            }
            Outcome::Write(result) => {
                if let Err(err) = result {
                    // A write starts only after `write_err` was taken, so
                    // none is kept here; were one, the first would win.
                    self.write_err.get_or_insert(err);
                }
                Settled::Write
            }
            Outcome::Seek { target, result } => Settled::Seek { target, result },
            Outcome::Other(result) => Settled::Other(result),
        }))
    }

    /// Settles the closure in flight; an error it gave is kept for the
    /// next operation (rule 3) unless one is already kept.
    pub(super) async fn complete(&mut self) {
        if let Err(err) = poll_fn(|cx| self.settle(cx)).await {
            self.write_err.get_or_insert(err);
        }
    }

    /// The write error kept, if any, as the result of an operation.
    fn take_write_err(&mut self) -> io::Result<()> {
        self.write_err.take().map_or(Ok(()), Err)
    }

    pub(super) fn poll_read(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        dst: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            if self.is_busy() {
                if let Settled::Read(result) = ready!(self.settle(cx))? {
                    // A read's closure, ours or a dropped one's (rule 2):
                    // copy out now. Nothing read is end of file.
                    result?;
                    let buf = self.idle_buf().expect("settled");
                    return Poll::Ready(Ok(buf.copy_to(dst)));
                }
                continue;
            }
            self.take_write_err()?;
            let window = self.window;
            let buf = self.idle_buf().expect("not busy");
            if !buf.is_empty() || dst.is_empty() {
                return Poll::Ready(Ok(buf.copy_to(dst)));
            }
            // Rule 4.
            let asked = dst.len().max(window).min(max_buf_size);
            self.start(pool()?, std, move |file, buf| Outcome::Read {
                result: buf.read_from(file, asked),
                asked,
            });
        }
    }

    /// A write of `src` (rule 3); `poll_write_vectored` with one slice.
    pub(super) fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        max_buf_size: usize,
        src: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_busy() {
            // Whatever finished, the buffer is back and any bytes read
            // ahead are discarded below.
            ready!(self.settle(cx))?;
        }
        self.take_write_err()?;
        if src.iter().all(|s| s.is_empty()) {
            return Poll::Ready(Ok(0));
        }
        let pool = pool()?;
        let buf = self.idle_buf().expect("settled");
        let back = buf.discard_read();
        let n = match src {
            [one] => buf.copy_from(one, max_buf_size),
            many => buf.copy_from_bufs(many, max_buf_size),
        };
        self.window = 0;
        self.start(pool, std, move |file, buf| match seek_back(file, back) {
            Ok(()) => Outcome::Write(buf.write_to(file)),
            Err(err) => {
                buf.clear();
                Outcome::Write(Err(err))
            }
        });
        Poll::Ready(Ok(n))
    }

    /// Waits for the write in flight; returns its error or one kept.
    pub(super) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.settle(cx))?;
        Poll::Ready(self.take_write_err())
    }

    pub(super) fn poll_seek(
        &mut self,
        cx: &mut Context<'_>,
        std: &Arc<StdFile>,
        pos: SeekFrom,
    ) -> Poll<io::Result<u64>> {
        loop {
            if self.is_busy() {
                match ready!(self.settle(cx))? {
                    // Rule 6.
                    Settled::Seek { target, result } if target == pos => {
                        return Poll::Ready(result);
                    }
                    _ => continue,
                }
            }
            self.take_write_err()?;
            let pool = pool()?;
            let buf = self.idle_buf().expect("not busy");
            // Rule 5. A `Vec`'s length is at most `isize::MAX`, so this fits.
            let unread = buf.len() as i64;
            let adjusted = match pos {
                SeekFrom::Current(offset) => match offset.checked_sub(unread) {
                    Some(offset) => SeekFrom::Current(offset),
                    None => {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "seek offset out of range",
                        )))
                    }
                },
                absolute => absolute,
            };
            let back = buf.discard_read();
            self.window = 0;
            self.start(pool, std, move |mut file, _| {
                let result = file.seek(adjusted);
                if result.is_err() {
                    // The cursor did not move: bring it back to the
                    // caller's position. If even that fails, the first
                    // error is the one to report.
                    let _ = seek_back(file, back);
                }
                Outcome::Seek {
                    target: pos,
                    result,
                }
            });
        }
    }

    /// Runs `op` on the file as the one closure in flight, so that a
    /// dropped caller leaves it for the next operation to settle (rule 2).
    /// With `uses_cursor`, the bytes read ahead are discarded first (rule
    /// 5); with `report`, a kept write error is returned instead.
    pub(super) async fn run<F>(
        &mut self,
        std: &Arc<StdFile>,
        report: bool,
        uses_cursor: bool,
        op: F,
    ) -> io::Result<()>
    where
        F: FnOnce(&StdFile) -> io::Result<()> + Send + 'static,
    {
        poll_fn(|cx| self.settle(cx)).await?;
        if report {
            self.take_write_err()?;
        }
        let pool = pool()?;
        let buf = self.idle_buf().expect("settled");
        let back = if uses_cursor { buf.discard_read() } else { 0 };
        if uses_cursor {
            self.window = 0;
        }
        self.start(pool, std, move |file, _| {
            Outcome::Other(seek_back(file, back).and_then(|()| op(file)))
        });
        match poll_fn(|cx| self.settle(cx)).await? {
            Settled::Other(result) => result,
            _ => unreachable!("the closure in flight is the one just started"),
        }
    }

    /// Whether bytes read ahead are buffered (rule 5).
    pub(super) fn has_read_ahead(&mut self) -> bool {
        self.idle_buf().is_some_and(|buf| !buf.is_empty())
    }

    /// Discards the bytes read ahead and puts the cursor back at once, on
    /// this thread (one `lseek`): for `try_into_std`, which cannot wait.
    pub(super) fn seek_back_now(&mut self, std: &StdFile) -> io::Result<()> {
        let Some(buf) = self.idle_buf() else {
            return Err(io::Error::other("an operation is in flight"));
        };
        // A `Vec`'s length is at most `isize::MAX`, so this fits.
        seek_back(std, -(buf.len() as i64))?;
        buf.clear();
        self.window = 0;
        Ok(())
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &self.state {
            State::Idle(buf) if buf.is_empty() => "idle",
            State::Idle(_) => "idle, read ahead",
            State::Busy(_) => "busy",
        };
        f.debug_struct("Inner")
            .field("state", &state)
            .field("write_err", &self.write_err)
            .field("window", &self.window)
            .finish()
    }
}
