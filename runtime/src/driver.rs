//! Where a worker goes when it has nothing to run: the one place where the
//! scheduler meets the things that produce work from outside (the IO
//! reactor and the timer, in their own issues).
//!
//! Today the driver is the worker's thread parker. The IO and timer issues
//! replace it by a driver that, for the worker holding it, waits in the
//! reactor with the timer's next deadline as timeout, and for the others
//! parks the thread. The scheduler only sees this small trait, which a
//! virtual clock or an in-memory driver can implement for deterministic
//! tests.

use crate::scheduler::park::Parker;
use std::time::Duration;

/// Blocks a thread that has nothing to run until there may be work.
pub(crate) trait Driver: Send {
    /// Blocks until the thread's unparker is called or `timeout` passes
    /// (`None`: no limit).
    /// May return early.
    fn park(&mut self, timeout: Option<Duration>);
}

impl Driver for Parker {
    fn park(&mut self, timeout: Option<Duration>) {
        Parker::park(self, timeout);
    }
}
