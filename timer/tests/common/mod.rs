//! Test-only helpers: a driver thread standing in for the runtime's
//! workers, a `block_on`, and a small join-all executor.
#![allow(dead_code)]

use runtime_timer::context::{self, EnterGuard};
use runtime_timer::Driver;
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::Instant;

/// Unparks a thread, counting how often.
struct Unparker {
    thread: Thread,
    count: AtomicUsize,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.thread.unpark();
    }
}

/// A driver and a thread driving it: park until `next_deadline`, then
/// `process(Instant::now())`; woken early through the unpark waker.
pub struct TestDriver {
    pub driver: Arc<Driver>,
    unparker: Arc<Unparker>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TestDriver {
    pub fn start() -> TestDriver {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel::<Arc<Driver>>();
        let thread = thread::spawn({
            let stop = stop.clone();
            move || {
                let driver = rx.recv().unwrap();
                while !stop.load(Ordering::SeqCst) {
                    match driver.next_deadline() {
                        Some(deadline) => {
                            let now = Instant::now();
                            if deadline > now {
                                thread::park_timeout(deadline - now);
                            }
                        }
                        None => thread::park(),
                    }
                    driver.process(Instant::now());
                }
            }
        });
        let unparker = Arc::new(Unparker {
            thread: thread.thread().clone(),
            count: AtomicUsize::new(0),
        });
        let driver = Driver::new(Waker::from(unparker.clone()));
        tx.send(driver.clone()).unwrap();
        TestDriver {
            driver,
            unparker,
            stop,
            thread: Some(thread),
        }
    }

    pub fn enter(&self) -> EnterGuard {
        context::enter(Some(self.driver.clone()))
    }

    /// How many times the driver woke its unpark waker.
    pub fn unparks(&self) -> usize {
        self.unparker.count.load(Ordering::SeqCst)
    }
}

impl Drop for TestDriver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.unparker.thread.unpark();
        let result = self.thread.take().unwrap().join();
        if !thread::panicking() {
            result.unwrap();
        }
    }
}

/// A waker that counts its wakes.
pub fn count_waker() -> (Arc<AtomicUsize>, Waker) {
    struct Count(Arc<AtomicUsize>);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let count = Arc::new(AtomicUsize::new(0));
    (count.clone(), Waker::from(Arc::new(Count(count))))
}

/// A driver no thread drives: the test calls `process` itself. Also
/// returns how often its unpark waker was woken.
pub fn manual_driver() -> (Arc<Driver>, Arc<AtomicUsize>) {
    let (count, unpark) = count_waker();
    (Driver::new(unpark), count)
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` on this thread, parking between polls.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        thread::park();
    }
}

/// Polls `future` once with a waker that does nothing.
pub fn poll_once<F: Future + ?Sized>(future: Pin<&mut F>) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(Waker::noop()))
}

/// The ready queue of [`join_all`]: each future's waker pushes its index.
struct Ready {
    queue: Mutex<Vec<usize>>,
    thread: Thread,
}

struct IndexWaker {
    index: usize,
    ready: Arc<Ready>,
}

impl Wake for IndexWaker {
    fn wake(self: Arc<Self>) {
        self.ready.queue.lock().unwrap().push(self.index);
        self.ready.thread.unpark();
    }
}

/// Runs all `futures` to completion on this thread, polling each only
/// when its own waker was woken; returns the outputs in order.
pub fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let ready = Arc::new(Ready {
        queue: Mutex::new((0..futures.len()).collect()),
        thread: thread::current(),
    });
    let wakers: Vec<Waker> = (0..futures.len())
        .map(|index| {
            Waker::from(Arc::new(IndexWaker {
                index,
                ready: ready.clone(),
            }))
        })
        .collect();
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    let mut left = futures.len();
    while left > 0 {
        let batch = std::mem::take(&mut *ready.queue.lock().unwrap());
        if batch.is_empty() {
            thread::park();
            continue;
        }
        for index in batch {
            if outputs[index].is_some() {
                continue;
            }
            let mut cx = Context::from_waker(&wakers[index]);
            if let Poll::Ready(output) = futures[index].as_mut().poll(&mut cx) {
                outputs[index] = Some(output);
                left -= 1;
            }
        }
    }
    outputs.into_iter().map(Option::unwrap).collect()
}

/// The message of a caught panic.
pub fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => payload
            .downcast::<&'static str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}
