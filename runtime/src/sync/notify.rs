//! `Notify`: wake one task or all waiting tasks, with tokio's permit rules.
//! No crate has those rules (event-listener has no stored permit), so it is
//! written here: a lock around a FIFO of waiters, a one-permit flag, and a
//! generation counter for `notify_waiters`.
//!
//! Wakers are woken with the lock released, each inside `catch_unwind`
//! (`wake_all`): a waker runs code that is not ours, and one that panics
//! must not leave the other waiters asleep nor unwind into the notifier.
//! Its panic is reported in one line on stderr (the panic hook has
//! printed its message already).

use crate::loom::{AtomicUsize, Mutex, Ordering};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::future::Future;
use std::io::{self, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// Notifies tasks of an event, as tokio's `Notify` (asyncio's `Event` or
/// `Condition` without the lock).
///
/// - [`notify_one`](Notify::notify_one) wakes the longest-waiting
///   [`notified`](Notify::notified) future; if none waits, it stores one
///   permit, which the next `notified().await` consumes at once (at most
///   one permit is stored).
/// - [`notify_waiters`](Notify::notify_waiters) wakes every `Notified`
///   future created before the call, polled or not, and stores no permit.
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
    next_key: u64,
    /// Waiters not yet notified, oldest (smallest key) first.
    waiting: BTreeMap<u64, Waker>,
    /// Waiters taken off `waiting` by `notify_one` that have not yet seen
    /// it; a dropped one passes the notification on.
    notified_one: HashSet<u64>,
}

/// The future of [`Notify::notified`].
#[must_use = "futures do nothing unless awaited"]
pub struct Notified<'a> {
    notify: &'a Notify,
    generation: usize,
    wait: Wait,
}

enum Wait {
    Init,
    Waiting(u64),
    Done,
}

impl Notify {
    /// A `Notify` with no permit and no waiter.
    pub fn new() -> Notify {
        Notify {
            state: Mutex::new(State {
                permit: false,
                next_key: 0,
                waiting: BTreeMap::new(),
                notified_one: HashSet::new(),
            }),
            generation: AtomicUsize::new(0),
        }
    }

    /// A future that completes when this `Notify` is notified (see the type
    /// doc). Creating it is what counts for `notify_waiters`.
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
        let waker = notify_one_locked(&mut self.state.lock());
        wake_all(waker);
    }

    /// Wakes every `Notified` created before this call, even if one of
    /// their wakers panics (the panic is caught: see the module doc).
    /// Stores no permit.
    pub fn notify_waiters(&self) {
        let wakers = {
            let mut state = self.state.lock();
            // SeqCst: see `notified`.
            self.generation.fetch_add(1, Ordering::SeqCst);
            std::mem::take(&mut state.waiting)
        };
        // Woken with the lock released: a waker may poll at once.
        wake_all(wakers.into_values());
    }
}

/// Wakes each of `wakers`, with no lock held. A panicking waker does not
/// keep the others from being woken; its panic is caught, and reported
/// once per call.
fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    let mut panicked = false;
    for waker in wakers {
        // Unwind safety: no state of the `Notify` is borrowed here, and
        // the waker is consumed whether or not it panics.
        panicked |= catch_unwind(AssertUnwindSafe(|| waker.wake())).is_err();
    }
    if panicked {
        // Not `eprintln!`, which panics if stderr cannot be written.
        let _ = writeln!(
            io::stderr(),
            "runtime: a waker panicked while `Notify` woke it; \
             the other wakers were still woken"
        );
    }
}

/// Takes the oldest waiter (returning its waker) or stores the permit.
fn notify_one_locked(state: &mut State) -> Option<Waker> {
    match state.waiting.pop_first() {
        Some((key, waker)) => {
            state.notified_one.insert(key);
            Some(waker)
        }
        None => {
            state.permit = true;
            None
        }
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut state = this.notify.state.lock();
        match this.wait {
            Wait::Done => return Poll::Ready(()),
            Wait::Init => {
                // Relaxed: the lock orders this read after any increment
                // made under it.
                // A `notify_waiters` since creation, or a stored permit.
                let woken = this.notify.generation.load(Ordering::Relaxed) != this.generation
                    || std::mem::take(&mut state.permit);
                if woken {
                    this.wait = Wait::Done;
                } else {
                    let key = state.next_key;
                    state.next_key += 1;
                    state.waiting.insert(key, cx.waker().clone());
                    this.wait = Wait::Waiting(key);
                    return Poll::Pending;
                }
            }
            Wait::Waiting(key) => match state.waiting.get_mut(&key) {
                Some(w) => {
                    if !w.will_wake(cx.waker()) {
                        *w = cx.waker().clone();
                    }
                    return Poll::Pending;
                }
                None => {
                    // Taken off by `notify_one` or `notify_waiters`.
                    state.notified_one.remove(&key);
                    this.wait = Wait::Done;
                }
            },
        }
        Poll::Ready(())
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        let Wait::Waiting(key) = self.wait else {
            return;
        };
        let waker = {
            let mut state = self.notify.state.lock();
            if state.waiting.remove(&key).is_some() || !state.notified_one.remove(&key) {
                return;
            }
            // A `notify_one` chose us but we never saw it: pass it on, so
            // no notification is lost.
            notify_one_locked(&mut state)
        };
        wake_all(waker);
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
            .field("waiting", &state.waiting.len())
            .finish()
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified").finish_non_exhaustive()
    }
}
