//! Parking a thread: a three-state word, a mutex and a condition variable.
//!
//! `unpark` before `park` is remembered (the NOTIFIED state), so a wake-up
//! sent while the target is on its way to sleep is never lost; spurious
//! condvar wake-ups loop. This is the thread-park half of the worker's
//! driver (see `driver.rs`).

use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, Ordering};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;

/// The owner's half: only the owning thread parks.
#[derive(Debug)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The other threads' half: wakes the owner.
#[derive(Clone, Debug)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked, or until `timeout` passed (`None`: no limit).
    /// May return early; callers re-check their condition.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        let inner = &*self.inner;
        // Fast path: a pending notification. SeqCst pairs with the `swap`
        // in `unpark`, so what the unparker wrote before it is seen here.
        if inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
        if timeout == Some(Duration::ZERO) {
            return;
        }
        let mut guard = inner.lock.lock();
        match inner
            .state
            .compare_exchange(EMPTY, PARKED, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Notified between the fast path and the lock: consume it.
                // `swap`, not `store`: acquire what the unparker released.
                inner.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker in state {actual} while its owner parks"),
        }
        match timeout {
            None => loop {
                guard = inner.cvar.wait(guard);
                if inner
                    .state
                    .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok()
                {
                    return;
                }
                // Spurious wake-up: still PARKED, wait again.
            },
            Some(timeout) => {
                guard = inner.cvar.wait_timeout(guard, timeout);
                drop(guard);
                // Timed out or notified: either way leave PARKED. `swap`
                // consumes a notification that raced with the timeout.
                inner.state.swap(EMPTY, Ordering::SeqCst);
            }
        }
    }
}

impl Unparker {
    /// Wakes the owner, now or at its next `park`.
    pub(crate) fn unpark(&self) {
        let inner = &*self.inner;
        // `swap`, not CAS: NOTIFIED must be set whatever the state, and the
        // release half publishes this thread's writes to the parker.
        match inner.state.swap(NOTIFIED, Ordering::SeqCst) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // The owner may be between its CAS to PARKED and its wait:
                // taking the lock waits until it is inside `wait`, so the
                // notification below cannot be missed.
                drop(inner.lock.lock());
                inner.cvar.notify_one();
            }
            actual => unreachable!("parker in state {actual}"),
        }
    }
}
