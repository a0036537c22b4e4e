//! Starting the runtime's threads: name, stack size and start/stop hooks,
//! shared by the workers and the blocking pool.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::thread;

pub(crate) type Hook = Arc<dyn Fn() + Send + Sync>;

/// How the runtime's threads are started.
#[derive(Clone)]
pub(crate) struct ThreadSpawner {
    pub(crate) name: Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) on_start: Option<Hook>,
    pub(crate) on_stop: Option<Hook>,
}

impl ThreadSpawner {
    /// Starts a thread that runs the start hook, `f`, then the stop hook.
    pub(crate) fn spawn<F>(&self, f: F) -> io::Result<thread::JoinHandle<()>>
    where
        F: FnOnce() + Send + 'static,
    {
        let mut builder = thread::Builder::new().name((self.name)());
        if let Some(size) = self.stack_size {
            builder = builder.stack_size(size);
        }
        let on_start = self.on_start.clone();
        let on_stop = self.on_stop.clone();
        builder.spawn(move || {
            if let Some(hook) = on_start {
                hook();
            }
            f();
            if let Some(hook) = on_stop {
                hook();
            }
        })
    }
}

impl fmt::Debug for ThreadSpawner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadSpawner")
            .field("stack_size", &self.stack_size)
            .finish_non_exhaustive()
    }
}
