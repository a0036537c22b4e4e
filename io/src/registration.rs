//! One registered file descriptor: its readiness, the wakers waiting on it,
//! and the handle that takes it out of the reactor when dropped.
//!
//! # The readiness word
//!
//! Each [`Source`] keeps one `AtomicU64`:
//!
//! | bits   | meaning                                                        |
//! |--------|----------------------------------------------------------------|
//! | 0..6   | the [`Ready`] states, at `ready.rs`'s bits: `READABLE`, `WRITABLE`, `READ_CLOSED`, `WRITE_CLOSED`, `PRIORITY`, `ERROR` |
//! | 6      | `GUESS_READ`: `READABLE` is the initial guess of rule 3, no event said so |
//! | 7      | `GUESS_WRITE`: the same for `WRITABLE`                         |
//! | 8      | `SHUTDOWN`: the reactor shut down; every wait ends in an error |
//! | 32..64 | the reactor tick of the turn that last set readiness           |
//!
//! The reactor runs in edge-triggered mode (see `reactor.rs`): an event
//! comes once per change, so readiness stays set until an operation sees
//! `WouldBlock`. Rules:
//!
//! 1. The reactor sets states from events, and each time it does it
//!    stamps the tick of its current turn, even if the states were set
//!    already, and clears the guess bit of each direction it sets.
//! 2. An operation first reads the word (a [`ReadyEvent`]: the states its
//!    interest asks for, and the tick), then does its syscall. On
//!    `WouldBlock` it clears the states it saw, but only if the tick is
//!    still the one it read ([`Source::clear_readiness`]). A different
//!    tick means a new edge came in between, which may be after the
//!    syscall failed: clearing it would lose the edge and the waiter would
//!    hang, so it is left set and the operation simply retries. The closed
//!    states are never cleared: they are final, and a closed side never
//!    blocks (a read returns end-of-file, a write an error).
//! 3. A new source starts in one of two states, which its owner picks
//!    ([`Initial`]); both at tick 0:
//!    - A socket (the `net` types) starts readable and writable, both
//!      marked as a guess ([`Initial::Optimistic`]). Its operations
//!      (`read`, `try_read`, `send`, `accept`...) take the guess
//!      ([`Guess::Take`]): they try the syscall first and a `WouldBlock`
//!      clears the guess with the state (rule 2), so a wrong guess costs
//!      one `WouldBlock`, and a right one (an accepted stream with data
//!      waiting, a fresh pair, a connected socket's first write) saves a
//!      reactor round-trip. What it reports to the user as readiness
//!      (`readable()`, `ready()`, `poll_read_ready`) skips the guess
//!      ([`Guess::Skip`]) and waits for an event, as tokio's does: an edge
//!      registration is reported in the state the fd has when it is
//!      added, so a ready fd waits for one turn.
//!    - An [`AsyncFd`](crate::AsyncFd) starts with no state
//!      ([`Initial::FromReactor`]): its guards are a promise the user may
//!      act on without a syscall that could say otherwise.
//! 4. A waiter stores its waker under the source's `wakers` lock and reads
//!    the word again while still holding it. Whoever sets states (the
//!    reactor, or rule 5) sets the word before it takes that lock to
//!    collect the wakers those states satisfy. So either the waiter's
//!    second read sees the new states, or the setter finds its waker: no
//!    wake-up is lost. The mutex orders the two; the atomic operations
//!    themselves need no more than acquire/release.
//! 5. The poller crate does not ask epoll for `EPOLLRDHUP`, so a peer's
//!    shutdown of its write side arrives as a plain readable edge. Where
//!    the user asks which states are ready (`ready()`, a guard's
//!    `ready()`) and the answer holds `READABLE` but no `READ_CLOSED`, the
//!    owner asks the OS once (`sys::closed_states`, a `poll(2)` that does
//!    not wait) and records what it says with [`Source::set_closed`]:
//!    closed states only, final, so with no tick (rule 2 never clears
//!    them); the wakers they satisfy are woken as in rule 4.
//!
//! Stale events: a slab key can be reused after a source is removed, so an
//! event read from the poller just before that removal can reach the new
//! source. That only sets readiness spuriously, which rule 2 turns into one
//! extra `WouldBlock`; readiness is never lost this way.

use crate::loom::{AtomicU64, Mutex, MutexGuard};
use crate::reactor::Reactor;
use crate::ready::{self, Ready};
use slab::Slab;
use std::future::Future;
use std::io;
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const READABLE: u64 = ready::READABLE as u64;
const WRITABLE: u64 = ready::WRITABLE as u64;
const CLOSED: u64 = (ready::READ_CLOSED | ready::WRITE_CLOSED) as u64;
const GUESS_READ: u64 = 1 << 6;
const GUESS_WRITE: u64 = 1 << 7;
const SHUTDOWN: u64 = 1 << 8;
const TICK_SHIFT: u32 = 32;
/// Every bit but the tick.
const FLAGS: u64 = (1 << TICK_SHIFT) - 1;

/// The message of the error IO returns once the reactor has shut down.
pub(crate) const SHUTDOWN_MESSAGE: &str =
    "the IO driver has shut down: the runtime is being dropped";

pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(SHUTDOWN_MESSAGE)
}

/// What a new [`Source`]'s readiness starts as (rule 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Initial {
    /// Readable and writable, as a guess: for sockets, whose every
    /// operation tries the syscall first.
    Optimistic,
    /// No state until the reactor reports an event: for `AsyncFd`.
    FromReactor,
}

/// Whether a readiness check counts the initial guess (rule 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guess {
    /// Counts it: for an operation that does its syscall at once.
    Take,
    /// Ignores it: for readiness reported to the user.
    Skip,
}

/// A direction, for the one-waker slots that `poll_*` methods use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    /// The states that satisfy this direction.
    pub(crate) fn mask(self) -> Ready {
        match self {
            Direction::Read => Ready::from_bit(ready::READABLE | ready::READ_CLOSED),
            Direction::Write => Ready::from_bit(ready::WRITABLE | ready::WRITE_CLOSED),
        }
    }
}

/// Readiness as read from a source: which states, at which tick. Handed
/// back to [`Source::clear_readiness`] after a `WouldBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadyEvent {
    tick: u32,
    ready: Ready,
}

impl ReadyEvent {
    pub(crate) fn ready(self) -> Ready {
        self.ready
    }

    /// The same event, holding only the states of `ready` it held.
    pub(crate) fn with_ready(self, ready: Ready) -> ReadyEvent {
        ReadyEvent {
            tick: self.tick,
            ready: self.ready & ready,
        }
    }
}

/// A waiting future's slot: the states it waits for and its waker.
struct Waiter {
    mask: Ready,
    waker: Option<Waker>,
}

/// The wakers of a source: the one slot per direction that `poll_*`
/// methods use (as an `AsyncRead` impl does), and the futures of
/// `readable()`, `ready()`, `async_io`..., any number of them, each
/// holding a key into `waiters`.
#[derive(Default)]
struct Wakers {
    reader: Option<Waker>,
    writer: Option<Waker>,
    waiters: Slab<Waiter>,
}

impl Wakers {
    /// Moves into `out` the wakers that `ready` satisfies.
    fn take_matching(&mut self, ready: Ready, out: &mut Vec<Waker>) {
        if !(ready & Direction::Read.mask()).is_empty() {
            out.extend(self.reader.take());
        }
        if !(ready & Direction::Write.mask()).is_empty() {
            out.extend(self.writer.take());
        }
        for (_, waiter) in self.waiters.iter_mut() {
            if !(waiter.mask & ready).is_empty() {
                out.extend(waiter.waker.take());
            }
        }
    }

    fn slot(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// The reactor's record of one file descriptor, shared by the reactor's
/// slab and the [`Registration`] that owns it.
pub(crate) struct Source {
    /// The slab index, which is also the poller key.
    pub(crate) key: usize,
    /// The fd, for task dumps (what a waiting task waits on); -1 in tests.
    fd: i32,
    /// The readiness word: see the module doc.
    readiness: AtomicU64,
    wakers: Mutex<Wakers>,
}

impl Source {
    #[cfg(test)]
    pub(crate) fn new(key: usize, initial: Initial) -> Source {
        Source::with_fd(key, -1, initial)
    }

    pub(crate) fn with_fd(key: usize, fd: i32, initial: Initial) -> Source {
        // Rule 3: tick 0, guessed ready or not as the owner chose.
        let word = match initial {
            Initial::Optimistic => READABLE | WRITABLE | GUESS_READ | GUESS_WRITE,
            Initial::FromReactor => 0,
        };
        Source {
            key,
            fd,
            readiness: AtomicU64::new(word),
            wakers: Mutex::new(Wakers::default()),
        }
    }

    fn wakers(&self) -> MutexGuard<'_, Wakers> {
        self.wakers.lock()
    }

    /// Reactor side: `ready` came in an event of the turn `tick` (rule 1);
    /// moves the wakers those states satisfy into `out`, to be woken once
    /// every lock is released (rule 4).
    pub(crate) fn set_ready(&self, tick: u32, ready: Ready, out: &mut Vec<Waker>) {
        let bits = ready.bits();
        if bits == 0 {
            return;
        }
        let mut confirmed = 0;
        if bits & READABLE != 0 {
            confirmed |= GUESS_READ;
        }
        if bits & WRITABLE != 0 {
            confirmed |= GUESS_WRITE;
        }
        let stamp = u64::from(tick) << TICK_SHIFT;
        // memory ordering: Release pairs with the Acquire loads of
        // `ready_event`; the wakers lock below does the real ordering
        // against waiters (rule 4).
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                Some((cur & FLAGS & !confirmed) | bits | stamp)
            });
        self.wakers().take_matching(ready, out);
    }

    /// Owner side, rule 5: the OS says the `closed` states hold (closed
    /// states only); moves the wakers they newly satisfy into `out`.
    pub(crate) fn set_closed(&self, closed: Ready, out: &mut Vec<Waker>) {
        let bits = closed.bits() & CLOSED;
        // memory ordering: as in `set_ready`.
        let before = self.readiness.fetch_or(bits, Ordering::AcqRel);
        let new = bits & !before;
        if new != 0 {
            self.wakers().take_matching(Ready::from_bits(new), out);
        }
    }

    /// Reactor side: marks the source shut down and moves every waker into
    /// `out`.
    pub(crate) fn set_shutdown(&self, out: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, Ordering::AcqRel);
        self.wakers().take_matching(Ready::from_bits(u64::MAX), out);
    }

    /// The states of `mask` that hold now, if any, counting the guess as
    /// `guess` says; an error after shutdown.
    fn ready_event(&self, mask: Ready, guess: Guess) -> Option<io::Result<ReadyEvent>> {
        let cur = self.readiness.load(Ordering::Acquire);
        if cur & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let mut bits = cur & mask.bits();
        if guess == Guess::Skip {
            if cur & GUESS_READ != 0 {
                bits &= !READABLE;
            }
            if cur & GUESS_WRITE != 0 {
                bits &= !WRITABLE;
            }
        }
        (bits != 0).then_some(Ok(ReadyEvent {
            tick: (cur >> TICK_SHIFT) as u32,
            ready: Ready::from_bits(bits),
        }))
    }

    /// Clears the states `event` saw, but the closed ones, unless a newer
    /// turn set states since (rule 2).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let clear = event.ready.bits() & !CLOSED;
        let mut guesses = 0;
        if clear & READABLE != 0 {
            guesses |= GUESS_READ;
        }
        if clear & WRITABLE != 0 {
            guesses |= GUESS_WRITE;
        }
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                ((cur >> TICK_SHIFT) as u32 == event.tick).then_some(cur & !(clear | guesses))
            });
    }

    /// Ready in `direction`, or registers the waker of `cx` in the
    /// direction's single slot.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        guess: Guess,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        let mask = direction.mask();
        if let Some(event) = self.ready_event(mask, guess) {
            return Poll::Ready(event);
        }
        let mut wakers = self.wakers();
        let slot = wakers.slot(direction);
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Rule 4: read again under the lock.
        match self.ready_event(mask, guess) {
            Some(event) => Poll::Ready(event),
            None => self.pending(mask),
        }
    }

    /// As `poll_ready`, for a waiter on `mask` with its own slot `key`
    /// (created on first use).
    fn poll_ready_waiter(
        &self,
        mask: Ready,
        guess: Guess,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(event) = self.ready_event(mask, guess) {
            return Poll::Ready(event);
        }
        let mut wakers = self.wakers();
        match key {
            Some(key) => match &mut wakers.waiters[*key].waker {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            },
            None => {
                *key = Some(wakers.waiters.insert(Waiter {
                    mask,
                    waker: Some(cx.waker().clone()),
                }))
            }
        }
        // Rule 4: read again under the lock.
        match self.ready_event(mask, guess) {
            Some(event) => Poll::Ready(event),
            None => self.pending(mask),
        }
    }

    /// `Pending`, recorded as what the current task waits on (for task
    /// dumps: one store, `runtime_coop::wait`).
    fn pending<T>(&self, mask: Ready) -> Poll<T> {
        let read = !(mask & Direction::Read.mask()).is_empty();
        runtime_coop::wait::record(runtime_coop::wait::WaitsOn::Io { fd: self.fd, read });
        Poll::Pending
    }

    fn remove_waiter(&self, key: usize) {
        self.wakers().waiters.remove(key);
    }
}

/// The owner's handle on a [`Source`]: created by registering an fd with
/// the current reactor, removed from the reactor's table when dropped.
///
/// It does not own the fd and does not take it out of the poller: its
/// owner ([`IoSource`](crate::io_source::IoSource)) calls
/// [`deregister`](Self::deregister) before closing the fd.
pub(crate) struct Registration {
    reactor: Arc<Reactor>,
    source: Arc<Source>,
}

impl Registration {
    pub(crate) fn new(reactor: Arc<Reactor>, source: Arc<Source>) -> Registration {
        Registration { reactor, source }
    }

    pub(crate) fn reactor(&self) -> &Arc<Reactor> {
        &self.reactor
    }

    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        guess: Guess,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.source.poll_ready(direction, guess, cx)
    }

    /// The states of `mask` that hold now, without waiting.
    pub(crate) fn ready_now(&self, mask: Ready, guess: Guess) -> Option<io::Result<ReadyEvent>> {
        self.source.ready_event(mask, guess)
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.source.clear_readiness(event);
    }

    /// Records closed states the OS reported (rule 5), and wakes the
    /// waiters they satisfy.
    pub(crate) fn set_closed(&self, closed: Ready) {
        let mut wakers = Vec::new();
        self.source.set_closed(closed, &mut wakers);
        crate::reactor::wake_all(&mut wakers);
    }

    /// A future that resolves once one of the states of `mask` holds; any
    /// number of them may wait at once.
    pub(crate) fn readiness(&self, mask: Ready, guess: Guess) -> Readiness<'_> {
        Readiness {
            source: &self.source,
            mask,
            guess,
            key: None,
        }
    }

    /// Takes `fd`, the registered descriptor, out of the poller. Must be
    /// called before the fd is closed.
    pub(crate) fn deregister(&self, fd: BorrowedFd<'_>) {
        self.reactor.delete(fd);
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.reactor.remove(&self.source);
    }
}

/// The future of [`Registration::readiness`].
pub(crate) struct Readiness<'a> {
    source: &'a Source,
    mask: Ready,
    guess: Guess,
    key: Option<usize>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let out = this
            .source
            .poll_ready_waiter(this.mask, this.guess, &mut this.key, cx);
        if out.is_ready() {
            if let Some(key) = this.key.take() {
                this.source.remove_waiter(key);
            }
        }
        out
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.source.remove_waiter(key);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
