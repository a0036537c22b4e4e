//! Unix signals: every listener of a kind sees each delivery, in one
//! runtime or several; a listener made before a delivery sees it even if
//! it was not polled then, one made after does not; quick deliveries
//! coalesce without spurious returns; forbidden signals are errors;
//! dropped listeners leave nothing behind.
//!
//! Signals are process-wide and the tests of this file run in parallel,
//! so each test owns its signal numbers (named at the test); no other
//! test of the file raises or listens for them. `SIGINT` is in
//! `signal_ctrl_c.rs`. Each test installs its handler (by making a
//! listener) before it raises, so a raise never takes the default action.
#![cfg(unix)]

mod common;

use common::{io_runtimes, panic_message, within};
use runtime::signal::unix::{listener_count, signal, Signal, SignalKind};
use runtime::time::{self, Duration};
use runtime::Builder;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::mpsc;
use std::task::Poll;
use std::thread;

/// Generous bound: proves the absence of a hang, not speed.
const NO_HANG: Duration = Duration::from_secs(20);

/// How long a `recv` that must not return is given.
const QUIET: Duration = Duration::from_millis(200);

/// Raises `signum` on this thread: its handler has run when this returns.
fn raise(signum: libc::c_int) {
    // SAFETY: `raise` has no preconditions; each caller has made a
    // listener for `signum` first, so its handler is installed.
    let rc = unsafe { libc::raise(signum) };
    assert_eq!(rc, 0, "raise({signum}) failed");
}

/// Awaits one wake-up of `sig`, failing (not hanging) if none comes.
async fn expect_recv(flavor: &str, what: &str, sig: &mut Signal) {
    let got = within(NO_HANG, sig.recv())
        .await
        .unwrap_or_else(|| panic!("{flavor}: {what}: no wake-up came"));
    assert_eq!(got, Some(()), "{flavor}: {what}");
}

/// Asserts `sig` does not wake up within [`QUIET`].
async fn expect_quiet(flavor: &str, what: &str, sig: &mut Signal) {
    let got = time::timeout(QUIET, sig.recv()).await;
    assert!(got.is_err(), "{flavor}: {what}: woke up with nothing new");
}

// SIGUSR1.
#[test]
fn a_listener_gets_each_raised_signal() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut usr1 = signal(SignalKind::user_defined1()).unwrap();
            for round in 0..3 {
                raise(libc::SIGUSR1);
                expect_recv(flavor, &format!("round {round}"), &mut usr1).await;
            }
            // Raised by another thread while this one waits: only the
            // reactor can wake it.
            let raiser = thread::spawn(|| {
                thread::sleep(Duration::from_millis(20));
                raise(libc::SIGUSR1);
            });
            expect_recv(flavor, "raised by another thread", &mut usr1).await;
            raiser.join().unwrap();
            expect_quiet(flavor, "after the last round", &mut usr1).await;
        });
    }
}

// SIGUSR2.
#[test]
fn every_listener_in_a_runtime_gets_it() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            // Two tasks (on two workers, in the multi-thread runtime),
            // each with its listener, and one here: all three wake up.
            let (made, listening) = mpsc::channel();
            let tasks: Vec<_> = (0..2)
                .map(|_| {
                    let made = made.clone();
                    runtime::spawn(async move {
                        let mut usr2 = signal(SignalKind::user_defined2()).unwrap();
                        made.send(()).unwrap();
                        within(NO_HANG, usr2.recv()).await
                    })
                })
                .collect();
            let mut here = signal(SignalKind::user_defined2()).unwrap();
            for _ in 0..2 {
                // Sleeping, not blocking: on the current thread the
                // tasks run only while this one waits.
                while listening.try_recv().is_err() {
                    time::sleep(Duration::from_millis(1)).await;
                }
            }
            raise(libc::SIGUSR2);
            expect_recv(flavor, "the block_on listener", &mut here).await;
            for task in tasks {
                let got = task.await.unwrap();
                assert_eq!(got, Some(Some(())), "{flavor}: a spawned listener");
            }
        });
    }
}

// SIGHUP.
#[test]
fn listeners_in_two_running_runtimes_each_get_one_delivery() {
    // One runtime of each flavor, each driven by its own thread at the
    // same time, each with a listener; the main thread raises. Repeated,
    // to give a race between the two drainers a chance to show. Channels
    // with timeouts, not barriers: a thread that fails must fail the
    // test, not leave the others waiting for it.
    const ROUNDS: usize = 20;
    let wait = NO_HANG;
    let (ready_tx, ready_rx) = mpsc::channel();
    let (threads, go): (Vec<_>, Vec<_>) = ["current_thread", "multi_thread(2)"]
        .into_iter()
        .map(|flavor| {
            let ready = ready_tx.clone();
            let (go_tx, go) = mpsc::channel::<()>();
            let thread = thread::spawn(move || {
                let rt = match flavor {
                    "current_thread" => Builder::new_current_thread().enable_all().build(),
                    _ => Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build(),
                }
                .unwrap();
                rt.block_on(async {
                    let mut hup = signal(SignalKind::hangup()).unwrap();
                    for round in 0..ROUNDS {
                        // On even rounds the raise comes while this thread
                        // waits: the wake-up comes through a reactor (this
                        // runtime's, or the other's dispatch). On odd ones
                        // the listener is first polled after the raise.
                        let mut recv = pin!(within(NO_HANG, hup.recv()));
                        if round % 2 == 0 {
                            let first = poll_fn(|cx| Poll::Ready(recv.as_mut().poll(cx))).await;
                            assert!(first.is_pending(), "{flavor}: round {round}: early");
                        }
                        ready.send(()).unwrap();
                        if round % 2 == 1 {
                            go.recv_timeout(wait).expect("the main thread gave up");
                        }
                        let got = recv.await;
                        assert_eq!(got, Some(Some(())), "{flavor}: round {round}: missed");
                    }
                    // Each round's delivery was seen exactly once.
                    expect_quiet(flavor, "after the rounds", &mut hup).await;
                });
            });
            (thread, go_tx)
        })
        .unzip();
    drop(ready_tx);
    // The first round installs the handler in `signal()`, before `ready`.
    'rounds: for round in 0..ROUNDS {
        for _ in 0..2 {
            if ready_rx.recv_timeout(wait).is_err() {
                break 'rounds; // a thread failed: its panic is below
            }
        }
        if round % 2 == 0 {
            // Let both threads get back to waiting first.
            thread::sleep(Duration::from_millis(20));
        }
        raise(libc::SIGHUP);
        if round % 2 == 1 {
            for go in &go {
                let _ = go.send(());
            }
        }
    }
    drop(go);
    for t in threads {
        t.join().unwrap();
    }
}

// SIGHUP as well would race the test above: SIGTTIN, whose default
// (stopping the process) cannot happen as the handler comes first.
#[test]
fn dropping_one_runtime_does_not_starve_another() {
    let first_rt = Builder::new_current_thread().enable_all().build().unwrap();
    let second_rt = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let kind = SignalKind::from_raw(libc::SIGTTIN);
    let mut first = first_rt.block_on(async { signal(kind).unwrap() });
    let mut second = second_rt.block_on(async { signal(kind).unwrap() });
    raise(libc::SIGTTIN);
    first_rt.block_on(expect_recv("current_thread", "before the drop", &mut first));
    second_rt.block_on(expect_recv("multi_thread", "before the drop", &mut second));
    drop(first_rt);
    // `first` outlives its runtime: it no longer wakes by itself, and
    // must not keep `second` from waking.
    raise(libc::SIGTTIN);
    second_rt.block_on(expect_recv("multi_thread", "after the drop", &mut second));
    // `first` is still counted in the registry, and sees the delivery
    // `second`'s dispatch counted, when polled from a live runtime.
    second_rt.block_on(expect_recv("orphan", "after the drop", &mut first));
}

// SIGWINCH.
#[test]
fn a_listener_made_before_a_delivery_sees_it_when_first_polled_after() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut a = signal(SignalKind::window_change()).unwrap();
            let mut b = signal(SignalKind::window_change()).unwrap();
            raise(libc::SIGWINCH);
            // Let the reactor see the byte, with no listener polled.
            time::sleep(Duration::from_millis(20)).await;
            // `a` takes the delivery in; `b` sees the count it moved.
            expect_recv(flavor, "first poll after the delivery", &mut a).await;
            expect_recv(flavor, "dispatched by another listener", &mut b).await;
            expect_quiet(flavor, "a, after", &mut a).await;
            expect_quiet(flavor, "b, after", &mut b).await;
        });
    }
}

// SIGALRM.
#[test]
fn a_listener_made_after_a_delivery_does_not_see_it() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut early = signal(SignalKind::alarm()).unwrap();
            raise(libc::SIGALRM);
            // Nobody has polled: the delivery is still only a flag and a
            // byte when `late` is made.
            let mut late = signal(SignalKind::alarm()).unwrap();
            expect_recv(flavor, "made before", &mut early).await;
            expect_quiet(flavor, "made after", &mut late).await;
            // And `late` gets the next one.
            raise(libc::SIGALRM);
            expect_recv(flavor, "made after, next delivery", &mut late).await;
            expect_recv(flavor, "made before, next delivery", &mut early).await;
        });
    }
}

// SIGIO.
#[test]
fn quick_deliveries_coalesce_without_spurious_returns() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut io = signal(SignalKind::io()).unwrap();
            for _ in 0..10 {
                raise(libc::SIGIO);
            }
            expect_recv(flavor, "after ten deliveries", &mut io).await;
            // The ten were coalesced: once the listener has seen them,
            // nothing more comes until the next delivery.
            expect_quiet(flavor, "after the first wake-up", &mut io).await;
            raise(libc::SIGIO);
            expect_recv(flavor, "the next delivery", &mut io).await;
            expect_quiet(flavor, "after the next one", &mut io).await;
        });
    }
}

// SIGPROF is listened for, SIGVTALRM raised.
#[test]
fn a_delivery_wakes_only_its_own_kind() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let mut prof = signal(SignalKind::from_raw(libc::SIGPROF)).unwrap();
            let mut vtalrm = signal(SignalKind::from_raw(libc::SIGVTALRM)).unwrap();
            raise(libc::SIGVTALRM);
            expect_recv(flavor, "the raised kind", &mut vtalrm).await;
            expect_quiet(flavor, "another kind", &mut prof).await;
        });
    }
}

// No handler is installed for any of these.
#[test]
fn forbidden_and_invalid_signals_are_errors() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            for signum in [libc::SIGKILL, libc::SIGSTOP, libc::SIGSEGV, libc::SIGILL] {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert_eq!(err.kind(), std::io::ErrorKind::Other, "{flavor}: {signum}");
                assert!(
                    err.to_string().contains(&format!("signal {signum}")),
                    "{flavor}: {err}"
                );
            }
            for signum in [0, -1] {
                let err = signal(SignalKind::from_raw(signum)).unwrap_err();
                assert!(err.to_string().contains("not a signal"), "{flavor}: {err}");
            }
            // A number the OS does not know: its error, not a panic.
            let err = signal(SignalKind::from_raw(100_000)).unwrap_err();
            assert_eq!(err.raw_os_error(), Some(libc::EINVAL), "{flavor}: {err}");
        });
    }
}

// SIGQUIT (never raised).
#[test]
fn dropped_listeners_leave_nothing_behind() {
    for (flavor, rt) in io_runtimes() {
        rt.block_on(async {
            let kind = SignalKind::quit();
            let mut kept = signal(kind).unwrap();
            assert_eq!(listener_count(kind), 1, "{flavor}");
            for _ in 0..1000 {
                let mut sig = signal(kind).unwrap();
                // Polled once, so it holds a waker in the registry and
                // the reactor when dropped.
                let first = poll_fn(|cx| Poll::Ready(sig.poll_recv(cx))).await;
                assert!(first.is_pending(), "{flavor}");
                drop(sig);
            }
            assert_eq!(
                listener_count(kind),
                1,
                "{flavor}: a dropped listener stayed"
            );
            assert!(poll_fn(|cx| Poll::Ready(kept.poll_recv(cx)))
                .await
                .is_pending());
            drop(kept);
            assert_eq!(listener_count(kind), 0, "{flavor}");
        });
    }
}

// SIGTERM: the panics come before any handler is installed, so this
// test never raises it.
#[test]
fn without_a_reactor_signal_panics_as_the_net_types_do() {
    let tcp = || {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let _ = runtime::net::TcpListener::from_std(listener);
    };
    let expected = panic_message(tcp);
    let outside = panic_message(|| {
        let _ = signal(SignalKind::terminate());
    });
    assert_eq!(outside, expected, "outside a runtime");

    let rt = Builder::new_current_thread().enable_time().build().unwrap();
    let expected = rt.block_on(async { panic_message(tcp) });
    let without_io = rt.block_on(async {
        panic_message(|| {
            let _ = signal(SignalKind::terminate());
        })
    });
    assert_eq!(without_io, expected, "in a runtime without IO");
    assert!(without_io.contains("enable_io"), "{without_io}");
    assert_eq!(listener_count(SignalKind::terminate()), 0);
}

#[test]
fn signal_is_send_sync_and_unpin() {
    fn check<T: Send + Sync + Unpin>() {}
    check::<Signal>();
    check::<SignalKind>();
}
