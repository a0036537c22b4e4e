//! The run queues: a worker's local queue, the handles others steal from it
//! with, and the global injector. crossbeam-deque normally.
//!
//! crossbeam-deque's atomics are invisible to loom, so under `cfg(loom)`
//! the same API stands on a loom mutex around a `VecDeque`: the models then
//! check our notify, park and hand-off protocol around the queues, not
//! Chase-Lev itself (which crossbeam tests).

use crate::task::Notified;

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

    /// The global queue: spawns from outside the workers.
    #[derive(Debug, Default)]
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
    }

    impl Stealer {
        /// Moves about half of the victim's tasks into `dest`, returning one.
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Steal {
            steal(self.0.steal_batch_and_pop(&dest.0))
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    impl Inject {
        pub(crate) fn new() -> Inject {
            Inject(cb::Injector::new())
        }
        pub(crate) fn push(&self, task: Notified) {
            self.0.push(task);
        }
        /// Moves up to `limit` tasks into `dest`, returning one. (A steal
        /// takes from one block of the injector, so at most ~63.)
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local, limit: usize) -> Steal {
            steal(self.0.steal_batch_with_limit_and_pop(&dest.0, limit))
        }
        pub(crate) fn pop(&self) -> Steal {
            steal(self.0.steal())
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.is_empty()
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
    #[derive(Debug, Default)]
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
    }

    impl Stealer {
        pub(crate) fn steal_batch_and_pop(&self, dest: &Local) -> Steal {
            steal_half(&self.0, dest)
        }
        pub(crate) fn is_empty(&self) -> bool {
            self.0.lock().is_empty()
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
    }
}

pub(crate) use imp::{Inject, Local, Stealer};
