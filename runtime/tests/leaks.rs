//! Leaks that keep a whole runtime alive (its scheduler, its reactor's
//! file descriptors): counted as open fds, so this file has one test that
//! runs its scenarios one after the other (tests in one binary run on
//! parallel threads, which would open fds of their own).

#![cfg(target_os = "linux")]

use runtime::runtime::Runtime;
use runtime::task::JoinHandle;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

type MakeRuntime = fn() -> Runtime;

fn runtimes() -> Vec<(&'static str, MakeRuntime)> {
    vec![
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

/// Two tasks, each awaiting the other's `JoinHandle`, then aborted (or
/// left to the runtime's shutdown): the join wakers must die with the
/// handles, or the two cells hold each other, and with them the scheduler
/// and the reactor (tokio#6505).
fn mutual_join(rt: Runtime, abort: bool) {
    type Slot = Arc<Mutex<Option<JoinHandle<()>>>>;
    let a_slot: Slot = Arc::default();
    let b_slot: Slot = Arc::default();
    let waiter = |slot: Slot| async move {
        loop {
            let h = slot.lock().unwrap().take();
            match h {
                Some(h) => {
                    let _ = h.await;
                    return;
                }
                None => runtime::task::yield_now().await,
            }
        }
    };
    let a = rt.spawn(waiter(b_slot.clone()));
    let b = rt.spawn(waiter(a_slot.clone()));
    let (a_abort, b_abort) = (a.abort_handle(), b.abort_handle());
    *a_slot.lock().unwrap() = Some(a);
    *b_slot.lock().unwrap() = Some(b);
    rt.block_on(async {
        // Both take the other's handle and register their wakers.
        while a_slot.lock().unwrap().is_some() || b_slot.lock().unwrap().is_some() {
            runtime::time::sleep(Duration::from_millis(1)).await;
        }
        runtime::time::sleep(Duration::from_millis(5)).await;
        if abort {
            a_abort.abort();
            b_abort.abort();
            while !(a_abort.is_finished() && b_abort.is_finished()) {
                runtime::time::sleep(Duration::from_millis(1)).await;
            }
        }
    });
    drop((a_abort, b_abort));
    drop(rt);
}

/// Spawns and wakes from another thread racing the runtime's drop: a task
/// pushed into the injector after shutdown's last look must be dropped, or
/// it holds the scheduler, which holds the injector, which holds it.
fn spawns_race_drop(rt: Runtime) {
    let handle = rt.handle().clone();
    let waker_slot: Arc<Mutex<Option<std::task::Waker>>> = Arc::default();
    let slot = waker_slot.clone();
    rt.block_on(async {
        runtime::spawn(std::future::poll_fn(move |cx| {
            *slot.lock().unwrap() = Some(cx.waker().clone());
            std::task::Poll::<()>::Pending
        }));
        while waker_slot.lock().unwrap().is_none() {
            runtime::task::yield_now().await;
        }
    });
    let spawner = std::thread::spawn(move || {
        let waker = waker_slot.lock().unwrap().take().unwrap();
        for _ in 0..2_000 {
            drop(handle.spawn(async {}));
            waker.wake_by_ref();
        }
    });
    std::thread::sleep(Duration::from_micros(200));
    drop(rt);
    spawner.join().unwrap();
}

#[test]
fn no_runtime_outlives_its_drop() {
    // Warm up what opens fds lazily once per process.
    drop(runtimes()[1].1());
    for (flavor, make) in runtimes() {
        for abort in [true, false] {
            let before = open_fds();
            mutual_join(make(), abort);
            assert_eq!(
                open_fds(),
                before,
                "{flavor}: two tasks joined on each other (abort: {abort}) kept the runtime alive"
            );
        }
        let before = open_fds();
        for _ in 0..50 {
            spawns_race_drop(make());
        }
        assert_eq!(
            open_fds(),
            before,
            "{flavor}: a spawn or wake racing the drop kept the runtime alive"
        );
    }
}
