//! AsyncFd over a pipe: readiness comes from the reactor, never assumed.

mod common;

use common::{block_on, run, TestReactor};
use futures_util::future::join;
use runtime_io::AsyncFd;
use std::fs::File;
use std::future::Future;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// A non-blocking pipe: (read end, write end).
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two fds pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "{}", io::Error::last_os_error());
    // SAFETY: pipe2 succeeded: both fds are open and owned by nobody else.
    unsafe {
        (
            File::from(OwnedFd::from_raw_fd(fds[0])),
            File::from(OwnedFd::from_raw_fd(fds[1])),
        )
    }
}

#[test]
fn pipe_is_readable_after_a_write() {
    run(async {
        let (read, write) = pipe();
        let read = AsyncFd::new(read).unwrap();
        let mut write = write;
        let mut buf = [0; 16];

        // Nothing to read yet: polling says Pending.
        let mut cx = Context::from_waker(Waker::noop());
        assert!(read.poll_read_ready(&mut cx).is_pending());

        let reader = async {
            loop {
                let mut guard = read.readable().await.unwrap();
                match guard.try_io(|fd| fd.get_ref().read(&mut buf)) {
                    Ok(n) => break n.unwrap(),
                    Err(_would_block) => continue,
                }
            }
        };
        let writer = async {
            write.write_all(b"through the pipe").unwrap();
        };
        let (n, ()) = join(reader, writer).await;
        assert_eq!(&buf[..n], b"through the pipe");
        let file = read.into_inner();
        drop(file);
    });
}

#[test]
fn pipe_write_side_and_mut_guard() {
    run(async {
        let (read, write) = pipe();
        let mut write = AsyncFd::new(write).unwrap();
        let mut read = read;
        // Fill the pipe until it would block.
        let chunk = [7u8; 4096];
        let mut written = 0;
        loop {
            let mut guard = write.writable_mut().await.unwrap();
            match guard.try_io(|fd| fd.get_mut().write(&chunk)) {
                Ok(n) => written += n.unwrap(),
                Err(_would_block) => break,
            }
        }
        assert!(written > 0);
        let mut cx = Context::from_waker(Waker::noop());
        assert!(write.poll_write_ready(&mut cx).is_pending());
        // Make room: writable again.
        let mut drain = vec![0; written];
        read.read_exact(&mut drain).unwrap();
        let _guard = write.writable().await.unwrap();
        match write.poll_write_ready(&mut cx) {
            Poll::Ready(Ok(_)) => {}
            other => panic!("not writable after draining: {other:?}"),
        }
    });
}

#[test]
fn a_fresh_fd_is_not_ready_until_the_reactor_says_so() {
    let reactor = TestReactor::start();
    let _guard = reactor.enter();
    let (read, mut write) = pipe();
    let read = AsyncFd::new(read).unwrap();
    let mut cx = Context::from_waker(Waker::noop());

    // Fresh, with nothing to read: neither way of waiting resolves, not at
    // once and not after the reactor has turned a few times (every 10 ms).
    let mut readable = pin!(read.readable());
    assert!(readable.as_mut().poll(&mut cx).is_pending());
    assert!(read.poll_read_ready(&mut cx).is_pending());
    thread::sleep(Duration::from_millis(50));
    assert!(
        readable.as_mut().poll(&mut cx).is_pending(),
        "readable with no data"
    );
    assert!(read.poll_read_ready(&mut cx).is_pending());

    // Data: the reactor reports it, the wait ends, and the read finds it.
    write.write_all(b"x").unwrap();
    let mut guard = block_on(readable).unwrap();
    let mut buf = [0; 4];
    let n = guard.try_io(|fd| fd.get_ref().read(&mut buf)).unwrap();
    assert_eq!(n.unwrap(), 1);
}

#[test]
fn a_fresh_write_end_is_writable_once_the_reactor_reports_it() {
    run(async {
        let (_read, write) = pipe();
        let write = AsyncFd::new(write).unwrap();
        let mut guard = write.writable().await.unwrap();
        let n = guard.try_io(|fd| fd.get_ref().write(b"y")).unwrap();
        assert_eq!(n.unwrap(), 1);
    });
}

#[test]
fn waits_fail_after_the_reactor_shut_down() {
    let reactor = TestReactor::start();
    let _guard = reactor.enter();
    let (read, write) = pipe();
    let read = AsyncFd::new(read).unwrap();
    let write = AsyncFd::new(write).unwrap();
    // The write end is ready (once the reactor said so) when it shuts down.
    block_on(write.writable()).unwrap().retain_ready();
    reactor.reactor.shutdown();
    let mut cx = Context::from_waker(Waker::noop());
    for result in [
        block_on(read.readable()).map(drop),
        block_on(write.writable()).map(drop),
        match read.poll_read_ready(&mut cx) {
            Poll::Ready(result) => result.map(drop),
            Poll::Pending => panic!("pending after shutdown"),
        },
    ] {
        let err = result.expect_err("a guard after shutdown");
        assert_eq!(err.kind(), io::ErrorKind::Other);
        assert!(err.to_string().contains("shut down"), "{err}");
    }
}
