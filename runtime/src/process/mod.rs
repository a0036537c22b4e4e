//! Child processes, as tokio's `tokio::process`: [`Command`] spawns a
//! [`Child`], whose exit is awaited without blocking a thread, and whose
//! pipes ([`ChildStdin`], [`ChildStdout`], [`ChildStderr`]) are
//! `futures-io` [`AsyncWrite`](crate::io::AsyncWrite) and
//! [`AsyncRead`](crate::io::AsyncRead) streams on the reactor. Unix only.
//!
//! ```
//! use runtime::io::{AsyncReadExt, AsyncWriteExt};
//! use runtime::process::Command;
//! use std::process::Stdio;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! // Run a program to its end and collect what it printed.
//! let output = Command::new("echo").arg("hello").output().await?;
//! assert!(output.status.success());
//! assert_eq!(output.stdout, b"hello\n");
//!
//! // Or talk to it through its pipes.
//! let mut child = Command::new("tr")
//!     .arg("a-z")
//!     .arg("A-Z")
//!     .stdin(Stdio::piped())
//!     .stdout(Stdio::piped())
//!     .spawn()?;
//! let mut stdin = child.stdin.take().unwrap();
//! stdin.write_all(b"shout").await?;
//! drop(stdin); // end of input
//! let mut shouted = String::new();
//! child.stdout.take().unwrap().read_to_string(&mut shouted).await?;
//! assert_eq!(shouted, "SHOUT");
//! assert_eq!(child.wait().await?.code(), Some(0));
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! One child's output can be another's input: a pipe end converts into a
//! [`Stdio`] with `try_into`, as in tokio:
//!
//! ```
//! use runtime::process::Command;
//! use std::process::Stdio;
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let mut echo = Command::new("echo").arg("piped").stdout(Stdio::piped()).spawn()?;
//! let into_tr: Stdio = echo.stdout.take().unwrap().try_into()?;
//! let tr = Command::new("tr").args(["a-z", "A-Z"]).stdin(into_tr).output();
//! let (echoed, tr) = runtime::join!(echo.wait(), tr);
//! assert!(echoed?.success());
//! assert_eq!(tr?.stdout, b"PIPED\n");
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! A child must be spawned inside a runtime with IO enabled
//! ([`enable_io`](crate::runtime::Builder::enable_io) or
//! [`enable_all`](crate::runtime::Builder::enable_all)); `spawn` panics
//! otherwise, with the message of the [`net`](crate::net) types, before
//! any process is started. A program that cannot be run is an error:
//! `NotFound` for one that does not exist.
//!
//! # Design
//!
//! 1. **Learning of an exit.** On Linux, each child gets a pidfd
//!    (`pidfd_open`, Linux 5.3 and later), registered with the reactor for
//!    readability: it becomes readable when the child exits. Where
//!    `pidfd_open` fails (`ENOSYS` before 5.3, `EPERM` under some seccomp
//!    filters; both are remembered for later spawns), and on other Unixes,
//!    the child gets a [`SIGCHLD` listener](crate::signal::unix) instead,
//!    made after the spawn: every exit after that wakes it, and it looks
//!    with `waitpid(pid, WNOHANG)` whether the exit was its child's. No
//!    thread waits for any child.
//! 2. **Reaping.** [`Child::wait`] waits for that event and reaps the
//!    child (`waitpid`); [`Child::try_wait`] reaps it if it has exited,
//!    without waiting. Either way the status is kept, and the pid is given
//!    up ([`Child::id`] says `None`): the pid is ours, and names no other
//!    process, exactly until we reap it.
//! 3. **A runtime that goes away.** The pidfd is on the reactor of the
//!    runtime that spawned the child. If that runtime shuts down while a
//!    `wait` is pending, the wait watches again from the runtime it is
//!    polled in, if any; outside one it ends with the shutdown error. (A
//!    `SIGCHLD` listener cannot tell that its runtime is gone: it goes on
//!    waking only while a listener in a live runtime takes deliveries in,
//!    as [`Signal`](crate::signal::unix::Signal) says.)
//! 4. **No zombies.** A [`Child`] dropped before it was reaped (after a
//!    `SIGKILL` if [`kill_on_drop`](Command::kill_on_drop) was set) is
//!    handed to a small task on its runtime, which waits on the same
//!    pidfd and reaps it. Whatever drops a child unreaped (that task,
//!    cancelled because the runtime shut down or began a graceful drain,
//!    or a failed spawn) puts its pid on a process-wide orphan list, which
//!    is reaped (`waitpid(pid, WNOHANG)` for each) at every `spawn` and at
//!    every exit a `wait` sees, in any runtime.
//!
//! # Dropping a child
//!
//! So a dropped child is reaped as soon as it exits while its runtime
//! runs. After that runtime is dropped (or has begun
//! [`shutdown_graceful`](crate::Runtime::shutdown_graceful)), a child
//! that was dropped unreaped and exits later stays a zombie until the
//! next `spawn` or reaped exit anywhere in the process, or until the
//! process exits: wait for children before dropping their runtime. A
//! current-thread runtime runs its reaper tasks only while something
//! drives it (`block_on`).
//!
//! # Differences from tokio
//!
//! - Unix only: no Windows part (`raw_arg`, `creation_flags`,
//!   `raw_handle`), and no `spawn_with` (unstable in tokio).
//! - The streams implement the `futures-io` traits, like every IO type of
//!   this crate. [`ChildStdin`]'s `poll_close` closes nothing (as tokio's
//!   `poll_shutdown`): drop it to send end of input.
//! - Dropped children are reaped by a task per child on their runtime,
//!   waiting on the pidfd, rather than by tokio's orphan queue, which its
//!   signal driver drains on each `SIGCHLD`; no `SIGCHLD` handler is
//!   installed unless pidfds are unavailable. Those tasks show in the
//!   runtime's metrics and task dumps.
//! - A `wait` whose runtime has shut down watches again from the runtime
//!   it is polled in (rule 3).
//! - [`Command::get_program`], [`get_args`](Command::get_args),
//!   [`get_envs`](Command::get_envs) and
//!   [`get_current_dir`](Command::get_current_dir) are std's, which
//!   tokio reaches only through `as_std`.
//! - With the `SIGCHLD` fallback, every child's listener is woken by every
//!   child's exit (tokio's too: it checks all children per `SIGCHLD`).
//!
//! [`Stdio`]: std::process::Stdio

mod child;
mod pipe;
mod reap;

pub use child::Child;
pub use pipe::{ChildStderr, ChildStdin, ChildStdout};

use crate::runtime::Handle;
use runtime_io::{AsyncFd, Interest};
use std::ffi::OsStr;
use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command as StdCommand, CommandArgs, CommandEnvs, ExitStatus, Output, Stdio};

/// A process to spawn, configured as std's [`Command`](StdCommand) (it
/// wraps one), with tokio's async `spawn`, `status` and `output`.
///
/// ```
/// use runtime::process::Command;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let status = Command::new("sh")
///     .args(["-c", "exit $CODE"])
///     .env("CODE", "7")
///     .status()
///     .await?;
/// assert_eq!(status.code(), Some(7));
///
/// let missing = Command::new("no-such-program-here").spawn().unwrap_err();
/// assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
/// # std::io::Result::Ok(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Command {
    std: StdCommand,
    kill_on_drop: bool,
    /// Whether the exit may be learned through a pidfd (rule 1); only the
    /// tests turn it off, to run the `SIGCHLD` fallback.
    pidfd: bool,
}

impl Command {
    /// A command for `program`: found on `PATH` unless it is a path, with
    /// no arguments, the parent's environment and working directory, and
    /// stdio inherited by `spawn` and `status` (`output` pipes stdout and
    /// stderr).
    pub fn new<S: AsRef<OsStr>>(program: S) -> Command {
        Command::from(StdCommand::new(program))
    }

    /// The std command inside.
    pub fn as_std(&self) -> &StdCommand {
        &self.std
    }

    /// The std command inside, mutably: for what only std has.
    pub fn as_std_mut(&mut self) -> &mut StdCommand {
        &mut self.std
    }

    /// The std command inside; [`kill_on_drop`](Self::kill_on_drop) is
    /// lost.
    pub fn into_std(self) -> StdCommand {
        self.std
    }

    /// Adds an argument.
    pub fn arg<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(&mut self, args: I) -> &mut Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.std.args(args);
        self
    }

    /// Sets an environment variable for the child.
    pub fn env<K, V>(&mut self, key: K, val: V) -> &mut Command
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.env(key, val);
        self
    }

    /// Sets environment variables for the child.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Command
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        self.std.envs(vars);
        self
    }

    /// Removes an environment variable from the child's environment.
    pub fn env_remove<K: AsRef<OsStr>>(&mut self, key: K) -> &mut Command {
        self.std.env_remove(key);
        self
    }

    /// Gives the child an empty environment, plus what `env` adds after.
    pub fn env_clear(&mut self) -> &mut Command {
        self.std.env_clear();
        self
    }

    /// Sets the child's working directory. A relative program path is
    /// then looked up from it (as std does, in an OS-defined way).
    pub fn current_dir<P: AsRef<Path>>(&mut self, dir: P) -> &mut Command {
        self.std.current_dir(dir);
        self
    }

    /// Sets the child's stdin: [`Stdio::piped`] makes
    /// [`Child::stdin`] a [`ChildStdin`].
    pub fn stdin<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdin(cfg);
        self
    }

    /// Sets the child's stdout: [`Stdio::piped`] makes
    /// [`Child::stdout`] a [`ChildStdout`].
    pub fn stdout<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stdout(cfg);
        self
    }

    /// Sets the child's stderr: [`Stdio::piped`] makes
    /// [`Child::stderr`] a [`ChildStderr`].
    pub fn stderr<T: Into<Stdio>>(&mut self, cfg: T) -> &mut Command {
        self.std.stderr(cfg);
        self
    }

    /// Whether dropping the [`Child`] unreaped kills it (`SIGKILL`) before
    /// it is reaped; `false` by default, as in std and tokio. It applies
    /// to the futures of [`status`](Self::status) and
    /// [`output`](Self::output) too, which own their child.
    pub fn kill_on_drop(&mut self, kill_on_drop: bool) -> &mut Command {
        self.kill_on_drop = kill_on_drop;
        self
    }

    /// What [`kill_on_drop`](Self::kill_on_drop) set.
    pub fn get_kill_on_drop(&self) -> bool {
        self.kill_on_drop
    }

    /// Runs the child as this user id (std's `CommandExt::uid`).
    pub fn uid(&mut self, id: u32) -> &mut Command {
        self.std.uid(id);
        self
    }

    /// Runs the child as this group id (std's `CommandExt::gid`).
    pub fn gid(&mut self, id: u32) -> &mut Command {
        self.std.gid(id);
        self
    }

    /// Sets the child's `argv[0]`, which is the program name by default
    /// (std's `CommandExt::arg0`).
    pub fn arg0<S: AsRef<OsStr>>(&mut self, arg: S) -> &mut Command {
        self.std.arg0(arg);
        self
    }

    /// Puts the child in the process group `pgroup`, or in a new group of
    /// its own for 0 (std's `CommandExt::process_group`).
    pub fn process_group(&mut self, pgroup: i32) -> &mut Command {
        self.std.process_group(pgroup);
        self
    }

    /// Runs `f` in the child after `fork` and before `exec` (std's
    /// `CommandExt::pre_exec`); an error from it fails the spawn.
    ///
    /// # Safety
    ///
    /// As std's: `f` runs in a copy of this process with one thread, so it
    /// may only do what is async-signal-safe there (no allocation, no
    /// locks another thread may have held), and must not touch what the
    /// parent's other threads own.
    pub unsafe fn pre_exec<F>(&mut self, f: F) -> &mut Command
    where
        F: FnMut() -> io::Result<()> + Send + Sync + 'static,
    {
        // SAFETY: the caller keeps `pre_exec`'s contract, which this
        // function's `# Safety` passes on unchanged.
        unsafe { self.std.pre_exec(f) };
        self
    }

    /// The program (std's `get_program`).
    pub fn get_program(&self) -> &OsStr {
        self.std.get_program()
    }

    /// The arguments, without the program (std's `get_args`).
    pub fn get_args(&self) -> CommandArgs<'_> {
        self.std.get_args()
    }

    /// The environment changes: `None` for a removed variable (std's
    /// `get_envs`).
    pub fn get_envs(&self) -> CommandEnvs<'_> {
        self.std.get_envs()
    }

    /// The working directory set, if any (std's `get_current_dir`).
    pub fn get_current_dir(&self) -> Option<&Path> {
        self.std.get_current_dir()
    }

    /// Turns off pidfds for this command's children: their exit is learned
    /// through `SIGCHLD` (rule 1). Not public API: for tests of the
    /// fallback.
    #[doc(hidden)]
    pub fn without_pidfd(&mut self) -> &mut Command {
        self.pidfd = false;
        self
    }

    /// Starts the program as a child process. Its piped stdio comes in the
    /// [`Child`]'s fields, non-blocking and on this runtime's reactor.
    ///
    /// # Errors
    ///
    /// What std's `spawn` returns: `NotFound` for a program that does not
    /// exist (or a working directory that does not), `PermissionDenied`
    /// for one that may not be run, `WouldBlock` at the process limit; or
    /// if the pipes or the exit watch cannot be registered (the child is
    /// killed and reaped then).
    ///
    /// # Panics
    ///
    /// Outside a runtime, or in one built without IO, with the message of
    /// the [`net`](crate::net) types; no process is started then.
    #[track_caller]
    pub fn spawn(&mut self) -> io::Result<Child> {
        let runtime = current_io_runtime();
        reap::reap_orphans();
        let mut std_child = self.std.spawn()?;
        let stdin = std_child.stdin.take();
        let stdout = std_child.stdout.take();
        let stderr = std_child.stderr.take();
        let reaper = match reap::Reaper::new(std_child, self.pidfd) {
            Ok(reaper) => reaper,
            Err((mut std_child, cause)) => {
                // No one can talk to it or wait for it: stop it. Dropping
                // `std_child` leaves it unreaped, so list it (rule 4).
                let _ = std_child.kill();
                reap::orphan(&mut std_child);
                return Err(cause);
            }
        };
        // Killed and reaped if a pipe fails below: the caller never sees it.
        let mut child = Child::new(reaper, true, runtime);
        child.stdin = stdin.map(ChildStdin::from_std).transpose()?;
        child.stdout = stdout.map(ChildStdout::from_std).transpose()?;
        child.stderr = stderr.map(ChildStderr::from_std).transpose()?;
        child.set_kill_on_drop(self.kill_on_drop);
        Ok(child)
    }

    /// Spawns the child now and returns a future of its exit status, as
    /// tokio's. The pipes of a child spawned with piped stdio are closed
    /// at once, so it cannot block on them.
    ///
    /// Dropping the future drops the child (see
    /// [`kill_on_drop`](Self::kill_on_drop)).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn) and [`Child::wait`].
    ///
    /// # Panics
    ///
    /// As [`spawn`](Self::spawn), at the call, not at the first poll.
    #[track_caller]
    pub fn status(&mut self) -> impl Future<Output = io::Result<ExitStatus>> {
        let child = self.spawn();
        async move {
            let mut child = child?;
            drop(child.stdin.take());
            drop(child.stdout.take());
            drop(child.stderr.take());
            child.wait().await
        }
    }

    /// Pipes stdout and stderr, spawns the child now, and returns a future
    /// of its status and everything it wrote there, as tokio's. Like
    /// tokio's and unlike std's, it sets both pipes whatever was set
    /// before, on this `Command` for good; stdin is left as set (inherited
    /// by default, where std's `output` gives the child a null stdin).
    ///
    /// # Errors
    ///
    /// As [`spawn`](Self::spawn) and [`Child::wait_with_output`].
    ///
    /// # Panics
    ///
    /// As [`spawn`](Self::spawn), at the call.
    #[track_caller]
    pub fn output(&mut self) -> impl Future<Output = io::Result<Output>> {
        self.std.stdout(Stdio::piped());
        self.std.stderr(Stdio::piped());
        let child = self.spawn();
        async move { child?.wait_with_output().await }
    }
}

impl From<StdCommand> for Command {
    fn from(std: StdCommand) -> Command {
        Command {
            std,
            kill_on_drop: false,
            pidfd: true,
        }
    }
}

/// The current runtime, which has IO.
///
/// # Panics
///
/// Outside a runtime, or in one without IO, with runtime-io's own message
/// (the one every IO type gives).
#[track_caller]
fn current_io_runtime() -> Handle {
    if let Ok(handle) = Handle::try_current() {
        if handle.inner.io.is_some() {
            return handle;
        }
    }
    // Registering is how every IO type finds its reactor, and what panics
    // with the message that says what is missing; it panics before it
    // looks at the fd, so this probe never reaches the poller.
    let _ = AsyncFd::with_interest(NoFd, Interest::READABLE);
    // Reached only if this thread's reactor context and runtime context
    // disagree, which `Runtime::enter` and `block_on` never let happen.
    panic!("there is no runtime with IO on this thread")
}

/// The probe of [`current_io_runtime`]: no fd at all.
struct NoFd;

impl AsRawFd for NoFd {
    fn as_raw_fd(&self) -> RawFd {
        -1
    }
}
