//! `AsyncFd`'s readiness comes from the reactor: a fresh fd waits for it,
//! and once the runtime is gone every wait is an error, never a guard.
//! Then tokio's readiness surface on it: `try_new` handing the fd back,
//! `with_interest`, `ready`/`ready_mut` with the guard's `ready()` and
//! `clear_ready_matching`, `try_io` and `async_io`.

mod common;

use common::{io_runtimes, one_thread_runtimes};
use runtime::io::AsyncFd;
use runtime::io::{Interest, Ready};
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

/// Long enough for the reactor to report an fd that is ready.
const SETTLE: Duration = Duration::from_millis(50);

fn is_would_block<T: std::fmt::Debug>(result: io::Result<T>) -> bool {
    matches!(result, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
}

#[test]
fn try_new_hands_the_fd_back() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            // epoll refuses regular files.
            let file =
                std::fs::File::open(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
            let err = AsyncFd::try_new(file).unwrap_err();
            let (mut file, cause) = err.into_parts();
            assert_eq!(cause.kind(), io::ErrorKind::PermissionDenied, "{flavor}");
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            assert!(
                text.contains("[package]"),
                "{flavor}: the file is open and ours"
            );

            let err = AsyncFd::try_with_interest(file, Interest::READABLE).unwrap_err();
            let as_io: io::Error = err.into();
            assert_eq!(as_io.kind(), io::ErrorKind::PermissionDenied, "{flavor}");

            // Success keeps the value.
            let (ours, _peer) = pair();
            let fd = AsyncFd::try_new(ours).unwrap();
            let _std: UnixStream = fd.into_inner();
        });
    }
}

#[test]
fn an_interest_not_registered_is_an_error_not_a_hang() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (ours, mut peer) = pair();
            let mut fd = AsyncFd::with_interest(ours, Interest::WRITABLE).unwrap();
            let invalid = |result: io::Result<()>| {
                matches!(result, Err(e) if e.kind() == io::ErrorKind::InvalidInput)
            };
            assert!(invalid(fd.readable().await.map(drop)), "{flavor}");
            assert!(invalid(fd.ready(Interest::READABLE).await.map(drop)));
            assert!(invalid(poll_fn(|cx| fd.poll_read_ready(cx)).await.map(drop)));
            assert!(invalid(fd.try_io(Interest::READABLE, |_| Ok(()))));
            assert!(invalid(fd.async_io(Interest::READABLE, |_| Ok(())).await));
            assert!(invalid(fd.readable_mut().await.map(drop)));
            // What it was registered for works, alone or with more.
            let guard = time::timeout(NO_HANG, fd.ready(Interest::READABLE | Interest::WRITABLE))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(guard.ready(), Ready::WRITABLE, "{flavor}");
            let n = fd
                .async_io(Interest::WRITABLE, |s| (&*s).write(b"w"))
                .await
                .unwrap();
            assert_eq!(n, 1, "{flavor}");
            let mut buf = [0; 1];
            peer.read_exact(&mut buf).unwrap();
            // Errors can always be waited for.
            let waited = time::timeout(SETTLE, fd.ready(Interest::ERROR)).await;
            assert!(waited.is_err(), "{flavor}: no error yet");
        });
    }
}

#[test]
fn ready_with_two_interests_and_clear_ready_matching() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (ours, mut peer) = pair();
            let mut fd = AsyncFd::new(ours).unwrap();
            peer.write_all(b"data").unwrap();
            time::timeout(NO_HANG, fd.readable())
                .await
                .unwrap()
                .unwrap()
                .retain_ready();

            let mut guard = fd
                .ready(Interest::READABLE | Interest::WRITABLE)
                .await
                .unwrap();
            assert_eq!(guard.ready(), Ready::READABLE | Ready::WRITABLE, "{flavor}");
            let mut buf = [0; 8];
            assert_eq!(fd.get_ref().read(&mut buf).unwrap(), 4);
            assert!(is_would_block(fd.get_ref().read(&mut buf)));
            // Only the read blocked: clear that, keep the write.
            guard.clear_ready_matching(Ready::READABLE);
            assert_eq!(guard.ready(), Ready::WRITABLE, "{flavor}");
            let waited = time::timeout(SETTLE, fd.readable()).await;
            assert!(waited.is_err(), "{flavor}: read readiness was cleared");
            let guard = fd.ready(Interest::WRITABLE).await.unwrap();
            assert_eq!(guard.ready(), Ready::WRITABLE, "{flavor}: write kept");

            // The mut guard, the same way.
            peer.write_all(b"more").unwrap();
            let mut guard = time::timeout(NO_HANG, fd.ready_mut(Interest::READABLE))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(guard.ready(), Ready::READABLE, "{flavor}");
            let n = guard
                .try_io(|fd| fd.get_mut().read(&mut buf))
                .expect("ready to read")
                .unwrap();
            assert_eq!(&buf[..n], b"more");
            let blocked = guard.try_io(|fd| fd.get_mut().read(&mut buf));
            assert!(
                blocked.is_err(),
                "{flavor}: WouldBlock comes back as TryIoError"
            );
            assert!(guard.ready().is_empty(), "{flavor}: and clears the guard");
        });
    }
}

#[test]
fn try_io_and_async_io_on_the_fd() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (ours, mut peer) = pair();
            let mut fd = AsyncFd::new(ours).unwrap();
            let mut buf = [0; 8];
            // No event yet: `try_io` does not call the closure.
            let mut called = false;
            let result = fd.try_io(Interest::READABLE, |_| {
                called = true;
                Ok(())
            });
            assert!(is_would_block(result) && !called, "{flavor}");

            peer.write_all(b"abc").unwrap();
            let n = time::timeout(
                NO_HANG,
                fd.async_io(Interest::READABLE, |s| (&*s).read(&mut buf)),
            )
            .await
            .unwrap()
            .unwrap();
            assert_eq!(&buf[..n], b"abc", "{flavor}");
            // Drained: the next read blocks, which clears the readiness...
            let blocked = fd.try_io(Interest::READABLE, |s| (&*s).read(&mut buf));
            assert!(is_would_block(blocked), "{flavor}");
            // ...so the closure is not called again.
            let mut called = false;
            let again = fd.try_io_mut(Interest::READABLE, |_| {
                called = true;
                Ok(())
            });
            assert!(is_would_block(again) && !called, "{flavor}");

            peer.write_all(b"de").unwrap();
            let n = time::timeout(
                NO_HANG,
                fd.async_io_mut(Interest::READABLE, |s| s.read(&mut buf)),
            )
            .await
            .unwrap()
            .unwrap();
            assert_eq!(&buf[..n], b"de", "{flavor}");
            let n = fd
                .try_io_mut(Interest::WRITABLE, |s| s.write(b"!"))
                .unwrap();
            assert_eq!(n, 1, "{flavor}");
            let mut one = [0; 1];
            peer.read_exact(&mut one).unwrap();
        });
    }
}

#[test]
fn the_guard_reports_read_closed_after_the_peer_shuts_down() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let (ours, peer) = pair();
            let fd = AsyncFd::new(ours).unwrap();
            peer.shutdown(std::net::Shutdown::Write).unwrap();
            let guard = time::timeout(NO_HANG, fd.readable())
                .await
                .unwrap()
                .unwrap();
            let ready = guard.ready();
            assert!(
                ready.is_read_closed() && ready.is_readable(),
                "{flavor}: {ready:?}"
            );
            // A closed state is final: clearing keeps it.
            let mut guard = fd.ready(Interest::READABLE).await.unwrap();
            guard.clear_ready();
            let guard = time::timeout(NO_HANG, fd.readable())
                .await
                .unwrap()
                .unwrap();
            assert!(guard.ready().is_read_closed(), "{flavor}");
            // Dropping the peer entirely hangs the socket up: both sides.
            drop(peer);
            let write_closed = time::timeout(NO_HANG, async {
                loop {
                    let guard = fd.ready(Interest::WRITABLE).await.unwrap();
                    if guard.ready().is_write_closed() {
                        return;
                    }
                    time::sleep(Duration::from_millis(1)).await;
                }
            });
            write_closed.await.unwrap();
        });
    }
}
