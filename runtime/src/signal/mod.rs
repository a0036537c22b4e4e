// The summary line of this module's doc is the `pub mod signal` doc in
// `lib.rs`; the text below continues it.
//!
//! [`ctrl_c`] waits for Ctrl-C (`SIGINT`), and [`unix::signal`] listens
//! for any Unix signal. Unix only: there is no Windows part.
//!
//! ```no_run
//! #[runtime::main]
//! async fn main() -> std::io::Result<()> {
//!     runtime::signal::ctrl_c().await?;
//!     println!("interrupted: shutting down");
//!     Ok(())
//! }
//! ```
//!
//! Each delivery wakes every listener of its kind, whichever runtime it
//! is in; deliveries that come while a listener is not waiting are
//! coalesced into one wake-up:
//!
//! ```
//! use runtime::signal::unix::{signal, SignalKind};
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! let mut first = signal(SignalKind::user_defined2())?;
//! let mut second = signal(SignalKind::user_defined2())?;
//! for _ in 0..3 {
//!     // SAFETY: `raise` has no preconditions; SIGUSR2 is handled now.
//!     unsafe { libc::raise(libc::SIGUSR2) };
//! }
//! first.recv().await; // once for the three
//! second.recv().await;
//! # std::io::Result::Ok(())
//! # }).unwrap();
//! ```
//!
//! Listening for a kind installs a handler for it **for the rest of the
//! process**: its default action (for `SIGINT`, `SIGTERM`, `SIGHUP`:
//! terminating the process) no longer happens, even once every listener
//! is dropped. Listeners must be created inside a runtime with IO enabled.
//!
//! # Design
//!
//! A signal handler may do almost nothing: no lock, no allocation, no
//! waker. So the handler only marks the signal pending and makes a socket
//! readable, and the listeners, running as ordinary tasks, do the rest.
//! The process-wide part is `registry.rs`; the listener is `unix.rs`.
//!
//! - **The wake-up socket**: one connected pair of non-blocking Unix
//!   sockets for the process, made on the first [`unix::signal`] and
//!   never closed. Each listener registers its own `dup` of the read end
//!   with the reactor of its runtime, so every runtime with a listener
//!   hears every byte.
//! - **The registry**, behind one lock: per signal number whose handler
//!   is installed, a pending flag (an atomic, the one thing the handler
//!   writes), a delivery count, and the waker slots of its listeners. A
//!   listener remembers the count it has seen.
//!
//! The protocol:
//!
//! 1. The handler (installed once per signal number, through
//!    signal-hook-registry) sets the signal's pending flag, **then** writes
//!    one byte to the socket. A full buffer is ignored: a byte is unread
//!    already, which is all the write is for.
//! 2. Whoever reads bytes from the socket dispatches before it returns:
//!    under the lock, it swaps every pending flag to false, and for each
//!    that was set bumps that signal's count and takes its listeners'
//!    wakers, which it wakes once the lock is released. (Dispatching
//!    without having read is harmless, and every poll does it.)
//! 3. A listener's poll, in one critical section, dispatches, then
//!    compares the count with the one it saw: if it moved, it takes the
//!    new count and returns; if not, it stores its waker. Since counts
//!    only move under the lock, a bump after that finds the waker.
//! 4. Before 3, the poll reads its fd while the reactor says it is
//!    readable, until the reactor has it armed again: a byte written after
//!    that read wakes the listener through its reactor.
//! 5. [`unix::signal`] installs the handler, then, in one critical section,
//!    drains the socket, dispatches, and takes the count as seen: what was
//!    delivered before is counted before, and not seen.
//!
//! **Why no delivery is lost.** Take a delivery that comes after listener
//! `L` was made. By rule 1 its flag is set before its byte is written, so
//! from then on the socket holds an unread byte until someone reads it,
//! and by rule 2 that reader's dispatch, coming after the read, finds the
//! flag (or finds it taken by an earlier dispatch, which counted it).
//! Either way the count moves in a critical section after the flag was
//! set. If `L` is polled after that, rule 3 sees the count. If `L` is
//! waiting, it has stored its waker (rule 3) after its fd was armed
//! (rule 4) on a socket its read had emptied, so the byte came later: its
//! reactor wakes it, unless another listener (of any signal, in any
//! runtime) read the byte first, and then that listener's dispatch wakes
//! `L` through the stored waker. Two listeners racing to read lose
//! nothing: the one that reads dispatches, the other finds the buffer
//! empty and still dispatches (rule 3), and a flag is counted by exactly
//! one swap. A listener that is not polled at all misses nothing either:
//! the count waits in the registry for its next poll.
//!
//! **Coalescing.** A flag set several times before a dispatch is counted
//! once, and a listener that was not waiting sees any number of bumps as
//! one: each wake-up stands for *at least one* delivery, as with tokio.
//! A wake-up that finds nothing new (a byte whose flag an earlier
//! dispatch took) returns `Pending` again: there are no spurious returns.
//!
//! This state is process-wide and outside the loom shim (`loom.rs`): it
//! lives in a `static`, and what it is ordered against is the kernel.
//! (Links here are written from the crate root: this doc follows the
//! line in `lib.rs`, and rustdoc resolves the whole of it there.)
//!
//! # Differences from tokio
//!
//! - Unix only: no `windows` module, and [`ctrl_c`] exists on Unix only.
//! - No signal driver: the listeners take deliveries in themselves, each
//!   through its fd on its runtime's IO reactor, so IO must be enabled
//!   (tokio needs it too, for its driver).
//! - A listener whose runtime has shut down keeps working while another
//!   runtime's listener dispatches (see [`unix::Signal`]).
//! - `SignalKind::info` (`SIGINFO`, BSD and macOS only) is missing; use
//!   [`SignalKind::from_raw`].
//!
//! [`ctrl_c`]: crate::signal::ctrl_c
//! [`unix::signal`]: crate::signal::unix::signal
//! [`unix::Signal`]: crate::signal::unix::Signal
//! [`SignalKind::from_raw`]: crate::signal::unix::SignalKind::from_raw

#[cfg(unix)]
mod registry;
#[cfg(unix)]
pub mod unix;

/// Completes on the first `SIGINT` (Ctrl-C on the terminal) that arrives
/// after the future is first polled, as tokio's `ctrl_c`. Unix only.
///
/// ```no_run
/// # runtime::Runtime::new().unwrap().block_on(async {
/// runtime::spawn(async {
///     runtime::signal::ctrl_c().await.expect("cannot listen for SIGINT");
///     println!("interrupted");
///     std::process::exit(130);
/// });
/// // ... the program's work ...
/// # });
/// ```
///
/// Its first poll makes a [`unix::Signal`] for
/// [`SignalKind::interrupt`](unix::SignalKind::interrupt), and that
/// installs the process-wide `SIGINT` handler if none was installed: from
/// then on, for the rest of the process, `SIGINT` **no longer terminates
/// it**, even after this future is dropped. A program that waits for
/// Ctrl-C only part of the time must exit by itself on the later ones.
///
/// # Errors
///
/// As [`unix::signal`]: if the handler or the wake-up socket cannot be
/// set up.
///
/// # Panics
///
/// At the first poll, outside a runtime or in one built without IO, as
/// [`unix::signal`].
#[cfg(unix)]
pub async fn ctrl_c() -> std::io::Result<()> {
    let mut interrupt = unix::signal(unix::SignalKind::interrupt())?;
    interrupt.recv().await;
    Ok(())
}
