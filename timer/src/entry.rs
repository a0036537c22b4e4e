//! The timer entry: what a `Sleep` (the *owner*) and the [`Driver`] share.
//!
//! An entry is one small allocation (`Arc<Entry>`) made the first time its
//! owner arms a timer, and reused for every later deadline of that owner
//! (`reset`, each `Interval` tick). It holds the owner's waker, a state
//! word, and the entry's key in the wheel. The wheel holds a clone of the
//! `Arc` while the entry is filed in it.
//!
//! # States
//!
//! | state      | in the wheel | state word            | reached by                     |
//! |------------|--------------|-----------------------|--------------------------------|
//! | idle       | no           | `0`                   | `new`; cancel (owner, locked)  |
//! | armed      | yes          | `0` (or `REGISTERING`)| `arm` + wheel insert (locked)  |
//! | fired      | no           | `FIRED`               | `fire` (driver, locked)        |
//! | shut down  | no           | `FIRED \| SHUTDOWN`   | `fire` from `Driver::shutdown` |
//!
//! The owner polls (`poll_fired`) without the lock; everything else happens
//! with the driver lock held. The owner's poll and the driver's `fire` may
//! run at the same time, on two threads; both touch the waker cell. The
//! state word is a lock on that cell, as in futures' `AtomicWaker`, plus
//! the sticky `FIRED` bit.
//!
//! # Rules
//!
//! 1. The entry's wheel key is read and written only with the driver lock
//!    held. It is [`NOT_ARMED`] exactly when the entry is not in the wheel.
//! 2. The driver fires an entry only with the lock held, right after taking
//!    it out of the wheel, and clears `FIRING` before it unlocks. So while
//!    someone holds the lock, `FIRING` is clear on every entry.
//! 3. The waker cell is accessed by one party at a time: by the owner while
//!    *it* set `REGISTERING`, or by the driver while it set `FIRING` and
//!    `REGISTERING` was clear. The owner takes `REGISTERING` only by a CAS
//!    from `0`; the driver sets `FIRING` by a `fetch_or`, whose result says
//!    whether the owner held `REGISTERING` at that moment.
//! 4. `FIRED` is set only by `fire` (rule 2) and cleared only by `arm`, with
//!    the lock held and the entry out of the wheel. An owner that sees
//!    `FIRED` knows the entry is out of the wheel until it arms it again:
//!    it may drop or reuse it without taking the lock.
//! 5. If the driver fires while the owner holds `REGISTERING`, the driver
//!    leaves the cell alone and the owner finishes the firing: its closing
//!    CAS fails, it clears `REGISTERING | FIRING`, and its poll returns
//!    `Ready` (it is being polled, so there is no one to wake).
//!
//! A potential race, safely handled: the owner's CAS `0 -> REGISTERING`
//! succeeds; it writes its waker; meanwhile the driver's `fetch_or` sets
//! `FIRED | FIRING`, sees `REGISTERING` and returns without a waker (rule
//! 5); the owner's CAS `REGISTERING -> 0` fails, it sees `FIRED`, takes
//! back the waker it wrote and returns `Ready`. Had the driver come first,
//! the owner's first CAS would have failed on `FIRED` and it would have
//! returned `Ready` at once; had the owner come first, the driver's
//! `fetch_or` (acquire) sees the waker the owner published (release) and
//! wakes it. In every order the owner either returns `Ready` or is woken.
//!
//! # Memory ordering
//!
//! Firing is a release and observing `FIRED` (in `poll_fired`, `is_fired`)
//! is an acquire: what the driver did before firing the entry (taking it
//! out of the wheel) happens-before the owner acts on `Ready`. Each arm
//! below names the operation it pairs with.
//!
//! [`Driver`]: crate::Driver

use crate::loom::{AtomicU32, AtomicU8, Ordering, UnsafeCell};
use crate::wheel::Key;
use std::fmt;
use std::task::{Poll, Waker};

/// The owner is writing the waker cell.
const REGISTERING: u8 = 0b0001;
/// The driver is taking the waker out of the cell (lock held).
const FIRING: u8 = 0b0010;
/// The deadline was reached (or the driver shut down). Sticky until `arm`.
const FIRED: u8 = 0b0100;
/// Set with `FIRED` when the driver shut down rather than the deadline
/// passing.
const SHUTDOWN: u8 = 0b1000;

/// The wheel key of an entry that is not in the wheel (rule 1).
pub(crate) const NOT_ARMED: u32 = u32::MAX;

/// Why an entry fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fired {
    /// Its deadline was reached.
    Deadline,
    /// The driver shut down first.
    Shutdown,
}

impl Fired {
    fn from_state(state: u8) -> Fired {
        if state & SHUTDOWN != 0 {
            Fired::Shutdown
        } else {
            Fired::Deadline
        }
    }
}

/// The state a timer's owner shares with the driver; see the module doc.
pub struct Entry {
    state: AtomicU8,
    waker: UnsafeCell<Option<Waker>>,
    /// The key in the wheel, or `NOT_ARMED`; lock held only (rule 1).
    key: AtomicU32,
}

// SAFETY: the only field that is not `Sync` by itself is the waker cell,
// and it is accessed by one party at a time (rule 3), each access ordered
// after the previous one through the state word (see the orderings in
// `poll_fired` and `fire`). `Waker` is `Send + Sync`.
unsafe impl Sync for Entry {}

impl Entry {
    /// A new, idle entry, with no waker.
    pub fn new() -> Entry {
        Entry {
            state: AtomicU8::new(0),
            waker: UnsafeCell::new(None),
            key: AtomicU32::new(NOT_ARMED),
        }
    }

    /// Makes the entry ready to be filed: clears `FIRED`.
    ///
    /// Call with the driver lock held and the entry out of the wheel (rule
    /// 4), by the owner, who is not polling at the same time.
    ///
    /// # Panics
    ///
    /// If a poll of this entry is in progress on another thread.
    pub fn arm(&self) {
        // Rule 2: FIRING is clear while the lock is held.
        let state = self.state.load(Ordering::Relaxed);
        // memory ordering: Acquire, paired with the Release stores that end
        // `fire` and rule 5 in `poll_fired`, so that their accesses to the
        // cell happen-before the owner's next registration.
        let armed = state & (REGISTERING | FIRING) == 0
            && self
                .state
                .compare_exchange(state, 0, Ordering::Acquire, Ordering::Relaxed)
                .is_ok();
        assert!(armed, "a timer entry was armed while it was being polled");
    }

    /// Whether the entry has fired (and not been armed again since).
    pub fn is_fired(&self) -> bool {
        // memory ordering: Acquire, paired with the Release in `fire`.
        self.state.load(Ordering::Acquire) & FIRED != 0
    }

    /// The owner's poll: `Ready` if the entry fired, otherwise stores
    /// `waker` to be woken when it fires and returns `Pending`.
    ///
    /// Two polls of one entry at the same time are not expected; should it
    /// happen, the loser wakes its own waker and returns `Pending`.
    pub fn poll_fired(&self, waker: &Waker) -> Poll<Fired> {
        // memory ordering: Acquire, paired with the Release that sets FIRED
        // in `fire`: the firing happens-before our `Ready`.
        let state = self.state.load(Ordering::Acquire);
        if state & FIRED != 0 {
            return Poll::Ready(Fired::from_state(state));
        }
        // memory ordering: Acquire, paired with the Release stores ending
        // `fire` (its take of the waker) and our own earlier registrations,
        // so our access to the cell comes after theirs.
        match self
            .state
            .compare_exchange(0, REGISTERING, Ordering::Acquire, Ordering::Acquire)
        {
            Ok(_) => {}
            Err(actual) if actual & FIRED != 0 => {
                return Poll::Ready(Fired::from_state(actual));
            }
            Err(_) => {
                // Another poll holds REGISTERING: let it finish, try again.
                waker.wake_by_ref();
                return Poll::Pending;
            }
        }

        let old = self.waker.with_mut(|cell| {
            // SAFETY: we set REGISTERING, so the cell is ours (rule 3): the
            // driver's `fetch_or` will see REGISTERING and not touch it.
            let cell = unsafe { &mut *cell };
            match cell {
                Some(current) if current.will_wake(waker) => None,
                _ => cell.replace(waker.clone()),
            }
        });

        // memory ordering: success is a Release, paired with the AcqRel
        // `fetch_or` in `fire`, which then sees the waker we wrote. Failure
        // is an Acquire of that same `fetch_or`'s value.
        let closed =
            self.state
                .compare_exchange(REGISTERING, 0, Ordering::Release, Ordering::Acquire);
        let result = match closed {
            Ok(_) => Poll::Pending,
            Err(actual) => {
                // Rule 5: the driver fired meanwhile and left the rest to
                // us. The cell is still ours until the store below.
                debug_assert_eq!(
                    actual & (REGISTERING | FIRING | FIRED),
                    REGISTERING | FIRING | FIRED
                );
                let ours = self.waker.with_mut(|cell| {
                    // SAFETY: REGISTERING is still set by us (rule 3).
                    unsafe { (*cell).take() }
                });
                // memory ordering: Release, paired with the Acquire in
                // `arm`: our cell accesses happen-before the next
                // registration.
                self.state
                    .store(actual & !(REGISTERING | FIRING), Ordering::Release);
                drop(ours);
                Poll::Ready(Fired::from_state(actual))
            }
        };
        // The replaced waker is dropped outside the protocol's critical
        // section: its drop is user code.
        drop(old);
        result
    }

    /// The driver's side: marks the entry fired and returns the waker to
    /// wake, to be woken after the driver lock is released.
    ///
    /// Call with the driver lock held, right after taking the entry out of
    /// the wheel (rule 2).
    pub fn fire(&self, why: Fired) -> Option<Waker> {
        let fired = match why {
            Fired::Deadline => FIRED,
            Fired::Shutdown => FIRED | SHUTDOWN,
        };
        // memory ordering: AcqRel. Acquire pairs with the owner's Release
        // (REGISTERING -> 0) in `poll_fired`, so we see the waker it wrote;
        // Release publishes FIRED to the owner's Acquire loads.
        let prev = self.state.fetch_or(fired | FIRING, Ordering::AcqRel);
        debug_assert_eq!(prev & (FIRED | FIRING), 0, "a timer entry fired twice");
        if prev & REGISTERING != 0 {
            // Rule 5: the owner is mid-registration and will see FIRED.
            return None;
        }
        let waker = self.waker.with_mut(|cell| {
            // SAFETY: we set FIRING while REGISTERING was clear, so the cell
            // is ours (rule 3): the owner's CAS from 0 fails (FIRED is set),
            // and `arm` needs the lock, which we hold.
            unsafe { (*cell).take() }
        });
        // memory ordering: Release, paired with the Acquire CAS in `arm` and
        // in `poll_fired`: our take happens-before the next access.
        self.state.store(fired, Ordering::Release);
        waker
    }

    /// The entry's wheel key, if it is in the wheel. Lock held (rule 1).
    pub(crate) fn key(&self) -> Option<Key> {
        match self.key.load(Ordering::Relaxed) {
            NOT_ARMED => None,
            raw => Some(Key::from_raw(raw)),
        }
    }

    /// Records where the entry is in the wheel. Lock held (rule 1); the
    /// lock orders these accesses, so they are Relaxed.
    pub(crate) fn set_key(&self, key: Option<Key>) {
        let raw = key.map_or(NOT_ARMED, Key::into_raw);
        self.key.store(raw, Ordering::Relaxed);
    }
}

impl Default for Entry {
    fn default() -> Self {
        Entry::new()
    }
}

impl fmt::Debug for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.load(Ordering::Relaxed);
        f.debug_struct("Entry")
            .field("fired", &(state & FIRED != 0))
            .field("shutdown", &(state & SHUTDOWN != 0))
            .field("registering", &(state & REGISTERING != 0))
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Arc;
    use std::task::Wake;

    struct Count(AtomicUsize);

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn counter() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }

    #[test]
    fn register_then_fire_returns_the_waker() {
        let entry = Entry::new();
        let (count, waker) = counter();
        assert_eq!(entry.poll_fired(&waker), Poll::Pending);
        assert!(!entry.is_fired());
        let taken = entry.fire(Fired::Deadline).expect("a waker");
        taken.wake();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(entry.is_fired());
        assert_eq!(entry.poll_fired(&waker), Poll::Ready(Fired::Deadline));
        // Re-armed, it can fire again; shutdown is reported as such.
        entry.arm();
        assert_eq!(entry.poll_fired(&waker), Poll::Pending);
        assert!(entry.fire(Fired::Shutdown).is_some());
        assert_eq!(entry.poll_fired(&waker), Poll::Ready(Fired::Shutdown));
    }

    #[test]
    fn fire_without_waker() {
        let entry = Entry::new();
        assert!(entry.fire(Fired::Deadline).is_none());
        let (_, waker) = counter();
        assert_eq!(entry.poll_fired(&waker), Poll::Ready(Fired::Deadline));
    }

    #[test]
    fn repoll_keeps_or_replaces_the_waker() {
        let entry = Entry::new();
        let (first, w1) = counter();
        let (second, w2) = counter();
        assert!(entry.poll_fired(&w1).is_pending());
        assert!(entry.poll_fired(&w1).is_pending());
        assert!(entry.poll_fired(&w2).is_pending());
        entry.fire(Fired::Deadline).unwrap().wake();
        assert_eq!(first.0.load(Ordering::SeqCst), 0);
        assert_eq!(second.0.load(Ordering::SeqCst), 1);
    }
}
