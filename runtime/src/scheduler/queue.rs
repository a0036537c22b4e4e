//! The run queues: a worker's local queue, the handles others steal from it
//! with, and the global injector. crossbeam-deque normally.
//!
//! crossbeam-deque's atomics are invisible to loom, so under `cfg(loom)`
//! the same API stands on a loom mutex around a `VecDeque`: the models then
//! check our notify, park and hand-off protocol around the queues, not
//! Chase-Lev itself (which crossbeam tests).
//!
//! # Closing the injector
//!
//! At shutdown the injector is closed: a push after that drops its task
//! (already cancelled by the owned-task list's shutdown), so no task is
//! left in a queue that nobody drains. Without it, a task pushed after the
//! last drain would hold the scheduler, which holds the injector, which
//! holds the task: a cycle that frees nothing (tokio's `inject/shared.rs`
//! has the same rule, "spawns during shutdown"). crossbeam's injector has
//! no lock to check a flag under, so the two sides meet on `SeqCst`
//! fences, as in `idle.rs`: a pusher pushes, then reads `closed`; the
//! closer sets `closed`, then drains. In the single order of the fences one
//! comes first: either the pusher sees `closed` (and drains itself), or the
//! closer's drain finds the task.

use crate::loom::{fence, AtomicBool, Ordering};
use crate::task::{Notified, Refused};

/// What a steal found. Contention is a value: the caller decides to retry.
#[derive(Debug)]
pub(crate) enum Steal {
    Empty,
    Success(Notified),
    // The loom stand-in never contends, so it never returns `Retry`.
    #[cfg_attr(loom, allow(dead_code))]
    Retry,
}

#[cfg(not(loom))]
mod imp {
    use super::Steal;
    use crate::task::Notified;
    use crossbeam_deque as cb;

    fn steal(s: cb::Steal<Notified>) -> Steal {
        match s {
            cb::Steal::Empty => Steal::Empty,
            cb::Steal::Success(t) => Steal::Success(t),
            cb::Steal::Retry => Steal::Retry,
        }
    }

    /// The owner's end of a worker queue (FIFO: a yielded task goes behind
    /// the others). Not `Sync`: one thread pushes and pops.
    #[derive(Debug)]
    pub(crate) struct Local(cb::Worker<Notified>);

    /// Another worker's end of a worker queue.
    #[derive(Debug)]
    pub(crate) struct Stealer(cb::Stealer<Notified>);

    /// The injector's queue (closing is `super::Inject`'s).
    #[derive(Debug)]
    pub(crate) struct Inject(cb::Injector<Notified>);

    impl Local {
        pub(crate) fn new() -> Local {
            Local(cb::Worker::new_fifo())
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.stealer())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.pop()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dest`, returning one.
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Steal {
            steal(self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }

    impl Inject {
        pub(crate) fn new() -> Inject {
            Inject(cb::Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local, limit: usize) -> Steal {
            steal(self.0.steal_batch_with_limit_and_pop(&dest.0, limit))
        }
        pub(crate) fn pop(&self) -> Steal {
            steal(self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.len()
        }
    }
}

#[cfg(loom)]
mod imp {
    use super::Steal;
    use crate::loom::{Arc, Mutex};
    use crate::task::Notified;
    use std::collections::VecDeque;

    #[derive(Debug)]
    pub(crate) struct Local(Arc<Mutex<VecDeque<Notified>>>);
    #[derive(Debug)]
    pub(crate) struct Stealer(Arc<Mutex<VecDeque<Notified>>>);
    #[derive(Debug)]
    pub(crate) struct Inject(Mutex<VecDeque<Notified>>);

    fn steal_half(src: &Mutex<VecDeque<Notified>>, dest: &Local) -> Steal {
        let mut src = src.lock();
        let Some(first) = src.pop_front() else {
            return Steal::Empty;
        };
        let n = src.len() / 2;
        let mut dest = dest.0.lock();
        dest.extend(src.drain(..n));
        Steal::Success(first)
    }

    impl Local {
        pub(crate) fn new() -> Local {
            Local(Arc::new(Mutex::new(VecDeque::new())))
        }
        pub(crate) fn stealer(&self) -> Stealer {
            Stealer(self.0.clone())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }
        pub(crate) fn pop(&self) -> Option<Notified> {
            self.0.lock().pop_front()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Stealer {
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Steal {
            steal_half(&self.0, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }

    impl Inject {
        pub(crate) fn new() -> Inject {
            Inject(Mutex::new(VecDeque::new()))
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.lock().push_back(task);
        }
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local, _limit: usize) -> Steal {
            steal_half(&self.0, dest)
        }
        pub(crate) fn pop(&self) -> Steal {
            match self.0.lock().pop_front() {
                Some(t) => Steal::Success(t),
                None => Steal::Empty,
            }
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
        }
        pub(crate) fn len(&self) -> usize {
            self.0.lock().len()
        }
    }
}

pub(crate) use imp::{Local, Stealer};

/// The global queue: spawns and wakes from outside the workers. Closable
/// (module doc).
#[derive(Debug)]
pub(crate) struct Inject {
    queue: imp::Inject,
    closed: AtomicBool,
}

impl Inject {
    pub(crate) fn new() -> Inject {
        Inject {
            queue: imp::Inject::new(),
            closed: AtomicBool::new(false),
        }
    }

    /// Queues `task`. If the injector is closed, the task (and whatever
    /// else this push found in the injector) is handed back, refused: the
    /// caller drops it once it no longer borrows the scheduler, since it
    /// may hold the last reference to it.
    pub(crate) fn push(&self, task: Notified) -> Result<(), Refused> {
        self.queue.push(task);
        // SeqCst fence: orders the push before the load below, against the
        // closer's store and fence (module doc).
        fence(Ordering::SeqCst);
        if self.closed.load(Ordering::Relaxed) {
            // Closed before our push was seen: the closer's drain may have
            // missed it. Drain it ourselves.
            return Err(Refused::new(self.take_all()));
        }
        Ok(())
    }

    /// Whether [`close`](Self::close) was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Takes one task. `Retry` (contention) is retried here.
    pub(crate) fn pop(&self) -> Option<Notified> {
        loop {
            match self.queue.pop() {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    /// Moves up to `limit` tasks into `dest`, returning one. (A steal takes
    /// from one block of the injector, so at most ~63.)
    pub(crate) fn pop_batch(&self, dest: &Local, limit: usize) -> Option<Notified> {
        loop {
            match self.queue.steal_batch_and_pop(dest, limit) {
                Steal::Success(task) => return Some(task),
                Steal::Empty => return None,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.queue.len()
    }

    /// Closes the injector and drops what it holds; later pushes drop
    /// their task (module doc).
    pub(crate) fn close(&self) {
        // Release: pairs with `is_closed`.
        self.closed.store(true, Ordering::Release);
        // SeqCst fence: the closer's half of the argument in the module doc.
        fence(Ordering::SeqCst);
        drop(self.take_all());
    }

    fn take_all(&self) -> Vec<Notified> {
        std::iter::from_fn(|| self.pop()).collect()
    }
}
