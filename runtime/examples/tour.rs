//! A tour of the runtime: run it with `cargo run --release --example tour`.
//!
//! Each step prints what happened, so the output reads as a transcript.

use runtime::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::task::{self, JoinSet, TaskGroup};
use runtime::time;
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

    // 8. Time: a timeout that elapses on a slow future and one that
    //    passes, then an interval ticking 3 times.
    let start = Instant::now();
    let slow = time::timeout(
        Duration::from_millis(50),
        time::sleep(Duration::from_secs(10)),
    )
    .await;
    println!(
        "8. timeout(50ms) on a 10s sleep: {} after {} ms",
        if slow.is_err() {
            "elapsed"
        } else {
            "completed"
        },
        start.elapsed().as_millis()
    );
    let start = Instant::now();
    let fast = time::timeout(Duration::from_secs(1), async {
        time::sleep(Duration::from_millis(10)).await;
        "done"
    })
    .await;
    println!(
        "   timeout(1s) on a 10ms job: {:?} after {} ms",
        fast,
        start.elapsed().as_millis()
    );
    let start = Instant::now();
    let mut ticks = time::interval(Duration::from_millis(100));
    for n in 1..=3 {
        ticks.tick().await; // the first tick is immediate
        println!(
            "   interval(100ms) tick {n} at {} ms",
            start.elapsed().as_millis()
        );
    }

    // 9. An echo server on 127.0.0.1:0 and a few clients, each a task.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    println!("9. echo server listening on {addr}");
    let server = task::Builder::new()
        .name("echo server")
        .spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                // One task per connection: echo each line back.
                runtime::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut read = BufReader::new(read);
                    let mut line = String::new();
                    while read.read_line(&mut line).await.unwrap_or(0) > 0 {
                        write.write_all(line.as_bytes()).await.unwrap();
                        line.clear();
                    }
                });
            }
        })
        .unwrap();
    let mut clients = JoinSet::new();
    for name in ["ada", "grace", "linus"] {
        clients.spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            let (read, mut write) = stream.into_split();
            write
                .write_all(format!("hello from {name}\n").as_bytes())
                .await
                .unwrap();
            let mut echo = String::new();
            BufReader::new(read).read_line(&mut echo).await.unwrap();
            (name, echo.trim_end().to_string())
        });
    }
    let mut echoes = Vec::new();
    while let Some(done) = clients.join_next().await {
        echoes.push(done.unwrap());
    }
    echoes.sort();
    for (name, echo) in echoes {
        println!("   client {name:<5} got back {echo:?}");
    }

    // 10. Seeing inside: a dump of the live tasks (a tree by parent task,
    //     with what each waits on) and some of the metrics, all stable.
    let (_tx, rx) = runtime::sync::oneshot::channel::<()>();
    let waiter = task::Builder::new()
        .name("waiter")
        .spawn(async move {
            let _ = rx.await;
        })
        .unwrap();
    let sleeper = task::Builder::new()
        .name("sleeper")
        .spawn(time::sleep(Duration::from_secs(3600)))
        .unwrap();
    time::sleep(Duration::from_millis(10)).await; // both reach their await
    let handle = runtime::runtime::Handle::current();
    println!("10. Handle::dump():");
    for line in handle.dump().to_string().lines() {
        println!("   {line}");
    }
    let m = handle.metrics();
    let polls: u64 = (0..m.num_workers()).map(|w| m.worker_poll_count(w)).sum();
    let (poll_time, latency) = (m.poll_time_histogram(), m.schedule_latency_histogram());
    let p = |h: &runtime::runtime::Histogram, q| h.percentile(q).unwrap_or_default();
    println!(
        "   Handle::metrics(): {} workers, {} tasks spawned, {} alive, {polls} polls",
        m.num_workers(),
        m.spawned_tasks_count(),
        m.num_alive_tasks()
    );
    println!(
        "   poll time p50 {:.1?} p99 {:.1?}; schedule latency p50 {:.1?} p99 {:.1?}",
        p(&poll_time, 50.0),
        p(&poll_time, 99.0),
        p(&latency, 50.0),
        p(&latency, 99.0)
    );
    waiter.abort();
    sleeper.abort();
    server.abort();

    println!("\nall done");
}
