//! Fairness and placement: yield, stealing, thread hooks and names.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

#[test]
fn yield_now_lets_another_task_run_on_one_worker() {
    for rt in [
        runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
        runtime::Builder::new_current_thread().build().unwrap(),
    ] {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let spins = rt.block_on(async move {
            let waiter = runtime::spawn(async move {
                let mut spins = 0u64;
                // Never finishes unless the other task gets a turn.
                while !f.load(Ordering::SeqCst) {
                    runtime::task::yield_now().await;
                    spins += 1;
                }
                spins
            });
            let setter = runtime::spawn(async move { flag.store(true, Ordering::SeqCst) });
            setter.await.unwrap();
            waiter.await.unwrap()
        });
        assert!(spins < 1_000_000);
    }
}

#[test]
fn a_task_spawned_by_a_busy_worker_is_stolen() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move {
        let spawner = std::thread::current().id();
        let (done_tx, done_rx) = mpsc::channel();
        // Lands in this worker's LIFO slot / queue...
        runtime::spawn(async move {
            done_tx.send(std::thread::current().id()).unwrap();
        });
        // ...while this worker blocks: another worker must take it.
        let ran_on = done_rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the task was stranded");
        tx.send((spawner, ran_on)).unwrap();
    });
    let (spawner, ran_on) = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_ne!(spawner, ran_on);
}

#[test]
fn a_woken_task_is_not_stranded_behind_a_blocked_worker() {
    // The woken task goes to the waker's LIFO slot; the waker then blocks.
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    for _ in 0..20 {
        let (tx, rx) = mpsc::channel();
        rt.block_on(async {
            let (wake_tx, wake_rx) = futures_oneshot();
            let waiter = runtime::spawn(async move {
                wake_rx.await;
                tx.send(()).unwrap();
            });
            runtime::spawn(async move {
                runtime::task::yield_now().await;
                wake_tx.send();
                std::thread::sleep(Duration::from_millis(50)); // a blocking poll
            });
            drop(waiter);
        });
        rx.recv_timeout(Duration::from_secs(10))
            .expect("stranded in a LIFO slot");
    }
}

/// A minimal oneshot (the runtime has no sync module yet).
fn futures_oneshot() -> (Sender, Receiver) {
    let shared = Arc::new(Mutex::new((false, None::<std::task::Waker>)));
    (Sender(shared.clone()), Receiver(shared))
}
struct Sender(Arc<Mutex<(bool, Option<std::task::Waker>)>>);
struct Receiver(Arc<Mutex<(bool, Option<std::task::Waker>)>>);
impl Sender {
    fn send(self) {
        let mut s = self.0.lock().unwrap();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
    }
}
impl std::future::Future for Receiver {
    type Output = ();
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        let mut s = self.0.lock().unwrap();
        if s.0 {
            return std::task::Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        std::task::Poll::Pending
    }
}

#[test]
fn on_thread_start_and_stop_run_once_per_worker() {
    let starts = Arc::new(AtomicUsize::new(0));
    let stops = Arc::new(AtomicUsize::new(0));
    let (s1, s2) = (starts.clone(), stops.clone());
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(3)
        .on_thread_start(move || {
            s1.fetch_add(1, Ordering::SeqCst);
        })
        .on_thread_stop(move || {
            s2.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    rt.block_on(async { runtime::spawn(async {}).await.unwrap() });
    drop(rt);
    assert_eq!(starts.load(Ordering::SeqCst), 3);
    assert_eq!(stops.load(Ordering::SeqCst), 3);
}

#[test]
fn threads_are_named_and_both_workers_run_tasks() {
    let n = Arc::new(AtomicUsize::new(0));
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name_fn(move || format!("w-{}", n.fetch_add(1, Ordering::SeqCst)))
        .thread_stack_size(1 << 20)
        .build()
        .unwrap();
    let names = rt.block_on(async {
        let handles: Vec<_> = (0..200)
            .map(|_| {
                runtime::spawn(async {
                    std::thread::sleep(Duration::from_millis(1));
                    std::thread::current().name().unwrap().to_string()
                })
            })
            .collect();
        let mut names = HashSet::new();
        for h in handles {
            names.insert(h.await.unwrap());
        }
        names
    });
    assert_eq!(names, HashSet::from(["w-0".to_string(), "w-1".to_string()]));
}

#[test]
fn the_global_queue_is_not_starved_by_local_work() {
    let rt = runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .global_queue_interval(7)
        .event_interval(5)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    // A task that keeps its worker's local queue busy forever.
    rt.spawn(async move {
        while !s.load(Ordering::SeqCst) {
            runtime::task::yield_now().await;
        }
    });
    std::thread::sleep(Duration::from_millis(10));
    let (tx, rx) = mpsc::channel();
    rt.spawn(async move { tx.send(()).unwrap() });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("the injected task never ran");
    stop.store(true, Ordering::SeqCst);
}
