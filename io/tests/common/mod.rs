//! Test-only helpers: a thread turning a reactor (standing in for the
//! runtime's parked worker), the IO handle entered on the test thread, and
//! a `block_on`.
#![allow(dead_code)]

use runtime_io::context::{self, EnterGuard};
use runtime_io::{Handle, Reactor};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::Duration;

/// A reactor and a thread turning it with a 10 ms timeout until dropped.
pub struct TestReactor {
    pub reactor: Arc<Reactor>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestReactor {
    pub fn start() -> TestReactor {
        let reactor = Reactor::new().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = thread::spawn({
            let reactor = reactor.clone();
            let stop = stop.clone();
            move || {
                while !stop.load(Ordering::SeqCst) {
                    reactor.turn(Some(Duration::from_millis(10))).unwrap();
                }
            }
        });
        TestReactor {
            reactor,
            stop,
            thread: Some(thread),
        }
    }

    /// A handle whose blocking pool is "a new thread per job".
    pub fn handle(&self) -> Handle {
        Handle::new(
            self.reactor.clone(),
            Arc::new(|job: Box<dyn FnOnce() + Send>| {
                thread::spawn(job);
            }),
        )
    }

    pub fn enter(&self) -> EnterGuard {
        context::enter(Some(self.handle()))
    }
}

impl Drop for TestReactor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.reactor.notify();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts a reactor, enters it on this thread, and runs `f` to completion.
pub fn run<F: Future>(f: F) -> F::Output {
    let reactor = TestReactor::start();
    let _guard = reactor.enter();
    block_on(f)
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `f` on this thread, parking between polls until woken.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = f.as_mut().poll(&mut cx) {
            return out;
        }
        // Spurious unparks only cost a poll.
        thread::park();
    }
}

/// Runs `f` on a new thread that has entered `handle`, inside `block_on`.
pub fn spawn<F, T>(handle: Handle, f: F) -> JoinHandle<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    thread::spawn(move || {
        let _guard = context::enter(Some(handle));
        block_on(f)
    })
}

/// How many fds this process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// A path in the temp dir no other test uses.
pub fn temp_path(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::AtomicUsize;
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path =
        std::env::temp_dir().join(format!("runtime-io-{}-{name}-{n}.sock", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// An FNV-1a checksum.
pub fn checksum(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= u64::from(b);
        *hash = hash.wrapping_mul(0x100_0000_01b3);
    }
}

pub const CHECKSUM_INIT: u64 = 0xcbf2_9ce4_8422_2325;
