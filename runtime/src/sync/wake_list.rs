//! Waking outside the lock: wakers are collected while a waiter list is
//! locked, and woken once it is unlocked, each inside `catch_unwind`.
//!
//! A waker runs code that is not ours. Woken under the lock, it could poll
//! at once on another thread and block on that lock; and one that panics
//! must neither leave the other waiters asleep nor unwind into the
//! notifier (a guard's `drop`, where a second panic aborts). Its panic is
//! reported in one line on stderr (the panic hook has printed its message
//! already).

use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::task::Waker;

/// How many wakers one batch holds. A notifier that has more to wake
/// unlocks, wakes this many, and locks again, so no allocation is needed
/// and the lock is never held for long.
const BATCH: usize = 32;

/// A fixed-size batch of wakers to wake once the lock is released.
/// Dropping it wakes what it holds, so a panic between collecting and
/// waking loses no wake-up.
pub(crate) struct WakeList {
    wakers: [Option<Waker>; BATCH],
    len: usize,
}

impl WakeList {
    pub(crate) fn new() -> Self {
        WakeList {
            wakers: [const { None }; BATCH],
            len: 0,
        }
    }

    /// Whether another waker fits.
    pub(crate) fn can_push(&self) -> bool {
        self.len < BATCH
    }

    /// Adds a waker. Call only when [`can_push`](WakeList::can_push).
    pub(crate) fn push(&mut self, waker: Waker) {
        debug_assert!(self.can_push(), "a full `WakeList` was pushed to");
        self.wakers[self.len] = Some(waker);
        self.len += 1;
    }

    /// Wakes every waker held (call it with no lock held) and empties the
    /// list.
    pub(crate) fn wake_all(&mut self) {
        let len = std::mem::take(&mut self.len);
        wake_all(self.wakers[..len].iter_mut().filter_map(Option::take));
    }
}

impl Drop for WakeList {
    fn drop(&mut self) {
        self.wake_all();
    }
}

/// Wakes each of `wakers`, with no lock held. A panicking waker does not
/// keep the others from being woken; its panic is caught, and reported
/// once per call.
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    let mut panicked = false;
    for waker in wakers {
        // Unwind safety: no state of a sync type is borrowed here, and the
        // waker is consumed whether or not it panics.
        panicked |= catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err();
    }
    if panicked {
        // Not `eprintln!`, which panics if stderr cannot be written.
        let _ = writeln!(
            io::stderr(),
            "runtime: a waker panicked while a `sync` type woke it; \
             the other wakers were still woken"
        );
    }
}
