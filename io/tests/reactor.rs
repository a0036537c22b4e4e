//! The reactor's own contract: turn, notify, shutdown, panicking wakers.

mod common;

use common::{block_on, TestReactor};
use futures_util::future::join;
use futures_util::{AsyncRead, AsyncReadExt};
use runtime_io::net::{TcpListener, UnixStream};
use runtime_io::{context, Handle, Reactor};
use std::future::Future;
use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

fn handle(reactor: &Arc<Reactor>) -> Handle {
    Handle::new(
        reactor.clone(),
        Arc::new(|job: Box<dyn FnOnce() + Send>| {
            thread::spawn(job);
        }),
    )
}

#[test]
fn turn_times_out_and_notify_wakes_it() {
    let reactor = Reactor::new().unwrap();
    let start = Instant::now();
    assert_eq!(reactor.turn(Some(Duration::from_millis(20))).unwrap(), 0);
    assert!(start.elapsed() >= Duration::from_millis(15));
    assert_eq!(reactor.turn(Some(Duration::ZERO)).unwrap(), 0);

    // A notify before the turn makes it return at once.
    reactor.notify();
    reactor.notify();
    let start = Instant::now();
    reactor.turn(None).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));

    // A notify from another thread wakes a blocked turn.
    let notifier = thread::spawn({
        let reactor = reactor.clone();
        move || {
            thread::sleep(Duration::from_millis(50));
            reactor.notify();
        }
    });
    let start = Instant::now();
    reactor.turn(None).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    notifier.join().unwrap();
}

#[test]
fn turn_delivers_events_and_wakes_the_reader() {
    // No reactor thread: this test turns the reactor itself, between polls.
    let reactor = Reactor::new().unwrap();
    let _guard = context::enter(Some(handle(&reactor)));
    let (a, b) = UnixStream::pair().unwrap();
    let mut a = a.into_std().unwrap();
    let b = UnixStream::from_std(b.into_std().unwrap()).unwrap();
    assert_eq!(reactor.sources_len(), 1);

    let mut read = Box::pin(async {
        let mut buf = [0; 5];
        (&b).read_exact(&mut buf).await.unwrap();
        buf
    });
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    assert!(read.as_mut().poll(&mut cx).is_pending());
    a.write_all(b"hello").unwrap();
    let delivered = reactor.turn(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(delivered, 1);
    match read.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(buf) => assert_eq!(&buf, b"hello"),
        std::task::Poll::Pending => panic!("not ready after the event"),
    }
    drop(read);
    drop(b);
    assert_eq!(reactor.sources_len(), 0);
}

#[test]
fn shutdown_wakes_waiters_and_fails_io() {
    let test = TestReactor::start();
    let _guard = test.enter();
    let listener = block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let (a, b) = UnixStream::pair().unwrap();
    let waiter = async {
        let err = listener.accept().await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(err.to_string().contains("shut down"), "{err}");
        let mut buf = [0; 4];
        let err = (&a).read(&mut buf).await.unwrap_err();
        assert!(err.to_string().contains("shut down"), "{err}");
    };
    let shutdown = async {
        // Let the waiter block first.
        thread::sleep(Duration::from_millis(50));
        test.reactor.shutdown();
    };
    block_on(join(waiter, shutdown));
    // New registrations fail the same way.
    let err = UnixStream::pair().unwrap_err();
    assert!(err.to_string().contains("shut down"), "{err}");
    // Dropping IO objects after shutdown is fine.
    drop((listener, b));
    test.reactor.shutdown();
}

/// A waker whose wake panics, as a buggy user waker may.
struct Boom;

impl Wake for Boom {
    fn wake(self: Arc<Self>) {
        panic!("boom: a waker panicked on purpose");
    }
}

/// A waker that counts its wakes.
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn a_panicking_waker_neither_stops_the_others_nor_escapes_the_turn() {
    let reactor = Reactor::new().unwrap();
    let _guard = context::enter(Some(handle(&reactor)));
    let boom = Waker::from(Arc::new(Boom));
    let count = Arc::new(Count(AtomicUsize::new(0)));
    let counting = Waker::from(count.clone());

    // Two wakers on one socket, woken by one event, the panicking one
    // first: the read's (the poller slot), then a `readable()` waiter's.
    let (a, b) = UnixStream::pair().unwrap();
    let mut a = a.into_std().unwrap();
    let b = UnixStream::from_std(b.into_std().unwrap()).unwrap();
    let mut buf = [0; 8];
    // The first read clears the optimistic readiness a socket starts with.
    let read = Pin::new(&mut &b).poll_read(&mut Context::from_waker(&boom), &mut buf);
    assert!(read.is_pending());
    let mut readable = Box::pin(b.readable());
    assert!(readable
        .as_mut()
        .poll(&mut Context::from_waker(&counting))
        .is_pending());

    a.write_all(b"wake").unwrap();
    let delivered = panic::catch_unwind(AssertUnwindSafe(|| {
        reactor.turn(Some(Duration::from_secs(5))).unwrap()
    }))
    .expect("the waker's panic escaped the turn");
    assert_eq!(delivered, 1);
    assert_eq!(count.0.load(Ordering::SeqCst), 1, "the other waker slept");

    // The same at shutdown.
    let read = Pin::new(&mut &b).poll_read(&mut Context::from_waker(&boom), &mut buf);
    assert!(matches!(read, Poll::Ready(Ok(4))));
    let read = Pin::new(&mut &b).poll_read(&mut Context::from_waker(&boom), &mut buf);
    assert!(read.is_pending());
    let mut readable = Box::pin(b.readable());
    assert!(readable
        .as_mut()
        .poll(&mut Context::from_waker(&counting))
        .is_pending());
    panic::catch_unwind(AssertUnwindSafe(|| reactor.shutdown()))
        .expect("the waker's panic escaped the shutdown");
    assert_eq!(count.0.load(Ordering::SeqCst), 2, "the other waker slept");
}
