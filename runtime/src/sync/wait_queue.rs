//! `WaitQueue`: the waiter list under the sync types' locks. Pure data: no
//! atomics, no wakers of its own, no `unsafe`; the caller holds the lock.
//!
//! A slab of entries, some of which are *linked* into a FIFO through
//! `prev`/`next` indices. An entry has two lives:
//!
//! 1. **Owned**: from [`push_back`](WaitQueue::push_back) until
//!    [`remove`](WaitQueue::remove), the entry belongs to whoever holds its
//!    [`Key`] (a waiting future). Only the key's holder removes it, so a key
//!    never names a reused slot.
//! 2. **Linked**: from `push_back` until it is popped
//!    ([`pop_front`](WaitQueue::pop_front), [`pop_back`](WaitQueue::pop_back))
//!    or [`unlink`](WaitQueue::unlink)ed, the entry is also in the queue.
//!    A notifier pops it and leaves a verdict in the value (granted,
//!    notified, closed) for the owner to read at its next poll, or to pass
//!    on if the owner is dropped first.
//!
//! Every operation is O(1) (amortised for `push_back`, which may grow the
//! slab). The slab is released once no entry is owned and it had grown
//! past [`KEEP_CAPACITY`] slots.

use std::fmt;

/// "No index": the end of a list.
const NIL: usize = usize::MAX;

/// Slots kept allocated when the queue empties; a burst of more waiters
/// than this gives its memory back once they are gone.
const KEEP_CAPACITY: usize = 64;

/// Names one owned entry of a [`WaitQueue`]. Not `Clone`: the one key is
/// held by the entry's owner (popping returns a [`Popped`] instead).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Key(usize);

/// An entry just popped off the queue: still owned (by the holder of its
/// [`Key`]), no longer linked. Lets the popper update the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Popped(usize);

pub(crate) struct WaitQueue<T> {
    slots: Vec<Slot<T>>,
    /// First vacant slot (a list through `Slot::Vacant`), or `NIL`.
    free: usize,
    /// Oldest and newest linked entries, or `NIL`.
    head: usize,
    tail: usize,
    /// Owned entries (linked or not).
    owned: usize,
}

enum Slot<T> {
    Vacant {
        next_free: usize,
    },
    Owned {
        value: T,
        /// `Some` while linked.
        links: Option<Links>,
    },
}

#[derive(Clone, Copy)]
struct Links {
    prev: usize,
    next: usize,
}

impl<T> WaitQueue<T> {
    pub(crate) const fn new() -> Self {
        WaitQueue {
            slots: Vec::new(),
            free: NIL,
            head: NIL,
            tail: NIL,
            owned: 0,
        }
    }

    /// Whether no entry is linked (owned but unlinked ones may remain).
    pub(crate) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    /// Adds `value` as a new owned entry, linked at the back.
    pub(crate) fn push_back(&mut self, value: T) -> Key {
        let links = Links {
            prev: self.tail,
            next: NIL,
        };
        let slot = Slot::Owned {
            value,
            links: Some(links),
        };
        let index = if self.free == NIL {
            self.slots.push(slot);
            self.slots.len() - 1
        } else {
            let index = self.free;
            let Slot::Vacant { next_free } = self.slots[index] else {
                unreachable!("the free list holds only vacant slots")
            };
            self.free = next_free;
            self.slots[index] = slot;
            index
        };
        match self.tail {
            NIL => self.head = index,
            tail => self.links_mut(tail).next = index,
        }
        self.tail = index;
        self.owned += 1;
        Key(index)
    }

    /// The owned entry `key` names.
    pub(crate) fn get_mut(&mut self, key: &Key) -> &mut T {
        self.value_mut(key.0)
    }

    /// The entry `popped` names (valid until its key's holder removes it).
    pub(crate) fn popped_mut(&mut self, popped: Popped) -> &mut T {
        self.value_mut(popped.0)
    }

    /// Whether the entry is still linked.
    pub(crate) fn is_linked(&self, key: &Key) -> bool {
        matches!(self.slots[key.0], Slot::Owned { links: Some(_), .. })
    }

    /// The oldest linked entry.
    pub(crate) fn front_mut(&mut self) -> Option<&mut T> {
        match self.head {
            NIL => None,
            head => Some(self.value_mut(head)),
        }
    }

    /// Unlinks the oldest entry (it stays owned).
    pub(crate) fn pop_front(&mut self) -> Option<Popped> {
        let head = self.head;
        (head != NIL).then(|| {
            self.unlink_index(head);
            Popped(head)
        })
    }

    /// Unlinks the newest entry (it stays owned).
    pub(crate) fn pop_back(&mut self) -> Option<Popped> {
        let tail = self.tail;
        (tail != NIL).then(|| {
            self.unlink_index(tail);
            Popped(tail)
        })
    }

    /// Unlinks the entry if it is linked (it stays owned).
    pub(crate) fn unlink(&mut self, key: &Key) {
        if self.is_linked(key) {
            self.unlink_index(key.0);
        }
    }

    /// Ends the entry's ownership (unlinking it first if need be) and
    /// returns its value. The slot may be reused by the next `push_back`.
    pub(crate) fn remove(&mut self, key: Key) -> T {
        self.unlink(&key);
        let vacant = Slot::Vacant {
            next_free: self.free,
        };
        let Slot::Owned { value, .. } = std::mem::replace(&mut self.slots[key.0], vacant) else {
            unreachable!("a key names an owned slot (rule 1)")
        };
        self.free = key.0;
        self.owned -= 1;
        if self.owned == 0 && self.slots.capacity() > KEEP_CAPACITY {
            *self = WaitQueue::new();
        }
        value
    }

    fn unlink_index(&mut self, index: usize) {
        let Slot::Owned { links, .. } = &mut self.slots[index] else {
            unreachable!("only owned slots are linked")
        };
        let Links { prev, next } = links.take().expect("unlinking an entry that is not linked");
        match prev {
            NIL => self.head = next,
            prev => self.links_mut(prev).next = next,
        }
        match next {
            NIL => self.tail = prev,
            next => self.links_mut(next).prev = prev,
        }
    }

    fn value_mut(&mut self, index: usize) -> &mut T {
        match &mut self.slots[index] {
            Slot::Owned { value, .. } => value,
            Slot::Vacant { .. } => unreachable!("a key names an owned slot (rule 1)"),
        }
    }

    fn links_mut(&mut self, index: usize) -> &mut Links {
        match &mut self.slots[index] {
            Slot::Owned {
                links: Some(links), ..
            } => links,
            _ => unreachable!("a linked neighbour is owned and linked"),
        }
    }

    /// Linked entries, oldest first (for `Debug` and tests).
    fn linked(&self) -> impl Iterator<Item = &T> {
        let mut index = self.head;
        std::iter::from_fn(move || {
            let Slot::Owned { value, links } = self.slots.get(index)? else {
                return None;
            };
            index = links.map_or(NIL, |l| l.next);
            Some(value)
        })
    }
}

impl<T> Default for WaitQueue<T> {
    fn default() -> Self {
        WaitQueue::new()
    }
}

impl<T: fmt::Debug> fmt::Debug for WaitQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitQueue")
            .field("linked", &self.linked().collect::<Vec<_>>())
            .field("owned", &self.owned)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod test {
    use super::*;

    fn linked(q: &WaitQueue<u32>) -> Vec<u32> {
        q.linked().copied().collect()
    }

    #[test]
    fn fifo_and_lifo_pops() {
        let mut q = WaitQueue::new();
        let keys: Vec<Key> = (0..4).map(|i| q.push_back(i)).collect();
        assert_eq!(linked(&q), [0, 1, 2, 3]);
        let first = q.pop_front().unwrap();
        assert_eq!(*q.popped_mut(first), 0);
        let last = q.pop_back().unwrap();
        assert_eq!(*q.popped_mut(last), 3);
        assert_eq!(linked(&q), [1, 2]);
        assert!(!q.is_linked(&keys[0]) && q.is_linked(&keys[1]));
        for key in keys {
            q.remove(key);
        }
        assert!(q.is_empty());
        assert_eq!(q.owned, 0);
    }

    #[test]
    fn unlink_from_the_middle_keeps_the_order() {
        let mut q = WaitQueue::new();
        let a = q.push_back(1);
        let b = q.push_back(2);
        let c = q.push_back(3);
        assert_eq!(q.remove(b), 2);
        assert_eq!(linked(&q), [1, 3]);
        q.unlink(&a);
        assert_eq!(linked(&q), [3]);
        q.unlink(&a); // already unlinked: nothing
        assert_eq!(*q.get_mut(&a), 1, "an unlinked entry stays owned");
        assert_eq!(q.remove(c), 3);
        assert!(q.is_empty());
        assert_eq!(q.remove(a), 1);
    }

    #[test]
    fn slots_are_reused_and_a_burst_is_given_back() {
        let mut q = WaitQueue::new();
        let a = q.push_back(1);
        q.remove(a);
        let b = q.push_back(2);
        assert_eq!(b, Key(0), "the vacant slot is reused");
        q.remove(b);
        let burst: Vec<Key> = (0..200).map(|i| q.push_back(i)).collect();
        assert!(q.slots.capacity() >= 200);
        for key in burst {
            q.remove(key);
        }
        assert_eq!(q.slots.capacity(), 0, "emptied after a burst");
        let c = q.push_back(7);
        assert_eq!(q.front_mut().copied(), Some(7));
        q.remove(c);
    }
}
