//! Storage for the wheel's entries: a slab of nodes linked by index.
//!
//! Every entry the wheel holds lives in one [`Node`] of a `Vec`, found by
//! its index (its [`Key`]). The slot lists of the levels and the wheel's
//! pending list are doubly-linked lists threaded through the nodes by
//! index, so linking, unlinking and moving an entry between lists is O(1),
//! needs no allocation and no `unsafe`. Freed nodes form a free list
//! (through `next`) and are reused by the next insert.

use std::ops::{Index, IndexMut};

/// "No node": the end of a list, or of the free list.
pub(super) const NIL: u32 = u32::MAX;

/// The index of an entry in the wheel, valid from `insert` until the entry
/// leaves the wheel (fired by `poll`, `remove`d, or drained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Key(pub(super) u32);

impl Key {
    /// The key as a plain index, to store in an atomic.
    pub(crate) fn into_raw(self) -> u32 {
        self.0
    }

    /// The key back from [`into_raw`](Self::into_raw).
    pub(crate) fn from_raw(raw: u32) -> Key {
        Key(raw)
    }
}

/// One entry and its links.
#[derive(Debug)]
pub(super) struct Node<T> {
    /// `None` only while the node is on the free list.
    pub(super) value: Option<T>,
    /// The tick the entry is due at.
    pub(super) when: u64,
    pub(super) prev: u32,
    pub(super) next: u32,
    /// Which list holds the node: a level index, or [`PENDING`].
    pub(super) level: u8,
    /// The slot within `level` (unused on the pending list).
    pub(super) slot: u8,
}

/// `Node::level` of a node on the wheel's pending (due, not yet returned)
/// list.
pub(super) const PENDING: u8 = u8::MAX;

/// Keep at most this many nodes' worth of memory once the wheel is empty.
const RETAIN_WHEN_EMPTY: usize = 1024;

/// The nodes, with a free list through `next`.
#[derive(Debug)]
pub(super) struct Slab<T> {
    nodes: Vec<Node<T>>,
    free: u32,
    len: usize,
}

impl<T> Slab<T> {
    pub(super) const fn new() -> Self {
        Slab {
            nodes: Vec::new(),
            free: NIL,
            len: 0,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Stores `value`, unlinked, and returns its index.
    pub(super) fn insert(&mut self, when: u64, value: T) -> u32 {
        let node = Node {
            value: Some(value),
            when,
            prev: NIL,
            next: NIL,
            level: 0,
            slot: 0,
        };
        self.len += 1;
        if self.free != NIL {
            let key = self.free;
            self.free = self.nodes[key as usize].next;
            self.nodes[key as usize] = node;
            key
        } else {
            let key = u32::try_from(self.nodes.len())
                .ok()
                .filter(|&k| k != NIL)
                .expect("too many timers: the wheel holds at most u32::MAX - 1 entries");
            self.nodes.push(node);
            key
        }
    }

    /// Frees the node at `key`, which must already be unlinked from its
    /// list, and returns its value.
    pub(super) fn remove(&mut self, key: u32) -> T {
        let node = &mut self.nodes[key as usize];
        let value = node.value.take().expect("wheel: removed a free node");
        node.next = self.free;
        node.prev = NIL;
        self.free = key;
        self.len -= 1;
        if self.len == 0 {
            // Nothing is linked any more: forget the free list, and give
            // back the memory of a past burst of timers.
            self.nodes.clear();
            self.nodes.shrink_to(RETAIN_WHEN_EMPTY);
            self.free = NIL;
        }
        value
    }

    /// Takes every value out and empties the slab.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = T> {
        self.free = NIL;
        self.len = 0;
        std::mem::take(&mut self.nodes)
            .into_iter()
            .filter_map(|node| node.value)
    }
}

impl<T> Index<u32> for Slab<T> {
    type Output = Node<T>;

    fn index(&self, key: u32) -> &Node<T> {
        &self.nodes[key as usize]
    }
}

impl<T> IndexMut<u32> for Slab<T> {
    fn index_mut(&mut self, key: u32) -> &mut Node<T> {
        &mut self.nodes[key as usize]
    }
}

/// A doubly-linked list of nodes: just its two ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct List {
    pub(super) head: u32,
    tail: u32,
}

impl List {
    pub(super) const EMPTY: List = List {
        head: NIL,
        tail: NIL,
    };

    pub(super) fn is_empty(&self) -> bool {
        self.head == NIL
    }

    pub(super) fn push_back<T>(&mut self, slab: &mut Slab<T>, key: u32) {
        slab[key].prev = self.tail;
        slab[key].next = NIL;
        if self.tail == NIL {
            self.head = key;
        } else {
            slab[self.tail].next = key;
        }
        self.tail = key;
    }

    /// Unlinks `key`, which must be on this list.
    pub(super) fn unlink<T>(&mut self, slab: &mut Slab<T>, key: u32) {
        let (prev, next) = (slab[key].prev, slab[key].next);
        if prev == NIL {
            debug_assert_eq!(self.head, key);
            self.head = next;
        } else {
            slab[prev].next = next;
        }
        if next == NIL {
            debug_assert_eq!(self.tail, key);
            self.tail = prev;
        } else {
            slab[next].prev = prev;
        }
        slab[key].prev = NIL;
        slab[key].next = NIL;
    }

    pub(super) fn pop_front<T>(&mut self, slab: &mut Slab<T>) -> Option<u32> {
        if self.head == NIL {
            return None;
        }
        let key = self.head;
        self.unlink(slab, key);
        Some(key)
    }
}
