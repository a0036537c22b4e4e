//! Helpers shared by the integration tests.
#![allow(dead_code)]

use runtime::{Builder, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One runtime of each flavor, named for assertion messages.
pub fn each_flavor(mut f: impl FnMut(&'static str, Runtime)) {
    f(
        "current_thread",
        Builder::new_current_thread().build().unwrap(),
    );
    f(
        "multi_thread",
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    );
}

/// A future that never completes.
pub struct Forever;

impl Future for Forever {
    type Output = ();
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

/// Counts its drops into the shared counter.
pub struct DropCounter(pub std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Runs `f` and returns the message it panicked with.
pub fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// A current-thread runtime and a one-worker multi-thread runtime, both
/// with every driver: the flavors where one thread runs every task.
pub fn one_thread_runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread(1)",
            Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// A current-thread runtime and a two-worker multi-thread runtime, both
/// with every driver, named for assertion messages.
pub fn each_flavor_enabled(mut f: impl FnMut(&'static str, Runtime)) {
    f(
        "current_thread",
        Builder::new_current_thread().enable_all().build().unwrap(),
    );
    f(
        "multi_thread",
        Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
}
