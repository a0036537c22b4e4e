//! `AsyncFd`'s readiness comes from the reactor: a fresh fd waits for it,
//! and once the runtime is gone every wait is an error, never a guard.

mod common;

use common::one_thread_runtimes;
use runtime::io::AsyncFd;
use runtime::time::{self, Duration};
use std::future::{poll_fn, Future};
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Generous bound: proves the absence of a hang, not speed.
const NO_HANG: Duration = Duration::from_secs(20);

/// A connected pair of non-blocking std sockets.
fn pair() -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    a.set_nonblocking(true).unwrap();
    b.set_nonblocking(true).unwrap();
    (a, b)
}

#[test]
fn readable_on_a_fresh_fd_waits_for_data() {
    for (flavor, rt) in one_thread_runtimes() {
        rt.block_on(async {
            let (ours, mut peer) = pair();
            let fd = AsyncFd::new(ours).unwrap();

            // Nothing to read: not ready on the first poll...
            let mut readable = pin!(fd.readable());
            let first = poll_fn(|cx| Poll::Ready(readable.as_mut().poll(cx).is_ready())).await;
            assert!(!first, "{flavor}: readable at once with no data");
            // ...nor once the reactor has had time to report the fd.
            let waited = time::timeout(Duration::from_millis(50), readable.as_mut()).await;
            assert!(waited.is_err(), "{flavor}: readable with no data");

            // The peer writes: the wait ends and the read finds the data.
            peer.write_all(b"data").unwrap();
            let mut guard = time::timeout(NO_HANG, readable)
                .await
                .unwrap_or_else(|_| panic!("{flavor}: readiness never came"))
                .unwrap();
            let mut buf = [0; 8];
            let n = guard
                .try_io(|fd| fd.get_ref().read(&mut buf))
                .unwrap_or_else(|_| panic!("{flavor}: ready, but the read would block"));
            assert_eq!(&buf[..n.unwrap()], b"data", "{flavor}");
        });
    }
}

#[test]
fn writable_on_a_fresh_socket_comes_from_the_reactor() {
    for (flavor, rt) in one_thread_runtimes() {
        rt.block_on(async {
            let (ours, mut peer) = pair();
            let fd = AsyncFd::new(ours).unwrap();
            let mut guard = time::timeout(NO_HANG, fd.writable())
                .await
                .unwrap_or_else(|_| panic!("{flavor}: the reactor never said writable"))
                .unwrap();
            let n = guard
                .try_io(|fd| fd.get_ref().write(b"w"))
                .unwrap_or_else(|_| panic!("{flavor}: writable, but the write would block"));
            assert_eq!(n.unwrap(), 1, "{flavor}");
            let mut buf = [0; 1];
            peer.read_exact(&mut buf).unwrap();
        });
    }
}

#[test]
fn waits_fail_after_the_runtime_is_dropped() {
    for (flavor, rt) in one_thread_runtimes() {
        let (ours, _peer) = pair();
        let fd = {
            let _guard = rt.enter();
            AsyncFd::new(ours).unwrap()
        };
        drop(rt);

        let mut cx = Context::from_waker(Waker::noop());
        let results = [
            pin!(fd.readable()).poll(&mut cx).map(|r| r.map(drop)),
            pin!(fd.writable()).poll(&mut cx).map(|r| r.map(drop)),
            fd.poll_read_ready(&mut cx).map(|r| r.map(drop)),
        ];
        for result in results {
            let err = match result {
                Poll::Ready(Err(err)) => err,
                Poll::Ready(Ok(())) => panic!("{flavor}: a guard after shutdown"),
                Poll::Pending => panic!("{flavor}: pending after shutdown"),
            };
            assert_eq!(err.kind(), io::ErrorKind::Other, "{flavor}");
            assert!(err.to_string().contains("shut down"), "{flavor}: {err}");
        }
        // Dropping it afterwards is fine.
        drop(fd);
    }
}
