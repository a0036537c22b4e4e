//! A waker that panics when the timer, the reactor or `Notify` wakes it
//! kills no worker and leaves no other waker asleep: the other waiters
//! still complete and the runtime keeps running tasks, on both flavors
//! where one thread runs every task.

mod common;

use common::one_thread_runtimes;
use runtime::io::{AsyncRead, AsyncWriteExt};
use runtime::net::UnixStream;
use runtime::sync::Notify;
use runtime::time::{self, Duration, Instant};
use runtime::{JoinHandle, Runtime};
use std::future::{poll_fn, Future};
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;

/// Generous bound: proves the absence of a hang (a dead worker), not speed.
const NO_HANG: Duration = Duration::from_secs(30);

/// A waker whose wake panics, as a buggy user waker may.
struct Boom;

impl Wake for Boom {
    fn wake(self: Arc<Self>) {
        panic!("boom: a waker panicked on purpose");
    }
}

fn boom() -> Waker {
    Waker::from(Arc::new(Boom))
}

/// Polls `future` once with `waker`, from inside a task, and checks that
/// it is pending: `waker` is now the one the future's driver will wake.
async fn register<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) {
    let mut future = Some(future);
    poll_fn(|_| {
        let future = future.take().expect("polled once");
        let polled = future.poll(&mut Context::from_waker(waker));
        assert!(polled.is_pending(), "ready before its driver woke it");
        Poll::Ready(())
    })
    .await;
}

/// Runs `test` with each one-thread runtime, on a thread of its own, then
/// drops the runtime there; fails if that panics or hangs.
fn on_each_flavor(test: fn(&'static str, &Runtime)) {
    for index in 0..2 {
        let (done, wait) = mpsc::channel();
        thread::spawn(move || {
            let (flavor, rt) = one_thread_runtimes().into_iter().nth(index).unwrap();
            test(flavor, &rt);
            drop(rt);
            done.send(flavor).unwrap();
        });
        match wait.recv_timeout(NO_HANG) {
            Ok(_) => {}
            Err(RecvTimeoutError::Disconnected) => {
                panic!("runtime {index}: the test panicked (see above)")
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("runtime {index}: hung for {NO_HANG:?}: a worker died or a waiter slept")
            }
        }
    }
}

/// The runtime still runs new tasks, and their timers fire.
async fn still_runs(flavor: &str) {
    let task = runtime::spawn(async {
        time::sleep(Duration::from_millis(1)).await;
        7
    });
    assert_eq!(task.await.unwrap(), 7, "{flavor}");
}

#[test]
fn a_panicking_timer_waker_does_not_stop_the_runtime() {
    on_each_flavor(|flavor, rt| {
        rt.block_on(async {
            let deadline = Instant::now() + Duration::from_millis(20);
            let sleepers: Vec<_> = (0..3)
                .map(|_| runtime::spawn(time::sleep_until(deadline)))
                .collect();
            let mut panicking = pin!(time::sleep_until(deadline));
            register(panicking.as_mut(), &boom()).await;

            for sleeper in sleepers {
                sleeper.await.unwrap();
            }
            assert!(panicking.is_elapsed(), "{flavor}");
            still_runs(flavor).await;
        });
    });
}

#[test]
fn a_panicking_reactor_waker_does_not_stop_the_runtime() {
    on_each_flavor(|flavor, rt| {
        rt.block_on(async {
            let (a, mut b) = UnixStream::pair().unwrap();
            let a = Arc::new(a);
            // The read's waker (the socket's poller slot) panics; the
            // same event wakes a task waiting for `readable()`.
            let mut buf = [0; 8];
            let mut read = pin!(poll_fn(|cx| {
                AsyncRead::poll_read(Pin::new(&mut &*a), cx, &mut buf)
            }));
            register(read.as_mut(), &boom()).await;
            let waiter = runtime::spawn({
                let a = a.clone();
                async move { a.readable().await.unwrap() }
            });
            // Lets the waiter wait first, most likely (either order is a
            // valid test).
            time::sleep(Duration::from_millis(20)).await;

            b.write_all(b"wake").await.unwrap();
            waiter.await.unwrap();
            let a = Arc::into_inner(a).unwrap().into_std().unwrap();
            let mut got = [0; 4];
            (&a).read_exact(&mut got).unwrap();
            assert_eq!(&got, b"wake", "{flavor}");
            still_runs(flavor).await;
        });
    });
}

/// Spawns a task that waits on `notify`; returns once it is waiting.
async fn spawn_waiter(notify: &Arc<Notify>) -> JoinHandle<()> {
    let waiting = Arc::new(Notify::new());
    let task = runtime::spawn({
        let notify = notify.clone();
        let waiting = waiting.clone();
        async move {
            let mut notified = pin!(notify.notified());
            poll_fn(|cx| {
                assert!(notified.as_mut().poll(cx).is_pending());
                Poll::Ready(())
            })
            .await;
            waiting.notify_one();
            notified.await;
        }
    });
    waiting.notified().await;
    task
}

#[test]
fn a_panicking_notify_waker_does_not_stop_the_other_waiters() {
    on_each_flavor(|flavor, rt| {
        rt.block_on(async {
            let notify = Arc::new(Notify::new());
            // Three waiters, in this order; the middle one's waker panics.
            let first = spawn_waiter(&notify).await;
            let mut middle = pin!(notify.notified());
            register(middle.as_mut(), &boom()).await;
            let last = spawn_waiter(&notify).await;

            let notified = panic::catch_unwind(AssertUnwindSafe(|| notify.notify_waiters()));
            assert!(notified.is_ok(), "{flavor}: the panic escaped");
            first.await.unwrap();
            last.await.unwrap();
            let mut cx = Context::from_waker(Waker::noop());
            assert!(middle.as_mut().poll(&mut cx).is_ready(), "{flavor}");

            // `notify_one` catches it too.
            let mut alone = pin!(notify.notified());
            register(alone.as_mut(), &boom()).await;
            let notified = panic::catch_unwind(AssertUnwindSafe(|| notify.notify_one()));
            assert!(notified.is_ok(), "{flavor}: the panic escaped");
            assert!(alone.as_mut().poll(&mut cx).is_ready(), "{flavor}");
            still_runs(flavor).await;
        });
    });
}
