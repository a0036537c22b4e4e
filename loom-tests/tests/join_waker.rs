//! Model 2: registering the `JoinHandle`'s waker races with the task's completion, and the joiner is always woken and reads the output exactly once; the join waker is dropped exactly once, by the handle (or, if the handle is dropped while the completing thread wakes it, by that thread), and never outlives the handle (rules 2-6 of `task/mod.rs`).
#![cfg(loom)]

use loom::future::block_on;
use loom::sync::atomic::AtomicUsize;
use loom::sync::Arc;
use loom::thread;
use loom_tests::{model, Outcomes};
use runtime::__loom::{JoinError, JoinHandle, TestQueue};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Wake, Waker};

/// The task's output; counts its drops.
struct Output(Arc<AtomicUsize>);

impl Drop for Output {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// A waker that only counts its wake-ups.
struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// The joiner (`block_on`, whose loom waker parks the thread: a lost
/// join wake-up is a loom deadlock) races the runner completing the task.
#[test]
fn joiner_is_woken_once_complete() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };

        let out = block_on(join).expect("the task completed");
        assert_eq!(drops.load(SeqCst), 0, "the output was dropped early");
        drop(out);
        assert_eq!(drops.load(SeqCst), 1);

        runner.join().unwrap();
        q.shutdown();
        assert_eq!(probe.frees(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the output was dropped twice");
    });
}

/// The joiner polls once with one waker, then awaits with another, so the
/// handle replaces its registered waker (`unset_join_waker`, then
/// `set_join_waker`) while the task may be completing.
#[test]
fn join_waker_replaced_while_completing() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };

        let first = std::sync::Arc::new(CountingWaker(AtomicUsize::new(0)));
        let first_waker = Waker::from(first.clone());
        let out = match Pin::new(&mut join).poll(&mut Context::from_waker(&first_waker)) {
            Poll::Ready(out) => out,
            Poll::Pending => block_on(&mut join),
        }
        .expect("the task completed");
        drop(out);
        assert_eq!(drops.load(SeqCst), 1);
        assert!(first.0.load(SeqCst) <= 1);

        runner.join().unwrap();
        drop(join);
        q.shutdown();
        assert_eq!(probe.frees(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the output was dropped twice");
    });
}

/// The task needs a wake-up from a third thread before it completes; the
/// joiner awaits it on its own thread while the main thread runs the queue.
#[test]
fn joiner_on_another_thread() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let gate = Arc::new(loom::sync::Mutex::new((false, None::<Waker>)));
        let join = q.spawn({
            let drops = drops.clone();
            let gate = gate.clone();
            std::future::poll_fn(move |cx| {
                let mut g = gate.lock().unwrap();
                if g.0 {
                    Poll::Ready(Output(drops.clone()))
                } else {
                    g.1 = Some(cx.waker().clone());
                    Poll::Pending
                }
            })
        });
        assert!(q.run_one());

        let joiner = thread::spawn(move || {
            let out = block_on(join).expect("the task completed");
            drop(out);
        });
        let opener = {
            let gate = gate.clone();
            thread::spawn(move || {
                let w = {
                    let mut g = gate.lock().unwrap();
                    g.0 = true;
                    g.1.take()
                };
                if let Some(w) = w {
                    w.wake();
                }
            })
        };
        opener.join().unwrap();
        assert_eq!(q.run_all(), 1);
        joiner.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        q.shutdown();
    });
}

/// What became of the clones of one [`tracked_waker`]. Plain atomics and a
/// std lock: loom need not schedule around them, and they are read only
/// after the threads that touch them were joined.
#[derive(Default)]
struct WakerLog {
    /// Clones made (the original is not one).
    clones: std::sync::atomic::AtomicUsize,
    /// Clones and the original dropped (a wake by value drops too).
    drops: std::sync::atomic::AtomicUsize,
    wakes: std::sync::atomic::AtomicUsize,
    /// The threads that dropped a clone, in order.
    dropped_on: std::sync::Mutex<Vec<thread::ThreadId>>,
}

impl WakerLog {
    /// Wakers alive now: the original and its clones, less the drops.
    fn live(&self) -> usize {
        1 + self.clones.load(SeqCst) - self.drops.load(SeqCst)
    }
}

/// One clone's data: the log, and a loom `Arc`, so that a clone that is
/// never dropped is reported by loom's leak check.
struct WakerData {
    log: std::sync::Arc<WakerLog>,
    _leak_check: Arc<()>,
}

const TRACKED: RawWakerVTable = RawWakerVTable::new(
    tracked_clone,
    tracked_wake,
    tracked_wake_by_ref,
    tracked_drop,
);

unsafe fn tracked_clone(p: *const ()) -> RawWaker {
    // SAFETY: every `TRACKED` waker's data is a live `Box<WakerData>`.
    let data = unsafe { &*(p as *const WakerData) };
    data.log.clones.fetch_add(1, SeqCst);
    let clone = Box::new(WakerData {
        log: data.log.clone(),
        _leak_check: data._leak_check.clone(),
    });
    RawWaker::new(Box::into_raw(clone) as *const (), &TRACKED)
}

unsafe fn tracked_wake(p: *const ()) {
    // SAFETY: as in `tracked_clone`; a wake by value consumes the waker.
    unsafe {
        tracked_wake_by_ref(p);
        tracked_drop(p);
    }
}

unsafe fn tracked_wake_by_ref(p: *const ()) {
    // SAFETY: as in `tracked_clone`.
    let data = unsafe { &*(p as *const WakerData) };
    data.log.wakes.fetch_add(1, SeqCst);
}

unsafe fn tracked_drop(p: *const ()) {
    // SAFETY: as in `tracked_clone`; each waker is dropped once, which
    // gives its box back (a second drop of one clone would be a double
    // free, and is also what the counts check for).
    let data = unsafe { Box::from_raw(p as *mut WakerData) };
    data.log.drops.fetch_add(1, SeqCst);
    data.log
        .dropped_on
        .lock()
        .unwrap()
        .push(thread::current().id());
}

/// A waker that logs its clones, wakes and drops.
fn tracked_waker() -> (Waker, std::sync::Arc<WakerLog>) {
    let log = std::sync::Arc::new(WakerLog::default());
    let data = Box::new(WakerData {
        log: log.clone(),
        _leak_check: Arc::new(()),
    });
    let raw = RawWaker::new(Box::into_raw(data) as *const (), &TRACKED);
    // SAFETY: `TRACKED`'s functions keep the `RawWaker` contract: the data
    // is a `Box<WakerData>`, cloned into a new box and freed on drop, and
    // everything it holds is `Send + Sync`.
    (unsafe { Waker::from_raw(raw) }, log)
}

/// Polls `join` once with `waker`.
fn poll_with<T>(join: &mut JoinHandle<T>, waker: &Waker) -> Poll<Result<T, JoinError>> {
    Pin::new(join).poll(&mut Context::from_waker(waker))
}

/// Who dropped the registered join waker in `handle_drop_races_completion`:
/// all three must be explored (the middle one is rule 5's hand-over).
static WAKER_FATES: Outcomes<3> = Outcomes::new([
    "handle, before COMPLETE",
    "runner, handle dropped between COMPLETE and the unset",
    "handle, after the unset",
]);

/// Rules 4 and 5: the `JoinHandle`, with a join waker registered, is
/// dropped on the main thread while the runner completes the task. The
/// handle's drop can come before COMPLETE (it takes its waker back), after
/// the runner's unset of JOIN_WAKER (the slot is the handle's again), or
/// between the two (the runner is using the waker, and drops it when its
/// unset finds JOIN_INTEREST gone). In every case the waker is dropped
/// exactly once, woken at most once, and the output dropped once, all
/// while an `AbortHandle` still keeps the cell (a waker left in the slot
/// until the cell dies fails); the cell is freed with that last ref, with
/// no drain.
#[test]
fn handle_drop_races_completion() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let abort = join.abort_handle();
        let (waker, log) = tracked_waker();
        // Not run yet: registers a clone and sets JOIN_WAKER.
        assert!(poll_with(&mut join, &waker).is_pending());
        drop(waker);
        assert_eq!(log.live(), 1, "the slot holds one clone");

        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };
        let me = thread::current().id();
        drop(join);
        runner.join().unwrap();

        assert_eq!(log.clones.load(SeqCst), 1);
        assert_eq!(
            log.live(),
            0,
            "the join waker was leaked, dropped twice, or kept until the cell dies"
        );
        let wakes = log.wakes.load(SeqCst);
        assert!(wakes <= 1, "the join waker was woken twice");
        let dropped_on = log.dropped_on.lock().unwrap().clone();
        // The original was dropped on this thread; then the registered one.
        assert_eq!(dropped_on.len(), 2);
        match (dropped_on[1] == me, wakes) {
            (true, 0) => WAKER_FATES.record("handle, before COMPLETE"),
            (false, 1) => {
                WAKER_FATES.record("runner, handle dropped between COMPLETE and the unset")
            }
            (true, 1) => WAKER_FATES.record("handle, after the unset"),
            (false, _) => panic!("the runner dropped a waker it never woke"),
            (true, _) => unreachable!(),
        }
        assert_eq!(drops.load(SeqCst), 1, "output drops");
        assert_eq!(probe.frees(), 0, "the AbortHandle keeps the cell");
        // The last ref: the runner released the owned-task list's.
        drop(abort);
        assert_eq!(probe.frees(), 1, "the cell was not freed");
        q.shutdown();
        assert_eq!(probe.frees(), 1);
    });
    WAKER_FATES.assert_all_seen("handle_drop_races_completion");
}

/// How the registration met the completion in
/// `waker_goes_with_the_handle`: both must be explored. (A completion
/// before the handle's first load of the state is accepted too, but loom
/// 0.7's DPOR never schedules the runner ahead of that load, at any
/// preemption bound, so it is not required.)
static REGISTRATIONS: Outcomes<2> = Outcomes::new([
    "registered, then woken",
    "completed during the registration",
]);

/// Rule 4's point: after completion the join waker belongs to the
/// `JoinHandle` again, and goes when the handle goes, not when the cell is
/// freed. The registration races the completion; then the output is read,
/// the handle dropped while an `AbortHandle` keeps the cell alive, and by
/// then no clone of the waker may be left.
#[test]
fn waker_goes_with_the_handle() {
    model(|| {
        let q = TestQueue::new();
        let drops = Arc::new(AtomicUsize::new(0));
        let (mut join, probe) = q.spawn_probed({
            let drops = drops.clone();
            async move { Output(drops) }
        });
        let abort = join.abort_handle();
        let (waker, log) = tracked_waker();

        let runner = {
            let q = q.clone();
            thread::spawn(move || assert!(q.run_one()))
        };
        let first = poll_with(&mut join, &waker);
        runner.join().unwrap();
        let registered = first.is_pending();
        let out = match first {
            Poll::Ready(out) => out,
            // Complete now (the runner was joined).
            Poll::Pending => match poll_with(&mut join, &waker) {
                Poll::Ready(out) => out,
                Poll::Pending => panic!("pending after completion"),
            },
        };
        drop(out.expect("the task completed"));
        assert_eq!(drops.load(SeqCst), 1);
        drop(waker);

        let (clones, wakes) = (log.clones.load(SeqCst), log.wakes.load(SeqCst));
        match (registered, clones, wakes) {
            (true, 1, 1) => {
                // Woken, and given back to the handle: still in the slot.
                assert_eq!(log.live(), 1);
                REGISTRATIONS.record("registered, then woken");
            }
            (false, 1, 0) => {
                // `set_join_waker` failed: the handle took its clone back.
                assert_eq!(log.live(), 0);
                REGISTRATIONS.record("completed during the registration");
            }
            (false, 0, 0) => {} // completed before the poll: no clone made
            other => panic!("unexpected (registered, clones, wakes) = {other:?}"),
        }

        drop(join);
        assert_eq!(
            log.live(),
            0,
            "the join waker outlived its JoinHandle (kept until the cell dies)"
        );
        assert_eq!(probe.frees(), 0, "the AbortHandle keeps the cell");
        drop(abort);
        assert_eq!(probe.frees(), 1);
        assert_eq!(drops.load(SeqCst), 1, "the output was dropped twice");
        q.shutdown();
    });
    REGISTRATIONS.assert_all_seen("waker_goes_with_the_handle");
}
