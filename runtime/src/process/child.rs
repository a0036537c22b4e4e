//! [`Child`]: a spawned child, its pipes, and what happens when it is
//! waited for or dropped.

use super::pipe::{ChildStderr, ChildStdin, ChildStdout};
use super::reap::Reaper;
use crate::io::AsyncReadExt;
use crate::runtime::Handle;
use futures_io::AsyncRead;
use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::pin;
use std::process::{ExitStatus, Output};
use std::task::{ready, Poll};

/// A child process spawned by [`Command::spawn`](super::Command::spawn),
/// as tokio's `Child`.
///
/// As with std, and unlike most futures, dropping a `Child` does not stop
/// the process: it runs on, and is reaped when it exits (see the
/// [module doc](super#dropping-a-child)), unless
/// [`kill_on_drop`](super::Command::kill_on_drop) was set, which kills it
/// first.
pub struct Child {
    state: State,
    /// The parent's end of the child's stdin, if it was
    /// [`piped`](std::process::Stdio::piped). Take it out
    /// (`child.stdin.take()`) to write while the `Child` is borrowed
    /// elsewhere.
    pub stdin: Option<ChildStdin>,
    /// The parent's end of the child's stdout, if it was piped.
    pub stdout: Option<ChildStdout>,
    /// The parent's end of the child's stderr, if it was piped.
    pub stderr: Option<ChildStderr>,
}

enum State {
    /// Not reaped yet.
    Running(Running),
    /// Reaped, with this status; the pid may name another process now.
    Done(ExitStatus),
}

struct Running {
    reaper: Reaper,
    kill_on_drop: bool,
    /// The runtime the reaper's watch is registered with, where a dropped
    /// child is reaped (rule 4 in `process/mod.rs`).
    runtime: Handle,
}

impl Child {
    pub(super) fn new(reaper: Reaper, kill_on_drop: bool, runtime: Handle) -> Child {
        Child {
            state: State::Running(Running {
                reaper,
                kill_on_drop,
                runtime,
            }),
            stdin: None,
            stdout: None,
            stderr: None,
        }
    }

    pub(super) fn set_kill_on_drop(&mut self, kill: bool) {
        if let State::Running(running) = &mut self.state {
            running.kill_on_drop = kill;
        }
    }

    /// The child's pid until it has been reaped, then `None`: once reaped,
    /// the number may be given to another process.
    pub fn id(&self) -> Option<u32> {
        match &self.state {
            State::Running(running) => Some(running.reaper.id()),
            State::Done(_) => None,
        }
    }

    /// Whether its exit is learned through a pidfd (`false`: through
    /// `SIGCHLD`), while it runs. Not public API: for tests.
    #[doc(hidden)]
    pub fn uses_pidfd(&self) -> Option<bool> {
        match &self.state {
            State::Running(running) => Some(running.reaper.uses_pidfd()),
            State::Done(_) => None,
        }
    }

    /// Sends `SIGKILL` to the child and returns at once, as tokio's; it is
    /// still to be reaped, by [`wait`](Self::wait) or
    /// [`try_wait`](Self::try_wait) (or, if it is dropped, as any dropped
    /// child). Nothing if the child has been reaped already.
    ///
    /// # Errors
    ///
    /// If `kill(2)` fails, which it does not for an unreaped child of ours.
    pub fn start_kill(&mut self) -> io::Result<()> {
        match &mut self.state {
            State::Running(running) => running.reaper.kill(),
            State::Done(_) => Ok(()),
        }
    }

    /// Sends `SIGKILL`, then waits for the child to exit and reaps it:
    /// [`start_kill`](Self::start_kill) then [`wait`](Self::wait), as
    /// tokio's. (std's `kill` does not wait.)
    ///
    /// # Errors
    ///
    /// As `start_kill` and `wait`.
    pub async fn kill(&mut self) -> io::Result<()> {
        self.start_kill()?;
        self.wait().await?;
        Ok(())
    }

    /// Waits for the child to exit, reaps it, and returns its status; the
    /// same status every later time. `child.stdin` is dropped first, so a
    /// child reading its input to the end is not left waiting for more.
    ///
    /// No thread waits: the exit is an event on the reactor (see the
    /// [module doc](super#design)).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the child is reaped only when the future completes.
    ///
    /// # Errors
    ///
    /// If `waitpid` fails, or the runtime the child was spawned in has shut
    /// down and this thread is in no runtime with IO to wait from.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        drop(self.stdin.take());
        poll_fn(|cx| {
            let running = match &mut self.state {
                State::Done(status) => return Poll::Ready(Ok(*status)),
                State::Running(running) => running,
            };
            let mut coop = ready!(runtime_coop::poll_proceed(cx));
            let status = ready!(running.reaper.poll_wait(cx))?;
            coop.made_progress();
            self.state = State::Done(status);
            Poll::Ready(Ok(status))
        })
        .await
    }

    /// The child's status if it has exited (and reaps it then), else
    /// `None`, without waiting; the same status every later time. Unlike
    /// [`wait`](Self::wait), it leaves `child.stdin` alone.
    ///
    /// # Errors
    ///
    /// If `waitpid` fails.
    pub fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        let running = match &mut self.state {
            State::Done(status) => return Ok(Some(*status)),
            State::Running(running) => running,
        };
        let status = running.reaper.try_wait()?;
        if let Some(status) = status {
            self.state = State::Done(status);
        }
        Ok(status)
    }

    /// Waits for the child to exit while reading all of its stdout and
    /// stderr (those that were piped; the others come back empty), as
    /// tokio's. `child.stdin` is dropped first.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait), or a read error on a pipe.
    pub async fn wait_with_output(mut self) -> io::Result<Output> {
        let mut stdout = self.stdout.take();
        let mut stderr = self.stderr.take();
        // All three at once: a child blocked on a full stderr pipe never
        // closes its stdout.
        let (status, stdout_bytes, stderr_bytes) = crate::try_join!(
            self.wait(),
            read_all(stdout.as_mut()),
            read_all(stderr.as_mut())
        )?;
        Ok(Output {
            status,
            stdout: stdout_bytes,
            stderr: stderr_bytes,
        })
    }
}

/// Everything `pipe` yields until its end; nothing if there is no pipe.
async fn read_all<R: AsyncRead + Unpin>(pipe: Option<&mut R>) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if let Some(pipe) = pipe {
        pipe.read_to_end(&mut bytes).await?;
    }
    Ok(bytes)
}

impl Drop for Child {
    fn drop(&mut self) {
        let State::Running(mut running) = std::mem::replace(
            &mut self.state,
            // Any status will do: the `Child` is going away.
            State::Done(std::os::unix::process::ExitStatusExt::from_raw(0)),
        ) else {
            return;
        };
        if running.kill_on_drop {
            // An unreaped child of ours: this does not fail.
            let _ = running.reaper.kill();
        }
        if !matches!(running.reaper.try_wait(), Ok(None)) {
            return;
        }
        // Rule 4: a task on the runtime whose reactor watches the child
        // reaps it. If that runtime is gone, or shuts down first, the task
        // is cancelled and the reaper's drop lists the pid as an orphan.
        let Running {
            mut reaper,
            runtime,
            ..
        } = running;
        let stop = runtime.shutdown_token();
        drop(runtime.spawn(async move {
            // A drain (`shutdown_graceful`) does not wait for a child it
            // did not start: the reaper gives up when the drain begins.
            let mut stop = pin!(stop.cancelled());
            poll_fn(|cx| {
                if reaper.poll_wait(cx).is_ready() {
                    return Poll::Ready(());
                }
                stop.as_mut().poll(cx)
            })
            .await;
        }));
    }
}

impl fmt::Debug for Child {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Child");
        match &self.state {
            State::Running(running) => d.field("pid", &running.reaper.id()),
            State::Done(status) => d.field("status", status),
        };
        d.field("stdin", &self.stdin)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish()
    }
}
