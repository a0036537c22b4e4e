//! Every tuning number of the schedulers, in one place. Each was measured
//! with `benches/run.sh`; the reason is written beside it.

use std::time::Duration;

/// Ticks between two looks at the timer and the reactor by a busy worker
/// (`Builder::event_interval`), and tasks run by the current-thread
/// scheduler between two looks at the `block_on` future. As tokio's 61: a
/// prime, so it does not beat with `GLOBAL_QUEUE_INTERVAL_*`.
pub(crate) const EVENT_INTERVAL: u32 = 61;

/// Ticks between two looks at the injector before the local queue
/// (`Builder::global_queue_interval`) on the multi-thread runtime, so that
/// spawns from outside are not starved by local work. A self-tuned interval
/// (tokio's 200 µs target) was tried and was 8x slower on
/// spawn_many_remote_busy: short injected tasks push it to its cap, and the
/// busy tasks then get half of the polls.
pub(crate) const GLOBAL_QUEUE_INTERVAL_MULTI: u32 = 61;

/// The same on the current-thread runtime, and between two looks at a
/// `LocalSet`'s remote queue: one thread does everything, so remote wakes
/// get a turn twice as often.
pub(crate) const GLOBAL_QUEUE_INTERVAL_CURRENT: u32 = 31;

/// Tasks a `LocalSet` runs between two looks at the `run_until` future (or
/// two yields of the set's own future to its executor).
pub(crate) const LOCAL_SET_BUDGET: u32 = 61;

/// The most tasks taken from the injector at once (crossbeam steals from
/// one injector block, so ~63 at most). Measured on spawn_many_remote_busy:
/// crossbeam's default of 32 took 2x longer to drain the injector past busy
/// tasks.
pub(crate) const INJECT_BATCH: usize = 64;

/// Consecutive LIFO-slot polls before the worker takes a task from its
/// queue, so two tasks waking each other cannot starve the rest (tokio's
/// 3).
pub(crate) const MAX_LIFO_POLLS: u32 = 3;

/// How long a task may sit in the LIFO slot of a worker stuck in one poll
/// before the watcher steals it (`multi_thread/lifo.rs`).
pub(crate) const LIFO_STEAL_AFTER: Duration = Duration::from_micros(500);

/// How long one poll runs before its worker counts as stuck for the
/// hand-off to a spare worker (`multi_thread/spare.rs`; the slow-poll
/// report has its own, larger threshold). With [`HAND_OFF_TICK`] a spare
/// starts within about 9 ms of the moment the last worker got stuck, well
/// within the 25 ms a timer elsewhere may be late; a legitimately long poll
/// on every worker costs at most one more thread until one of them returns.
pub(crate) const SPARE_AFTER: Duration = Duration::from_millis(5);

/// The watchdog's tick while the hand-off is on (`runtime/watchdog.rs`):
/// with [`SPARE_AFTER`], how soon a spare worker starts. Only while some
/// worker is awake: the watchdog sleeps while all are parked.
pub(crate) const HAND_OFF_TICK: Duration = Duration::from_millis(2);
