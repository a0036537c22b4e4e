//! The owned-task list: every live task of a scheduler, so that shutdown
//! can reach the ones nobody will ever wake again.
//!
//! It is an intrusive doubly-linked list through the tasks' headers, split
//! into shards by task id so that spawns and completions on different
//! threads rarely meet on one lock. Each shard carries a *closed* flag, set
//! under its lock by [`OwnedTasks::close_and_shutdown_all`]; a task bound
//! after that is cancelled at once. So no task slips past shutdown: it is
//! either in a shard before that shard closed (and is shut down from it),
//! or its `bind` sees the flag.

use super::raw::Header;
use super::{Notified, RawTask, Task};
use crate::loom::Mutex;
use crossbeam_utils::CachePadded;
use std::ptr::NonNull;

/// A task's place in its shard. Only read or written under the shard lock.
#[derive(Default)]
pub(crate) struct Link {
    prev: Option<NonNull<Header>>,
    next: Option<NonNull<Header>>,
}

struct Shard {
    head: Option<NonNull<Header>>,
    /// Tasks linked in this shard.
    len: usize,
    /// Tasks ever bound to this shard (`RuntimeMetrics::spawned_tasks_count`).
    spawned: u64,
    closed: bool,
}

// SAFETY: the pointers are owned refs (`Task`s) to cells that are `Send`;
// the shard is only reached through its mutex.
unsafe impl Send for Shard {}

/// The live tasks of one scheduler.
pub(crate) struct OwnedTasks {
    shards: Box<[CachePadded<Mutex<Shard>>]>,
}

fn link_of<'a>(ptr: NonNull<Header>) -> &'a crate::loom::UnsafeCell<Link> {
    // SAFETY: the list only holds pointers to live cells (it owns a ref to
    // each), and callers hold the shard lock that guards the link.
    unsafe { &ptr.as_ref().link }
}

impl OwnedTasks {
    /// `workers` sizes the shard count (a power of two).
    pub(crate) fn new(workers: usize) -> OwnedTasks {
        super::id::register_wait_slot();
        let n = if cfg!(loom) {
            1
        } else {
            (workers * 4).next_power_of_two().clamp(4, 64)
        };
        let shards = (0..n)
            .map(|_| {
                CachePadded::new(Mutex::new(Shard {
                    head: None,
                    len: 0,
                    spawned: 0,
                    closed: false,
                }))
            })
            .collect();
        OwnedTasks { shards }
    }

    fn shard(&self, ptr: NonNull<Header>) -> &Mutex<Shard> {
        // SAFETY: the caller owns a ref to the cell.
        let id = unsafe { ptr.as_ref() }.id.as_u64() as usize;
        &self.shards[id & (self.shards.len() - 1)]
    }

    /// Adds a new task. If the list is closed, cancels the task at once and
    /// returns `None`; its `JoinHandle` then reports cancellation.
    pub(crate) fn bind(&self, task: Task, notified: Notified) -> Option<Notified> {
        let ptr = task.raw().header_ptr();
        let mut shard = self.shard(ptr).lock();
        if shard.closed {
            drop(shard);
            drop(notified);
            task.shutdown();
            return None;
        }
        let old_head = shard.head;
        link_of(ptr).with_mut(|l| {
            // SAFETY: the shard lock is held.
            unsafe {
                *l = Link {
                    prev: None,
                    next: old_head,
                }
            }
        });
        if let Some(h) = old_head {
            // SAFETY: the shard lock is held.
            link_of(h).with_mut(|l| unsafe { (*l).prev = Some(ptr) });
        }
        shard.head = Some(ptr);
        shard.len += 1;
        shard.spawned += 1;
        // The list keeps the ref.
        task.into_raw();
        Some(notified)
    }

    /// Removes a completed task, returning the list's ref if it was there
    /// (it is not once shutdown has popped it).
    pub(crate) fn remove(&self, ptr: NonNull<Header>) -> Option<Task> {
        unlink(&mut self.shard(ptr).lock(), ptr)
    }

    /// How many tasks are in the list (a snapshot: each shard is read
    /// under its lock, one after the other).
    pub(crate) fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }

    /// How many tasks were ever bound to the list.
    pub(crate) fn spawned(&self) -> u64 {
        self.shards.iter().map(|s| s.lock().spawned).sum()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `f` of every task in the list, in the order of their ids, read
    /// while every shard is locked (so `f` must not spawn, complete or
    /// touch the list; it may read what the header and trailer share with
    /// any thread): one consistent snapshot.
    ///
    /// A linked list is walked one cache miss after the other; here all the
    /// shards' lists are walked side by side, a few steps each in turn, so
    /// the misses of different lists overlap (100k tasks: under 1 ms, where
    /// one list after the other took 24 ms). Only (id, pointer) pairs are
    /// gathered, each shard's into its own segment, newest first as linked;
    /// reversed, the segments are runs of mostly ascending ids that a
    /// stable sort merges, and `f` then reads the tasks from that dense
    /// array.
    pub(crate) fn snapshot<T>(&self, mut f: impl FnMut(RawTask) -> T) -> Vec<T> {
        let guards: Vec<_> = self.shards.iter().map(|s| s.lock()).collect();
        let len = guards.iter().map(|g| g.len).sum();
        let mut tasks: Vec<(u64, NonNull<Header>)> = vec![(0, NonNull::dangling()); len];
        // Per shard: its list's next task, and the next free index of its
        // segment and the segment's end.
        let mut walks: Vec<(Option<NonNull<Header>>, usize, usize)> = Vec::new();
        let mut start = 0;
        for g in &guards {
            walks.push((g.head, start, start + g.len));
            start += g.len;
        }
        while walks.iter().any(|w| w.0.is_some()) {
            for (cursor, at, end) in walks.iter_mut() {
                for _ in 0..4 {
                    let Some(ptr) = *cursor else { break };
                    assert!(*at < *end, "a shard's list is longer than its count");
                    // SAFETY: a linked task is alive: the list owns a ref to
                    // it, which only `unlink` gives up, under the shard lock
                    // held here.
                    tasks[*at] = (unsafe { ptr.as_ref() }.id.as_u64(), ptr);
                    *at += 1;
                    // SAFETY: the shard lock is held.
                    *cursor = link_of(ptr).with(|l| unsafe { (*l).next });
                }
            }
        }
        let mut start = 0;
        for g in &guards {
            tasks[start..start + g.len].reverse();
            start += g.len;
        }
        tasks.sort_by_key(|&(id, _)| id);
        let mut out = Vec::with_capacity(len);
        for &(_, ptr) in &tasks {
            // SAFETY: as above; every shard is still locked.
            out.push(f(unsafe { RawTask::from_raw(ptr) }));
        }
        drop(guards);
        out
    }

    /// Calls `f` with the task of id `id` if it is in the list, under its
    /// shard's lock (the same rules for `f` as in `snapshot`).
    pub(crate) fn find(&self, id: super::Id, f: impl FnOnce(RawTask)) {
        let shard = self.shards[id.as_u64() as usize & (self.shards.len() - 1)].lock();
        let mut next = shard.head;
        while let Some(ptr) = next {
            // SAFETY: a linked task is alive: the list owns a ref to it,
            // which only `unlink` gives up, under this lock.
            let task = unsafe { RawTask::from_raw(ptr) };
            if task.header().id() == id {
                return f(task);
            }
            // SAFETY: the shard lock is held.
            next = link_of(ptr).with(|l| unsafe { (*l).next });
        }
    }

    fn pop(&self, shard: &Mutex<Shard>) -> Option<Task> {
        let mut shard = shard.lock();
        let head = shard.head?;
        unlink(&mut shard, head)
    }

    /// Closes every shard, then cancels every task still in the list. A
    /// task running elsewhere is cancelled by its runner after its poll.
    /// Futures are dropped with no lock held, so a future's drop may spawn
    /// (the new task is cancelled) or wake others.
    pub(crate) fn close_and_shutdown_all(&self) {
        for shard in self.shards.iter() {
            shard.lock().closed = true;
        }
        for shard in self.shards.iter() {
            while let Some(task) = self.pop(shard) {
                task.shutdown();
            }
        }
    }
}

/// Unlinks `ptr` from `shard`, whose lock the caller holds through the
/// guard, and returns the list's ref if the task was linked.
fn unlink(shard: &mut Shard, ptr: NonNull<Header>) -> Option<Task> {
    // A task is linked iff it is the head or has a predecessor (its id
    // picks its one shard).
    // SAFETY: the shard lock is held (the caller's guard).
    let link = link_of(ptr).with_mut(|l| unsafe { std::mem::take(&mut *l) });
    if link.prev.is_none() && shard.head != Some(ptr) {
        return None;
    }
    match link.prev {
        // SAFETY: the shard lock is held.
        Some(p) => link_of(p).with_mut(|l| unsafe { (*l).next = link.next }),
        None => shard.head = link.next,
    }
    if let Some(n) = link.next {
        // SAFETY: the shard lock is held.
        link_of(n).with_mut(|l| unsafe { (*l).prev = link.prev });
    }
    shard.len -= 1;
    // SAFETY: a linked task's ref is the list's, handed over by unlinking.
    Some(unsafe { Task::from_raw(RawTask::from_raw(ptr)) })
}

impl std::fmt::Debug for OwnedTasks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedTasks")
            .field("shards", &self.shards.len())
            .finish()
    }
}
