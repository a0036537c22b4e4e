//! Several loops in several threads (asyncio's one event loop per thread):
//! current-thread runtimes, each driven by its own std thread, handing work
//! to each other through their `Handle`s.

use runtime::runtime::Handle;
use runtime::sync::{mpsc, oneshot};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::thread;

/// `n` loops: thread `loop-i` drives runtime `i` until its loop is stopped.
struct Loops {
    handles: Arc<Vec<Handle>>,
    stops: Vec<oneshot::Sender<()>>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Loops {
    fn start(n: usize) -> Loops {
        let (handle_tx, handle_rx) = std::sync::mpsc::channel();
        let mut stops = Vec::new();
        let mut threads = Vec::new();
        for i in 0..n {
            let (stop_tx, stop_rx) = oneshot::channel::<()>();
            stops.push(stop_tx);
            let handle_tx = handle_tx.clone();
            let thread = thread::Builder::new()
                .name(format!("loop-{i}"))
                .spawn(move || {
                    let rt = runtime::Builder::new_current_thread().build().unwrap();
                    handle_tx.send((i, rt.handle().clone())).unwrap();
                    // This thread runs the loop's tasks until told to stop.
                    let _ = rt.block_on(stop_rx);
                })
                .unwrap();
            threads.push(thread);
        }
        let mut handles: Vec<(usize, Handle)> = handle_rx.iter().take(n).collect();
        handles.sort_by_key(|(i, _)| *i);
        Loops {
            handles: Arc::new(handles.into_iter().map(|(_, h)| h).collect()),
            stops,
            threads,
        }
    }

    fn stop(self) {
        for stop in self.stops {
            let _ = stop.send(());
        }
        for t in self.threads {
            t.join().expect("a loop thread panicked");
        }
    }
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("?").to_string()
}

type Trace = Arc<Mutex<Vec<String>>>;

/// One hop of the token: record where it is, then hand it to the next loop.
fn hop(
    loops: Arc<Vec<Handle>>,
    at: usize,
    left: usize,
    trace: Trace,
    done: oneshot::Sender<usize>,
) -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async move {
        trace.lock().unwrap().push(thread_name());
        if left == 0 {
            let _ = done.send(at);
            return;
        }
        let next = (at + 1) % loops.len();
        let fut = hop(loops.clone(), next, left - 1, trace, done);
        drop(loops[next].spawn(fut));
    })
}

#[test]
fn a_token_passes_round_a_ring_of_loops() {
    const LOOPS: usize = 4;
    const HOPS: usize = 1000;
    let loops = Loops::start(LOOPS);
    let trace: Trace = Arc::default();
    let (done_tx, done_rx) = oneshot::channel();
    drop(loops.handles[0].spawn(hop(loops.handles.clone(), 0, HOPS, trace.clone(), done_tx)));
    // Wait from a loop of our own: the test thread is a loop too.
    let last = runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(done_rx)
        .expect("the token came back");
    assert_eq!(last, HOPS % LOOPS);
    let trace = trace.lock().unwrap().clone();
    assert_eq!(trace.len(), HOPS + 1);
    for (i, name) in trace.iter().enumerate() {
        assert_eq!(
            name,
            &format!("loop-{}", i % LOOPS),
            "hop {i} ran on its loop's thread"
        );
    }
    loops.stop();
}

#[test]
fn each_loop_awaits_work_it_spawned_on_the_next() {
    let loops = Loops::start(3);
    let handles = loops.handles.clone();
    // Loop 0 spawns onto loop 1 and awaits the JoinHandle; loop 1 does the
    // same onto loop 2; each returns where it ran.
    let chain = loops.handles[0].spawn(async move {
        let h1 = handles.clone();
        let from_1 = handles[1].spawn(async move {
            let from_2 = h1[2].spawn(async { vec![thread_name()] });
            let mut names = vec![thread_name()];
            names.extend(from_2.await.unwrap());
            names
        });
        let mut names = vec![thread_name()];
        names.extend(from_1.await.unwrap());
        names
    });
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let names = rt.block_on(chain).unwrap();
    assert_eq!(names, ["loop-0", "loop-1", "loop-2"]);
    loops.stop();
}

#[test]
fn loops_talk_through_a_channel() {
    let loops = Loops::start(2);
    let (tx, mut rx) = mpsc::channel::<(u64, String)>(4);
    let producer = loops.handles[0].spawn(async move {
        for i in 0..200 {
            tx.send((i, thread_name())).await.unwrap();
        }
    });
    let consumer = loops.handles[1].spawn(async move {
        let mut sum = 0;
        while let Some((i, from)) = rx.recv().await {
            assert_eq!(from, "loop-0");
            assert_eq!(thread_name(), "loop-1");
            sum += i;
        }
        sum
    });
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    rt.block_on(producer).unwrap();
    assert_eq!(rt.block_on(consumer).unwrap(), (0..200).sum::<u64>());
    loops.stop();
}
