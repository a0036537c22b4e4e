//! AsyncFd over a pipe.

mod common;

use common::run;
use futures_util::future::join;
use runtime_io::AsyncFd;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::task::{Context, Poll, Waker};

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

        // Drain the optimistic initial readiness: nothing to read yet.
        let mut buf = [0; 16];
        let mut guard = read.readable().await.unwrap();
        assert!(guard.try_io(|fd| fd.get_ref().read(&mut buf)).is_err());

        // Not readable now: polling says Pending.
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
