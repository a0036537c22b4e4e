//! `yield_now`: let the other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the task is queued behind the others that are
/// ready, and resumes after they had a turn and the scheduler looked at its
/// timers and IO (tokio's semantics: the wake is deferred, `defer.rs`).
///
/// A task that loops without awaiting anything that waits would hold its
/// worker; a `yield_now` in the loop lets the others in.
///
/// ```
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// // One thread: the tasks can only take turns.
/// let rt = runtime::Builder::new_current_thread().build().unwrap();
/// rt.block_on(async {
///     let flag = Arc::new(AtomicBool::new(false));
///     let set = flag.clone();
///     runtime::spawn(async move { set.store(true, Ordering::Relaxed) });
///     // The spawned task has not run yet; yielding lets it.
///     while !flag.load(Ordering::Relaxed) {
///         runtime::task::yield_now().await;
///     }
/// });
/// ```
pub async fn yield_now() {
    struct YieldNow(bool);

    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            // Inside a scheduler: woken once it has taken its other work and
            // looked at the driver. Elsewhere: a self-wake during the poll,
            // which requeues the task after this poll (rule 7).
            crate::scheduler::defer::yield_wake(cx.waker());
            Poll::Pending
        }
    }

    YieldNow(false).await
}
