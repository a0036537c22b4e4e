//! `Notify`: wake one task or all waiting tasks, with tokio's permit rules.
//! No crate has those rules (event-listener has no stored permit), so it is
//! written here: a lock around a [`WaitQueue`] of waiters (the same list
//! the batch semaphore uses), a one-permit flag, and a generation counter
//! for `notify_waiters`.
//!
//! A waiter is popped off the queue by a notification, which leaves its
//! verdict in the entry (rule 5 of `batch_semaphore.rs` holds here too:
//! only the `Notified` removes its entry). One chosen by `notify_one` or
//! `notify_last` that is dropped before it saw the verdict passes the
//! notification on, the same way.
//!
//! Wakers are woken with the lock released, each inside `catch_unwind`
//! (`wake_list.rs`).

use super::wait_queue::{Key, WaitQueue};
use super::wake_list::wake_all;
use crate::loom::{AtomicUsize, Mutex, Ordering};
use runtime_coop::wait::SyncKind;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Notifies tasks of an event, as tokio's `Notify` (asyncio's `Event` or
/// `Condition` without the lock).
///
/// - [`notify_one`](Notify::notify_one) wakes the longest-waiting
///   [`notified`](Notify::notified) future (and
///   [`notify_last`](Notify::notify_last) the most recent one); if none
///   waits, it stores one permit, which the next `notified().await`
///   consumes at once (at most one permit is stored).
/// - [`notify_waiters`](Notify::notify_waiters) wakes every `Notified`
///   future created before the call, polled or not, and stores no permit.
/// - A `Notified` waits (for `notify_one`) from its first poll, or from
///   [`Notified::enable`].
///
/// ```
/// use runtime::sync::Notify;
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let ready = Arc::new(Notify::new());
/// let r = ready.clone();
/// let waiter = runtime::spawn(async move { r.notified().await; "go" });
/// ready.notify_one(); // a permit if the waiter is not waiting yet
/// assert_eq!(waiter.await.unwrap(), "go");
/// # });
/// ```
pub struct Notify {
    state: Mutex<State>,
    /// Calls of `notify_waiters` so far; a `Notified` remembers the value
    /// it was created at. Changed under the lock; read without it at
    /// creation.
    generation: AtomicUsize,
}

struct State {
    permit: bool,
    waiters: WaitQueue<Waiter>,
}

struct Waiter {
    /// `None` while enabled but never polled, or once woken.
    waker: Option<Waker>,
    /// Set when popped off the queue.
    verdict: Option<Verdict>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Chosen by `notify_one` (`Fifo`) or `notify_last` (`Lifo`): passed on
    /// the same way if dropped unseen.
    One(Strategy),
    /// Released by `notify_waiters`.
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strategy {
    Fifo,
    Lifo,
}

/// The future of [`Notify::notified`].
///
/// A check-then-wait loop: [`enable`](Notified::enable) before the check,
/// so a notification between the check and the await is not missed.
///
/// ```
/// use runtime::sync::Notify;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// # runtime::Runtime::new().unwrap().block_on(async {
/// let (ready, notify) = (Arc::new(AtomicBool::new(false)), Arc::new(Notify::new()));
/// let setter = {
///     let (ready, notify) = (ready.clone(), notify.clone());
///     runtime::spawn(async move {
///         ready.store(true, Ordering::Release);
///         notify.notify_waiters();
///     })
/// };
/// loop {
///     let notified = notify.notified();
///     let mut notified = std::pin::pin!(notified);
///     notified.as_mut().enable();
///     if ready.load(Ordering::Acquire) {
///         break;
///     }
///     notified.await;
/// }
/// setter.await.unwrap();
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: usize,
    wait: Wait,
}

enum Wait {
    Init,
    Waiting(Key),
    Done,
}

impl Notify {
    /// A `Notify` with no permit and no waiter.
    pub fn new() -> Notify {
        Notify {
            state: Mutex::new(State::new()),
            generation: AtomicUsize::new(0),
        }
    }

    /// [`new`](Notify::new) in a `const` context, for a `static`.
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: Mutex::new(State::new()),
            generation: AtomicUsize::new(0),
        }
    }

    /// A future that completes when this `Notify` is notified (see the type
    /// doc). Creating it is what counts for `notify_waiters`.
    ///
    /// ```
    /// use runtime::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// // A permit stored before anyone waits is not lost.
    /// notify.notify_one();
    /// notify.notified().await; // at once
    ///
    /// let n = notify.clone();
    /// let waiter = runtime::spawn(async move { n.notified().await });
    /// notify.notify_one();
    /// waiter.await.unwrap();
    /// # });
    /// ```
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            // SeqCst: pairs with the SeqCst increment in `notify_waiters`,
            // and orders this read before whatever the caller checks next
            // (a `watch` version), so a change made before a
            // `notify_waiters` that this read missed is seen, or the
            // generation differs at the first poll.
            generation: self.generation.load(Ordering::SeqCst),
            wait: Wait::Init,
        }
    }

    /// Wakes the longest-waiting `Notified`, or stores a permit if none
    /// waits. If its waker panics, the panic is caught (see the module
    /// doc).
    pub fn notify_one(&self) {
        let waker = self.state.lock().notify(Strategy::Fifo);
        wake_all(waker);
    }

    /// As [`notify_one`](Notify::notify_one), but wakes the most recent
    /// waiter instead of the oldest.
    pub fn notify_last(&self) {
        let waker = self.state.lock().notify(Strategy::Lifo);
        wake_all(waker);
    }

    /// Wakes every `Notified` created before this call, even if one of
    /// their wakers panics (the panic is caught: see the module doc).
    /// Stores no permit.
    ///
    /// ```
    /// use runtime::sync::Notify;
    /// use std::sync::Arc;
    ///
    /// # let rt = runtime::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let notify = Arc::new(Notify::new());
    /// let waiters: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let notify = notify.clone();
    ///         let (ready_tx, ready_rx) = runtime::sync::oneshot::channel();
    ///         let task = runtime::spawn(async move {
    ///             let notified = notify.notified();
    ///             let mut notified = std::pin::pin!(notified);
    ///             notified.as_mut().enable(); // counts from here
    ///             ready_tx.send(()).unwrap();
    ///             notified.await;
    ///         });
    ///         (task, ready_rx)
    ///     })
    ///     .collect();
    /// let mut tasks = Vec::new();
    /// for (task, ready) in waiters {
    ///     ready.await.unwrap();
    ///     tasks.push(task);
    /// }
    /// notify.notify_waiters(); // all three
    /// for t in tasks {
    ///     t.await.unwrap();
    /// }
    /// # });
    /// ```
    pub fn notify_waiters(&self) {
        let mut wakers = Vec::new();
        {
            let mut state = self.state.lock();
            // SeqCst: see `notified`.
            self.generation.fetch_add(1, Ordering::SeqCst);
            // All of them under one lock: a waiter that queues after this
            // call must not be released by it.
            while let Some(popped) = state.waiters.pop_front() {
                let waiter = state.waiters.popped_mut(popped);
                waiter.verdict = Some(Verdict::All);
                wakers.extend(waiter.waker.take());
            }
        }
        // Woken with the lock released: a waker may poll at once.
        wake_all(wakers);
    }
}

impl State {
    const fn new() -> State {
        State {
            permit: false,
            waiters: WaitQueue::new(),
        }
    }

    /// Pops the oldest (`Fifo`) or newest (`Lifo`) waiter, returning its
    /// waker, or stores the permit if none waits.
    fn notify(&mut self, strategy: Strategy) -> Option<Waker> {
        let popped = match strategy {
            Strategy::Fifo => self.waiters.pop_front(),
            Strategy::Lifo => self.waiters.pop_back(),
        };
        let Some(popped) = popped else {
            self.permit = true;
            return None;
        };
        let waiter = self.waiters.popped_mut(popped);
        waiter.verdict = Some(Verdict::One(strategy));
        waiter.waker.take()
    }
}

impl<'a> Notified<'a> {
    /// Registers this future as a waiter without polling it, so a
    /// `notify_one` from now on picks it (in FIFO order with the others)
    /// instead of storing a permit. Returns whether it is already
    /// notified, in which case awaiting it completes at once: a
    /// `notify_waiters` since it was created, a stored permit (consumed on
    /// the first `enable` or poll), or a notification since it was
    /// enabled or polled.
    ///
    /// It is what makes a check-then-wait loop race free: enable, check the
    /// condition, then await.
    pub fn enable(self: Pin<&mut Self>) -> bool {
        self.get_mut().poll_notified(None).is_ready()
    }

    fn poll_notified(&mut self, waker: Option<&Waker>) -> Poll<()> {
        let mut state = self.notify.state.lock();
        match &self.wait {
            Wait::Done => return Poll::Ready(()),
            Wait::Init => {
                // Relaxed: the lock orders this read after any increment
                // made under it.
                // A `notify_waiters` since creation, or a stored permit.
                let woken = self.notify.generation.load(Ordering::Relaxed) != self.generation
                    || std::mem::take(&mut state.permit);
                if !woken {
                    let key = state.waiters.push_back(Waiter {
                        waker: waker.cloned(),
                        verdict: None,
                    });
                    self.wait = Wait::Waiting(key);
                    return super::pending(SyncKind::Notify, self.notify);
                }
            }
            Wait::Waiting(key) => {
                let entry = state.waiters.get_mut(key);
                if entry.verdict.is_none() {
                    let old = match (waker, &entry.waker) {
                        (None, _) => None,
                        (Some(new), Some(old)) if old.will_wake(new) => None,
                        (Some(new), _) => entry.waker.replace(new.clone()),
                    };
                    drop(state);
                    drop(old); // foreign code: not under the lock
                    return super::pending(SyncKind::Notify, self.notify);
                }
            }
        }
        if let Wait::Waiting(key) = std::mem::replace(&mut self.wait, Wait::Done) {
            // Its waker was taken by the notifier: nothing foreign to drop.
            state.waiters.remove(key);
        }
        Poll::Ready(())
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.poll_notified(Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Wait::Waiting(key) = std::mem::replace(&mut self.wait, Wait::Done) else {
            return;
        };
        let mut state = self.notify.state.lock();
        let waiter = state.waiters.remove(key);
        let passed_on = match waiter.verdict {
            // Chosen by a `notify_one`/`notify_last` but never saw it:
            // pass it on, so no notification is lost.
            Some(Verdict::One(strategy)) => state.notify(strategy),
            Some(Verdict::All) | None => None,
        };
        drop(state);
        // Wakers are dropped and woken with the lock released: either may
        // run code that uses this `Notify`.
        drop(waiter);
        wake_all(passed_on);
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Notify")
            .field("permit", &state.permit)
            .field("waiting", &!state.waiters.is_empty())
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}
