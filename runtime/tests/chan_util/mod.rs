//! Helpers of the channel tests (`sync_mpsc.rs`, `sync_oneshot.rs`,
//! `sync_broadcast.rs`, `sync_watch.rs`).
#![allow(dead_code)]

use runtime::{Builder, Runtime};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

/// Runs `f` on a current-thread runtime and on a two-worker multi-thread
/// runtime, both with every driver, naming the flavor for messages.
pub fn each_flavor(mut f: impl FnMut(&'static str, &Runtime)) {
    let current = Builder::new_current_thread().enable_all().build().unwrap();
    f("current_thread", &current);
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    f("multi_thread", &multi);
}

/// Runs `f` on a thread of its own and fails if it has not returned within
/// 20 s: a deadlock fails the test instead of hanging it (the stuck thread
/// is left behind). A panic in `f` is the test's panic.
pub fn no_deadlock(what: &str, f: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(Duration::from_secs(20)) {
        Ok(()) => thread.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            std::panic::resume_unwind(thread.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: deadlocked (no return in 20 s)"),
    }
}

/// A waker that counts its wakes.
#[derive(Default)]
pub struct CountWaker(AtomicUsize);

impl CountWaker {
    pub fn new() -> (Arc<CountWaker>, Waker) {
        let count = Arc::new(CountWaker::default());
        let waker = Waker::from(count.clone());
        (count, waker)
    }

    pub fn wakes(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker that runs a closure when its last clone is dropped (after a
/// wake or without one): the "waker's drop uses the channel" case.
pub struct OnDrop(Option<Box<dyn FnOnce() + Send + Sync>>);

impl OnDrop {
    pub fn waker(f: impl FnOnce() + Send + Sync + 'static) -> Waker {
        Waker::from(Arc::new(OnDrop(Some(Box::new(f)))))
    }
}

impl Wake for OnDrop {
    fn wake(self: Arc<Self>) {}
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// Counts its drops and (through the same counter's clone count) its
/// clones.
#[derive(Debug)]
pub struct Counted {
    pub drops: Arc<AtomicUsize>,
    pub clones: Arc<AtomicUsize>,
    pub value: u32,
}

impl Counted {
    pub fn new(value: u32, drops: &Arc<AtomicUsize>, clones: &Arc<AtomicUsize>) -> Counted {
        Counted {
            drops: drops.clone(),
            clones: clones.clone(),
            value,
        }
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        self.clones.fetch_add(1, Ordering::SeqCst);
        Counted {
            drops: self.drops.clone(),
            clones: self.clones.clone(),
            value: self.value,
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

/// A fresh counter.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}

pub fn load(counter: &AtomicUsize) -> usize {
    counter.load(Ordering::SeqCst)
}

/// Polls `future` once with `waker`.
pub fn poll_with<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Polls `future` once with a no-op waker.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(future, Waker::noop())
}

/// Runs `f` and returns its panic message.
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Compile-time check of auto traits.
pub fn is_send<T: Send>() {}
pub fn is_sync<T: Sync>() {}
pub fn is_unpin<T: Unpin>() {}
