//! One registered file descriptor: its readiness, the wakers waiting on it,
//! and the handle that takes it out of the reactor when dropped.
//!
//! # The readiness word
//!
//! Each [`Source`] keeps one `AtomicU64`:
//!
//! | bits   | meaning                                                        |
//! |--------|----------------------------------------------------------------|
//! | 0      | `READABLE`: the last event said the fd is readable             |
//! | 1      | `WRITABLE`: the last event said the fd is writable             |
//! | 2      | `SHUTDOWN`: the reactor shut down; every wait ends in an error |
//! | 32..64 | the reactor tick of the turn that last set readiness           |
//!
//! The reactor runs in edge-triggered mode (see `reactor.rs`): an event
//! comes once per change, so readiness stays set until an operation sees
//! `WouldBlock`. Rules:
//!
//! 1. Only the reactor sets `READABLE`/`WRITABLE`, and each time it does it
//!    stamps the tick of its current turn, even if the bit was already set.
//! 2. An operation first reads the word (a [`ReadyEvent`]: bits and tick),
//!    then does its syscall. On `WouldBlock` it clears the bits it saw, but
//!    only if the tick is still the one it read
//!    ([`Source::clear_readiness`]). A different tick means a new edge came
//!    in between, which may be after the syscall failed: clearing it would
//!    lose the edge and the waiter would hang, so it is left set and the
//!    operation simply retries.
//! 3. A new source starts in one of two states, which its owner picks
//!    ([`Initial`]); both at tick 0:
//!    - A socket (the `net` types) starts readable and writable
//!      ([`Initial::Optimistic`]). Its operations always try the syscall
//!      first and a `WouldBlock` clears the guess (rule 2), so a wrong
//!      guess costs one `WouldBlock`, and a right one (an accepted stream
//!      with data waiting, a fresh pair, a connected socket's first write)
//!      saves a reactor round-trip.
//!    - An [`AsyncFd`](crate::AsyncFd) starts neither
//!      ([`Initial::FromReactor`]). Its `readable()`/`writable()` give the
//!      user a guard saying the fd is ready: a promise the user may act on
//!      without a syscall that could say otherwise, so it must come from
//!      the reactor. An edge registration is reported in the state the fd
//!      has when it is added, so a ready fd waits for one turn.
//! 4. A waiter stores its waker under the source's `wakers` lock and reads
//!    the word again while still holding it. The reactor sets the word
//!    before it takes that lock to collect wakers. So either the waiter's
//!    second read sees the new readiness, or the reactor finds its waker:
//!    no wake-up is lost. The mutex orders the two; the atomic operations
//!    themselves need no more than acquire/release.
//!
//! Stale events: a slab key can be reused after a source is removed, so an
//! event read from the poller just before that removal can reach the new
//! source. That only sets readiness spuriously, which rule 2 turns into one
//! extra `WouldBlock`; readiness is never lost this way.

use crate::loom::{AtomicU64, Mutex, MutexGuard};
use crate::reactor::Reactor;
use slab::Slab;
use std::future::Future;
use std::io;
use std::os::fd::BorrowedFd;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const READABLE: u64 = 1 << 0;
const WRITABLE: u64 = 1 << 1;
const SHUTDOWN: u64 = 1 << 2;
const READY_MASK: u64 = READABLE | WRITABLE;
const TICK_SHIFT: u32 = 32;

/// The message of the error IO returns once the reactor has shut down.
pub(crate) const SHUTDOWN_MESSAGE: &str =
    "the IO driver has shut down: the runtime is being dropped";

pub(crate) fn shutdown_error() -> io::Error {
    io::Error::other(SHUTDOWN_MESSAGE)
}

/// What a new [`Source`]'s readiness starts as (rule 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Initial {
    /// Readable and writable before any event: for sockets, whose every
    /// operation tries the syscall first.
    Optimistic,
    /// Neither, until the reactor reports an event: for `AsyncFd`.
    FromReactor,
}

/// A direction of readiness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

impl Direction {
    fn mask(self) -> u64 {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// Readiness as read from a source: which direction, at which tick.
/// Handed back to [`Source::clear_readiness`] after a `WouldBlock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ReadyEvent {
    tick: u32,
    ready: u64,
}

/// The wakers of one direction: the one slot `poll_*_ready` uses (as an
/// `AsyncRead` impl does) and the `readable()`/`writable()` futures, any
/// number of them, each holding a key into `waiters`.
#[derive(Default)]
struct DirectionWakers {
    poller: Option<Waker>,
    waiters: Slab<Option<Waker>>,
}

impl DirectionWakers {
    fn take_all(&mut self, out: &mut Vec<Waker>) {
        out.extend(self.poller.take());
        out.extend(self.waiters.iter_mut().filter_map(|(_, w)| w.take()));
    }
}

#[derive(Default)]
struct Wakers {
    read: DirectionWakers,
    write: DirectionWakers,
}

impl Wakers {
    fn direction(&mut self, direction: Direction) -> &mut DirectionWakers {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// The reactor's record of one file descriptor, shared by the reactor's
/// slab and the [`Registration`] that owns it.
pub(crate) struct Source {
    /// The slab index, which is also the poller key.
    pub(crate) key: usize,
    /// The readiness word: see the module doc.
    readiness: AtomicU64,
    wakers: Mutex<Wakers>,
}

impl Source {
    pub(crate) fn new(key: usize, initial: Initial) -> Source {
        // Rule 3: tick 0, ready or not as the owner chose.
        let ready = match initial {
            Initial::Optimistic => READY_MASK,
            Initial::FromReactor => 0,
        };
        Source {
            key,
            readiness: AtomicU64::new(ready),
            wakers: Mutex::new(Wakers::default()),
        }
    }

    fn wakers(&self) -> MutexGuard<'_, Wakers> {
        self.wakers.lock()
    }

    /// Reactor side: the fd is ready in the `readable`/`writable`
    /// directions at `tick` (rule 1); moves the wakers of those directions
    /// into `out`, to be woken once every lock is released (rule 4).
    pub(crate) fn set_ready(
        &self,
        tick: u32,
        readable: bool,
        writable: bool,
        out: &mut Vec<Waker>,
    ) {
        let mut bits = 0;
        if readable {
            bits |= READABLE;
        }
        if writable {
            bits |= WRITABLE;
        }
        if bits == 0 {
            return;
        }
        let stamp = u64::from(tick) << TICK_SHIFT;
        // memory ordering: Release pairs with the Acquire loads of
        // `readiness_event`; the wakers lock below does the real ordering
        // against waiters (rule 4).
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                Some((cur & (READY_MASK | SHUTDOWN)) | bits | stamp)
            });
        let mut wakers = self.wakers();
        if readable {
            wakers.read.take_all(out);
        }
        if writable {
            wakers.write.take_all(out);
        }
    }

    /// Reactor side: marks the source shut down and moves every waker into
    /// `out`.
    pub(crate) fn set_shutdown(&self, out: &mut Vec<Waker>) {
        self.readiness.fetch_or(SHUTDOWN, Ordering::AcqRel);
        let mut wakers = self.wakers();
        wakers.read.take_all(out);
        wakers.write.take_all(out);
    }

    /// The current readiness in `direction`, if any; an error after
    /// shutdown.
    fn readiness_event(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        let cur = self.readiness.load(Ordering::Acquire);
        if cur & SHUTDOWN != 0 {
            return Some(Err(shutdown_error()));
        }
        let ready = cur & direction.mask();
        (ready != 0).then_some(Ok(ReadyEvent {
            tick: (cur >> TICK_SHIFT) as u32,
            ready,
        }))
    }

    /// Clears the readiness `event` saw, unless a newer turn set it again
    /// since (rule 2).
    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        let _ = self
            .readiness
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |cur| {
                ((cur >> TICK_SHIFT) as u32 == event.tick).then_some(cur & !event.ready)
            });
    }

    /// Ready in `direction`, or registers the waker of `cx` in the
    /// direction's single poller slot.
    pub(crate) fn poll_ready(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(event) = self.readiness_event(direction) {
            return Poll::Ready(event);
        }
        let mut wakers = self.wakers();
        let slot = &mut wakers.direction(direction).poller;
        match slot {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        // Rule 4: read again under the lock.
        match self.readiness_event(direction) {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }

    /// As `poll_ready`, for a waiter with its own slot `key` (created on
    /// first use).
    fn poll_ready_waiter(
        &self,
        direction: Direction,
        key: &mut Option<usize>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        if let Some(event) = self.readiness_event(direction) {
            return Poll::Ready(event);
        }
        let mut wakers = self.wakers();
        let waiters = &mut wakers.direction(direction).waiters;
        match key {
            Some(key) => match &mut waiters[*key] {
                Some(waker) if waker.will_wake(cx.waker()) => {}
                slot => *slot = Some(cx.waker().clone()),
            },
            None => *key = Some(waiters.insert(Some(cx.waker().clone()))),
        }
        // Rule 4: read again under the lock.
        match self.readiness_event(direction) {
            Some(event) => Poll::Ready(event),
            None => Poll::Pending,
        }
    }

    fn remove_waiter(&self, direction: Direction, key: usize) {
        self.wakers().direction(direction).waiters.remove(key);
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
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<ReadyEvent>> {
        self.source.poll_ready(direction, cx)
    }

    /// The readiness in `direction` now, without waiting.
    pub(crate) fn ready_now(&self, direction: Direction) -> Option<io::Result<ReadyEvent>> {
        self.source.readiness_event(direction)
    }

    pub(crate) fn clear_readiness(&self, event: ReadyEvent) {
        self.source.clear_readiness(event);
    }

    /// A future that resolves once the source is ready in `direction`;
    /// any number of them may wait at once.
    pub(crate) fn readiness(&self, direction: Direction) -> Readiness<'_> {
        Readiness {
            source: &self.source,
            direction,
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
    direction: Direction,
    key: Option<usize>,
}

impl Future for Readiness<'_> {
    type Output = io::Result<ReadyEvent>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let out = this
            .source
            .poll_ready_waiter(this.direction, &mut this.key, cx);
        if out.is_ready() {
            if let Some(key) = this.key.take() {
                this.source.remove_waiter(this.direction, key);
            }
        }
        out
    }
}

impl Drop for Readiness<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.source.remove_waiter(self.direction, key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    fn ready(source: &Source, direction: Direction) -> Option<ReadyEvent> {
        match source.poll_ready(direction, &mut cx()) {
            Poll::Ready(event) => Some(event.unwrap()),
            Poll::Pending => None,
        }
    }

    #[test]
    fn starts_ready_and_a_clear_with_the_same_tick_clears() {
        let source = Source::new(0, Initial::Optimistic);
        let read = ready(&source, Direction::Read).unwrap();
        let write = ready(&source, Direction::Write).unwrap();
        source.clear_readiness(read);
        assert!(ready(&source, Direction::Read).is_none());
        // The other direction is untouched.
        assert_eq!(ready(&source, Direction::Write), Some(write));
    }

    #[test]
    fn from_reactor_starts_unready_until_an_event() {
        let source = Source::new(0, Initial::FromReactor);
        let mut wakers = Vec::new();
        assert!(ready(&source, Direction::Read).is_none());
        assert!(ready(&source, Direction::Write).is_none());
        source.set_ready(1, false, true, &mut wakers);
        assert!(ready(&source, Direction::Read).is_none());
        assert!(ready(&source, Direction::Write).is_some());
    }

    #[test]
    fn a_clear_from_an_older_tick_keeps_the_new_edge() {
        let source = Source::new(0, Initial::Optimistic);
        let mut wakers = Vec::new();
        let seen = ready(&source, Direction::Read).unwrap();
        // A new edge arrives between the syscall and the clear (rule 2).
        source.set_ready(1, true, false, &mut wakers);
        source.clear_readiness(seen);
        let now = ready(&source, Direction::Read).expect("the edge was lost");
        source.clear_readiness(now);
        assert!(ready(&source, Direction::Read).is_none());
    }

    #[test]
    fn set_ready_takes_the_wakers_of_its_directions_only() {
        let source = Source::new(0, Initial::Optimistic);
        let mut wakers = Vec::new();
        for direction in [Direction::Read, Direction::Write] {
            let event = ready(&source, direction).unwrap();
            source.clear_readiness(event);
            assert!(ready(&source, direction).is_none());
        }
        let mut waiter = Box::pin(Readiness {
            source: &source,
            direction: Direction::Read,
            key: None,
        });
        assert!(waiter.as_mut().poll(&mut cx()).is_pending());
        source.set_ready(1, false, true, &mut wakers);
        // The write poller's waker.
        assert_eq!(wakers.len(), 1);
        wakers.clear();
        source.set_ready(2, true, false, &mut wakers);
        // The read poller's waker and the waiter's.
        assert_eq!(wakers.len(), 2);
        assert!(waiter.as_mut().poll(&mut cx()).is_ready());
    }

    #[test]
    fn shutdown_fails_every_wait() {
        for initial in [Initial::Optimistic, Initial::FromReactor] {
            let source = Source::new(0, initial);
            let mut wakers = Vec::new();
            source.set_shutdown(&mut wakers);
            for direction in [Direction::Read, Direction::Write] {
                let err = match source.poll_ready(direction, &mut cx()) {
                    Poll::Ready(Err(err)) => err,
                    other => panic!("{initial:?} {direction:?}: {other:?}"),
                };
                assert_eq!(err.to_string(), SHUTDOWN_MESSAGE);
            }
        }
    }
}
