//! `sync::CancellationToken`, from tokio-util's documented behaviour: a
//! cancel wakes every waiter of the token and of every token below it, a
//! child's cancel does not reach its parent, a child of a cancelled token
//! is born cancelled, dropped tokens leave nothing behind (no waiter
//! entries, no children, no cycle), and a 100k-deep chain is cancelled and
//! dropped without deep recursion.

mod common;

use common::{both_flavors, counting_waker, hang_guard, poll_noop, poll_with, run};
use runtime::sync::{
    futures, CancellationToken, DropGuard, WaitForCancellationFuture,
    WaitForCancellationFutureOwned,
};
use std::collections::hash_map::DefaultHasher;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::{Poll, Wake, Waker};
use std::time::Duration;

/// A pinned `cancelled()` future of `token`, polled once (pending).
fn waiting<'a>(
    token: &'a CancellationToken,
    waker: &Waker,
) -> Pin<Box<WaitForCancellationFuture<'a>>> {
    let mut fut = Box::pin(token.cancelled());
    assert!(poll_with(fut.as_mut(), waker).is_pending());
    fut
}

/// A waker that runs `f` each time it is woken.
fn waker_fn(f: impl Fn() + Send + Sync + 'static) -> Waker {
    struct F<T>(T);
    impl<T: Fn() + Send + Sync + 'static> Wake for F<T> {
        fn wake(self: Arc<Self>) {
            (self.0)()
        }
    }
    Waker::from(Arc::new(F(f)))
}

/// A waker that sets a flag when it is dropped.
fn waker_with_drop_flag() -> (Waker, Arc<AtomicBool>) {
    struct Flag(Arc<AtomicBool>);
    impl Wake for Flag {
        fn wake(self: Arc<Self>) {}
    }
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    (Waker::from(Arc::new(Flag(dropped.clone()))), dropped)
}

#[test]
fn a_new_token_is_not_cancelled_and_cancel_is_for_good() {
    let token = CancellationToken::new();
    assert!(!token.is_cancelled());
    assert!(!CancellationToken::default().is_cancelled());
    token.cancel();
    assert!(token.is_cancelled());
    token.cancel(); // again: nothing
    assert!(token.is_cancelled());
}

#[test]
fn cancel_wakes_every_waiter_once() {
    let (waker, woken) = counting_waker();
    let token = CancellationToken::new();
    let clone = token.clone();
    let mut a = waiting(&token, &waker);
    let mut b = waiting(&token, &waker);
    let mut c = waiting(&clone, &waker);
    let mut owned = Box::pin(clone.clone().cancelled_owned());
    assert!(poll_with(owned.as_mut(), &waker).is_pending());
    // Made but never polled: registers nothing, and is ready after.
    let mut unpolled = Box::pin(token.cancelled());
    assert_eq!(token.__waiter_count(), 4);
    assert_eq!(woken.load(SeqCst), 0);

    clone.cancel(); // through a clone: the same token
    assert_eq!(woken.load(SeqCst), 4);
    assert!(token.is_cancelled());
    for fut in [&mut a, &mut b, &mut c, &mut unpolled] {
        assert!(poll_noop(fut.as_mut()).is_ready());
    }
    assert!(poll_noop(owned.as_mut()).is_ready());
    assert_eq!(
        token.__waiter_count(),
        0,
        "ready futures gave their entries back"
    );
    token.cancel();
    assert_eq!(woken.load(SeqCst), 4, "a second cancel wakes nobody");
}

#[test]
fn cancelled_after_cancel_is_ready_at_once_and_registers_nothing() {
    let token = CancellationToken::new();
    token.cancel();
    let (waker, woken) = counting_waker();
    assert!(poll_with(pin!(token.cancelled()), &waker).is_ready());
    assert!(poll_with(pin!(token.clone().cancelled_owned()), &waker).is_ready());
    assert_eq!(token.__waiter_count(), 0);
    assert_eq!(woken.load(SeqCst), 0);
}

#[test]
fn a_repolled_waiter_wakes_only_its_latest_waker() {
    let token = CancellationToken::new();
    let (first, first_woken) = counting_waker();
    let (second, second_woken) = counting_waker();
    let mut fut = waiting(&token, &first);
    assert!(poll_with(fut.as_mut(), &second).is_pending());
    assert!(poll_with(fut.as_mut(), &second).is_pending());
    assert_eq!(token.__waiter_count(), 1, "one entry, however often polled");
    token.cancel();
    assert_eq!(first_woken.load(SeqCst), 0);
    assert_eq!(second_woken.load(SeqCst), 1);
}

#[test]
fn parent_cancel_reaches_children_and_grandchildren() {
    let (waker, woken) = counting_waker();
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let grandchild = child.child_token();
    let mut waits = [
        waiting(&parent, &waker),
        waiting(&child, &waker),
        waiting(&grandchild, &waker),
    ];
    parent.cancel();
    assert!(child.is_cancelled() && grandchild.is_cancelled());
    assert_eq!(woken.load(SeqCst), 3);
    for fut in &mut waits {
        assert!(poll_noop(fut.as_mut()).is_ready());
    }
}

#[test]
fn child_cancel_does_not_reach_the_parent_or_siblings() {
    let (waker, woken) = counting_waker();
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let sibling = parent.child_token();
    let mut parent_wait = waiting(&parent, &waker);
    let mut sibling_wait = waiting(&sibling, &waker);
    let mut child_wait = waiting(&child, &waker);

    child.cancel();
    assert!(child.is_cancelled());
    assert!(!parent.is_cancelled() && !sibling.is_cancelled());
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_noop(child_wait.as_mut()).is_ready());
    assert!(poll_with(parent_wait.as_mut(), &waker).is_pending());
    assert!(poll_with(sibling_wait.as_mut(), &waker).is_pending());

    // The parent still works, and a new child still hears it.
    let late = parent.child_token();
    let mut late_wait = waiting(&late, &waker);
    parent.cancel();
    assert_eq!(woken.load(SeqCst), 4);
    assert!(sibling.is_cancelled() && late.is_cancelled());
    assert!(poll_noop(late_wait.as_mut()).is_ready());
}

#[test]
fn cancel_reaches_exactly_the_descendants() {
    let root = CancellationToken::new();
    let token = root.child_token();
    let sibling = root.child_token();
    let child1 = token.child_token();
    let child2 = token.child_token();
    let grandchild1 = child1.child_token();
    let grandchild2 = child1.child_token();
    let great_grandchild = grandchild1.child_token();
    let below = [
        &token,
        &child1,
        &child2,
        &grandchild1,
        &grandchild2,
        &great_grandchild,
    ];
    let (waker, woken) = counting_waker();
    let mut waits: Vec<_> = below.iter().map(|t| waiting(t, &waker)).collect();
    let mut root_wait = waiting(&root, &waker);
    let mut sibling_wait = waiting(&sibling, &waker);

    token.cancel();
    assert_eq!(woken.load(SeqCst), below.len());
    assert!(below.iter().all(|t| t.is_cancelled()));
    assert!(!root.is_cancelled() && !sibling.is_cancelled());
    assert!(waits.iter_mut().all(|f| poll_noop(f.as_mut()).is_ready()));
    assert!(poll_noop(root_wait.as_mut()).is_pending());
    assert!(poll_noop(sibling_wait.as_mut()).is_pending());
}

#[test]
fn a_grandchild_hears_the_grandparent_after_the_child_is_dropped() {
    let (waker, woken) = counting_waker();
    let grandparent = CancellationToken::new();
    let child = grandparent.child_token();
    let grandchild = child.child_token();
    let great = grandchild.child_token();
    drop(child);
    assert!(!grandchild.is_cancelled());
    assert_eq!(
        grandparent.__child_count(),
        1,
        "the grandchild moved up in the child's place"
    );
    let mut wait = waiting(&great, &waker);
    grandparent.cancel();
    assert!(grandchild.is_cancelled() && great.is_cancelled());
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_noop(wait.as_mut()).is_ready());
}

#[test]
fn a_child_of_a_cancelled_token_is_born_cancelled() {
    let token = CancellationToken::new();
    let before = token.child_token();
    token.cancel();
    let after = token.child_token();
    assert!(before.is_cancelled() && after.is_cancelled());
    assert!(after.child_token().is_cancelled());
    assert!(poll_noop(pin!(after.cancelled())).is_ready());
    assert_eq!(
        token.__child_count(),
        0,
        "a cancelled token keeps no children"
    );
    // Either drop order is fine.
    drop(token);
    drop(after);
}

#[test]
fn dropping_tokens_cancels_nothing_in_any_order() {
    for reverse in [false, true] {
        let parent = CancellationToken::new();
        let mut children: Vec<_> = (0..3).map(|_| Some(parent.child_token())).collect();
        assert_eq!(parent.__child_count(), 3);
        for i in 0..children.len() {
            let i = if reverse { children.len() - 1 - i } else { i };
            children[i] = None;
            assert!(!parent.is_cancelled());
            assert!(children.iter().flatten().all(|c| !c.is_cancelled()));
        }
        assert_eq!(parent.__child_count(), 0, "dropped children leave the list");
    }

    // The parent first: its children live on, cancellable by themselves.
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let grandchild = child.child_token();
    drop(parent);
    assert!(!child.is_cancelled());
    child.cancel();
    assert!(grandchild.is_cancelled());
}

#[test]
fn a_clone_keeps_the_token_linked() {
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let clone = child.clone();
    drop(child);
    assert_eq!(parent.__child_count(), 1, "a clone still names the node");
    assert_eq!(clone, clone.clone());
    parent.cancel();
    assert!(clone.is_cancelled());
}

#[test]
fn waiters_created_and_dropped_in_a_loop_leave_nothing_behind() {
    let token = CancellationToken::new();
    let child = token.child_token();
    let (waker, woken) = counting_waker();
    for _ in 0..10_000 {
        let mut fut = pin!(token.cancelled());
        assert!(poll_with(fut.as_mut(), &waker).is_pending());
        let mut owned = pin!(child.clone().cancelled_owned());
        assert!(poll_with(owned.as_mut(), &waker).is_pending());
        assert_eq!(token.__waiter_count(), 1);
        assert_eq!(child.__waiter_count(), 1);
    }
    // A burst alive at once, then dropped.
    let burst: Vec<_> = (0..1_000).map(|_| waiting(&token, &waker)).collect();
    assert_eq!(token.__waiter_count(), 1_000);
    drop(burst);
    assert_eq!(token.__waiter_count(), 0);
    assert_eq!(child.__waiter_count(), 0);
    token.cancel();
    assert_eq!(woken.load(SeqCst), 0, "no stale waker was left to wake");
}

#[test]
fn children_created_and_dropped_in_a_loop_leave_nothing_behind() {
    let token = CancellationToken::new();
    let keep = token.child_token();
    for _ in 0..10_000 {
        let child = token.child_token();
        let grandchild = child.child_token();
        drop(child); // the grandchild moves up
        assert_eq!(token.__child_count(), 2);
        drop(grandchild);
        assert_eq!(token.__child_count(), 1);
    }
    token.cancel();
    assert!(keep.is_cancelled());
}

#[test]
fn dropped_tokens_free_their_nodes() {
    // A `cancelled` future forgotten while waiting leaves its waker in its
    // node: the waker is dropped exactly when the node is freed. So each
    // flag says its node was freed, which a cycle would prevent.
    for order in 0..3 {
        let parent = CancellationToken::new();
        let child = parent.child_token();
        let grandchild = child.child_token();
        let mut flags = Vec::new();
        for token in [&parent, &child, &grandchild] {
            let (waker, dropped) = waker_with_drop_flag();
            let mut fut = Box::pin(token.cancelled());
            assert!(poll_with(fut.as_mut(), &waker).is_pending());
            std::mem::forget(fut);
            flags.push(dropped);
        }
        drop(grandchild.clone().child_token());
        let mut tokens = [Some(parent), Some(child), Some(grandchild)];
        let drops = [[0, 1, 2], [2, 1, 0], [1, 0, 2]][order];
        for i in drops {
            tokens[i] = None;
            assert!(flags[i].load(SeqCst), "order {order}: node {i} not freed");
        }
    }
}

#[test]
fn a_deep_chain_is_cancelled_and_dropped_without_deep_recursion() {
    // A small stack, so that recursion per level would overflow.
    let chain = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            const DEPTH: usize = 100_000;
            let build = || {
                let mut chain = vec![CancellationToken::new()];
                for _ in 1..DEPTH {
                    let next = chain.last().unwrap().child_token();
                    chain.push(next);
                }
                chain
            };

            let chain = build();
            let (waker, woken) = counting_waker();
            let mut leaf_wait = Box::pin(chain[DEPTH - 1].cancelled());
            assert!(poll_with(leaf_wait.as_mut(), &waker).is_pending());
            chain[0].cancel();
            assert!(chain.iter().all(CancellationToken::is_cancelled));
            assert_eq!(woken.load(SeqCst), 1);
            assert!(poll_noop(leaf_wait.as_mut()).is_ready());
            drop(leaf_wait);
            drop(chain);

            // Uncancelled, dropped root first and leaf first.
            drop(build());
            let mut chain = build();
            while chain.pop().is_some() {}
            // From the middle outwards, then cancel what is left.
            let mut chain = build();
            let rest = chain.split_off(DEPTH / 2);
            drop(chain);
            rest[0].cancel();
            assert!(rest.last().unwrap().is_cancelled());
        })
        .unwrap();
    chain.join().unwrap();
}

#[test]
fn a_waker_may_use_the_token_while_it_is_woken() {
    // Woken under a lock, this waker would deadlock on it.
    let _guard = hang_guard("waker_uses_the_token", Duration::from_secs(20));
    let parent = CancellationToken::new();
    let child = parent.child_token();
    let seen = Arc::new(AtomicUsize::new(0));
    let waker = {
        let (parent, child, seen) = (parent.clone(), child.clone(), seen.clone());
        waker_fn(move || {
            assert!(child.is_cancelled() || parent.is_cancelled());
            drop(child.child_token());
            drop(parent.child_token());
            assert!(poll_noop(pin!(child.cancelled())).is_ready());
            seen.fetch_add(1, SeqCst);
        })
    };
    let mut a = waiting(&parent, &waker);
    let mut b = waiting(&child, &waker);
    parent.cancel();
    assert_eq!(seen.load(SeqCst), 2);
    assert!(poll_noop(a.as_mut()).is_ready() && poll_noop(b.as_mut()).is_ready());
}

#[test]
fn a_panicking_waker_does_not_keep_the_others_asleep() {
    let token = CancellationToken::new();
    let (waker, woken) = counting_waker();
    let bad = waker_fn(|| panic!("waker panics on purpose"));
    let mut first = waiting(&token, &bad);
    let mut second = waiting(&token, &waker);
    token.cancel(); // does not unwind
    assert_eq!(woken.load(SeqCst), 1);
    assert!(poll_noop(first.as_mut()).is_ready() && poll_noop(second.as_mut()).is_ready());
}

#[test]
fn cancel_wakes_every_waiting_task() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let root = CancellationToken::new();
            let child = root.child_token();
            let grandchild = child.child_token();
            let mut tasks = Vec::new();
            for token in [&root, &child, &grandchild] {
                for _ in 0..4 {
                    let borrowed = token.clone();
                    tasks.push(runtime::spawn(async move { borrowed.cancelled().await }));
                    tasks.push(runtime::spawn(token.clone().cancelled_owned()));
                }
            }
            // Let them all start waiting, then cancel from another task.
            runtime::time::sleep(Duration::from_millis(20)).await;
            assert!(tasks.iter().all(|t| !t.is_finished()), "{flavor}");
            let canceller = root.clone();
            runtime::spawn(async move { canceller.cancel() })
                .await
                .unwrap();
            for task in tasks {
                task.await.unwrap();
            }
            assert!(grandchild.is_cancelled(), "{flavor}");
        });
    }
}

#[test]
fn cancelled_owned_is_static_and_send() {
    fn spawnable<F: Future + Send + 'static>(_: &F) {}
    for (flavor, rt) in both_flavors() {
        let token = CancellationToken::new();
        let fut = token.child_token().cancelled_owned();
        spawnable(&fut);
        let task = rt.spawn(fut);
        run(flavor, &rt, async {
            runtime::time::sleep(Duration::from_millis(10)).await;
            assert!(!task.is_finished(), "{flavor}");
            token.cancel();
            task.await.unwrap();
        });
    }
}

#[test]
fn drop_guard_cancels_on_drop_and_disarm_prevents_it() {
    let token = CancellationToken::new();
    let guard = token.clone().drop_guard();
    assert_eq!(guard.token(), &token);
    assert!(!token.is_cancelled());
    drop(guard);
    assert!(token.is_cancelled());

    let token = CancellationToken::new();
    let guard: DropGuard = token.clone().drop_guard();
    let back = guard.disarm();
    assert!(!token.is_cancelled());
    assert_eq!(back, token);
    drop(back);
    assert!(!token.is_cancelled());

    let token = CancellationToken::new();
    drop(token.drop_guard_ref());
    assert!(token.is_cancelled());
    let token = CancellationToken::new();
    let back = token.drop_guard_ref().disarm();
    assert!(!back.is_cancelled());
}

#[test]
fn drop_guard_cancels_when_a_scope_unwinds() {
    let token = CancellationToken::new();
    let child = token.child_token();
    let guarded = token.clone();
    let result = std::panic::catch_unwind(move || {
        let _guard = guarded.drop_guard();
        panic!("the scope fails on purpose");
    });
    assert!(result.is_err());
    assert!(token.is_cancelled() && child.is_cancelled());
}

#[test]
fn run_until_cancelled_gives_the_output_if_the_future_finishes() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let token = CancellationToken::new();
            let (tx, rx) = runtime::sync::oneshot::channel();
            runtime::spawn(async move {
                runtime::time::sleep(Duration::from_millis(5)).await;
                tx.send(7).unwrap();
            });
            let out = token.run_until_cancelled(async { rx.await.unwrap() }).await;
            assert_eq!(out, Some(7), "{flavor}");
            assert_eq!(token.__waiter_count(), 0, "{flavor}");
            let owned = token.clone().run_until_cancelled_owned(async { 8 });
            assert_eq!(owned.await, Some(8), "{flavor}");
        });
    }
}

#[test]
fn run_until_cancelled_gives_none_and_drops_the_future_on_cancel() {
    for (flavor, rt) in both_flavors() {
        run(flavor, &rt, async {
            let token = CancellationToken::new();
            let dropped = Arc::new(AtomicUsize::new(0));
            let canceller = token.clone();
            runtime::spawn(async move {
                runtime::time::sleep(Duration::from_millis(5)).await;
                canceller.cancel();
            });
            let guard = common::DropCounter(dropped.clone());
            let out = token
                .run_until_cancelled(async move {
                    let _guard = guard;
                    std::future::pending::<u32>().await
                })
                .await;
            assert_eq!(out, None, "{flavor}");
            assert_eq!(dropped.load(SeqCst), 1, "{flavor}: the future was dropped");
            let out = token
                .clone()
                .run_until_cancelled_owned(std::future::pending::<u32>())
                .await;
            assert_eq!(out, None, "{flavor}");
        });
    }
}

#[test]
fn run_until_cancelled_checks_the_token_first_only_on_the_first_poll() {
    // Cancelled before the first poll: `None`, and the future is never
    // polled.
    let token = CancellationToken::new();
    let polled = AtomicBool::new(false);
    let mut fut = pin!(token.run_until_cancelled(async {
        polled.store(true, SeqCst);
        1
    }));
    token.cancel();
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(None));
    assert!(!polled.load(SeqCst));

    // Cancelled while the future waits, and the future is ready by the
    // next poll too: the future is polled first and wins (tokio-util).
    let token = CancellationToken::new();
    let ready = Arc::new(AtomicBool::new(false));
    let gate = ready.clone();
    let mut fut = pin!(token.run_until_cancelled(std::future::poll_fn(move |_| {
        if gate.load(SeqCst) {
            Poll::Ready(2)
        } else {
            Poll::Pending
        }
    })));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    ready.store(true, SeqCst);
    token.cancel();
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(Some(2)));

    // Cancelled while it waits, the future not ready: `None`.
    let token = CancellationToken::new();
    let mut fut = pin!(token.run_until_cancelled(std::future::pending::<()>()));
    assert_eq!(poll_noop(fut.as_mut()), Poll::Pending);
    token.cancel();
    assert_eq!(poll_noop(fut.as_mut()), Poll::Ready(None));
}

#[test]
fn concurrent_cancels_drops_and_children_neither_deadlock_nor_miss() {
    let _guard = hang_guard("concurrent_tree", Duration::from_secs(60));
    for round in 0..50 {
        let root = CancellationToken::new();
        let survivors = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let root = root.clone();
                let survivors = survivors.clone();
                std::thread::spawn(move || {
                    // Build a chain, drop every other link (from the
                    // middle), cancel a sub-chain, keep the leaf.
                    let mut chain = vec![root.child_token()];
                    for _ in 0..200 {
                        let next = chain.last().unwrap().child_token();
                        chain.push(next);
                    }
                    for i in (1..chain.len() - 1).step_by(2) {
                        chain[i] = CancellationToken::new();
                    }
                    if t == 0 {
                        chain[100].cancel();
                    }
                    survivors.lock().unwrap().push(chain.pop().unwrap());
                })
            })
            .collect();
        // Cancel while the threads work, then once more after.
        std::thread::yield_now();
        root.cancel();
        for thread in threads {
            thread.join().unwrap();
        }
        let survivors = survivors.lock().unwrap();
        assert_eq!(survivors.len(), 4);
        assert!(
            survivors.iter().all(CancellationToken::is_cancelled),
            "round {round}: a leaf missed the root's cancel"
        );
        assert_eq!(root.__child_count(), 0);
    }
}

#[test]
fn equality_and_hash_follow_identity() {
    fn hash(token: &CancellationToken) -> u64 {
        let mut h = DefaultHasher::new();
        token.hash(&mut h);
        h.finish()
    }
    let token = CancellationToken::new();
    let clone = token.clone();
    let child = token.child_token();
    let other = CancellationToken::new();
    assert_eq!(token, clone);
    assert_eq!(hash(&token), hash(&clone));
    assert_ne!(token, child);
    assert_ne!(token, other);
    assert_ne!(hash(&token), hash(&other));
}

#[test]
fn auto_traits_and_debug() {
    fn send_sync<T: Send + Sync>() {}
    fn unpin<T: Unpin>() {}
    send_sync::<CancellationToken>();
    send_sync::<DropGuard>();
    send_sync::<WaitForCancellationFuture<'static>>();
    send_sync::<WaitForCancellationFutureOwned>();
    unpin::<WaitForCancellationFuture<'static>>();
    unpin::<WaitForCancellationFutureOwned>();
    // Also reachable as `sync::futures::*`, like `Notified`.
    send_sync::<futures::WaitForCancellationFuture<'static>>();
    send_sync::<futures::WaitForCancellationFutureOwned>();

    let token = CancellationToken::new();
    assert_eq!(
        format!("{token:?}"),
        "CancellationToken { is_cancelled: false }"
    );
    let fut = token.cancelled();
    assert!(format!("{fut:?}").contains("WaitForCancellationFuture"));
    drop(fut);
    token.cancel();
    assert!(format!("{:?}", token.drop_guard()).contains("is_cancelled: true"));
}
