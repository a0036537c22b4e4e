//! Compile-time behaviour of `#[runtime::main]` and `#[runtime::test]`.
//!
//! Every misuse in `tests/ui` must fail with the message and span recorded in
//! its `.stderr` file; the files in `tests/pass` must compile and run.
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite` (and review them).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/pass/*.rs");
}
