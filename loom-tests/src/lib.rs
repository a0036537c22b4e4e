//! loom models of the runtime's protocols, one file per model in `tests/`.
//!
//! # loom
//!
//! The models only exist under `cfg(loom)`; a normal `cargo test
//! --workspace` compiles them to nothing. Run them with
//!
//! ```text
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p loom-tests --release
//! ```
//!
//! (add `CARGO_TARGET_DIR=target/loom` so that the `--cfg loom` build does
//! not evict the normal one, and `-- --nocapture` to see how many
//! interleavings each model explored). `--cfg loom` switches the `loom.rs`
//! shims of the runtime, the timer and the reactor from std/parking_lot to
//! loom, so every model runs the shipped protocol code, reached through
//! `runtime::__loom`, `runtime_timer::__loom` and `runtime_io::__loom` (or
//! the public API).
//!
//! | file             | what it proves                                                   |
//! |------------------|------------------------------------------------------------------|
//! | `task_state.rs`  | a wake racing a poll requeues once; no double poll; no lost wake |
//! | `join_waker.rs`  | the joiner is woken and reads the output exactly once            |
//! | `drop_abort.rs`  | drop/abort/complete/shutdown: future, output, cell freed once    |
//! | `refcount.rs`    | wakers on several threads: the cell is freed once, never early   |
//! | `park.rs`        | no unpark is lost; a remote push never strands the last sleeper  |
//! | `queue.rs`       | injector, local queues and stealing run every task once          |
//! | `timer_entry.rs` | a `Sleep`'s drop/re-poll vs firing: one wake, entry freed once   |
//! | `shutdown.rs`    | a spawn racing shutdown runs or is dropped once; joiner learns   |
//! | `registration.rs`| an IO event vs a waker swap, a clear, a drop, and a closed state from the OS vs a waiter: none lost or late |
//! | `lifo.rs`        | LIFO slot vs a thief; the watcher runs a stuck worker's slot     |
//! | `semaphore.rs`   | permits hand over access FIFO; cancel and close lose no permit   |
//! | `channels.rs`    | mpsc/oneshot/broadcast/watch: no value lost, doubled or leaked; no lost wake |
//!
//! Useful knobs (loom reads them from the environment): `LOOM_MAX_PREEMPTIONS`
//! bounds the preemptions per interleaving (2 is what CI uses; [`model`]
//! defaults to 2 when it is unset; [`model_with_max_preemptions`] caps it
//! for the models too big for 2), `LOOM_LOG=info` logs each iteration,
//! `LOOM_CHECKPOINT_FILE` replays a failing interleaving.

#[cfg(loom)]
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `f` under [`loom::model`] (settings from the environment, with a
/// preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS` says otherwise),
/// then prints how many interleavings loom explored and how long it took.
#[cfg(loom)]
pub fn model<F>(f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    check(loom::model::Builder::new(), f);
}

/// As [`model`], with the preemption bound capped at `max`, whatever
/// `LOOM_MAX_PREEMPTIONS` says. For the models that run the whole
/// multi-thread scheduler with two workers and the LIFO watcher on, where
/// each preemption allowed multiplies the interleavings by about thirty: a
/// runtime of two workers running one trivial task explores 5 thousand
/// interleavings at bound 1 and 186 thousand at bound 2 (`tests/lifo.rs`).
#[cfg(loom)]
pub fn model_with_max_preemptions<F>(max: usize, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(builder.preemption_bound.unwrap_or(2).min(max));
    check(builder, f);
}

/// Runs the model under `builder`, then prints how many interleavings
/// loom explored and how long it took, or, if one failed, which.
#[cfg(loom)]
fn check<F>(mut builder: loom::model::Builder, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    /// Prints the tally when dropped, also while the failure unwinds.
    struct Report {
        iterations: std::sync::Arc<AtomicUsize>,
        start: std::time::Instant,
        bound: Option<usize>,
    }

    impl Drop for Report {
        fn drop(&mut self) {
            let name = std::thread::current().name().unwrap_or("model").to_string();
            let n = self.iterations.load(Ordering::Relaxed);
            let (elapsed, bound) = (self.start.elapsed(), self.bound);
            let what = if std::thread::panicking() {
                format!("FAILED in iteration {n}")
            } else {
                format!("{n} iterations")
            };
            println!("{name}: {what} in {elapsed:.2?} (preemption bound {bound:?})");
        }
    }

    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    let report = Report {
        iterations: std::sync::Arc::new(AtomicUsize::new(0)),
        start: std::time::Instant::now(),
        bound: builder.preemption_bound,
    };
    let counter = report.iterations.clone();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
}

/// Polls `future` on this model thread until it is ready, parking the
/// thread (`loom::thread::park`) between polls; its waker unparks it.
///
/// Unlike `loom::future::block_on`, whose wait loom may end spuriously
/// (and does, in some interleavings, at every wait: each such wake-up is
/// one more poll of the future), this one only wakes when woken. Use it
/// where the joiner is the harness, not the subject: with the whole
/// scheduler running, the spurious polls of a `JoinHandle` multiply the
/// interleavings tenfold or more (join-waker replacement has its own
/// models, in `join_waker.rs`).
#[cfg(loom)]
pub fn block_on_park<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(loom::thread::Thread);

    impl Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(std::sync::Arc::new(Unpark(loom::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        loom::thread::park();
    }
}

/// Tallies, across all the iterations of a model, which of `N` outcomes
/// each iteration reached, so that a test can check that loom explored
/// every one of them (a race that is never lost proves little). Meant for
/// a `static`, since a model's closure must be `'static`.
#[cfg(loom)]
#[derive(Debug)]
pub struct Outcomes<const N: usize> {
    names: [&'static str; N],
    seen: [AtomicUsize; N],
}

#[cfg(loom)]
impl<const N: usize> Outcomes<N> {
    /// A tally of the outcomes `names`, all at zero.
    pub const fn new(names: [&'static str; N]) -> Outcomes<N> {
        Outcomes {
            names,
            seen: [const { AtomicUsize::new(0) }; N],
        }
    }

    /// Records that this iteration reached outcome `name`.
    ///
    /// # Panics
    ///
    /// If `name` is not one of the outcomes.
    pub fn record(&self, name: &str) {
        let i = self
            .names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("unknown outcome {name:?}"));
        self.seen[i].fetch_add(1, Ordering::Relaxed);
    }

    /// Prints the tally, then panics if some outcome was never reached.
    pub fn assert_all_seen(&self, model: &str) {
        let counts: Vec<(&str, usize)> = self
            .names
            .iter()
            .zip(&self.seen)
            .map(|(n, c)| (*n, c.load(Ordering::Relaxed)))
            .collect();
        println!("{model}: outcomes {counts:?}");
        for (name, count) in counts {
            assert!(count > 0, "{model}: no iteration reached {name:?}");
        }
    }
}
