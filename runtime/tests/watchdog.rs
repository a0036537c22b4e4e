//! The slow-poll watchdog: a poll that blocks its thread is reported by
//! task while it still runs, and again when it ends; dumps mark it slow.

use runtime::runtime::{Builder, Runtime, SlowPoll, TaskState};
use runtime::task;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Reports = Arc<Mutex<Vec<(Instant, SlowPoll)>>>;

fn with_hook(mut b: Builder) -> (Runtime, Reports) {
    let reports: Reports = Arc::default();
    let r = reports.clone();
    let rt = b
        .enable_all()
        .on_slow_poll(move |p| r.lock().unwrap().push((Instant::now(), p.clone())))
        .build()
        .unwrap();
    (rt, reports)
}

fn multi_thread() -> Builder {
    let mut b = Builder::new_multi_thread();
    b.worker_threads(2);
    b
}

/// Waits (up to 10 s) until `done` holds.
fn eventually(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn a_blocking_poll_is_named_while_it_runs_and_when_it_ends() {
    for (flavor, builder) in [
        ("multi_thread", multi_thread()),
        ("current_thread", Builder::new_current_thread()),
    ] {
        let (rt, reports) = with_hook(builder);
        let started = Arc::new(Mutex::new(None));
        let s = started.clone();
        let blocker = task::Builder::new()
            .name("blocker")
            .spawn_on(
                async move {
                    *s.lock().unwrap() = Some(Instant::now());
                    std::thread::sleep(Duration::from_millis(400));
                },
                rt.handle(),
            )
            .unwrap();
        let id = blocker.id();
        rt.block_on(blocker).unwrap();
        eventually(|| reports.lock().unwrap().len() >= 2);
        let reports = reports.lock().unwrap();
        assert_eq!(reports.len(), 2, "{flavor}: {reports:?}");
        let (at, first) = &reports[0];
        assert_eq!(first.task().id(), id, "{flavor}");
        assert_eq!(first.task().name(), Some("blocker"), "{flavor}");
        assert!(!first.is_finished(), "{flavor}");
        assert!(
            first.elapsed() >= Duration::from_millis(100),
            "{flavor}: {first:?}"
        );
        let began = started.lock().unwrap().unwrap();
        let late = *at - began;
        eprintln!("{flavor}: reported {late:?} after the poll began");
        // Generous (loaded CI machine); the note gives the figure.
        assert!(late < Duration::from_millis(300), "{flavor}: {late:?}");
        assert!(
            *at < began + Duration::from_millis(400),
            "{flavor}: not while running"
        );
        let (_, second) = &reports[1];
        assert!(second.is_finished(), "{flavor}");
        // The watchdog times a poll from when it first saw it, which was
        // before the first report: so the poll's 400 ms, less that delay.
        assert!(
            second.elapsed() + late >= Duration::from_millis(400),
            "{flavor}: {second:?} (first report {late:?} after the poll began)"
        );
        assert_eq!(second.worker(), first.worker(), "{flavor}");
        let line = first.to_string();
        assert!(
            line.starts_with(&format!("task {id} \"blocker\" (spawned at ")),
            "{line}"
        );
        assert!(
            line.contains("has been inside one poll on worker"),
            "{line}"
        );
        assert!(line.ends_with("blocking code belongs in spawn_blocking or block_in_place"));
        assert!(second.to_string().contains("left its poll on worker"));
    }
}

#[test]
fn many_short_polls_of_one_task_are_not_one_slow_poll() {
    let (rt, reports) = with_hook({
        let mut b = multi_thread();
        b.slow_poll_threshold(Some(Duration::from_millis(20)));
        b
    });
    rt.block_on(async {
        runtime::spawn(async {
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(300) {
                task::yield_now().await;
            }
        })
        .await
        .unwrap();
    });
    assert!(
        reports.lock().unwrap().is_empty(),
        "{:?}",
        reports.lock().unwrap()
    );
}

#[test]
fn a_dump_marks_the_slow_poll() {
    let rt = multi_thread()
        .slow_poll_threshold(Some(Duration::from_millis(30)))
        .build()
        .unwrap();
    let blocker = rt.spawn(async { std::thread::sleep(Duration::from_millis(500)) });
    let id = blocker.id();
    let deadline = Instant::now() + Duration::from_secs(10);
    let dump = loop {
        let dump = rt.handle().dump();
        if dump.task(id).is_some_and(|t| t.is_slow()) || Instant::now() > deadline {
            break dump;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let t = dump.task(id).unwrap();
    assert_eq!(t.state(), TaskState::Running);
    assert!(t.is_slow(), "{dump}");
    assert!(dump.to_string().contains("(slow)"), "{dump}");
    rt.block_on(blocker).unwrap();
    assert!(!rt.handle().dump().task(id).is_some_and(|t| t.is_slow()));
}

#[test]
fn a_panicking_hook_does_not_stop_the_watchdog() {
    let count = Arc::new(Mutex::new(0));
    let c = count.clone();
    let rt = multi_thread()
        .slow_poll_threshold(Some(Duration::from_millis(20)))
        .on_slow_poll(move |_| {
            *c.lock().unwrap() += 1;
            panic!("hook");
        })
        .build()
        .unwrap();
    for _ in 0..2 {
        rt.block_on(rt.spawn(async { std::thread::sleep(Duration::from_millis(100)) }))
            .unwrap();
    }
    eventually(|| *count.lock().unwrap() >= 4);
    assert_eq!(*count.lock().unwrap(), 4);
}

#[test]
#[should_panic(expected = "slow_poll_threshold must be greater than zero")]
fn a_zero_threshold_panics() {
    Builder::new_multi_thread().slow_poll_threshold(Some(Duration::ZERO));
}

#[test]
fn a_yield_loop_is_not_one_slow_poll_at_any_sample_rate() {
    // With every poll sampled the worker's sample countdown is the same at
    // every poll; the poll word must still tell polls apart.
    let (rt, reports) = with_hook({
        let mut b = Builder::new_multi_thread();
        b.worker_threads(1)
            .metrics_sample_every(1)
            .slow_poll_threshold(Some(Duration::from_millis(20)));
        b
    });
    rt.block_on(async {
        runtime::spawn(async {
            let start = Instant::now();
            // Polls of 5 ms each (the watchdog sees this task's word at
            // nearly every tick), each well under the 20 ms threshold.
            while start.elapsed() < Duration::from_millis(300) {
                let poll = Instant::now();
                while poll.elapsed() < Duration::from_millis(5) {
                    std::hint::spin_loop();
                }
                task::yield_now().await;
            }
        })
        .await
        .unwrap();
    });
    assert!(
        reports.lock().unwrap().is_empty(),
        "{:?}",
        reports.lock().unwrap()
    );
}
