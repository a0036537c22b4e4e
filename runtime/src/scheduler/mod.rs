//! The two schedulers and what they share: queues and thread parking.

pub(crate) mod current_thread;
pub(crate) mod multi_thread;
pub(crate) mod park;
pub(crate) mod queue;

use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;

/// The scheduler of one runtime.
#[derive(Clone, Debug)]
pub(crate) enum Scheduler {
    MultiThread(Arc<multi_thread::Shared>),
    CurrentThread(Arc<current_thread::Shared>),
}

impl Scheduler {
    pub(crate) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let id = Id::next();
        match self {
            Scheduler::MultiThread(s) => s.spawn(future, id),
            Scheduler::CurrentThread(s) => s.spawn(future, id),
        }
    }
}

impl std::fmt::Debug for current_thread::Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("current_thread::Shared")
            .field("shutdown", &self.is_shutdown())
            .finish()
    }
}
