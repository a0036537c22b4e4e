//! Spawns 100k tasks, aborts some, and shuts down with the rest pending:
//! run under `valgrind --leak-check=full` to see that no task cell leaks.

use std::future::pending;

fn main() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let mut handles = Vec::new();
    for i in 0..100_000u32 {
        let h = rt.spawn(async move {
            if i % 2 == 0 {
                runtime::task::yield_now().await;
                return i;
            }
            pending::<u32>().await
        });
        if i % 3 == 0 {
            h.abort();
        }
        if i % 5 == 0 {
            drop(h); // detached
        } else {
            handles.push(h);
        }
    }
    // Let some finish; the aborted ones end cancelled, the odd ones stay
    // pending until shutdown.
    let done = rt.block_on(async {
        for _ in 0..100 {
            runtime::task::yield_now().await;
        }
        handles.iter().filter(|h| h.is_finished()).count()
    });
    let blocking = rt.spawn_blocking(|| 1);
    drop(rt);
    let other = runtime::Builder::new_current_thread().build().unwrap();
    let cancelled = other.block_on(async {
        let mut cancelled = 0;
        for h in handles {
            if h.await.is_err_and(|e| e.is_cancelled()) {
                cancelled += 1;
            }
        }
        cancelled
    });
    let blocking = other.block_on(blocking);
    println!("{done} finished early, {cancelled} cancelled at shutdown or by abort, blocking {blocking:?}");
}
