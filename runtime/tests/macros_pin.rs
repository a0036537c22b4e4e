//! `runtime::pin!`, and `select!` over a future kept across a loop (by
//! `&mut`, or pinned with `pin!`), on both flavors: in `block_on` and in
//! tasks spawned onto the workers.
//!
//! The file forbids unsafe code: the macros' expansions must not trip a
//! user crate's `forbid(unsafe_code)`.
#![forbid(unsafe_code)]

mod common;

use common::{each_flavor_and_task, ReadyAfter};
use runtime::sync::mpsc;
use runtime::task::yield_now;
use runtime::time::sleep;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn a_future_passed_by_mut_keeps_its_progress_across_a_loop() {
    each_flavor_and_task(|flavor| async move {
        let polls = Arc::new(AtomicUsize::new(0));
        let mut slow = ReadyAfter {
            polls: polls.clone(),
            n: 5,
        };
        let mut rounds = 0;
        let done = loop {
            rounds += 1;
            runtime::select! {
                biased;
                n = &mut slow => break n,
                _ = async {} => continue,
            }
        };
        assert_eq!(done, 5, "{flavor}");
        assert_eq!(rounds, 5, "{flavor}");
        assert_eq!(polls.load(Ordering::SeqCst), 5, "{flavor}");
    });
}

#[test]
fn a_pinned_future_in_a_loop() {
    each_flavor_and_task(|flavor| async move {
        // `tx` keeps the channel open past the deadline.
        let (tx, mut rx) = mpsc::channel::<u32>(16);
        for i in 0..5 {
            tx.send(i).await.unwrap();
        }
        let deadline = sleep(Duration::from_millis(100));
        runtime::pin!(deadline);
        let mut got = Vec::new();
        loop {
            runtime::select! {
                Some(v) = rx.recv() => got.push(v),
                () = &mut deadline => break,
            }
        }
        assert_eq!(got, [0, 1, 2, 3, 4], "{flavor}");
    });
}

#[test]
fn pin_pins_variables_for_reuse() {
    each_flavor_and_task(|flavor| async move {
        let polls = Arc::new(AtomicUsize::new(0));
        let counted = ReadyAfter {
            polls: polls.clone(),
            n: 3,
        };
        let pinned = async move {
            let _p = std::marker::PhantomPinned;
            counted.await
        };
        runtime::pin!(pinned);
        // Polled in three selects, keeping its progress.
        let mut rounds = 0;
        let n = loop {
            rounds += 1;
            runtime::select! {
                biased;
                n = &mut pinned => break n,
                _ = async {} => {}
            }
        };
        assert_eq!((n, rounds), (3, 3), "{flavor}");

        let a = async { 1 };
        let b = async { 2 };
        runtime::pin!(a, b);
        assert_eq!(a.as_mut().await + b.as_mut().await, 3, "{flavor}");
    });
}

#[test]
fn pin_let_form_declares_and_pins() {
    each_flavor_and_task(|flavor| async move {
        runtime::pin! {
            let first = async { yield_now().await; "first" };
            let second = async { "second" };
        }
        let mut got = Vec::new();
        while got.len() < 2 {
            runtime::select! {
                v = &mut first, if !got.contains(&"first") => got.push(v),
                v = &mut second, if !got.contains(&"second") => got.push(v),
            }
        }
        got.sort();
        assert_eq!(got, ["first", "second"], "{flavor}");
        // The pinned names are `Pin<&mut _>`s.
        fn is_pinned<T>(_: &Pin<&mut T>) {}
        is_pinned(&first);
        is_pinned(&second);
    });
}
