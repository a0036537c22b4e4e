//! `Barrier`: tokio's, as a count under a lock plus a [`Notify`] whose
//! `notify_waiters` is the release of one generation.

use super::Notify;
use crate::loom::Mutex;
use runtime_coop::wait::SyncKind;
use std::fmt;

/// Makes `n` tasks wait for each other, as tokio's: the first `n - 1`
/// calls to [`wait`](Barrier::wait) wait, the `n`-th releases them all and
/// is the *leader*. The barrier can then be used again.
///
/// ```
/// use runtime::sync::Barrier;
/// use std::sync::Arc;
///
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let barrier = Arc::new(Barrier::new(5));
/// let tasks: Vec<_> = (0..5)
///     .map(|_| {
///         let b = barrier.clone();
///         runtime::spawn(async move { b.wait().await.is_leader() })
///     })
///     .collect();
/// let mut leaders = 0;
/// for t in tasks {
///     leaders += t.await.unwrap() as usize;
/// }
/// assert_eq!(leaders, 1);
/// # });
/// ```
pub struct Barrier {
    /// Tasks arrived in the current generation.
    arrived: Mutex<usize>,
    n: usize,
    /// Released once per generation, by its leader. Nothing calls
    /// `notify_one` on it, so it never stores a permit.
    release: Notify,
}

/// What [`Barrier::wait`] returns.
///
/// ```
/// # let rt = runtime::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let barrier = runtime::sync::Barrier::new(1);
/// // Alone: every wait returns at once, and leads.
/// assert!(barrier.wait().await.is_leader());
/// assert!(barrier.wait().await.is_leader());
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct BarrierWaitResult(bool);

impl Barrier {
    /// A barrier for `n` tasks. `n == 0` acts as `n == 1` (every `wait`
    /// returns at once), as std's and tokio's.
    pub fn new(n: usize) -> Barrier {
        Barrier {
            arrived: Mutex::new(0),
            n: n.max(1),
            release: Notify::new(),
        }
    }

    /// Waits until `n` tasks wait here; one of them (the last to arrive) is
    /// told it is the leader.
    ///
    /// # Cancel safety
    /// Not cancel safe, as tokio's: a task that arrived and is dropped
    /// still counts for this generation.
    pub async fn wait(&self) -> BarrierWaitResult {
        let released = {
            let mut arrived = self.arrived.lock();
            *arrived += 1;
            if *arrived == self.n {
                *arrived = 0;
                // Every waiter of this generation made its `Notified`
                // under this lock, before now: all of them complete.
                self.release.notify_waiters();
                return BarrierWaitResult(true);
            }
            // Made under the lock, so the leader's `notify_waiters` (also
            // under it) comes after: it counts for this one.
            self.release.notified()
        };
        super::waiting_as(SyncKind::Barrier, self, released).await;
        BarrierWaitResult(false)
    }
}

impl BarrierWaitResult {
    /// Whether this task was the leader of its generation (exactly one per
    /// generation is).
    pub fn is_leader(&self) -> bool {
        self.0
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Barrier")
            .field("n", &self.n)
            .field("arrived", &*self.arrived.lock())
            .finish()
    }
}
