/// Pins values on the stack.
///
/// Futures that are not [`Unpin`] (most `async` blocks and functions) must
/// be pinned before they are polled through a reference, for example to be
/// awaited as `&mut fut` in several [`select!`] calls or in a loop.
/// `pin!(x)` moves the local variable `x` into a place on the stack that
/// can no longer be named and shadows `x` with a [`Pin<&mut T>`] to it, so
/// the value cannot be moved again:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// async fn compute() -> u32 {
///     7
/// }
///
/// let fut = compute();
/// runtime::pin!(fut);
///
/// // `fut` is now a `Pin<&mut impl Future>`, which is `Unpin`: it can be
/// // polled through `&mut` and awaited later.
/// runtime::select! {
///     v = &mut fut => assert_eq!(v, 7),
/// }
/// # }
/// ```
///
/// Several variables can be pinned at once, `pin!(a, b)`, and the `let`
/// form declares and pins in one step:
///
/// ```
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// runtime::pin! {
///     let first = async { 1 };
///     let second = async { 2 };
/// }
/// assert_eq!((&mut first).await + (&mut second).await, 3);
/// # }
/// ```
///
/// The argument must be the name of a local variable (or, in the second
/// form, `let name = expression;` statements), not an expression:
///
/// ```compile_fail
/// // Must not compile: `pin!` takes a variable name, not a future.
/// runtime::pin!(async {});
/// ```
///
/// Once pinned, the value cannot be reached by its old name, so it cannot
/// be moved out:
///
/// ```compile_fail,E0507
/// let fut = async {};
/// runtime::pin!(fut);
/// // Must not compile: `fut` is a `Pin<&mut _>` now, and the future itself
/// // cannot be moved out of it.
/// let moved = *fut;
/// ```
///
/// Without `pin!`, polling a future that is not `Unpin` through `&mut` is
/// refused:
///
/// ```compile_fail,E0277
/// # #[runtime::main(flavor = "current_thread")]
/// # async fn main() {
/// let fut = async {};
/// // Must not compile: `&mut fut` is a future only if `fut` is `Unpin`.
/// runtime::select! {
///     _ = &mut fut => {}
/// }
/// # }
/// ```
///
/// The standard library's [`std::pin::pin!`] pins an expression instead
/// (`let fut = std::pin::pin!(compute());`); this macro expands to it.
///
/// [`select!`]: crate::select
/// [`Pin<&mut T>`]: std::pin::Pin
#[macro_export]
macro_rules! pin {
    ($($name:ident),* $(,)?) => {
        $(
            // The value moves into the temporary of `std::pin::pin!`, which
            // the `let` extends to the end of the enclosing block, and the
            // name now only reaches it through the `Pin`.
            #[allow(unused_mut)]
            let mut $name = $crate::__private::pin!($name);
        )*
    };
    ($(let $name:ident = $init:expr;)*) => {
        $(
            let $name = $init;
            $crate::pin!($name);
        )*
    };
}
