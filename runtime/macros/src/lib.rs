//! Procedural macros of the `runtime` crate: `#[runtime::main]`,
//! `#[runtime::test]`, and a hidden helper of `runtime::select!`.
//!
//! Use them through the `runtime` crate, which re-exports them; this crate is
//! an implementation detail.

mod entry;
mod select;

use proc_macro::TokenStream;

/// Marks an `async fn` to be run on a `runtime` runtime, typically `main`.
///
/// The function becomes a plain function that builds a runtime with all
/// drivers enabled and runs the original body to completion on it with
/// `block_on`. By default the runtime is the multi-thread (work-stealing)
/// flavor:
///
/// ```
/// #[runtime::main]
/// async fn main() {
///     let answer = runtime::spawn(async { 6 * 7 }).await.unwrap();
///     assert_eq!(answer, 42);
/// }
/// ```
///
/// expands to roughly
///
/// ```
/// fn main() {
///     let body = async move {
///         let answer = runtime::spawn(async { 6 * 7 }).await.unwrap();
///         assert_eq!(answer, 42);
///     };
///     runtime::Builder::new_multi_thread()
///         .enable_all()
///         .build()
///         .expect("Failed building the Runtime")
///         .block_on(body)
/// }
/// ```
///
/// The declared return type is kept, so `main` may return anything `main`
/// accepts, such as `Result<(), E>`, and `?` works in the body:
///
/// ```
/// #[runtime::main]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "7".parse()?;
///     assert_eq!(n, 7);
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// - `flavor = "multi_thread"` (the default) or `flavor = "current_thread"`:
///   which runtime to build. The current-thread runtime runs every task on the
///   thread that called `main`.
/// - `worker_threads = N`: the number of worker threads of the multi-thread
///   runtime (`N > 0`; defaults to the runtime's own default). Not allowed with
///   `flavor = "current_thread"`.
/// - `unhandled_panic = "shutdown_runtime"` (or `"ignore"`, the default): a
///   panic in a spawned task shuts the runtime down and `main` panics with
///   the task's name, spawn site and panic message
///   (`Builder::unhandled_panic`).
/// - `timeout = "5s"` (also `"500ms"`, `"1m"`): past it, the function
///   panics with the runtime's task dump (every task, its state and what it
///   waits on) instead of hanging. Not with `flavor = "local"` or
///   `shutdown_on`.
/// - `start_paused = true`: the runtime's clock starts paused
///   (`Builder::start_paused`; `runtime::time::pause`).
/// - `shutdown_on = "ctrl_c"` (or `"terminate"`, or `"ctrl_c, terminate"`)
///   and `grace = "10s"` (also `"500ms"`, `"1m"`; 10 s by default): `main`'s
///   body runs until it ends or the signal arrives; then the runtime drains
///   (`Runtime::shutdown_graceful` with that grace period, which cancels the
///   runtime's `shutdown_token` first) and prints the report on stderr if a
///   task was cancelled at the deadline. A `main` ended by the signal returns
///   `()`, `Ok(())` or `ExitCode::SUCCESS`. Not with `flavor = "local"`.
/// - `crate = "path"`: the path of the `runtime` crate, for crates that
///   re-export it under another name. Defaults to `::runtime`.
///
/// ```
/// #[runtime::main(flavor = "multi_thread", worker_threads = 2)]
/// async fn main() {}
/// ```
///
/// ```
/// # mod inner {
/// use runtime as rt;
///
/// #[rt::main(flavor = "current_thread", crate = "rt")]
/// pub async fn main() {}
/// # }
/// # fn main() { inner::main() }
/// ```
///
/// The attribute may also be put on functions other than `main`; they must not
/// be called from within a runtime (nested `block_on`).
///
/// # Errors
///
/// Misuse is a compile error pointing at the offending token: a function that
/// is not `async`, `main` with parameters, an unknown argument, an unknown
/// flavor, `worker_threads = 0` or a non-integer `worker_threads`, and
/// `worker_threads` with the current-thread flavor.
// The expansion example above is deliberately a whole `fn main`.
#[allow(clippy::needless_doctest_main)]
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Main, args.into(), item.into()).into()
}

/// Marks an `async fn` as a test that runs on a `runtime` runtime.
///
/// Like [`macro@main`], but the function also gets `#[test]`, and the runtime
/// is the current-thread flavor by default so that each test is
/// deterministic and cheap to set up:
///
/// ```
/// #[runtime::test]
/// async fn spawned_task_runs() {
///     let handle = runtime::spawn(async { 1 + 1 });
///     assert_eq!(handle.await.unwrap(), 2);
/// }
/// ```
///
/// Tests may return `Result<(), E>` (an `Err` fails the test), and other
/// test attributes such as `#[should_panic]` and `#[ignore]` keep working:
///
/// ```
/// #[runtime::test(flavor = "multi_thread", worker_threads = 2)]
/// #[should_panic(expected = "boom")]
/// async fn panics() {
///     runtime::task::yield_now().await;
///     panic!("boom");
/// }
///
/// #[runtime::test]
/// async fn fallible() -> Result<(), String> {
///     Ok(())
/// }
/// ```
///
/// # Arguments
///
/// The same as [`macro@main`]: `flavor = "multi_thread" | "current_thread"`
/// (here `"current_thread"` is the default), `worker_threads = N` (only with
/// `flavor = "multi_thread"`), `unhandled_panic = "shutdown_runtime" |
/// "ignore"` (with `"shutdown_runtime"`, a panic in any spawned task fails
/// the test at once, naming the task), `timeout = "5s"` (a test still
/// running then fails with the task dump instead of hanging),
/// `start_paused = true` (the runtime's clock starts paused and
/// auto-advances: see `runtime::time::pause`; a test in which no task can
/// make progress any more then fails at once with "deadlock: no task can
/// make progress" and the task dump) and `crate = "path"`.
///
/// Only here: `simulation`, with `seed = N` or `seeds = N` (the seeds
/// `0..N`; one seed, 0, by default): the body runs once per seed on a
/// seeded simulation of the multi-thread runtime (`Builder::simulation`;
/// `worker_threads` defaults to 2). `RUNTIME_SEED=N` in the environment
/// runs just seed `N`; a failing seed is printed with how to rerun it.
///
/// A panic in a spawned task that nobody joined (its `JoinHandle` was
/// dropped or never awaited) fails the test after its body returns, naming
/// the task, its spawn site and the panic's message; `unhandled_panic =
/// "ignore"` opts out. (Not on `flavor = "local"`.)
///
/// # Errors
///
/// Misuse is a compile error, as for [`macro@main`]; additionally a test
/// function cannot take parameters and must not also carry `#[test]`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::expand(entry::Kind::Test, args.into(), item.into()).into()
}

/// Support of `runtime::select!`, not an API: the pattern given, without
/// `ref`, `mut` and `&`, so that it can test an output by reference (see
/// `select.rs`).
#[doc(hidden)]
#[proc_macro]
pub fn select_pattern(pattern: TokenStream) -> TokenStream {
    select::clean(pattern.into()).into()
}
