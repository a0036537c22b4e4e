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
/// with every driver: the two flavors IO tests run on.
pub fn io_runtimes() -> [(&'static str, Runtime); 2] {
    [
        (
            "current_thread",
            Builder::new_current_thread().enable_all().build().unwrap(),
        ),
        (
            "multi_thread(2)",
            Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        ),
    ]
}

/// The same as [`io_runtimes`], under the name the sync tests use.
pub fn both_flavors() -> [(&'static str, Runtime); 2] {
    io_runtimes()
}

/// A waker that counts how often it is woken.
pub fn counting_waker() -> (
    std::task::Waker,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    struct Count(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl std::task::Wake for Count {
        fn wake(self: std::sync::Arc<Self>) {
            self.wake_by_ref();
        }
        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let waker = std::task::Waker::from(std::sync::Arc::new(Count(count.clone())));
    (waker, count)
}

/// Polls `future` once with `waker`.
pub fn poll_with<F: Future + ?Sized>(
    future: Pin<&mut F>,
    waker: &std::task::Waker,
) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

/// Polls `future` once with a waker that does nothing.
pub fn poll_noop<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    poll_with(future, std::task::Waker::noop())
}

/// Runs `future` on the runtime, failing the test (instead of hanging it)
/// if it takes more than 10 s.
pub fn run<F: Future>(flavor: &str, rt: &Runtime, future: F) -> F::Output {
    rt.block_on(async {
        runtime::time::timeout(std::time::Duration::from_secs(10), future)
            .await
            .unwrap_or_else(|_| panic!("{flavor}: timed out"))
    })
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

/// Runs `test` in `block_on` and in a spawned task, on each flavor.
pub fn each_flavor_and_task<F, Fut>(test: F)
where
    F: Fn(&'static str) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    each_flavor_enabled(|flavor, rt| {
        rt.block_on(test(flavor));
        rt.block_on(rt.spawn(test(flavor))).unwrap();
    });
}

/// Ready on its `n`-th poll (waking itself before); counts its polls.
pub struct ReadyAfter {
    pub polls: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub n: usize,
}

impl Future for ReadyAfter {
    type Output = usize;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
        let polls = self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if polls >= self.n {
            Poll::Ready(polls)
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Ends the whole test process with a message if it is still alive after
/// `limit`, unless the guard is dropped first: a hang fails the test run
/// in CI instead of stalling it until its deadline. (A panic would not do:
/// the hung test's thread never reads it.)
#[must_use = "the guard watches only until it is dropped"]
pub struct HangGuard {
    done: Option<std::sync::mpsc::Sender<()>>,
}

pub fn hang_guard(name: &'static str, limit: std::time::Duration) -> HangGuard {
    let (done, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(limit) {
            eprintln!("{name}: still running after {limit:?}: ending the test process");
            std::process::exit(101);
        }
    });
    HangGuard { done: Some(done) }
}

impl Drop for HangGuard {
    fn drop(&mut self) {
        drop(self.done.take());
    }
}

/// Awaits `future`, or `None` once `limit` has passed. Unlike
/// `time::timeout`, the deadline is checked before `future` is polled: a
/// future that was never woken must not pass because the timer's wake-up
/// polled it once more.
pub async fn within<F: Future>(limit: std::time::Duration, future: F) -> Option<F::Output> {
    let mut deadline = std::pin::pin!(runtime::time::sleep(limit));
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        future.as_mut().poll(cx).map(Some)
    })
    .await
}
