//! `LocalSet` and `spawn_local`: `!Send` tasks on the owning thread, wakes
//! from other threads, drop counts, the set as a future, and the plain
//! panic outside a set. Each on both flavors.

mod common;

use common::{each_flavor, panic_message, DropCounter, Forever};
use runtime::task::{self, spawn_local, LocalSet};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

/// A flag set from another thread, and the waker to call when it is.
#[derive(Clone, Default)]
struct Flag(Arc<Mutex<(bool, Option<Waker>)>>);

impl Flag {
    fn set(&self) {
        let waker = {
            let mut g = self.0.lock().unwrap();
            g.0 = true;
            g.1.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl Future for Flag {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut g = self.0.lock().unwrap();
        if g.0 {
            Poll::Ready(())
        } else {
            g.1 = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}

#[test]
fn rc_inside_local_tasks() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let total = local.block_on(&rt, async {
            let counter = Rc::new(RefCell::new(0));
            let mut handles = Vec::new();
            for i in 0..100 {
                let c = counter.clone();
                handles.push(spawn_local(async move {
                    task::yield_now().await;
                    *c.borrow_mut() += i;
                    Rc::new(i) // a `!Send` output
                }));
            }
            let mut outputs = 0;
            for h in handles {
                outputs += *h.await.unwrap();
            }
            assert_eq!(Rc::strong_count(&counter), 1, "every task dropped its Rc");
            let total = *counter.borrow();
            (total, outputs)
        });
        assert_eq!(total, (4950, 4950), "{flavor}");
    });
}

#[test]
fn local_tasks_run_on_the_owning_thread() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let me = thread::current().id();
        let seen = Rc::new(Cell::new(0));
        let s = seen.clone();
        local.block_on(&rt, async move {
            let mut handles = Vec::new();
            for _ in 0..20 {
                let s = s.clone();
                handles.push(spawn_local(async move {
                    for _ in 0..3 {
                        assert_eq!(thread::current().id(), me);
                        // Woken by a task of the runtime, maybe on a worker.
                        runtime::spawn(async {}).await.unwrap();
                    }
                    s.set(s.get() + 1);
                }));
            }
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(seen.get(), 20, "{flavor}");
    });
}

#[test]
fn a_wake_from_another_thread_runs_the_task() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let flag = Flag::default();
        let f = flag.clone();
        let h = local.spawn_local(async move {
            let not_send = Rc::new(());
            f.await;
            drop(not_send);
            "woken"
        });
        let setter = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            flag.set();
        });
        let out = local.block_on(&rt, h).unwrap();
        setter.join().unwrap();
        assert_eq!(out, "woken", "{flavor}");
    });
}

#[test]
fn the_set_as_a_future_completes_when_its_tasks_are_done() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let done = Rc::new(Cell::new(0));
        for _ in 0..10 {
            let d = done.clone();
            local.spawn_local(async move {
                // Spawning from inside a task adds to the same set.
                let d2 = d.clone();
                spawn_local(async move {
                    task::yield_now().await;
                    d2.set(d2.get() + 1);
                });
                d.set(d.get() + 1);
            });
        }
        let flag = Flag::default();
        let f = flag.clone();
        local.spawn_local(f);
        let setter = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            flag.set();
        });
        rt.block_on(local);
        setter.join().unwrap();
        assert_eq!(done.get(), 20, "{flavor}");
    });
}

#[test]
fn run_until_leaves_unfinished_tasks_in_the_set() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let flag = Flag::default();
        let f = flag.clone();
        let h = local.spawn_local(async move {
            f.await;
            7
        });
        local.block_on(&rt, task::yield_now());
        assert!(!h.is_finished(), "{flavor}");
        flag.set();
        assert_eq!(local.block_on(&rt, h).unwrap(), 7, "{flavor}");
    });
}

#[test]
fn dropping_the_set_drops_each_unfinished_future_once() {
    each_flavor(|flavor, rt| {
        let dropped = Arc::new(AtomicUsize::new(0));
        let local = LocalSet::new();
        let mut handles = Vec::new();
        for i in 0..10 {
            let guard = DropCounter(dropped.clone());
            handles.push(local.spawn_local(async move {
                let _guard = guard;
                let _rc = Rc::new(i);
                if i % 2 == 0 {
                    Forever.await; // started, then stuck
                }
                i
            }));
        }
        // Every task ran once: the odd ones finished, the even ones wait.
        local.block_on(&rt, task::yield_now());
        let finished = handles.iter().filter(|h| h.is_finished()).count();
        assert_eq!(finished, 5, "{flavor}");
        assert_eq!(dropped.load(Ordering::SeqCst), 5, "{flavor}");
        drop(local);
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            10,
            "{flavor}: each future dropped once"
        );
        for (i, h) in handles.into_iter().enumerate() {
            let res = rt.block_on(h);
            if i % 2 == 0 {
                assert!(res.unwrap_err().is_cancelled(), "{flavor}: task {i}");
            } else {
                assert_eq!(res.unwrap(), i, "{flavor}");
            }
        }
    });
}

#[test]
fn a_task_never_run_is_dropped_with_the_set() {
    let dropped = Arc::new(AtomicUsize::new(0));
    let local = LocalSet::new();
    let guard = DropCounter(dropped.clone());
    let h = local.spawn_local(async move {
        let _guard = guard;
    });
    drop(local);
    assert_eq!(dropped.load(Ordering::SeqCst), 1);
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    assert!(rt.block_on(h).unwrap_err().is_cancelled());
}

#[test]
fn abort_from_another_thread_cancels_on_the_owning_thread() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let me = thread::current().id();
        struct OnDrop(thread::ThreadId, Rc<Cell<bool>>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                assert_eq!(
                    thread::current().id(),
                    self.0,
                    "dropped on the owning thread"
                );
                self.1.set(true);
            }
        }
        let dropped = Rc::new(Cell::new(false));
        let guard = OnDrop(me, dropped.clone());
        let h = local.spawn_local(async move {
            let _guard = guard;
            Forever.await;
        });
        let abort = h.abort_handle();
        let res = local.block_on(&rt, async move {
            task::yield_now().await;
            thread::spawn(move || abort.abort()).join().unwrap();
            h.await
        });
        assert!(res.unwrap_err().is_cancelled(), "{flavor}");
        assert!(dropped.get(), "{flavor}");
    });
}

#[test]
fn a_panicking_local_task_is_reported() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let err = local
            .block_on(&rt, async {
                spawn_local(async { panic!("local boom") }).await
            })
            .unwrap_err();
        assert!(err.is_panic(), "{flavor}");
        // The set goes on.
        let ok = local.block_on(&rt, local.spawn_local(async { 1 })).unwrap();
        assert_eq!(ok, 1, "{flavor}");
    });
}

#[test]
fn many_local_tasks_yielding() {
    each_flavor(|flavor, rt| {
        let local = LocalSet::new();
        let sum = Rc::new(Cell::new(0u64));
        for i in 0..10_000u64 {
            let s = sum.clone();
            local.spawn_local(async move {
                task::yield_now().await;
                s.set(s.get() + i);
            });
        }
        rt.block_on(local);
        assert_eq!(sum.get(), 49_995_000, "{flavor}");
    });
}

#[test]
fn spawn_local_outside_a_set_panics_with_a_plain_message() {
    let msg = panic_message(|| {
        drop(spawn_local(async {}));
    });
    assert!(msg.contains("outside of a `LocalSet`"), "{msg}");
    // Also inside a runtime, but not in a set.
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        rt.block_on(async {
            drop(spawn_local(async {}));
        })
    }));
    assert!(msg.contains("outside of a `LocalSet`"), "{msg}");
}

#[test]
fn enter_makes_the_free_spawn_local_work() {
    let local = LocalSet::new();
    let h = {
        let _guard = local.enter();
        spawn_local(async { Rc::new(3) })
    };
    let rt = runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(*local.block_on(&rt, h).unwrap(), 3);
}
