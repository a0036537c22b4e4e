//! The batch semaphore: the one waiter-list primitive under `Mutex`,
//! `RwLock`, `Semaphore` and `OnceCell` (tokio's `batch_semaphore` is the
//! model; the code and the queue are this crate's own).
//!
//! # Design
//!
//! - **Permits** live in one atomic word, `available << 1 | CLOSED`, so an
//!   uncontended acquire or `try_acquire` is one CAS and takes no lock.
//! - **Waiters** are entries of a [`WaitQueue`] (a slab with a FIFO through
//!   it) under a mutex. A waiter records how many permits it still needs;
//!   a release hands permits to the oldest waiter first, in part if it
//!   cannot satisfy it, so a waiter for many permits (a `RwLock` writer) is
//!   never starved by a stream of waiters for few (readers).
//! - **Cancel**: an [`Acquire`] that is dropped while queued removes its
//!   entry and gives back whatever it was assigned (all of it, if it was
//!   granted but never polled again), which goes to the next waiters.
//! - **Close** sets `CLOSED`, pops every waiter with the verdict "closed"
//!   and wakes them all; from then on every acquire fails. Permits that are
//!   released later still count (`available_permits` sees them).
//!
//! Wakers are collected under the lock and woken after it is released
//! (`wake_list.rs`), in batches of 32.
//!
//! # Rules
//!
//! 1. Permits are **added** to the atomic only under the waiter lock, and
//!    only when the queue is empty (`release_locked`). Everything else
//!    (acquires, `forget_permits`) only subtracts.
//! 2. A waiter is **queued** only under the lock, and only after a CAS,
//!    under that same lock, took every permit the atomic held. With rule 1:
//!    whenever the lock is free, *a non-empty queue means the atomic holds
//!    no permits*. So an acquirer that finds enough permits in the atomic
//!    is never overtaking a queued waiter, and the lock-free fast path
//!    keeps FIFO order.
//! 3. Only the oldest waiter can hold part of its permits (releases fill
//!    the queue from the front and stop at the first waiter they cannot
//!    satisfy; a new waiter takes what the atomic holds only when it is
//!    alone, by rule 2).
//! 4. `CLOSED` is set only under the lock, together with emptying the
//!    queue, and never cleared. A waiter is queued only if `CLOSED` was
//!    clear under the lock, so none is left behind by `close`.
//! 5. A waiter's entry is removed only by its [`Acquire`] (rule 1 of
//!    `wait_queue.rs`): when it sees its verdict, or when it is dropped.
//!    Notifiers only pop it and write the verdict.
//!
//! # Memory ordering
//!
//! A permit carries the happens-before of its release to its next
//! acquirer, which is what makes a `Mutex` over the semaphore sound:
//!
//! - Through the atomic: the release's `fetch_add` is `Release`, every
//!   acquiring CAS is `AcqRel` on success (`Acquire` on failure, for the
//!   value it retries with). A CAS that reads a value written after the
//!   `fetch_add` (another acquire's or `forget_permits`'s RMW) still
//!   synchronizes with it: RMWs continue a release sequence.
//! - Through the queue: the release assigns the permits under the lock and
//!   the waiter reads its verdict under the lock.
//! - `close` is a `Release` `fetch_or`, and `is_closed` an `Acquire` load,
//!   so what was written before `close` is visible to whoever sees it
//!   closed (`OnceCell` and `SetOnce` publish their value this way).

use super::error::{AcquireError, TryAcquireError};
use super::wait_queue::{Key, WaitQueue};
use super::wake_list::WakeList;
use crate::loom::{AtomicUsize, Mutex, MutexGuard, Ordering};
use runtime_coop::wait::{SyncKind, WaitsOn};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

/// The most permits a semaphore can hold. Three bits of the word are
/// reserved, as in tokio (one is used, for `CLOSED`).
pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

const CLOSED: usize = 1;
const PERMIT_SHIFT: u32 = 1;

/// A counting semaphore whose waiters queue in FIFO order for any number
/// of permits at a time. See the module doc.
pub struct Semaphore {
    /// `available << PERMIT_SHIFT | CLOSED`.
    permits: AtomicUsize,
    waiters: Mutex<WaitQueue<Waiter>>,
    /// For task dumps: the type a waiting task sees (`with_kind`).
    kind: SyncKind,
}

/// One queued acquire.
#[derive(Debug)]
struct Waiter {
    /// Permits still to be assigned; the difference from `requested` was
    /// assigned already (rule 3).
    needed: usize,
    requested: usize,
    verdict: Verdict,
    /// `None` only once the verdict is in.
    waker: Option<Waker>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Linked in the queue, waiting for `needed` more permits.
    Waiting,
    /// Popped with every permit assigned.
    Granted,
    /// Popped by `close`.
    Closed,
}

/// The future of [`Semaphore::acquire`]: `Ok` once it holds its permits
/// (which the caller then owns and gives back with
/// [`release`](Semaphore::release)), `Err` if the semaphore is closed.
/// Dropping it while it waits is safe and gives back what it was assigned.
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    semaphore: &'a Semaphore,
    num_permits: usize,
    state: AcquireState,
}

#[derive(Debug)]
enum AcquireState {
    /// Not polled yet.
    Idle,
    /// Queued: the key of its waiter entry (rule 5).
    Queued(Key),
    /// Completed; it owns nothing any more.
    Done,
}

impl Semaphore {
    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn new(permits: usize) -> Semaphore {
        assert_permits(permits);
        Semaphore {
            permits: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitQueue::new()),
            kind: SyncKind::Semaphore,
        }
    }

    /// `new` for statics (not under loom, whose types have no `const fn`).
    #[cfg(not(loom))]
    pub(crate) const fn const_new(permits: usize) -> Semaphore {
        assert!(
            permits <= MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits"
        );
        Semaphore {
            permits: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitQueue::new()),
            kind: SyncKind::Semaphore,
        }
    }

    /// Which user-level type this semaphore serves, for task dumps (what
    /// a waiting task waits on); `Semaphore` unless set.
    pub(crate) const fn with_kind(mut self, kind: SyncKind) -> Semaphore {
        self.kind = kind;
        self
    }

    /// A closed semaphore with no permits.
    pub(crate) fn new_closed() -> Semaphore {
        Semaphore {
            permits: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(WaitQueue::new()),
            kind: SyncKind::Semaphore,
        }
    }

    /// `new_closed` for statics.
    #[cfg(not(loom))]
    pub(crate) const fn const_new_closed() -> Semaphore {
        Semaphore {
            permits: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(WaitQueue::new()),
            kind: SyncKind::Semaphore,
        }
    }

    /// The permits available now (not counting those assigned to a waiter
    /// that still waits for more).
    pub(crate) fn available_permits(&self) -> usize {
        // Acquire: a caller that sees all permits back may read what their
        // holders wrote before releasing them (pairs with the `Release`
        // `fetch_add` in `release_locked`).
        self.permits.load(Ordering::Acquire) >> PERMIT_SHIFT
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        // Acquire: pairs with the `Release` `fetch_or` in `close`.
        self.permits.load(Ordering::Acquire) & CLOSED == CLOSED
    }

    /// Takes `n` permits if they are available now. Never queues, and
    /// never overtakes a queued waiter (rule 2).
    ///
    /// # Panics
    /// If `n` exceeds [`MAX_PERMITS`].
    #[track_caller]
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        assert_permits(n);
        let needed = n << PERMIT_SHIFT;
        // Acquire/AcqRel: see "Memory ordering" in the module doc.
        let mut curr = self.permits.load(Ordering::Acquire);
        loop {
            if curr & CLOSED == CLOSED {
                return Err(TryAcquireError::Closed);
            }
            if curr < needed {
                return Err(TryAcquireError::NoPermits);
            }
            match self.permits.compare_exchange(
                curr,
                curr - needed,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => curr = actual,
            }
        }
    }

    /// A future that acquires `n` permits, waiting in FIFO order.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        Acquire {
            semaphore: self,
            num_permits: n,
            state: AcquireState::Idle,
        }
    }

    /// Gives back (or adds) `n` permits: to the queued waiters first, the
    /// rest to the atomic.
    ///
    /// # Panics
    /// If the available permits would exceed [`MAX_PERMITS`]; then none of
    /// the `n` is added to the atomic, and waiters already granted are
    /// still woken.
    #[track_caller]
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        assert!(
            n <= MAX_PERMITS,
            "cannot add more than MAX_PERMITS permits ({MAX_PERMITS})"
        );
        self.release_locked(n, self.waiters.lock());
    }

    /// Removes up to `n` available permits; returns how many it removed.
    /// Permits assigned to a waiter are not available, so not removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Relaxed: forgetting publishes nothing and reads nothing but the
        // count; as an RMW it does not break the release sequence that a
        // later acquirer synchronizes with (module doc).
        let mut curr = self.permits.load(Ordering::Relaxed);
        loop {
            let available = curr >> PERMIT_SHIFT;
            let forgotten = available.min(n);
            let next = curr - (forgotten << PERMIT_SHIFT);
            match self.permits.compare_exchange_weak(
                curr,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return forgotten,
                Err(actual) => curr = actual,
            }
        }
    }

    /// Closes the semaphore: every queued waiter fails with
    /// [`AcquireError`] and is woken, and every later acquire fails.
    pub(crate) fn close(&self) {
        let mut waiters = self.waiters.lock();
        // Release: pairs with the `Acquire` loads that see `CLOSED` (rule 4:
        // set under the lock, so no waiter queues after this).
        self.permits.fetch_or(CLOSED, Ordering::Release);
        loop {
            let mut wakers = WakeList::new();
            while wakers.can_push() {
                let Some(popped) = waiters.pop_front() else {
                    break;
                };
                let waiter = waiters.popped_mut(popped);
                waiter.verdict = Verdict::Closed;
                if let Some(waker) = waiter.waker.take() {
                    wakers.push(waker);
                }
            }
            let done = waiters.is_empty();
            drop(waiters);
            wakers.wake_all();
            if done {
                return;
            }
            waiters = self.waiters.lock();
        }
    }

    /// Hands `rem` permits to the queued waiters, oldest first; what is left
    /// once the queue is empty goes to the atomic (rule 1). Consumes the
    /// lock; wakes the waiters it completes with the lock released.
    #[track_caller]
    fn release_locked<'a>(
        &'a self,
        mut rem: usize,
        mut waiters: MutexGuard<'a, WaitQueue<Waiter>>,
    ) {
        loop {
            // Should anything below panic (a bug), dropping `wakers` still
            // wakes what it holds.
            let mut wakers = WakeList::new();
            while rem > 0 && wakers.can_push() {
                let Some(front) = waiters.front_mut() else {
                    break;
                };
                let assigned = front.needed.min(rem);
                front.needed -= assigned;
                rem -= assigned;
                if front.needed > 0 {
                    break; // the oldest waits for more: rule 3
                }
                front.verdict = Verdict::Granted;
                let waker = front.waker.take();
                waiters.pop_front();
                if let Some(waker) = waker {
                    wakers.push(waker);
                }
            }
            if rem > 0 && waiters.is_empty() {
                // Relaxed: under the lock nothing else adds (rule 1), so
                // this read can only overstate what is there.
                let available = self.permits.load(Ordering::Relaxed) >> PERMIT_SHIFT;
                if MAX_PERMITS - available < rem {
                    drop(waiters);
                    wakers.wake_all();
                    panic!(
                        "number of added permits ({rem}) would overflow MAX_PERMITS \
                         ({MAX_PERMITS})"
                    );
                }
                // Release: publishes the releaser's writes to the next
                // acquirer (module doc, "Memory ordering").
                self.permits
                    .fetch_add(rem << PERMIT_SHIFT, Ordering::Release);
                rem = 0;
            }
            drop(waiters);
            wakers.wake_all();
            if rem == 0 {
                return;
            }
            // The batch was full: wake it, then go on.
            waiters = self.waiters.lock();
        }
    }

    /// The first poll: the fast path, then (under the lock) take what is
    /// there and queue for the rest. `Ok(None)`: acquired; `Ok(Some(key))`:
    /// queued.
    fn acquire_or_queue(&self, waker: &Waker, n: usize) -> Result<Option<Key>, AcquireError> {
        match self.try_acquire(n) {
            Ok(()) => return Ok(None),
            Err(TryAcquireError::Closed) => return Err(AcquireError(())),
            Err(TryAcquireError::NoPermits) => {}
        }
        // Cloned before anything is taken: a panicking `clone` loses nothing.
        let waker = waker.clone();
        let mut waiters = self.waiters.lock();
        // Acquire/AcqRel: see "Memory ordering".
        let mut curr = self.permits.load(Ordering::Acquire);
        let taken = loop {
            if curr & CLOSED == CLOSED {
                return Err(AcquireError(()));
            }
            let taken = (curr >> PERMIT_SHIFT).min(n);
            match self.permits.compare_exchange(
                curr,
                curr - (taken << PERMIT_SHIFT),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break taken,
                Err(actual) => curr = actual,
            }
        };
        if taken == n {
            // Permits were released between the fast path and the lock.
            return Ok(None);
        }
        // Rule 2: the atomic is empty now, and stays so while we hold the
        // lock; rule 3: if we took some, the queue was empty.
        Ok(Some(waiters.push_back(Waiter {
            needed: n - taken,
            requested: n,
            verdict: Verdict::Waiting,
            waker: Some(waker),
        })))
    }

    /// `Pending`, recorded as what the current task waits on (task dumps).
    fn pending<T>(&self) -> Poll<T> {
        runtime_coop::wait::record(WaitsOn::Sync {
            kind: self.kind,
            addr: self as *const Semaphore as usize,
        });
        Poll::Pending
    }

    /// A later poll of a queued acquire: read the verdict, and once it is in,
    /// remove the entry under the same lock (rule 5).
    fn poll_queued(
        &self,
        cx: &mut Context<'_>,
        state: &mut AcquireState,
    ) -> Poll<Result<(), AcquireError>> {
        let AcquireState::Queued(key) = state else {
            unreachable!("only a queued acquire has a verdict to read")
        };
        let mut waiters = self.waiters.lock();
        let waiter = waiters.get_mut(key);
        let result = match waiter.verdict {
            Verdict::Waiting => {
                let old = match &waiter.waker {
                    Some(w) if w.will_wake(cx.waker()) => None,
                    _ => waiter.waker.replace(cx.waker().clone()),
                };
                drop(waiters);
                drop(old); // a waker's drop runs foreign code: not under the lock
                return self.pending();
            }
            Verdict::Granted => Ok(()),
            Verdict::Closed => Err(AcquireError(())),
        };
        if let AcquireState::Queued(key) = std::mem::replace(state, AcquireState::Done) {
            // Granted: the permits are the caller's now. Closed: it gives
            // back what it was assigned before the close.
            self.remove_waiter(key, result.is_ok(), waiters);
        }
        Poll::Ready(result)
    }

    /// Removes a queued acquire's entry (rule 5) and gives back what it was
    /// assigned: everything if it was granted (unless `keep_granted`: it
    /// completed, and its permits are the caller's), part if it was the
    /// oldest waiter.
    fn remove_waiter<'a>(
        &'a self,
        key: Key,
        keep_granted: bool,
        mut waiters: MutexGuard<'a, WaitQueue<Waiter>>,
    ) {
        let waiter = waiters.remove(key);
        let assigned = match waiter.verdict {
            Verdict::Granted if keep_granted => 0,
            _ => waiter.requested - waiter.needed,
        };
        if assigned > 0 {
            self.release_locked(assigned, waiters);
        } else {
            drop(waiters);
        }
        // Its waker (if still there) is dropped with the lock released: a
        // waker's drop runs foreign code, which may use this semaphore.
        drop(waiter);
    }
}

#[track_caller]
fn assert_permits(n: usize) {
    assert!(
        n <= MAX_PERMITS,
        "a semaphore may not have more than MAX_PERMITS permits ({MAX_PERMITS})"
    );
}

impl Future for Acquire<'_> {
    type Output = Result<(), AcquireError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut coop = ready!(runtime_coop::poll_proceed(cx));
        let this = &mut *self;
        let result = match &this.state {
            AcquireState::Idle => match this
                .semaphore
                .acquire_or_queue(cx.waker(), this.num_permits)
            {
                Ok(Some(key)) => {
                    this.state = AcquireState::Queued(key);
                    return this.semaphore.pending();
                }
                Ok(None) => Ok(()),
                Err(closed) => Err(closed),
            },
            AcquireState::Queued(_) => ready!(this.semaphore.poll_queued(cx, &mut this.state)),
            AcquireState::Done => panic!("`Acquire` polled after it completed"),
        };
        this.state = AcquireState::Done;
        coop.made_progress();
        Poll::Ready(result)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if let AcquireState::Queued(key) = std::mem::replace(&mut self.state, AcquireState::Done) {
            // Cancelled: whatever it was assigned goes to the next waiters.
            let waiters = self.semaphore.waiters.lock();
            self.semaphore.remove_waiter(key, false, waiters);
        }
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire")
            .field("num_permits", &self.num_permits)
            .field("state", &self.state)
            .finish()
    }
}
