//! What `#[runtime::main(shutdown_on = "...", grace = "...")]` expands to:
//! run `main`'s future until it ends or a signal arrives, then drain.

use crate::runtime::Runtime;
use std::future::Future;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

/// A signal that starts the drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShutdownOn {
    /// SIGINT (`signal::ctrl_c`).
    CtrlC,
    /// SIGTERM.
    Terminate,
}

/// What `main` returns when a signal ended it before its body did.
pub trait Interrupted {
    /// The value for an interrupted `main`: success, since the drain that
    /// follows is the orderly end the signal asked for.
    fn interrupted() -> Self;
}

impl Interrupted for () {
    fn interrupted() -> Self {}
}

impl<E> Interrupted for Result<(), E> {
    fn interrupted() -> Self {
        Ok(())
    }
}

impl Interrupted for std::process::ExitCode {
    fn interrupted() -> Self {
        std::process::ExitCode::SUCCESS
    }
}

/// Runs `body` on `rt` until it completes or one of `signals` arrives (the
/// listeners are registered before `body` first runs), then shuts down
/// with a drain of `grace` and prints the report on stderr if a task was
/// cancelled at the deadline.
///
/// # Panics
/// If a signal listener cannot be registered (no IO driver: the macro
/// always enables it).
pub fn run_until_shutdown<F>(
    rt: Runtime,
    body: F,
    signals: &[ShutdownOn],
    grace: Duration,
) -> F::Output
where
    F: Future,
    F::Output: Interrupted,
{
    let out = rt.block_on(async {
        let stop = pin!(stop_signal(signals));
        let mut body = pin!(body);
        let mut stop = stop;
        std::future::poll_fn(|cx| {
            // The body first: if both are ready, its value is kept.
            if let Poll::Ready(v) = body.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            stop.as_mut().poll(cx).map(|()| None)
        })
        .await
    });
    let report = rt.shutdown_graceful(grace);
    if !report.is_clean() {
        eprintln!("runtime: {report}");
    }
    out.unwrap_or_else(F::Output::interrupted)
}

/// Runs `body` on `rt` for at most `limit` of the runtime's time; past it,
/// panics with the runtime's task dump (each task's state and what it
/// waits on), so a hung test fails and says why instead of hanging.
///
/// The limit is a timer on the runtime: a body stuck inside one poll (a
/// blocking call) holds up that timer on a current-thread runtime; the
/// slow-poll report names such a task.
///
/// # Panics
/// When `limit` passes first.
pub fn run_with_timeout<F: Future>(rt: Runtime, body: F, limit: Duration) -> F::Output {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let handle = rt.handle().clone();
    // The limit is real time, also under a paused clock: a thread of its
    // own watches it, not a runtime timer (which auto-advance would fire).
    let expired = Arc::new((AtomicBool::new(false), Mutex::new(None::<std::task::Waker>)));
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let watch = expired.clone();
    let watcher = std::thread::Builder::new()
        .name("test-timeout".into())
        .spawn(move || {
            if finished.recv_timeout(limit) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
                watch.0.store(true, Ordering::SeqCst);
                let waker = watch.1.lock().unwrap_or_else(|e| e.into_inner()).take();
                waker.into_iter().for_each(std::task::Waker::wake);
            }
        })
        .expect("a thread for the test's timeout");
    let out = rt.block_on(async {
        let mut body = pin!(body);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(v) = body.as_mut().poll(cx) {
                return Poll::Ready(Some(v));
            }
            *expired.1.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
            if expired.0.load(Ordering::SeqCst) {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await
    });
    drop(done);
    let _ = watcher.join();
    match out {
        Some(v) => {
            fail_on_unjoined_panics(&rt);
            v
        }
        None => {
            let dump = handle.dump();
            panic!(
                "timed out after {limit:?} before the body returned; the runtime's tasks:\n{dump}"
            )
        }
    }
}

/// `#[runtime::test]` without `timeout`: runs the body, then fails if a
/// spawned task panicked and nobody joined it.
pub fn run_test<F: Future>(rt: Runtime, body: F) -> F::Output {
    let out = rt.block_on(body);
    fail_on_unjoined_panics(&rt);
    out
}

/// Panics, naming them, if tasks of `rt` panicked and no `JoinHandle`
/// returned their panic (`runtime/unjoined.rs`).
fn fail_on_unjoined_panics(rt: &Runtime) {
    let lines = rt.__unjoined_panics();
    if lines.is_empty() {
        return;
    }
    panic!(
        "{} spawned task{} panicked and nobody joined {} (the JoinHandle was dropped or never \
         awaited):\n  {}\njoin the task to see its panic, or opt out with \
         `#[runtime::test(unhandled_panic = \"ignore\")]`",
        lines.len(),
        if lines.len() == 1 { "" } else { "s" },
        if lines.len() == 1 { "it" } else { "them" },
        lines.join("\n  ")
    );
}

/// Completes when any of `signals` arrives. The listeners exist once this
/// returns, before its first poll.
fn stop_signal(signals: &[ShutdownOn]) -> impl Future<Output = ()> {
    use crate::signal::unix::{signal, SignalKind};
    let mut listeners: Vec<_> = signals
        .iter()
        .map(|s| {
            let kind = match s {
                ShutdownOn::CtrlC => SignalKind::interrupt(),
                ShutdownOn::Terminate => SignalKind::terminate(),
            };
            signal(kind).unwrap_or_else(|e| panic!("cannot listen for {s:?}: {e}"))
        })
        .collect();
    std::future::poll_fn(move |cx| {
        for listener in &mut listeners {
            if listener.poll_recv(cx).is_ready() {
                return Poll::Ready(());
            }
        }
        Poll::Pending
    })
}

/// `#[runtime::test(simulation, ...)]`: runs `body` on a fresh simulated
/// runtime (`make(seed)`) for each of the `count` seeds from `first`, or
/// for the one seed in `RUNTIME_SEED` if it is set. A failing seed is
/// named on stderr with how to rerun it, then the panic goes on.
pub fn run_simulation<F, R>(
    first: u64,
    count: u64,
    make: impl Fn(u64) -> Runtime,
    body: impl Fn() -> F,
) -> R
where
    F: Future<Output = R>,
{
    let seeds: Vec<u64> = match std::env::var("RUNTIME_SEED") {
        Ok(seed) => vec![seed.trim().parse().unwrap_or_else(|_| {
            panic!("RUNTIME_SEED must be a seed (an unsigned integer), not {seed:?}")
        })],
        Err(_) => (first..first.saturating_add(count)).collect(),
    };
    let mut last = None;
    for seed in seeds {
        let rt = make(seed);
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let out = rt.block_on(body());
            fail_on_unjoined_panics(&rt);
            out
        }));
        match run {
            Ok(out) => last = Some(out),
            Err(panic) => {
                drop(rt);
                eprintln!(
                    "runtime: the simulation failed with seed {seed}; rerun just this seed with \
                     RUNTIME_SEED={seed}"
                );
                std::panic::resume_unwind(panic);
            }
        }
    }
    last.expect("at least one seed")
}
