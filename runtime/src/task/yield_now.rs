//! `yield_now`: let the other tasks run.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Yields to the scheduler: the task is queued behind the others that are
/// ready, and resumes after they had a turn.
pub async fn yield_now() {
    struct YieldNow(bool);

    impl Future for YieldNow {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.0 {
                return Poll::Ready(());
            }
            self.0 = true;
            // A self-wake during the poll: the runner requeues the task at
            // the back of its queue after this poll (rule 6).
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    YieldNow(false).await
}
