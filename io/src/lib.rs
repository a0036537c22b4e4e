//! `runtime-io`: the reactor and the network types of the `runtime` crate.
//!
//! This crate knows `Waker`s, never tasks: it is driven by whatever thread
//! parks in it. It is filled by the IO issue; for now it only holds the
//! seam the runtime uses to know whether IO was enabled.
#![warn(missing_docs)]
