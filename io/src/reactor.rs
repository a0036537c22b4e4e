//! The reactor: one `polling::Poller` and the table of registered sources.
//!
//! There is no reactor thread. The runtime calls [`Reactor::turn`] from the
//! worker that parks while holding the driver, with the timer's next
//! deadline as timeout, and [`Reactor::notify`] to wake it when it has new
//! work for it.
//!
//! # Mode: edge-triggered, one registration per fd
//!
//! Each fd is added once, with interest in both directions, in
//! `PollMode::Edge`, and never modified: this is what mio does. Polling's
//! default, oneshot, disarms an fd after each event, so every event costs an
//! `epoll_ctl(MOD)` to re-arm it (async-io's reactor does one per
//! event); edge mode costs nothing after the `add`. The price is that the
//! reactor no longer tells when an fd *stops* being ready, so readiness is
//! kept per source and cleared by the operation that sees `WouldBlock`,
//! guarded by the turn counter (`registration.rs`, rules 1–4).
//!
//! Measured with `examples/poll_modes.rs` (a one-byte ping-pong over a Unix
//! socket pair with the bare poller; 2-core VM, loaded; best of three, two
//! runs): per event, oneshot 4126–4136 ns, edge 3785–3821 ns with no
//! timeout, i.e. edge saves the ~300 ns `epoll_ctl` re-arm (7–8%). A `Some`
//! timeout costs about as much again in either mode (4422–4431 ns oneshot,
//! 4109–4381 ns edge): polling arms a timerfd for it.
//!
//! # A turn
//!
//! 1. Bump the tick (the turn counter that stamps readiness).
//! 2. Wait in the poller.
//! 3. With the source table locked, set the readiness of each source that
//!    had an event and collect its wakers; events for keys no longer in the
//!    table are dropped.
//! 4. Release the locks, then wake the wakers, each inside `catch_unwind`.
//!    A waker runs code that is not ours; if one panics, the others are
//!    still woken and the panic stops there, reported in one line on
//!    stderr (the panic hook has printed its message already): it never
//!    unwinds into the worker that turns the reactor.
//!
//! Only one thread turns at a time: a second caller returns `Ok(0)` at
//! once, as `Poller::wait` does.

use crate::interest::Interest;
use crate::loom::{Mutex, MutexGuard};
use crate::ready::Ready;
use crate::registration::{shutdown_error, Initial, Registration, Source};
use polling::{Event, Events, PollMode, Poller};
use slab::Slab;
use std::fmt;
use std::io;
use std::io::Write;
use std::num::NonZeroUsize;
use std::os::fd::{BorrowedFd, RawFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

/// How many events one turn takes from the poller at most (mio's default).
const EVENTS_CAPACITY: usize = 1024;

/// The IO reactor of one runtime: a `polling::Poller` and a slab of
/// registered sources, keyed by the poller key.
///
/// Owned by the runtime through an `Arc`, reached by the IO types through
/// the thread's [`context`](crate::context).
pub struct Reactor {
    poller: Poller,
    sources: Mutex<Sources>,
    /// Held by the thread in `turn`: its buffers and the tick.
    turn: Mutex<TurnState>,
    /// [`ready_count`](Self::ready_count).
    ready_count: std::sync::atomic::AtomicU64,
}

struct Sources {
    slab: Slab<Arc<Source>>,
    shutdown: bool,
}

struct TurnState {
    events: Events,
    wakers: Vec<Waker>,
    /// The turn counter: stamps the readiness set in each turn
    /// (`registration.rs`, rule 1). Wraps.
    tick: u32,
}

impl Reactor {
    /// A reactor with no sources.
    ///
    /// # Errors
    ///
    /// If the OS poller (epoll, kqueue) cannot be created.
    pub fn new() -> io::Result<Arc<Reactor>> {
        let poller = Poller::new()?;
        if !poller.supports_edge() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "the OS poller does not support edge-triggered mode",
            ));
        }
        let capacity = NonZeroUsize::new(EVENTS_CAPACITY).expect("non-zero capacity");
        Ok(Arc::new(Reactor {
            poller,
            sources: Mutex::new(Sources {
                slab: Slab::new(),
                shutdown: false,
            }),
            turn: Mutex::new(TurnState {
                events: Events::with_capacity(capacity),
                wakers: Vec::new(),
                tick: 0,
            }),
            ready_count: std::sync::atomic::AtomicU64::new(0),
        }))
    }

    /// Blocks until events arrive, [`notify`](Self::notify) is called, or
    /// `timeout` passes (`None`: no limit; `Some(ZERO)`: just poll). Wakes
    /// the wakers of ready sources after releasing the reactor's locks.
    /// Returns how many events were delivered to live sources.
    ///
    /// If another thread is turning the reactor, returns `Ok(0)` at once.
    /// A `Some` timeout costs polling two more syscalls than `None` (it
    /// arms a timerfd), so poll with `Some(ZERO)` sparingly.
    ///
    /// A waker that panics does not keep the others from being woken, and
    /// its panic does not reach the caller (step 4).
    ///
    /// # Errors
    ///
    /// If the OS wait fails (not for `EINTR`, which is retried).
    pub fn turn(&self, timeout: Option<Duration>) -> io::Result<usize> {
        let Some(mut turn) = self.begin_turn() else {
            return Ok(0);
        };
        let TurnState {
            events,
            wakers,
            tick,
        } = &mut *turn;
        // Step 2.
        events.clear();
        self.poller.wait(events, timeout)?;
        Ok(self.deliver(*tick, events.iter(), wakers))
    }

    /// Takes the turn, unless another thread has it, and does step 1.
    fn begin_turn(&self) -> Option<MutexGuard<'_, TurnState>> {
        let mut turn = self.turn.try_lock()?;
        // Step 1.
        turn.tick = turn.tick.wrapping_add(1);
        Some(turn)
    }

    /// Steps 3 and 4: delivers `events`, read from the poller in the turn
    /// `tick`, and wakes the wakers they collected into `wakers` (empty on
    /// entry). Returns how many events reached a live source.
    fn deliver(
        &self,
        tick: u32,
        events: impl Iterator<Item = Event>,
        wakers: &mut Vec<Waker>,
    ) -> usize {
        // Step 3.
        let mut delivered = 0;
        {
            let sources = self.sources();
            for event in events {
                if let Some(source) = sources.slab.get(event.key) {
                    delivered += 1;
                    source.set_ready(tick, event_states(&event), wakers);
                }
            }
        }
        // A diagnostic counter, ordered with nothing; one add a turn.
        self.ready_count
            .fetch_add(delivered as u64, std::sync::atomic::Ordering::Relaxed);
        // Step 4.
        wake_all(wakers);
        delivered
    }

    /// Wakes the thread blocked in [`turn`](Self::turn), or makes the next
    /// turn return at once if none is. Cheap when called repeatedly:
    /// polling coalesces notifications behind an atomic flag until the
    /// next wait consumes them.
    pub fn notify(&self) {
        // An error here means the eventfd write failed, which only happens
        // when its counter is full: the waiter is notified already.
        let _ = self.poller.notify();
    }

    /// Runtime shutdown: wakes every registered waker. From now on, IO on
    /// existing registrations returns an `io::Error` (kind `Other`, "the IO
    /// driver has shut down: the runtime is being dropped"), and so does
    /// registering a new source. Dropping IO objects stays fine.
    /// Idempotent. A panicking waker is handled as in [`turn`](Self::turn).
    pub fn shutdown(&self) {
        let mut wakers = Vec::new();
        {
            let mut sources = self.sources();
            if sources.shutdown {
                return;
            }
            sources.shutdown = true;
            for (_, source) in sources.slab.iter() {
                source.set_shutdown(&mut wakers);
            }
        }
        wake_all(&mut wakers);
        self.notify();
    }

    /// How many readiness events reached a live source since the reactor
    /// was made (tokio's `io_driver_ready_count`).
    pub fn ready_count(&self) -> u64 {
        self.ready_count.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// How many sources are registered.
    pub fn sources_len(&self) -> usize {
        self.sources().slab.len()
    }

    fn sources(&self) -> MutexGuard<'_, Sources> {
        self.sources.lock()
    }

    /// Registers `fd`, edge-triggered, for the events `interest` needs
    /// (read events for `READABLE` or `PRIORITY`, write events for
    /// `WRITABLE`; errors and hang-ups come whatever is asked), its
    /// readiness starting as `initial` says (`registration.rs`, rule 3).
    ///
    /// # Safety
    ///
    /// `fd` must stay open until [`Registration::deregister`] has been
    /// called with it (which deletes it from the poller): polling requires
    /// an fd to be deleted before it is closed.
    pub(crate) unsafe fn register(
        self: &Arc<Self>,
        fd: RawFd,
        interest: Interest,
        initial: Initial,
    ) -> io::Result<Registration> {
        let mut sources = self.sources();
        if sources.shutdown {
            return Err(shutdown_error());
        }
        let entry = sources.slab.vacant_entry();
        let key = entry.key();
        // SAFETY: the caller keeps `fd` open until it is deleted from this
        // poller (this function's contract, which `IoSource` meets by
        // deregistering in its `Drop` before its fd drops). `key` is a slab
        // index, never `usize::MAX` (polling's notify key) in practice:
        // the slab would need that many entries.
        unsafe {
            let event = Event::new(key, interest.wants_read_events(), interest.is_writable());
            self.poller.add_with_mode(fd, event, PollMode::Edge)?;
        }
        let source = Arc::new(Source::with_fd(key, fd, initial));
        entry.insert(source.clone());
        Ok(Registration::new(self.clone(), source))
    }

    /// Deletes `fd` from the poller: it gets no more events.
    pub(crate) fn delete(&self, fd: BorrowedFd<'_>) {
        // Errors mean the fd was not registered (or the poller is gone):
        // either way it gets no more events.
        let _ = self.poller.delete(fd);
    }

    /// Takes `source` out of the table.
    pub(crate) fn remove(&self, source: &Arc<Source>) {
        let mut sources = self.sources();
        if let Some(entry) = sources.slab.get(source.key) {
            if Arc::ptr_eq(entry, source) {
                sources.slab.remove(source.key);
            }
        }
    }
}

#[cfg(loom)]
impl Reactor {
    /// A turn as [`turn`](Self::turn) does it, with `events` in place of
    /// the poller's wait (step 2), which loom cannot run: see `__loom`.
    pub(crate) fn turn_with_events(&self, events: impl Iterator<Item = Event>) -> usize {
        let Some(mut turn) = self.begin_turn() else {
            return 0;
        };
        let TurnState { wakers, tick, .. } = &mut *turn;
        self.deliver(*tick, events, wakers)
    }
}

/// The states an event reports. polling reads `EPOLLIN`, `EPOLLPRI`,
/// `EPOLLHUP` and `EPOLLERR` as readable and `EPOLLOUT`, `EPOLLHUP` and
/// `EPOLLERR` as writable; a hang-up closes both sides (final states), an
/// error is `ERROR` only: a UDP socket's ICMP error, say, passes once read.
/// polling does not ask for `EPOLLRDHUP`: a peer's half-close is a plain
/// readable edge here (`registration.rs`, rule 5).
fn event_states(event: &Event) -> Ready {
    let mut ready = Ready::EMPTY;
    if event.readable {
        ready |= Ready::READABLE;
    }
    if event.writable {
        ready |= Ready::WRITABLE;
    }
    if event.is_interrupt() {
        ready |= Ready::READ_CLOSED | Ready::WRITE_CLOSED;
    }
    if event.is_priority() {
        ready |= Ready::from_bit(crate::ready::PRIORITY);
    }
    if event.is_err() == Some(true) {
        ready |= Ready::ERROR;
    }
    ready
}

/// Wakes and empties `wakers` (step 4). A panicking waker does not keep
/// the others from being woken; its panic is caught, and reported once
/// per call.
pub(crate) fn wake_all(wakers: &mut Vec<Waker>) {
    let mut panicked = false;
    for waker in wakers.drain(..) {
        // Unwind safety: nothing of the reactor is borrowed here, and the
        // waker is consumed whether or not it panics.
        panicked |= panic::catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err();
    }
    if panicked {
        // Not `eprintln!`, which panics if stderr cannot be written.
        let _ = writeln!(
            io::stderr(),
            "runtime: a waker panicked while the reactor woke it; \
             the other wakers were still woken"
        );
    }
}

impl fmt::Debug for Reactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sources = self.sources();
        f.debug_struct("Reactor")
            .field("sources", &sources.slab.len())
            .field("shutdown", &sources.shutdown)
            .finish_non_exhaustive()
    }
}
