//! `ctrl_c()` completes on `SIGINT` once it has been polled (its first
//! poll installs the handler), and a `SIGINT` from before that first poll
//! is not seen. Alone in its binary: if the handler were missing, the
//! raise would kill this process only.
#![cfg(unix)]

mod common;

use common::{io_runtimes, within};
use runtime::signal::ctrl_c;
use runtime::time::{self, Duration};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

/// Generous bound: proves the absence of a hang, not speed.
const NO_HANG: Duration = Duration::from_secs(20);

fn raise_sigint() {
    // SAFETY: `raise` has no preconditions; the caller polled a `ctrl_c`
    // first, so the SIGINT handler is installed.
    let rc = unsafe { libc::raise(libc::SIGINT) };
    assert_eq!(rc, 0, "raise(SIGINT) failed");
}

#[test]
fn ctrl_c_completes_on_sigint_after_its_first_poll() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut interrupted = pin!(ctrl_c());
            let first = poll_fn(|cx| Poll::Ready(interrupted.as_mut().poll(cx).is_ready())).await;
            assert!(!first, "{flavor}: done before any SIGINT");
            raise_sigint();
            within(NO_HANG, interrupted)
                .await
                .unwrap_or_else(|| panic!("{flavor}: SIGINT never completed ctrl_c"))
                .unwrap();

            // The handler stays installed: a SIGINT now, with no listener,
            // is dropped (the process lives), and a `ctrl_c` first polled
            // after it does not see it, only the next one.
            raise_sigint();
            let mut later = pin!(ctrl_c());
            let waited = time::timeout(Duration::from_millis(200), later.as_mut()).await;
            assert!(
                waited.is_err(),
                "{flavor}: saw a SIGINT from before its first poll"
            );
            raise_sigint();
            within(NO_HANG, later)
                .await
                .unwrap_or_else(|| panic!("{flavor}: the next SIGINT was missed"))
                .unwrap();
        });
    }
}
