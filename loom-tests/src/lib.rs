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
//! | `registration.rs`| an IO event vs a waker swap, a clear, a drop: none lost or late  |
//! | `channels.rs`    | mpsc/oneshot/broadcast/watch: no value lost, doubled or leaked; no lost wake |
//!
//! Useful knobs (loom reads them from the environment): `LOOM_MAX_PREEMPTIONS`
//! bounds the preemptions per interleaving (2 is what CI uses; [`model`]
//! defaults to 2 when it is unset), `LOOM_LOG=info` logs each iteration,
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
    let iterations = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = iterations.clone();
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    let start = std::time::Instant::now();
    builder.check(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        f();
    });
    let name = std::thread::current().name().unwrap_or("model").to_string();
    println!(
        "{name}: {} iterations in {:.2?} (preemption bound {:?})",
        iterations.load(Ordering::Relaxed),
        start.elapsed(),
        builder.preemption_bound,
    );
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
