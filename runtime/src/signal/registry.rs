//! The process-wide half of signal delivery: the wake-up socket, the
//! handler each signal number gets once, and per signal its delivery count
//! and the wakers of its listeners. The rules cited here are numbered in
//! the module doc of `signal/mod.rs`.
//!
//! Everything but the handler lives behind one lock, [`REGISTRY`]; the
//! handler touches only what it captured, never the lock (rule 1). This
//! state is outside the loom shim on purpose: it lives in a `static` for
//! the life of the process, and what it orders against is the kernel (a
//! signal handler and a socket buffer), which loom cannot model.

use parking_lot::{const_mutex, Mutex, MutexGuard};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::raw::c_int;
use std::os::unix::net::UnixStream;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Poll, Waker};

/// Everything signal delivery shares outside the handler.
static REGISTRY: Mutex<Registry> = const_mutex(Registry::new());

struct Registry {
    /// Created on the first `signal()`, then never replaced or closed.
    wake: Option<&'static WakeSocket>,
    /// One entry per signal number a handler was installed (or tried)
    /// for; entries are never removed, so a listener keeps its index.
    signals: Vec<SignalState>,
}

/// A connected pair of non-blocking sockets: the handler writes a byte to
/// `sender`, and listeners read `receiver` (each through its own `dup`).
/// Leaked, so both fds stay open for the life of the process: the handler
/// may write to `sender` at any moment, forever.
struct WakeSocket {
    sender: UnixStream,
    receiver: UnixStream,
}

struct SignalState {
    signum: c_int,
    /// Set by the handler (rule 1), taken by [`Registry::dispatch`]
    /// (rule 2). Leaked: the handler holds a `&'static` to it.
    pending: &'static AtomicBool,
    /// Whether the handler is installed; listeners exist only then.
    installed: bool,
    /// Dispatches that found `pending` set (rule 2); a listener compares
    /// it with the value it last saw (rule 3).
    deliveries: u64,
    listeners: Listeners,
}

impl Registry {
    const fn new() -> Registry {
        Registry {
            wake: None,
            signals: Vec::new(),
        }
    }

    /// The wake-up socket, created on first use.
    fn wake_socket(&mut self) -> io::Result<&'static WakeSocket> {
        if let Some(wake) = self.wake {
            return Ok(wake);
        }
        let (receiver, sender) = UnixStream::pair()?;
        // Non-blocking on both ends: the handler must never block on a
        // full buffer (a byte is pending then, which is all it wants), and
        // a drain stops at `WouldBlock`.
        sender.set_nonblocking(true)?;
        receiver.set_nonblocking(true)?;
        let wake: &'static WakeSocket = Box::leak(Box::new(WakeSocket { sender, receiver }));
        self.wake = Some(wake);
        Ok(wake)
    }

    /// The index of `signum`'s entry, installing its handler first if
    /// this is the first listener ever of that signal. A failed install is
    /// not remembered: the next `signal()` tries again, with the same flag
    /// (the failed attempt may have left an action holding it).
    fn install(&mut self, signum: c_int, wake: &'static WakeSocket) -> io::Result<usize> {
        let index = match self.signals.iter().position(|s| s.signum == signum) {
            Some(index) => index,
            None => {
                self.signals.push(SignalState {
                    signum,
                    pending: Box::leak(Box::new(AtomicBool::new(false))),
                    installed: false,
                    deliveries: 0,
                    listeners: Listeners::new(),
                });
                self.signals.len() - 1
            }
        };
        let state = &mut self.signals[index];
        if state.installed {
            return Ok(index);
        }
        debug_assert!(
            signum > 0 && !signal_hook_registry::FORBIDDEN.contains(&signum),
            "`unix::signal` checks the number before it gets here"
        );
        let (pending, sender) = (state.pending, &wake.sender);
        // SAFETY: `register` runs the action inside the signal handler, so
        // the action must be async-signal-safe, touch shared data only
        // through atomics, and never panic. `on_signal` does an atomic
        // store on a lock-free `AtomicBool` and one `write(2)` (on POSIX's
        // list of async-signal-safe functions), ignores the result,
        // allocates nothing, takes no lock, indexes nothing, and reads only
        // the two `'static` references it captured, which stay valid for
        // the process's life (both are leaked). The `errno` the write may
        // set is saved and restored by signal-hook-registry's handler
        // around the actions. `register` itself would panic for a
        // `FORBIDDEN` signal, which `unix::signal` has refused before.
        let registered =
            unsafe { signal_hook_registry::register(signum, move || on_signal(pending, sender)) };
        registered?;
        state.installed = true;
        Ok(index)
    }

    /// Rule 2: takes every pending flag; for each that was set, counts a
    /// delivery and moves the waker of each of that signal's listeners to
    /// `woken`, to be woken once the lock is released.
    fn dispatch(&mut self, woken: &mut Vec<Waker>) {
        for state in &mut self.signals {
            // SeqCst, as the store in `on_signal`: see there.
            if state.pending.swap(false, Ordering::SeqCst) {
                state.deliveries = state.deliveries.wrapping_add(1);
                woken.extend(state.listeners.take_wakers());
            }
        }
    }
}

/// The signal handler's whole work (rule 1): mark `signum` pending, then
/// make the wake-up socket readable. Async-signal-safe; see the SAFETY
/// comment in [`Registry::install`].
fn on_signal(pending: &AtomicBool, sender: &UnixStream) {
    // SeqCst, pairing with the swap in `Registry::dispatch`. The order
    // that rule 2 relies on runs through the kernel: this store comes
    // before the write below, a drainer's read comes before its swap, and
    // the socket buffer orders the write before the read. No ordering of
    // the memory model names a syscall, so the strongest is used (as
    // tokio does); it costs nothing at signal rates.
    pending.store(true, Ordering::SeqCst);
    let byte = 1u8;
    // SAFETY: the fd is `sender`'s, open for the life of the process (the
    // socket is leaked), and the buffer is one readable byte on the stack.
    // The result is ignored: `EAGAIN` means the buffer is full, so a byte
    // is unread already and the wake-up this write wanted is on its way.
    let _ = unsafe { libc::write(sender.as_raw_fd(), (&raw const byte).cast(), 1) };
}

fn lock() -> MutexGuard<'static, Registry> {
    REGISTRY.lock()
}

/// Wakes each waker with no lock held, each inside `catch_unwind`: a
/// waker is not our code, and one that panics must not keep the others
/// asleep nor unwind into the `Signal` that dispatched.
fn wake_all(wakers: Vec<Waker>) {
    for waker in wakers {
        // Unwind safety: nothing of ours is borrowed, and the waker is
        // consumed whether or not it panics.
        let _ = catch_unwind(AssertUnwindSafe(|| waker.wake()));
    }
}

/// Reads `receiver` until it would block. The bytes carry nothing (which
/// signal came is in the pending flags), so they are thrown away. Returns
/// the `WouldBlock` error that ends a drain, or any other error (end of
/// stream, which cannot happen while the sender lives).
pub(super) fn drain(mut receiver: &UnixStream) -> io::Result<()> {
    let mut buf = [0u8; 64];
    loop {
        match receiver.read(&mut buf) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A new fd for the read end of the wake-up socket (creating the socket
/// on first use), for one listener's `AsyncFd`: each listener registers
/// its own fd, so each reactor gets its own readiness for the same socket.
pub(super) fn receiver() -> io::Result<UnixStream> {
    let wake = lock().wake_socket()?;
    // `try_clone` dups with `F_DUPFD_CLOEXEC`; the copy shares the open
    // socket, and with it the non-blocking flag.
    wake.receiver.try_clone()
}

/// One `Signal`'s entry: which signal, its waker slot, and the delivery
/// count it has seen. Dropping it removes the slot.
#[derive(Debug)]
pub(super) struct Listener {
    /// Index of the signal's entry in `Registry::signals`.
    signal: usize,
    /// Key of the waker slot in that entry's `listeners`.
    key: usize,
    /// The signal's delivery count when this listener last returned (or
    /// when it was created).
    seen: u64,
}

/// Rule 5: installs `signum`'s handler if needed, then, in one critical
/// section, drains, dispatches, and takes the count as seen, so
/// deliveries that came before are not seen and later ones are.
pub(super) fn listen(signum: c_int) -> io::Result<Listener> {
    let mut woken = Vec::new();
    let listener = {
        let mut registry = lock();
        let wake = registry.wake_socket()?;
        let signal = registry.install(signum, wake)?;
        // Rule 2: whoever drains dispatches. A drain error is the
        // `WouldBlock` that ends it.
        let _ = drain(&wake.receiver);
        registry.dispatch(&mut woken);
        let state = &mut registry.signals[signal];
        Listener {
            signal,
            key: state.listeners.insert(),
            seen: state.deliveries,
        }
    };
    wake_all(woken);
    Ok(listener)
}

impl Listener {
    /// Rules 2 and 3: dispatches, then returns `Ready` if the signal's
    /// count moved since this listener last saw it, or stores `waker` for
    /// the next dispatch that moves it. The caller has drained its fd
    /// just before (rule 4).
    pub(super) fn poll(&mut self, waker: &Waker) -> Poll<()> {
        let mut woken = Vec::new();
        let replaced;
        let ready = {
            let mut registry = lock();
            registry.dispatch(&mut woken);
            let state = &mut registry.signals[self.signal];
            let slot = state.listeners.waker_mut(self.key);
            if state.deliveries != self.seen {
                self.seen = state.deliveries;
                replaced = slot.take();
                true
            } else {
                replaced = match slot {
                    Some(stored) if stored.will_wake(waker) => None,
                    _ => slot.replace(waker.clone()),
                };
                false
            }
        };
        // A waker's drop may run foreign code: never under the lock.
        drop(replaced);
        wake_all(woken);
        if ready {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let waker = lock().signals[self.signal].listeners.remove(self.key);
        drop(waker);
    }
}

/// How many listeners of `signum` exist now (for tests: a dropped
/// `Signal` must leave none behind).
pub(super) fn listener_count(signum: c_int) -> usize {
    lock()
        .signals
        .iter()
        .find(|s| s.signum == signum)
        .map_or(0, |s| s.listeners.len)
}

/// The waker slots of one signal's listeners: a vector with a free list,
/// so a dropped listener's slot is reused and the vector never outgrows
/// the most listeners alive at once.
struct Listeners {
    slots: Vec<Slot>,
    /// Head of the free list of vacant slots.
    free: Option<usize>,
    len: usize,
}

enum Slot {
    /// A listener's waker: `None` until it waits, and again once a
    /// dispatch took it.
    Taken(Option<Waker>),
    /// Free; the next free slot.
    Vacant(Option<usize>),
}

impl Listeners {
    const fn new() -> Listeners {
        Listeners {
            slots: Vec::new(),
            free: None,
            len: 0,
        }
    }

    fn insert(&mut self) -> usize {
        self.len += 1;
        match self.free {
            Some(key) => {
                self.free = match self.slots[key] {
                    Slot::Vacant(next) => next,
                    Slot::Taken(_) => unreachable!("the free list holds a taken slot"),
                };
                self.slots[key] = Slot::Taken(None);
                key
            }
            None => {
                self.slots.push(Slot::Taken(None));
                self.slots.len() - 1
            }
        }
    }

    /// Frees `key`'s slot and returns its waker, to be dropped unlocked.
    fn remove(&mut self, key: usize) -> Option<Waker> {
        let slot = std::mem::replace(&mut self.slots[key], Slot::Vacant(self.free));
        self.free = Some(key);
        self.len -= 1;
        match slot {
            Slot::Taken(waker) => waker,
            Slot::Vacant(_) => unreachable!("a listener's slot was vacant"),
        }
    }

    fn waker_mut(&mut self, key: usize) -> &mut Option<Waker> {
        match &mut self.slots[key] {
            Slot::Taken(waker) => waker,
            Slot::Vacant(_) => unreachable!("a listener's slot was vacant"),
        }
    }

    fn take_wakers(&mut self) -> impl Iterator<Item = Waker> + '_ {
        self.slots.iter_mut().filter_map(|slot| match slot {
            Slot::Taken(waker) => waker.take(),
            Slot::Vacant(_) => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Listeners;
    use std::task::Waker;

    #[test]
    fn slots_are_reused() {
        let mut listeners = Listeners::new();
        let a = listeners.insert();
        let b = listeners.insert();
        *listeners.waker_mut(a) = Some(Waker::noop().clone());
        assert!(listeners.remove(a).is_some());
        assert!(listeners.remove(b).is_none());
        assert_eq!(listeners.len, 0);
        for _ in 0..10 {
            let c = listeners.insert();
            let d = listeners.insert();
            listeners.remove(c);
            listeners.remove(d);
        }
        assert_eq!(listeners.slots.len(), 2, "a freed slot is reused");
    }

    #[test]
    fn take_wakers_empties_the_slots() {
        let mut listeners = Listeners::new();
        let a = listeners.insert();
        let _b = listeners.insert();
        *listeners.waker_mut(a) = Some(Waker::noop().clone());
        assert_eq!(listeners.take_wakers().count(), 1);
        assert_eq!(listeners.take_wakers().count(), 0);
    }
}
