//! Run under `valgrind --leak-check=full` to see that no task cell, timer
//! entry, registration or future's local leaks. In order:
//!
//! 1. 100k tasks, some aborted, the rest left pending at shutdown; 100k
//!    sleeping tasks and 100k armed sleeps dropped; sockets left open.
//! 2. Spawns and wakes racing the runtime's drop: a plain thread holding a
//!    `Handle` and a task's `Waker` keeps spawning and waking while this
//!    thread drops the `Runtime`, round after round (10k rounds per
//!    flavor; 2.5k under valgrind unless `LEAK_CHECK_ROUNDS` says more).
//! 3. Two tasks that each await the other's `JoinHandle`, then one of them
//!    aborted, or both left pending to the runtime's drop.
//! 4. The tour's echo server with its connections pending in `read_line`
//!    as the runtime drops, some of them just woken by the client hanging
//!    up: each connection's `read_line` future gives its buffer back to
//!    the task's `String` while it is dropped, which only works if the
//!    runtime drops the future in place (issue 11, item 17).
//!
//! Steps 2 to 4 run on both flavors.

use runtime::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use runtime::net::{TcpListener, TcpStream};
use runtime::runtime::{Handle, Runtime};
use runtime::task::{yield_now, JoinHandle};
use std::future::{pending, poll_fn, Future};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread;

fn main() {
    println!("{}", tasks_timers_and_sockets());
    let rounds = race_rounds();
    for (flavor, make) in flavors() {
        let spawned = spawns_race_drop(make, rounds);
        println!("{flavor}: {rounds} runtimes dropped while another thread spawned {spawned} tasks and woke as often");
        for abort_one in [true, false] {
            for _ in 0..100 {
                mutual_join(make(), abort_one);
            }
        }
        println!("{flavor}: 200 pairs of tasks awaiting each other, 100 with one aborted, 100 dropped with the runtime");
        let open = echo_pending_at_drop(make, 20);
        println!("{flavor}: 20 echo servers dropped, {open} connections open, {open} just hung up");
    }
}

type MakeRuntime = fn() -> Runtime;

fn flavors() -> [(&'static str, MakeRuntime); 2] {
    [
        ("current_thread", || {
            runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        }),
        ("multi_thread", || {
            runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap()
        }),
    ]
}

/// 10k natively (a few seconds). valgrind runs one thread at a time: 10k
/// rounds take some 40 s there on two idle cores, so 2.5k by default under
/// valgrind; `LEAK_CHECK_ROUNDS` sets any count.
fn race_rounds() -> usize {
    if let Some(n) = std::env::var("LEAK_CHECK_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    // valgrind preloads its `vgpreload_*.so` into the program it runs.
    let under_valgrind = std::env::var("LD_PRELOAD").is_ok_and(|p| p.contains("vgpreload"));
    if under_valgrind {
        2_500
    } else {
        10_000
    }
}

/// Step 1 (module doc).
fn tasks_timers_and_sockets() -> String {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut handles = Vec::new();
    for i in 0..100_000u32 {
        let h = rt.spawn(async move {
            if i % 2 == 0 {
                yield_now().await;
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
            yield_now().await;
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
    format!("{done} finished early, {cancelled} cancelled at shutdown or by abort, blocking {blocking:?}, {timers}")
}

/// 100k tasks asleep for an hour (cancelled at shutdown), 100k armed
/// sleeps dropped at once, a listener and a connected pair left open.
fn timers_and_sockets(rt: &Runtime) -> String {
    use runtime::time::{sleep, Duration};
    for _ in 0..100_000 {
        drop(rt.spawn(async { sleep(Duration::from_secs(3600)).await }));
    }
    let dropped = rt.block_on(async {
        let mut sleeps: Vec<_> = (0..100_000)
            .map(|_| Box::pin(sleep(Duration::from_secs(3600))))
            .collect();
        // Poll each once so each is armed in the wheel, then drop them all.
        poll_fn(|cx| {
            for s in &mut sleeps {
                assert!(s.as_mut().poll(cx).is_pending());
            }
            Poll::Ready(())
        })
        .await;
        sleeps.len()
    });
    let (listener, client, server) = rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let client = client.await.unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (listener, client, server)
    });
    // Left to the tasks at shutdown.
    rt.spawn(async move {
        let _keep = (listener, client, server);
        pending::<()>().await
    });
    format!("{dropped} armed sleeps dropped")
}

/// The waker of a task of `rt` that stays pending until shutdown.
fn pending_task_waker(rt: &Runtime) -> Waker {
    let (tx, rx) = runtime::sync::oneshot::channel();
    let mut tx = Some(tx);
    rt.spawn(poll_fn(move |cx| {
        if let Some(tx) = tx.take() {
            let _ = tx.send(cx.waker().clone());
        }
        Poll::<()>::Pending
    }));
    rt.block_on(rx).unwrap()
}

/// What the racing thread gets each round: the runtime's handle, a task's
/// waker, and the flag that ends the round once the runtime is gone.
struct Round {
    handle: Handle,
    waker: Waker,
    started: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

/// Step 2 (module doc). A spawn or wake that passes the runtime's checks
/// before shutdown and pushes after its last drain must drop its task, or
/// the task holds the scheduler, which holds the queue, which holds the
/// task. Returns how many tasks the other thread spawned.
fn spawns_race_drop(make: MakeRuntime, rounds: usize) -> usize {
    const RACE_OPS: usize = 128;
    let spawned = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel::<Round>();
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let counter = spawned.clone();
    // One racing thread for all the rounds, so a round starts no thread
    // but the runtime's.
    let racer = thread::spawn(move || {
        for round in rx {
            let mut n = 0;
            loop {
                // Half the tasks yield, so some sit in a queue at the drop.
                drop(round.handle.spawn(async move {
                    if n % 2 == 0 {
                        yield_now().await;
                    }
                }));
                if n % 2 == 0 {
                    round.waker.wake_by_ref();
                } else {
                    // A waker of its own, woken by value (its ref is
                    // handed to the queue, or dropped if refused).
                    let own = round.waker.clone();
                    own.wake();
                }
                n += 1;
                round.started.store(true, Ordering::Release);
                // Bounded: enough to overlap the start of the drop, where
                // the lists and the injector close (the race); a spawn
                // after that is cancelled at once.
                if n == RACE_OPS || round.stop.load(Ordering::Acquire) {
                    break;
                }
            }
            counter.fetch_add(n, Ordering::Relaxed);
            drop(round);
            done_tx.send(()).unwrap();
        }
    });
    for _ in 0..rounds {
        let rt = make();
        let round = Round {
            handle: rt.handle().clone(),
            waker: pending_task_waker(&rt),
            started: Arc::default(),
            stop: Arc::default(),
        };
        let (started, stop) = (round.started.clone(), round.stop.clone());
        tx.send(round).unwrap();
        while !started.load(Ordering::Acquire) {
            thread::yield_now();
        }
        drop(rt);
        stop.store(true, Ordering::Release);
        done_rx.recv().unwrap();
    }
    drop(tx);
    racer.join().unwrap();
    spawned.load(Ordering::Relaxed)
}

/// Step 3 (module doc). The join waker must die with the `JoinHandle`, or
/// the two cells hold each other (tokio#6505).
fn mutual_join(rt: Runtime, abort_one: bool) {
    type Slot = Arc<Mutex<Option<JoinHandle<()>>>>;
    let a_slot: Slot = Arc::default();
    let b_slot: Slot = Arc::default();
    let registered = Arc::new(AtomicUsize::new(0));
    let waiter = |slot: Slot, registered: Arc<AtomicUsize>| async move {
        let other = loop {
            if let Some(h) = slot.lock().unwrap().take() {
                break h;
            }
            yield_now().await;
        };
        let mut other = other;
        // Poll the other's handle once (its join waker is now this task's
        // waker), say so, then wait for it.
        let first = poll_fn(|cx| Poll::Ready(Pin::new(&mut other).poll(cx))).await;
        registered.fetch_add(1, Ordering::SeqCst);
        if first.is_pending() {
            let _ = other.await;
        }
    };
    let a = rt.spawn(waiter(b_slot.clone(), registered.clone()));
    let b = rt.spawn(waiter(a_slot.clone(), registered.clone()));
    let a_abort = a.abort_handle();
    *a_slot.lock().unwrap() = Some(a);
    *b_slot.lock().unwrap() = Some(b);
    rt.block_on(async {
        while registered.load(Ordering::SeqCst) < 2 {
            yield_now().await;
        }
        if abort_one {
            // `a` ends cancelled, which drops `b`'s handle and wakes `b`
            // through `a`'s: both finish.
            a_abort.abort();
            while !a_abort.is_finished() {
                yield_now().await;
            }
        }
    });
    drop(a_abort);
    drop(rt);
}

/// One connection of the tour's echo server (`tour.rs`, section 9).
async fn echo(stream: TcpStream) {
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let mut line = String::new();
    while read.read_line(&mut line).await.unwrap_or(0) > 0 {
        write.write_all(line.as_bytes()).await.unwrap();
        line.clear();
    }
}

/// Step 4 (module doc): `rounds` runtimes, each with an echo server and
/// four clients that each get one line echoed; two then hang up (their
/// connection's task is woken by EOF as the runtime drops), two stay
/// connected. Returns how many connections were left open.
fn echo_pending_at_drop(make: MakeRuntime, rounds: usize) -> usize {
    const LINE: &[u8] = b"hello from the leak check\n";
    let mut open = 0;
    for _ in 0..rounds {
        let rt = make();
        let kept = rt.block_on(async {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            runtime::spawn(async move {
                loop {
                    let (stream, _) = listener.accept().await.unwrap();
                    runtime::spawn(echo(stream));
                }
            });
            let mut kept = Vec::new();
            for i in 0..4 {
                let mut client = TcpStream::connect(addr).await.unwrap();
                client.write_all(LINE).await.unwrap();
                let mut back = [0; LINE.len()];
                client.read_exact(&mut back).await.unwrap();
                assert_eq!(back, LINE);
                if i % 2 == 0 {
                    kept.push(client);
                }
            }
            kept
        });
        open += kept.len();
        // The open clients are left to a task at shutdown.
        rt.spawn(async move {
            let _kept = kept;
            pending::<()>().await
        });
        drop(rt);
    }
    open
}
