//! A tour of the runtime: run it with `cargo run --release --example tour`.
//!
//! Each step prints what happened, so the output reads as a transcript.

use runtime::task::{self, JoinSet, TaskGroup};
use std::time::{Duration, Instant};

#[runtime::main(worker_threads = 2)]
async fn main() {
    println!("runtime tour: a multi-threaded, work-stealing async runtime\n");

    // 1. Spawn a task and join it: the handle is a future of the output.
    let answer = runtime::spawn(async { 6 * 7 }).await.unwrap();
    println!("1. spawn + join: a task computed {answer}");

    // 2. Many tasks, spread over the workers by work stealing.
    let start = Instant::now();
    let handles: Vec<_> = (0..100_000u64)
        .map(|i| {
            runtime::spawn(async move {
                task::yield_now().await;
                i
            })
        })
        .collect();
    let mut sum = 0;
    for h in handles {
        sum += h.await.unwrap();
    }
    println!(
        "2. 100000 tasks, each yielding once, summed to {sum} in {:.1?}",
        start.elapsed()
    );

    // 3. A JoinSet joins tasks in the order they finish.
    let mut set = JoinSet::new();
    for (name, work) in [("slow", 3u64), ("fast", 1), ("medium", 2)] {
        set.spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(20 * work));
            name
        });
    }
    let mut order = Vec::new();
    while let Some(done) = set.join_next().await {
        order.push(done.unwrap());
    }
    println!("3. JoinSet, completion order: {}", order.join(", "));

    // 4. A panic in a task is caught and reported; the workers carry on.
    // (The default hook would also print it to stderr; keep the tour quiet.)
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let err = runtime::spawn(async {
        let v: Vec<u8> = Vec::new();
        v[3] // index out of bounds
    })
    .await
    .unwrap_err();
    std::panic::set_hook(hook);
    println!("4. caught a panic: is_panic = {}: {err}", err.is_panic());

    // 5. Abort a task that would never finish.
    let stuck = runtime::spawn(std::future::pending::<()>());
    stuck.abort();
    let err = stuck.await.unwrap_err();
    println!(
        "5. aborted a pending task: is_cancelled = {}",
        err.is_cancelled()
    );

    // 6. Blocking work runs on the blocking pool, off the workers.
    let worker = std::thread::current().id();
    let (sum, thread) = task::spawn_blocking(|| {
        let sum: u64 = (1..=1_000_000u64).sum();
        (sum, std::thread::current().id())
    })
    .await
    .unwrap();
    println!(
        "6. spawn_blocking summed 1..=1e6 to {sum} on another thread: {}",
        thread != worker
    );

    // 7. A TaskGroup, as asyncio.TaskGroup: the values in spawn order, or
    //    the first error, with the other tasks of the group cancelled.
    let mut group = TaskGroup::new();
    for n in [3u64, 1, 2] {
        group.spawn(async move { Ok::<_, String>(n * n) });
    }
    println!(
        "7. TaskGroup, squares in spawn order: {:?}",
        group.join().await
    );
    let mut group = TaskGroup::new();
    for _ in 0..3 {
        group.spawn(std::future::pending()); // would never finish...
    }
    group.spawn(async { Err::<u64, _>("fetch failed".to_string()) });
    println!(
        "   one task failed, so its 3 siblings were cancelled: {:?}",
        group.join().await
    );

    println!("\nall done");
}
