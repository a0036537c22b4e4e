//! The generator behind `select!`'s random start branch.
//!
//! One xorshift64* state per thread, in a `const` thread-local `Cell<u64>`:
//! drawing a start is a load, three shifts, a multiply and a store, with no
//! lock and no atomic. Every task polled on a thread draws from that
//! thread's stream.
//!
//! # Seeding
//!
//! The state starts at zero, which xorshift cannot leave, and so means "not
//! seeded yet". The first draw on a thread seeds it from a process-wide
//! counter (one value per thread) mixed with a key drawn once per process,
//! so threads get unrelated streams and runs differ from each other, as
//! tokio's do. [`seed`] replaces the state: a scheduler that wants
//! reproducible runs (a deterministic simulation) seeds each thread it
//! drives before polling, and the same seed then gives the same sequence
//! of start branches.
//!
//! The state is not protocol state (any value is correct; only fairness
//! depends on it), so it stays outside the loom shim, as the cooperative
//! budget and the task-id counter do.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

thread_local! {
    /// xorshift64* state of this thread; zero until seeded.
    static STATE: Cell<u64> = const { Cell::new(0) };
}

/// Counts the threads that seeded themselves.
static THREADS: AtomicU64 = AtomicU64::new(0);

/// Seeds the calling thread's generator: after `seed(s)`, the thread's
/// draws are a function of `s` alone.
pub fn seed(seed: u64) {
    let _ = STATE.try_with(|state| state.set(mix(seed)));
}

/// A number in `0..n`, from the calling thread's generator (`0` for
/// `n <= 1`, without drawing).
pub fn below(n: usize) -> usize {
    if n <= 1 {
        return 0;
    }
    // A thread whose thread-locals are being destroyed starts at 0.
    let draw = STATE.try_with(|state| {
        let mut x = state.get();
        if x == 0 {
            x = self_seed();
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    });
    match draw {
        // Lemire's multiply-shift maps the high 32 bits onto `0..n` (up
        // to 2^32 branches; `select!` has at most a few dozen).
        Ok(r) => (((r >> 32) * n as u64) >> 32) as usize,
        Err(_) => 0,
    }
}

/// The first state of a thread that was not seeded.
fn self_seed() -> u64 {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    // Relaxed: only distinctness is needed, which the add's atomicity gives.
    let thread = THREADS.fetch_add(1, Ordering::Relaxed);
    let mut hasher = KEY.get_or_init(RandomState::new).build_hasher();
    hasher.write_u64(thread);
    mix(hasher.finish())
}

/// splitmix64's finaliser: spreads any input over the state space, and
/// never returns the one state (zero) xorshift cannot use.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    if z == 0 {
        0x9e37_79b9_7f4a_7c15
    } else {
        z
    }
}

#[cfg(all(test, not(loom)))]
mod test {
    use super::{below, seed};

    #[test]
    fn draws_stay_below_n() {
        for n in 1..70 {
            for _ in 0..200 {
                assert!(below(n) < n);
            }
        }
        assert_eq!(below(0), 0);
    }

    #[test]
    fn every_value_is_drawn() {
        let mut seen = [false; 64];
        for _ in 0..10_000 {
            seen[below(64)] = true;
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
    }

    #[test]
    fn a_seed_fixes_the_sequence() {
        let draws = |s| {
            seed(s);
            (0..32).map(|_| below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draws(7), draws(7));
        assert_ne!(draws(7), draws(8));
        // Zero is a seed like any other (the state itself is never zero).
        assert_eq!(draws(0), draws(0));
    }
}
