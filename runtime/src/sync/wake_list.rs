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
