//! Parking a thread: a three-state word, a mutex and a condition variable.
//!
//! `unpark` before `park` is remembered (the NOTIFIED state), so a wake-up
//! sent while the target is on its way to sleep is never lost; spurious
//! condvar wake-ups loop. This is the thread-park half of the worker's
//! driver (see `driver.rs`).
//!
//! A thread that holds the driver parks *in the driver* instead (blocked
//! in the IO reactor's `turn`), in the fourth state, `PARKED_DRIVER`: an
//! `unpark` then calls the driver's wake hook (the reactor's `notify`)
//! rather than the condvar. The hook makes a later `turn` return at once
//! if it comes before the thread blocks, so the handover loses nothing.

use crate::loom::{Arc, AtomicUsize, Condvar, Mutex, OnceLock, Ordering};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
const PARKED_DRIVER: usize = 3;

/// Wakes a thread blocked in the driver (the reactor's `notify`).
pub(crate) type DriverWake = std::sync::Arc<dyn Fn() + Send + Sync>;

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

struct Inner {
    state: AtomicUsize,
    lock: Mutex<()>,
    cvar: Condvar,
    /// Set once, before the owner first parks in the driver.
    driver_wake: OnceLock<DriverWake>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parker")
            .field("state", &self.state)
            .field("in_driver", &self.driver_wake.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                lock: Mutex::new(()),
                cvar: Condvar::new(),
                driver_wake: OnceLock::new(),
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Whether an unpark is pending.
    pub(crate) fn is_notified(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) == NOTIFIED
    }

    /// Consumes a pending unpark, if there is one, without blocking.
    pub(crate) fn try_take_unpark(&self) -> bool {
        self.inner
            .state
            .compare_exchange(NOTIFIED, EMPTY, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    }

    /// Blocks until unparked, or until `timeout` passed (`None`: no limit).
    /// May return early; callers re-check their condition.
    pub(crate) fn park(&self, timeout: Option<Duration>) {
        self.park_then(timeout, &|| {});
    }

    /// [`park`](Self::park), calling `parked` once the state says PARKED
    /// (what [`Unparker::is_parked`] reads), before blocking.
    pub(crate) fn park_then(&self, timeout: Option<Duration>, parked: &dyn Fn()) {
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
        parked();
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

impl Parker {
    /// Parks by calling `wait`, which blocks in the driver until the hook
    /// given to [`set_driver_wake`](Self::set_driver_wake) is called (or
    /// its own timeout). Returns at once if an unpark is pending.
    pub(crate) fn park_in_driver(&self, wait: impl FnOnce()) {
        let inner = &*self.inner;
        debug_assert!(inner.driver_wake.get().is_some(), "no driver wake hook");
        // SeqCst: pairs with the `swap` in `unpark`: either it sees
        // PARKED_DRIVER and calls the hook, or we see NOTIFIED here.
        match inner
            .state
            .compare_exchange(EMPTY, PARKED_DRIVER, Ordering::SeqCst, Ordering::SeqCst)
        {
            Ok(_) => {}
            Err(NOTIFIED) => {
                inner.state.swap(EMPTY, Ordering::SeqCst);
                return;
            }
            Err(actual) => unreachable!("parker in state {actual} while its owner parks"),
        }
        wait();
        // Woken, timed out or events: leave PARKED_DRIVER. `swap` also
        // consumes a notification that came meanwhile (its hook call made
        // `wait` return, or will make the next one return at once: a
        // spurious wake-up, which callers tolerate).
        inner.state.swap(EMPTY, Ordering::SeqCst);
    }

    /// The hook `unpark` calls for a thread parked in the driver.
    pub(crate) fn set_driver_wake(&self, wake: DriverWake) {
        let _ = self.inner.driver_wake.set(wake);
    }
}

impl Unparker {
    /// Whether the owner is blocked in `park` with no unpark pending.
    pub(crate) fn is_parked(&self) -> bool {
        self.inner.state.load(Ordering::SeqCst) == PARKED
    }

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
            PARKED_DRIVER => {
                if let Some(wake) = inner.driver_wake.get() {
                    wake();
                }
            }
            actual => unreachable!("parker in state {actual}"),
        }
    }
}

/// Polls `future` on this thread, parking on `parker` between polls until
/// the future's waker unparks it, until it completes, or until `give_up`
/// (asked after each `Pending` poll) says to stop: then returns `None`;
/// `parked` is called each time the thread is about to block
/// ([`Parker::park_then`]). The one park-and-poll loop of both `block_on`s
/// (a multi-thread runtime's, and a current-thread one's while another
/// thread drives its tasks), reached through `Driver::block_on`.
pub(crate) fn block_on_with<F: std::future::Future>(
    mut future: std::pin::Pin<&mut F>,
    parker: &Parker,
    parked: &dyn Fn(),
    mut give_up: impl FnMut() -> bool,
) -> Option<F::Output> {
    struct Unpark(Unparker);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(parker.unparker())));
    let mut cx = std::task::Context::from_waker(&waker);
    loop {
        if let std::task::Poll::Ready(v) = runtime_coop::budget(|| future.as_mut().poll(&mut cx)) {
            return Some(v);
        }
        if give_up() {
            return None;
        }
        parker.park_then(None, parked);
    }
}
