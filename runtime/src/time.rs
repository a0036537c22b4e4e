//! Timers: sleep, timeouts and intervals, with tokio's names and semantics.
//!
//! This is the `runtime-timer` crate: a hierarchical timing wheel shared by
//! the runtime's threads and driven by the worker that parks (see its
//! crate doc for the resolution, 8.192 µs, and what it costs). A timer
//! must be created inside a runtime built with
//! [`enable_time`](crate::runtime::Builder::enable_time) or
//! [`enable_all`](crate::runtime::Builder::enable_all), or it panics
//! saying so.
//!
//! ```
//! use runtime::time::{self, Duration};
//!
//! # let rt = runtime::Runtime::new().unwrap();
//! # rt.block_on(async {
//! time::sleep(Duration::from_millis(1)).await;
//! let slow = time::timeout(Duration::from_millis(1), std::future::pending::<()>());
//! assert!(slow.await.is_err());
//! let mut ticks = time::interval(Duration::from_millis(1));
//! ticks.tick().await; // the first tick is immediate
//! # });
//! ```

pub use runtime_timer::error;
pub use runtime_timer::{
    advance, interval, interval_at, pause, resume, sleep, sleep_until, timeout, timeout_at,
    Duration, Instant, Interval, MissedTickBehavior, Sleep, Timeout,
};
