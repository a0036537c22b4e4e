//! Spawns 100k tasks, aborts some, and shuts down with the rest pending;
//! then 100k sleeping tasks and 100k pending sleeps dropped, and sockets
//! left open at shutdown: run under `valgrind --leak-check=full` to see
//! that no task cell, timer entry or registration leaks.

use std::future::{pending, Future};

fn main() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
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
    let timers = timers_and_sockets(&rt);
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
    println!("{done} finished early, {cancelled} cancelled at shutdown or by abort, blocking {blocking:?}, {timers}");
}

/// 100k tasks asleep for an hour (cancelled at shutdown), 100k armed
/// sleeps dropped at once, a listener and a connected pair left open.
fn timers_and_sockets(rt: &runtime::Runtime) -> String {
    use runtime::time::{sleep, Duration};
    for _ in 0..100_000 {
        drop(rt.spawn(async { sleep(Duration::from_secs(3600)).await }));
    }
    let dropped = rt.block_on(async {
        let mut sleeps: Vec<_> = (0..100_000)
            .map(|_| Box::pin(sleep(Duration::from_secs(3600))))
            .collect();
        // Poll each once so each is armed in the wheel, then drop them all.
        std::future::poll_fn(|cx| {
            for s in &mut sleeps {
                assert!(s.as_mut().poll(cx).is_pending());
            }
            std::task::Poll::Ready(())
        })
        .await;
        sleeps.len()
    });
    let (listener, client, server) = rt.block_on(async {
        let listener = runtime::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap();
        let client = runtime::net::TcpStream::connect(listener.local_addr().unwrap());
        let client = client.await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (listener, client, server)
    });
    // Left to the tasks at shutdown.
    rt.spawn(async move {
        let _keep = (listener, client, server);
        std::future::pending::<()>().await
    });
    format!("{dropped} armed sleeps dropped")
}
