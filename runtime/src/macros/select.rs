//! `select!`: the first of several futures to complete, in the current
//! task.
//!
//! # Expansion
//!
//! The branches are first normalized, one recursion per branch (`@{ ... }`
//! collects them), into `( $($skip)* ) ( $($index)* ) pattern = future, if
//! precondition => handler,` where `$skip` is one `_` per branch before
//! this one (the tuple pattern `( $($skip,)* fut, .. )` reaches its future)
//! and `$index` is `0 + 1 + ... + 1`, its index as an expression. A branch
//! without precondition gets `if true`; without `else`, the else
//! expression is tokio's panic.
//!
//! The expansion then:
//!
//! 1. evaluates the preconditions, in order, into `enabled: [bool; N]`;
//! 2. evaluates the future expressions, in order, into one tuple, which
//!    stays in place from then on (only a `&mut` to it is named);
//! 3. awaits a poll function that polls every enabled branch once, starting
//!    at the random (or, `biased;`, first) branch and wrapping around, and
//!    disables a branch when it completes. It tests the output against
//!    the pattern by reference (with `ref`, `mut` and `&` removed by the
//!    `select_pattern!` helper of `runtime-macros`): a match is returned,
//!    a mismatch is dropped and polling goes on. With no branch left
//!    pending it returns "all disabled". The result is an
//!    [`Out`](crate::__private::Out) chain, `Later(Later(Here(output)))`
//!    for the third branch, built by `__select_out!`;
//! 4. drops the futures (the block of step 2 and 3 ends), then matches the
//!    output against the patterns as written and evaluates the chosen
//!    handler, or the else expression, outside any closure or loop of the
//!    macro: `return`, `break`, `continue`, `?` and `.await` in a handler
//!    act on the code around `select!`.
//!
//! # Tests
//!
//! Behaviour: `tests/macros_select.rs`. The `compile_fail` examples below
//! carry the error code they must fail with; rustdoc checks the codes
//! only on nightly, so on stable each was compiled by hand to see that it
//! fails for the reason its note gives.

/// Waits on several futures at once, in the current task, and runs the
/// handler of the **first** to complete with an output that matches its
/// pattern; the other futures are dropped (cancelled).
///
/// It must be used inside an `async` function or block, and takes
/// branches of the form
///
/// ```text
/// <pattern> = <async expression> (, if <precondition>)? => <handler>,
/// ```
///
/// and optionally, last, one
///
/// ```text
/// else => <expression>
/// ```
///
/// The comma after a handler may be left out when the handler is a block
/// (`{ ... }`) and after the last branch. The `select!` expression
/// evaluates to the value of the handler that ran (or of `else`).
///
/// # How a `select!` runs
///
/// 1. Every `<precondition>` is evaluated, in order. A branch whose
///    precondition is `false` is *disabled* for this `select!`.
/// 2. Every `<async expression>` is evaluated, in order, disabled branches
///    included (their futures are never polled). Each must be a future or
///    [`IntoFuture`]. It need not be [`Unpin`]: `select!` pins it in place.
///    To keep a future across several `select!`s, as in a loop, pass
///    `&mut fut`, which needs `fut` pinned (see [`pin!`]).
/// 3. If every branch is disabled, go to 6.
/// 4. The futures of the enabled branches are polled, all in the current
///    task, until one completes.
/// 5. Its output is matched against its `<pattern>`. If it matches, the
///    other futures are dropped, then the `<handler>` runs with the
///    pattern's bindings, and its value is the value of the `select!`. If
///    it does not match, the branch is disabled and the `select!` goes on
///    at step 3 (the output is dropped).
/// 6. The `else` expression is evaluated. Without `else`, `select!`
///    panics.
///
/// Since the handler runs after the futures are dropped, it may use
/// whatever they borrowed, and since it runs in the surrounding code
/// (not in a closure), `return`, `?`, `break`, `continue` and `.await` in
/// a handler act there.
///
/// The futures run concurrently but not in parallel: they share the
/// current task and thread. To run them in parallel, [`spawn`] them and
/// select on the [`JoinHandle`]s.
///
/// # Fairness
///
/// By default, each time `select!` is polled it starts with a random
/// branch and goes on in order, wrapping around, so that in a loop each
/// of several always-ready branches gets its turn. The random numbers come
/// from a cheap per-thread generator (xorshift), seeded per thread.
///
/// With `biased;` before the first branch, the branches are polled in the
/// order they are written, every time. This saves the random draw and
/// gives a known order, for example to look at a shutdown signal before a
/// busy stream; it also means that a branch that is always ready starves
/// the branches after it.
///
/// `select!` also gives way to the scheduler once the task has used its
/// cooperative budget: it then returns `Pending` (and wakes the task)
/// without polling any branch.
///
/// # Panics
///
/// When every branch is disabled (by its precondition, or because its
/// output did not match its pattern) and there is no `else` branch, with
/// the message `all branches are disabled and there is no else branch`.
///
/// # Cancellation
///
/// When one branch is chosen, the futures of the others are dropped,
/// whatever they had done so far: a `select!` in a loop recreates them,
/// so a future whose partial progress would be lost that way (such as
/// reading an exact number of bytes) should be created outside the loop
/// and passed as `&mut fut`. Futures that keep no state of their own
/// between polls, such as receiving from a channel, can be recreated
/// freely.
///
/// # Examples
///
/// The first to complete wins:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
///
/// let winner = runtime::select! {
///     _ = runtime::time::sleep(Duration::from_secs(10)) => "sleep",
///     v = async { 42 } => {
///         assert_eq!(v, 42);
///         "value"
///     }
/// };
/// assert_eq!(winner, "value");
/// # }
/// ```
///
/// Receiving from two channels until both are closed: a closed channel's
/// `recv()` returns `None`, which does not match `Some(v)`, so that branch
/// is disabled, and `else` runs once both are:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::sync::mpsc;
///
/// let (tx1, mut rx1) = mpsc::channel(8);
/// let (tx2, mut rx2) = mpsc::channel(8);
/// for i in 0..3 {
///     tx1.send(i).await.unwrap();
///     tx2.send(i + 10).await.unwrap();
/// }
/// drop((tx1, tx2));
///
/// let mut got = Vec::new();
/// loop {
///     runtime::select! {
///         Some(v) = rx1.recv() => got.push(v),
///         Some(v) = rx2.recv() => got.push(v),
///         else => break,
///     }
/// }
/// got.sort();
/// assert_eq!(got, [0, 1, 2, 10, 11, 12]);
/// # }
/// ```
///
/// Reusing one future across iterations, here a deadline, by pinning it
/// and passing `&mut`:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use runtime::sync::mpsc;
///
/// let (tx, mut rx) = mpsc::channel::<u32>(8);
/// runtime::spawn(async move {
///     for i in 0.. {
///         if tx.send(i).await.is_err() {
///             break;
///         }
///         runtime::time::sleep(Duration::from_millis(1)).await;
///     }
/// });
///
/// let deadline = runtime::time::sleep(Duration::from_millis(30));
/// runtime::pin!(deadline);
/// let mut received = 0;
/// loop {
///     runtime::select! {
///         Some(_) = rx.recv() => received += 1,
///         () = &mut deadline => break,
///     }
/// }
/// assert!(received > 0);
/// # }
/// ```
///
/// Preconditions, here to wait for two one-shot channels without polling
/// one again once it has delivered:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use runtime::sync::oneshot;
///
/// let (tx1, mut rx1) = oneshot::channel();
/// let (tx2, mut rx2) = oneshot::channel();
/// runtime::spawn(async move { tx1.send("first").unwrap() });
/// runtime::spawn(async move { tx2.send("second").unwrap() });
///
/// let (mut a, mut b) = (None, None);
/// while a.is_none() || b.is_none() {
///     runtime::select! {
///         v = &mut rx1, if a.is_none() => a = Some(v.unwrap()),
///         v = &mut rx2, if b.is_none() => b = Some(v.unwrap()),
///     }
/// }
/// assert_eq!((a, b), (Some("first"), Some("second")));
/// # }
/// ```
///
/// `biased;` polls in the order written:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut count = 0;
/// loop {
///     runtime::select! {
///         biased;
///         _ = async {}, if count < 1 => { count += 1; assert_eq!(count, 1) }
///         _ = async {}, if count < 2 => { count += 1; assert_eq!(count, 2) }
///         _ = async {}, if count < 3 => { count += 1; assert_eq!(count, 3) }
///         else => break,
///     }
/// }
/// assert_eq!(count, 3);
/// # }
/// ```
///
/// # What does not compile
///
/// ```compile_fail
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: a `select!` needs at least one branch.
/// runtime::select! {}
/// # }
/// ```
///
/// ```compile_fail
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: the branch has no `=>` before its handler.
/// runtime::select! {
///     v = async { 1 } { println!("{v}") }
/// }
/// # }
/// ```
///
/// ```compile_fail
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: the branch has no `<pattern> =`.
/// runtime::select! {
///     async { 1 } => {}
/// }
/// # }
/// ```
///
/// ```compile_fail,E0277
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: `5` is not a future.
/// runtime::select! {
///     v = 5 => {}
/// }
/// # }
/// ```
///
/// ```compile_fail,E0382
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// let fut = async { 1 };
/// runtime::select! { _ = fut => {} }
/// // Must not compile: the first `select!` consumed `fut`; pass
/// // `&mut fut` (after `pin!(fut)`) to use it twice.
/// runtime::select! { _ = fut => {} }
/// # }
/// ```
///
/// ```compile_fail,E0277
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// let fut = async { 1 };
/// // Must not compile: `&mut fut` is a future only if `fut` is `Unpin`;
/// // `runtime::pin!(fut)` first.
/// runtime::select! { _ = &mut fut => {} }
/// # }
/// ```
///
/// ```compile_fail,E0308
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: a precondition is a `bool`.
/// runtime::select! { _ = async {}, if 1 => {} }
/// # }
/// ```
///
/// ```compile_fail,E0308
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: the handlers' values have different types.
/// let _ = runtime::select! {
///     _ = async {} => 1,
///     _ = async {} => "one",
/// };
/// # }
/// ```
///
/// ```compile_fail,E0728
/// // Must not compile: `select!` outside of an async function or block.
/// fn not_async() {
///     runtime::select! { _ = async {} => {} }
/// }
/// ```
///
/// [`IntoFuture`]: std::future::IntoFuture
/// [`pin!`]: crate::pin
/// [`spawn`]: crate::spawn
/// [`JoinHandle`]: crate::task::JoinHandle
#[macro_export]
macro_rules! select {
    // ===== All branches normalized: expand (see `macros/select.rs`). =====
    (@final {
        start=$start:path;
        count=( $($_count:tt)* );
        skip=( $($all:tt)* );
        $( ( $($skip:tt)* ) ( $($index:tt)* ) $bind:pat = $future:expr, if $cond:expr => $handler:expr, )+
    } else=($else:expr)) => {{
        // 1. Preconditions, in order.
        let mut enabled = [ $( { let enabled: bool = $cond; enabled } ),+ ];
        let output = {
            // 2. Futures, in order. Stored first as written, so that a
            // temporary they borrow lives as long as the `let` makes it.
            let written = ( $( $future, )+ );
            // The tuple is never moved once built: the only name that
            // reaches it after this statement is the `&mut` below (which
            // also keeps the poll function from owning it; `PollFn` is
            // `Unpin`, and owning the futures it could move them).
            let mut futures = ( $( $crate::__private::IntoFuture::into_future({
                let ( $($skip,)* future, .. ) = written;
                future
            }), )+ );
            let futures = &mut futures;
            // 3. Poll until one completes with a matching output, or none
            // is left.
            $crate::__private::poll_fn(|cx| {
                $crate::__private::ready!($crate::__private::poll_budget(cx));
                let count = enabled.len();
                let start = $start(count);
                let mut pending = false;
                for offset in 0..count {
                    let index = (start + offset) % count;
                    $(
                        if index == ($($index)*) {
                            if !enabled[index] {
                                continue;
                            }
                            let ( $($skip,)* future, .. ) = &mut *futures;
                            // SAFETY: `futures` is never moved (see above),
                            // and a future in it is only ever reached
                            // through such a `Pin`.
                            let future = unsafe { $crate::__private::Pin::new_unchecked(future) };
                            let output = match $crate::__private::Future::poll(future, cx) {
                                $crate::__private::Poll::Ready(output) => output,
                                $crate::__private::Poll::Pending => {
                                    pending = true;
                                    continue;
                                }
                            };
                            // Done: never polled again in this `select!`.
                            enabled[index] = false;
                            #[allow(unused_variables)]
                            match &output {
                                $crate::__private::select_pattern!($bind) => {}
                                // No match: the output is dropped here and
                                // the branch stays disabled.
                                #[allow(unreachable_patterns)]
                                _ => continue,
                            }
                            return $crate::__private::Poll::Ready(
                                $crate::__select_out!(( $($skip)* ) output),
                            );
                        }
                    )+
                }
                if pending {
                    $crate::__private::Poll::Pending
                } else {
                    $crate::__private::Poll::Ready($crate::__select_out!(( $($all)* ) @disabled))
                }
            })
            .await
        };
        // 4. The futures are gone: run the handler in the caller's code.
        match output {
            $( $crate::__select_out!(( $($skip)* ) $bind) => $handler, )+
            $crate::__select_out!(( $($all)* ) @disabled) => $else,
            // A refutable pattern's other values: the poll function only
            // returns outputs that matched.
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: a branch was chosen with an output its pattern does not match"),
        }
    }};

    // ===== Normalize, one branch per recursion. =====

    // No branch left, no `else`: tokio's panic.
    (@{ $($state:tt)* }) => {
        $crate::select!(@final { $($state)* } else=(::core::panic!(
            "all branches are disabled and there is no else branch"
        )))
    };
    (@{ $($state:tt)* } else => $else:expr $(,)?) => {
        $crate::select!(@final { $($state)* } else=($else))
    };
    // A block handler, with or without a comma after it (the comma is
    // matched first, so that it is not taken for the next branch).
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr, if $cond:expr => $handler:block, $($rest:tt)*) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if $cond => $handler,
        } $($rest)*)
    };
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr, if $cond:expr => $handler:block $($rest:tt)*) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if $cond => $handler,
        } $($rest)*)
    };
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr => $handler:block, $($rest:tt)*) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if true => $handler,
        } $($rest)*)
    };
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr => $handler:block $($rest:tt)*) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if true => $handler,
        } $($rest)*)
    };
    // An expression handler: a comma after it, unless it is the last.
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr, if $cond:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if $cond => $handler,
        } $($($rest)*)?)
    };
    (@{
        start=$start:path; count=( $($count:tt)* ); skip=( $($next:tt)* ); $($done:tt)*
    } $bind:pat = $future:expr => $handler:expr $(, $($rest:tt)*)?) => {
        $crate::select!(@{
            start=$start; count=( $($count)* + 1 ); skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $bind = $future, if true => $handler,
        } $($($rest)*)?)
    };
    // Anything else is not a branch.
    (@{ $($state:tt)* } $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected a branch `<pattern> = <async expression> (, if <precondition>)? => <handler>,` \
             or, last, `else => <expression>`, found `",
            ::core::stringify!($($rest)+),
            "`",
        ))
    };

    // ===== Entry points. =====

    ($(biased;)?) => {
        ::core::compile_error!(
            "select! needs at least one branch: `<pattern> = <async expression> => <handler>,`"
        )
    };
    // Only `else`: nothing to wait for.
    ($(biased;)? else => $else:expr $(,)?) => {{
        $else
    }};
    (biased; $($branches:tt)+) => {
        $crate::select!(@{
            start=$crate::__private::biased_start; count=(0); skip=();
        } $($branches)+)
    };
    ($($branches:tt)+) => {
        $crate::select!(@{
            start=$crate::__private::random_start; count=(0); skip=();
        } $($branches)+)
    };
}

/// Support of [`select!`], not an API: `__select_out!((_ _) x)` is the
/// [`Out`](crate::__private::Out) chain `Later(Later(Here(x)))`, as an
/// expression or a pattern, and `__select_out!((_ _) @disabled)` ends the
/// chain with `AllDisabled` instead. Eight links per recursion, so that 64
/// branches stay far below the recursion limit.
#[doc(hidden)]
#[macro_export]
macro_rules! __select_out {
    ((_ _ _ _ _ _ _ _ $($skip:tt)*) $($leaf:tt)+) => {
        $crate::__private::Out::Later($crate::__private::Out::Later(
        $crate::__private::Out::Later($crate::__private::Out::Later(
        $crate::__private::Out::Later($crate::__private::Out::Later(
        $crate::__private::Out::Later($crate::__private::Out::Later(
            $crate::__select_out!(($($skip)*) $($leaf)+)
        ))))))))
    };
    ((_ $($skip:tt)*) $($leaf:tt)+) => {
        $crate::__private::Out::Later($crate::__select_out!(($($skip)*) $($leaf)+))
    };
    (() @disabled) => {
        $crate::__private::AllDisabled
    };
    (() $leaf:tt) => {
        $crate::__private::Out::Here($leaf)
    };
}
