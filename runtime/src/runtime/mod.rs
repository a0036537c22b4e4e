//! The runtime: [`Builder`] to configure one, [`Runtime`] to own it, and
//! [`Handle`] to reach it from anywhere.

mod builder;
mod handle;
mod rt;
mod threads;

pub use builder::Builder;
pub(crate) use handle::park_on;
pub use handle::{EnterGuard, Handle, TryCurrentError};
pub use rt::Runtime;

pub(crate) use threads::ThreadSpawner;

/// The scheduler knobs the workers read.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    pub(crate) worker_threads: usize,
    pub(crate) global_queue_interval: u32,
    pub(crate) event_interval: u32,
    pub(crate) disable_lifo_slot: bool,
}
