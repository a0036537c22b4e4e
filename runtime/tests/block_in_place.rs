//! `task::block_in_place`: what the worker queued runs elsewhere while the
//! closure blocks; a current-thread runtime refuses it, as tokio does.

use runtime::runtime::Builder;
use runtime::task;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn multi_thread() -> runtime::runtime::Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn outside_a_runtime_and_in_block_on_it_just_runs() {
    assert_eq!(task::block_in_place(|| 7), 7);
    let rt = multi_thread();
    assert_eq!(rt.block_on(async { task::block_in_place(|| 8) }), 8);
}

#[test]
fn the_workers_queued_tasks_run_elsewhere_while_it_blocks() {
    let rt = multi_thread();
    let ran: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let r = ran.clone();
    let blocked_at = rt.block_on(async move {
        runtime::spawn(async move {
            // The first child waits in this worker's LIFO slot, the others
            // in its local queue.
            let children: Vec<_> = (0..10)
                .map(|_| {
                    let r = r.clone();
                    runtime::spawn(async move { r.lock().unwrap().push(Instant::now()) })
                })
                .collect();
            let at = Instant::now();
            task::block_in_place(|| std::thread::sleep(Duration::from_millis(500)));
            for c in children {
                c.await.unwrap();
            }
            at
        })
        .await
        .unwrap()
    });
    let ran = ran.lock().unwrap();
    assert_eq!(ran.len(), 10);
    for at in ran.iter() {
        let after = at.saturating_duration_since(blocked_at);
        // Generous (loaded CI): well before the 500 ms block ends.
        assert!(
            after < Duration::from_millis(300),
            "a child ran {after:?} after the block began"
        );
    }
}

#[test]
fn the_watchdog_leaves_a_task_in_block_in_place_alone() {
    let reports = Arc::new(Mutex::new(0));
    let r = reports.clone();
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |_| *r.lock().unwrap() += 1)
        .build()
        .unwrap();
    rt.block_on(
        rt.spawn(async { task::block_in_place(|| std::thread::sleep(Duration::from_millis(200))) }),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    assert_eq!(*reports.lock().unwrap(), 0);
}

#[test]
fn a_current_thread_runtime_refuses_it() {
    let rt = Builder::new_current_thread().build().unwrap();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async { task::block_in_place(|| 1) })
    }))
    .unwrap_err();
    let msg = panic.downcast_ref::<&str>().copied().unwrap_or_default();
    assert_eq!(
        msg,
        "can call blocking only when running on the multi-threaded runtime"
    );
    let err = rt
        .block_on(rt.spawn(async { task::block_in_place(|| 1) }))
        .unwrap_err();
    assert!(err.is_panic());
    assert!(err.to_string().contains("multi-threaded runtime"), "{err}");
}
