//! What the expansions of [`pin!`], [`join!`], [`try_join!`] and
//! [`select!`] name, so that they work in crates that do not depend on
//! `std` paths or `futures-util` themselves. Not an API: anything here may
//! change in any release.
//!
//! [`pin!`]: crate::pin
//! [`join!`]: crate::join
//! [`try_join!`]: crate::try_join
//! [`select!`]: crate::select

mod entry;
mod rng;

pub use entry::{
    run_simulation, run_test, run_until_shutdown, run_with_timeout, Interrupted, ShutdownOn,
};

pub use futures_util::future::{maybe_done, MaybeDone};
pub use runtime_macros::select_pattern;
pub use std::future::{poll_fn, Future, IntoFuture};
pub use std::option::Option;
pub use std::pin::{pin, Pin};
pub use std::result::Result;
pub use std::task::{ready, Context, Poll};

/// Seeds the calling thread's `select!` generator (see `rng.rs`): for a
/// scheduler that wants the same start branches on every run.
pub use rng::seed as seed_select_rng;

/// The branch `select!` polls first when not `biased;`: a random one.
#[inline]
pub fn random_start(branches: usize) -> usize {
    rng::below(branches)
}

/// The branch `select!` polls first when `biased;`: the first.
#[inline]
pub fn biased_start(_branches: usize) -> usize {
    0
}

/// `Pending` (after waking the task) once the task's cooperative budget is
/// spent, as tokio's `select!` does: the budgeted resources among the
/// branches would all return `Pending` anyway, and a branch that ignores
/// the budget must not keep the task running.
#[inline]
pub fn poll_budget(cx: &mut Context<'_>) -> Poll<()> {
    if runtime_coop::has_budget_remaining() {
        Poll::Ready(())
    } else {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// What `select!`'s poll function returns: the output of the branch at
/// some position in a chain, `Later(Later(Here(output)))` for the third
/// branch, or `AllDisabled` at the end of the chain. The chain gives each
/// branch its own output type without a generated enum.
#[derive(Debug)]
pub enum Out<T, Rest> {
    /// The output of the branch at this position.
    Here(T),
    /// A branch further down the chain.
    Later(Rest),
}

/// The end of an [`Out`] chain: every branch was disabled.
#[derive(Debug)]
pub struct AllDisabled;

/// The output of a completed `join!` future (the future has been polled to
/// completion: the macro only takes outputs once none is pending).
#[inline]
#[track_caller]
pub fn take_output<F: Future>(slot: Pin<&mut MaybeDone<F>>) -> F::Output {
    slot.take_output()
        .expect("join!: every future completed before the outputs are taken")
}

/// The error of a `try_join!` future that completed with one, taken out of
/// its slot; `None` while it runs or if it completed with `Ok`.
#[inline]
pub fn take_err<F, T, E>(mut slot: Pin<&mut MaybeDone<F>>) -> Option<E>
where
    F: Future<Output = Result<T, E>>,
{
    match slot.as_mut().output_mut() {
        Some(Err(_)) => slot.take_output().and_then(Result::err),
        _ => None,
    }
}

/// The value of a `try_join!` future that completed with `Ok`.
#[inline]
#[track_caller]
pub fn take_ok<F, T, E>(slot: Pin<&mut MaybeDone<F>>) -> T
where
    F: Future<Output = Result<T, E>>,
{
    match take_output(slot) {
        Ok(value) => value,
        Err(_) => unreachable!("try_join!: an error returns before the values are taken"),
    }
}
