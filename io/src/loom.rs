//! The one door through which the reactor's shared state reaches atomics
//! and locks: std normally, loom under `cfg(loom)`, so a loom model checks
//! the readiness and wakers protocol that ships, never a copy.
//!
//! loom's `Mutex` has std's API (`LockResult`, `TryLockResult`, std's
//! `PoisonError`), so the callers read the same in both builds. `Arc`
//! stays std's in both: it is in the public seam (`Arc<Reactor>`), and the
//! models find leaks through the wakers they register, which hold loom
//! `Arc`s.

#[cfg(not(loom))]
pub(crate) use std::sync::{atomic::AtomicU64, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use loom::sync::{atomic::AtomicU64, Mutex, MutexGuard};
