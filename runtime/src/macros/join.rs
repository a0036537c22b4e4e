//! `join!` and `try_join!`: one future of many, polled in the current task.
//!
//! Both macros first turn their list into numbered entries, one recursion
//! per future (`@{ ... }` collects them):
//!
//! - `( $($skip)* )`: one `_` per future before this one, so that the tuple
//!   pattern `( $($skip,)* fut, .. )` reaches this future's slot;
//! - `( $($index)* )`: `0 + 1 + ... + 1`, this future's index as an
//!   expression;
//! - `count=( ... )`: the same sum for the number of futures.
//!
//! Then each future goes into a [`MaybeDone`] slot of one tuple, which is
//! kept in place (it is only reachable through a `&mut` once built), and a
//! poll function polls every unfinished slot, starting at a position that
//! moves by one on each poll unless `biased;`. `try_join!` returns as soon as
//! a slot holds an `Err`; the other futures are dropped with the tuple,
//! before the macro's value is returned.
//!
//! [`MaybeDone`]: futures_util::future::MaybeDone

/// Waits on several futures at once, in the current task, and returns all
/// their outputs, in order, once **all** have completed.
///
/// `join!(a, b, c)` evaluates the expressions (anything that implements
/// [`IntoFuture`]) in order, then polls the futures concurrently in the
/// task that awaits the `join!`, and evaluates to the tuple `(a_out,
/// b_out, c_out)`. It must be used inside an `async` function or block.
///
/// The futures run concurrently but not in parallel: they share the
/// current task and thread, so a future that blocks the thread blocks all
/// of them. To run them in parallel, [`spawn`] each one and join the
/// [`JoinHandle`]s. The futures are stored inline; there is no allocation.
///
/// `join!` waits for every future even when some complete with an `Err`;
/// [`try_join!`] returns at the first one.
///
/// # Fairness
///
/// Each time the task polls the `join!`, it polls the first unfinished
/// future after the one it started with the previous time, so that every
/// future gets the first go in turn (a future that spends the task's
/// cooperative budget then delays each of the others only once in a
/// while). With `biased;` before the futures, they are polled in the order
/// written, every time.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn fetch(id: u32) -> String {
///     format!("user {id}")
/// }
///
/// let (first, second, count) = runtime::join!(fetch(1), fetch(2), async { 2 });
/// assert_eq!(first, "user 1");
/// assert_eq!(second, "user 2");
/// assert_eq!(count, 2);
/// # }
/// ```
///
/// The outputs keep the order of the futures, not the order in which they
/// completed:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
///
/// let slow = async {
///     runtime::time::sleep(Duration::from_millis(20)).await;
///     "slow"
/// };
/// let fast = async { "fast" };
/// assert_eq!(runtime::join!(slow, fast), ("slow", "fast"));
/// # }
/// ```
///
/// With `biased;`:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// let order = std::cell::RefCell::new(Vec::new());
/// runtime::join!(
///     biased;
///     async { order.borrow_mut().push("first") },
///     async { order.borrow_mut().push("second") },
/// );
/// assert_eq!(*order.borrow(), ["first", "second"]);
/// # }
/// ```
///
/// `join!` awaits, so it is refused outside an `async` context:
///
/// ```compile_fail,E0728
/// // Must not compile: `join!` outside of an async function or block.
/// fn not_async() {
///     let _ = runtime::join!(async { 1 }, async { 2 });
/// }
/// ```
///
/// Each argument must be a future (or [`IntoFuture`]):
///
/// ```compile_fail,E0277
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: `5` is not a future.
/// let _ = runtime::join!(async { 1 }, 5);
/// # }
/// ```
///
/// [`IntoFuture`]: std::future::IntoFuture
/// [`spawn`]: crate::spawn
/// [`JoinHandle`]: crate::task::JoinHandle
/// [`try_join!`]: crate::try_join
#[macro_export]
macro_rules! join {
    // All futures numbered: expand.
    (@{
        rotate=$rotate:literal;
        count=( $($count:tt)* );
        skip=( $($_next:tt)* );
        $( ( $($skip:tt)* ) ( $($index:tt)* ) $future:expr, )*
    }) => {{
        // Each slot is pinned where it is: the tuple is never moved, since
        // the only name that reaches it after this statement is the
        // `&mut` below (which also keeps the poll function from owning the
        // slots; `PollFn` is `Unpin`, and owning them it could move them).
        let mut slots = ( $( $crate::__private::maybe_done(
            $crate::__private::IntoFuture::into_future($future)
        ), )* );
        let slots = &mut slots;
        let count: usize = $($count)*;
        let mut start: usize = 0;
        $crate::__private::poll_fn(move |cx| {
            let first = start;
            if $rotate {
                start = (start + 1) % count;
            }
            let mut pending = false;
            for offset in 0..count {
                let index = (first + offset) % count;
                $(
                    if index == ($($index)*) {
                        let ( $($skip,)* slot, .. ) = &mut *slots;
                        // SAFETY: `slots` is never moved (see above), and a
                        // slot is only ever reached through such a `Pin`.
                        let slot = unsafe { $crate::__private::Pin::new_unchecked(slot) };
                        if $crate::__private::Future::poll(slot, cx).is_pending() {
                            pending = true;
                        }
                    }
                )*
            }
            if pending {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready(( $( {
                let ( $($skip,)* slot, .. ) = &mut *slots;
                // SAFETY: as above.
                $crate::__private::take_output(unsafe { $crate::__private::Pin::new_unchecked(slot) })
            }, )* ))
        }).await
    }};

    // Number the next future.
    (@{
        rotate=$rotate:literal;
        count=( $($count:tt)* );
        skip=( $($next:tt)* );
        $($done:tt)*
    } $future:expr, $($rest:tt)*) => {
        $crate::join!(@{
            rotate=$rotate;
            count=( $($count)* + 1 );
            skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $future,
        } $($rest)*)
    };

    // Entry points.
    (biased; $($future:expr),+ $(,)?) => {
        $crate::join!(@{ rotate=false; count=(0); skip=(); } $($future,)+)
    };
    ($($future:expr),+ $(,)?) => {
        $crate::join!(@{ rotate=true; count=(0); skip=(); } $($future,)+)
    };
    // Nothing to join; still an await, so still only in async code.
    ($(biased;)?) => {
        async {}.await
    };
}

/// Waits on several futures that return [`Result`]s, in the current task:
/// `Ok` with all their values, in order, once **all** have completed with
/// `Ok`, or the **first** `Err` as soon as one completes with it.
///
/// `try_join!(a, b)` is [`join!`] for fallible futures: each must output
/// `Result<T_i, E>` with the same error type `E`, and the macro evaluates to
/// `Result<(T_1, T_2, ...), E>`. When a future completes with `Err`, the
/// macro returns it at once and the other futures are dropped (cancelled)
/// before it does; they are not polled again. It must be used inside an
/// `async` function or block.
///
/// As with [`join!`], the futures run concurrently on the current task but
/// not in parallel, are polled starting at a position that moves by one
/// on each poll, and `biased;` polls them in order instead.
///
/// # Examples
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
///     s.parse()
/// }
///
/// let both = runtime::try_join!(parse("1"), parse("2"));
/// assert_eq!(both, Ok((1, 2)));
///
/// let one_fails = runtime::try_join!(parse("1"), parse("x"));
/// assert!(one_fails.is_err());
/// # }
/// ```
///
/// Joining spawned tasks, whose handles output `Result<T, JoinError>`:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), runtime::task::JoinError> {
/// let a = runtime::spawn(async { 1 });
/// let b = runtime::spawn(async { 2 });
/// let (a, b) = runtime::try_join!(a, b)?;
/// assert_eq!(a + b, 3);
/// # Ok(())
/// # }
/// ```
///
/// The error type must be the same for every future:
///
/// ```compile_fail,E0308
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// // Must not compile: the errors are `&str` and `u8`.
/// let _ = runtime::try_join!(async { Err::<(), _>("no") }, async { Err::<(), _>(1u8) });
/// # }
/// ```
///
/// ```compile_fail,E0728
/// // Must not compile: `try_join!` outside of an async function or block.
/// fn not_async() -> Result<((), ()), ()> {
///     runtime::try_join!(async { Ok(()) }, async { Ok(()) })
/// }
/// ```
///
/// [`join!`]: crate::join
#[macro_export]
macro_rules! try_join {
    // All futures numbered: expand.
    (@{
        rotate=$rotate:literal;
        count=( $($count:tt)* );
        skip=( $($_next:tt)* );
        $( ( $($skip:tt)* ) ( $($index:tt)* ) $future:expr, )*
    }) => {{
        // As in `join!`: the tuple stays in place, reached only through
        // this `&mut`.
        let mut slots = ( $( $crate::__private::maybe_done(
            $crate::__private::IntoFuture::into_future($future)
        ), )* );
        let slots = &mut slots;
        let count: usize = $($count)*;
        let mut start: usize = 0;
        $crate::__private::poll_fn(move |cx| {
            let first = start;
            if $rotate {
                start = (start + 1) % count;
            }
            let mut pending = false;
            for offset in 0..count {
                let index = (first + offset) % count;
                $(
                    if index == ($($index)*) {
                        let ( $($skip,)* slot, .. ) = &mut *slots;
                        // SAFETY: `slots` is never moved, and a slot is only
                        // ever reached through such a `Pin`.
                        let mut slot = unsafe { $crate::__private::Pin::new_unchecked(slot) };
                        if $crate::__private::Future::poll(slot.as_mut(), cx).is_pending() {
                            pending = true;
                        } else if let $crate::__private::Option::Some(error) =
                            $crate::__private::take_err(slot)
                        {
                            return $crate::__private::Poll::Ready(
                                $crate::__private::Result::Err(error),
                            );
                        }
                    }
                )*
            }
            if pending {
                return $crate::__private::Poll::Pending;
            }
            $crate::__private::Poll::Ready($crate::__private::Result::Ok(( $( {
                let ( $($skip,)* slot, .. ) = &mut *slots;
                // SAFETY: as above.
                $crate::__private::take_ok(unsafe { $crate::__private::Pin::new_unchecked(slot) })
            }, )* )))
        }).await
    }};

    // Number the next future.
    (@{
        rotate=$rotate:literal;
        count=( $($count:tt)* );
        skip=( $($next:tt)* );
        $($done:tt)*
    } $future:expr, $($rest:tt)*) => {
        $crate::try_join!(@{
            rotate=$rotate;
            count=( $($count)* + 1 );
            skip=( $($next)* _ );
            $($done)* ( $($next)* ) ( $($count)* ) $future,
        } $($rest)*)
    };

    // Entry points.
    (biased; $($future:expr),+ $(,)?) => {
        $crate::try_join!(@{ rotate=false; count=(0); skip=(); } $($future,)+)
    };
    ($($future:expr),+ $(,)?) => {
        $crate::try_join!(@{ rotate=true; count=(0); skip=(); } $($future,)+)
    };
    // Nothing to join: `Ok(())`, still through an await.
    ($(biased;)?) => {
        async { $crate::__private::Result::Ok(()) }.await
    };
}
