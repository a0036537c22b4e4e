//! Unit tests of the expansion: arguments, errors, the generated code.

use super::*;

fn run(kind: Kind, args: TokenStream, item: TokenStream) -> String {
    expand(kind, args, item).to_string()
}

/// Removes all whitespace, so expectations do not depend on how
/// `TokenStream`'s `Display` spaces tokens.
fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        squash(haystack).contains(&squash(needle)),
        "expected expansion to contain\n  {needle}\nbut it was\n  {haystack}"
    );
}

fn assert_not_contains(haystack: &str, needle: &str) {
    assert!(
        !squash(haystack).contains(&squash(needle)),
        "expected expansion not to contain\n  {needle}\nbut it was\n  {haystack}"
    );
}

#[test]
fn main_defaults_to_multi_thread() {
    let out = run(
        Kind::Main,
        quote!(),
        quote! {
            async fn main() {
                println!("hi");
            }
        },
    );
    assert_contains(&out, "fn main()");
    assert_not_contains(&out, "async fn");
    assert_contains(
        &out,
        ":: runtime :: Builder :: new_multi_thread () . enable_all () . build () \
         . expect (\"Failed building the Runtime\") . block_on (body)",
    );
    assert_contains(&out, "let body = async move { println ! (\"hi\") ; } ;");
    assert_contains(&out, "Future < Output = () >");
    assert_not_contains(&out, "worker_threads");
    assert_not_contains(&out, "test");
    assert_not_contains(&out, "compile_error");
}

#[test]
fn test_defaults_to_current_thread_and_adds_test_attr() {
    let out = run(
        Kind::Test,
        quote!(),
        quote! {
            /// Docs.
            #[should_panic]
            pub async fn it_works() {}
        },
    );
    assert!(
        squash(&out).starts_with("#[::core::prelude::v1::test]"),
        "{out}"
    );
    assert_contains(&out, "#[should_panic] pub fn it_works()");
    assert_contains(&out, "# [doc = r\" Docs.\"]");
    assert_contains(
        &out,
        ":: runtime :: Builder :: new_current_thread () . enable_all ()",
    );
    assert_not_contains(&out, "compile_error");
}

#[test]
fn all_arguments() {
    let out = run(
        Kind::Test,
        quote!(
            flavor = "multi_thread",
            worker_threads = 3,
            crate = "my::rt"
        ),
        quote! {
            async fn t() -> Result<(), String> { Ok(()) }
        },
    );
    assert_contains(
        &out,
        "my :: rt :: Builder :: new_multi_thread () . worker_threads (3) . enable_all ()",
    );
    assert_contains(&out, "fn t () -> Result < () , String >");
    assert_contains(&out, "Future < Output = Result < () , String > >");
    assert_not_contains(&out, "compile_error");
}

#[test]
fn suffixed_worker_threads_is_emitted_unsuffixed() {
    let out = run(
        Kind::Main,
        quote!(worker_threads = 2usize),
        quote!(
            async fn main() {}
        ),
    );
    assert_contains(&out, ". worker_threads (2) .");
}

#[test]
fn impl_trait_output_is_not_named() {
    let out = run(
        Kind::Main,
        quote!(),
        quote! {
            async fn main() -> impl std::process::Termination {}
        },
    );
    assert_not_contains(&out, "dyn");
    assert_contains(&out, ". block_on (body)");
}

#[test]
fn current_thread_main() {
    let out = run(
        Kind::Main,
        quote!(flavor = "current_thread"),
        quote!(
            async fn main() {}
        ),
    );
    assert_contains(&out, "Builder :: new_current_thread ()");
}

fn error_of(kind: Kind, args: TokenStream, item: TokenStream) -> String {
    let out = run(kind, args, item);
    assert_contains(&out, "compile_error !");
    // The function is still emitted.
    assert_contains(&out, "fn");
    out
}

#[test]
fn errors() {
    let main = || {
        quote!(
            async fn main() {}
        )
    };
    let cases: Vec<(Kind, TokenStream, TokenStream, &str)> = vec![
        (
            Kind::Main,
            quote!(),
            quote!(
                fn main() {}
            ),
            "the `async` keyword is missing",
        ),
        (
            Kind::Main,
            quote!(),
            quote!(
                async fn main(x: u32) {}
            ),
            "the `main` function cannot accept arguments",
        ),
        (
            Kind::Test,
            quote!(),
            quote!(
                async fn t(x: u32) {}
            ),
            "test functions cannot accept arguments",
        ),
        (
            Kind::Main,
            quote!(foo = 1),
            main(),
            "unknown argument `foo`; expected one of `flavor`, `worker_threads`, `start_paused`, `simulation`, `seed`, `seeds`, `unhandled_panic`, `timeout`, `shutdown_on`, `grace`, `crate`",
        ),
        (
            Kind::Main,
            quote!(flavor = "single"),
            main(),
            "unknown runtime flavor `single`; expected \\\"multi_thread\\\", \\\"current_thread\\\" or \\\"local\\\"",
        ),
        (
            Kind::Main,
            quote!(worker_threads = 0),
            main(),
            "`worker_threads` must be greater than 0",
        ),
        (
            Kind::Main,
            quote!(flavor = "current_thread", worker_threads = 2),
            main(),
            "`worker_threads` cannot be used with `flavor = \\\"current_thread\\\"`",
        ),
        (
            Kind::Test,
            quote!(worker_threads = 2),
            quote!(
                async fn t() {}
            ),
            "`worker_threads` requires `flavor = \\\"multi_thread\\\"`",
        ),
        (
            Kind::Main,
            quote!(worker_threads = "4"),
            main(),
            "`worker_threads` expects a positive integer literal",
        ),
        (
            Kind::Main,
            quote!(flavor = "multi_thread", flavor = "multi_thread"),
            main(),
            "the `flavor` argument is given more than once",
        ),
        (
            Kind::Main,
            quote!(multi_thread),
            main(),
            "set the flavor with",
        ),
    ];
    for (kind, args, item, msg) in cases {
        let out = error_of(kind, args.clone(), item);
        assert!(
            out.contains(msg),
            "args `{args}`: expected error containing\n  {msg}\nbut got\n  {out}"
        );
    }
}

#[test]
fn no_test_attr_after_parameter_error() {
    let out = run(
        Kind::Test,
        quote!(),
        quote!(
            async fn t(x: u32) {}
        ),
    );
    assert_contains(&out, "fn t (x : u32)");
    assert_not_contains(&out, "prelude :: v1 :: test");
}

#[test]
fn not_a_function() {
    let out = run(
        Kind::Main,
        quote!(),
        quote!(
            struct S;
        ),
    );
    assert_contains(&out, "struct S ;");
    assert_contains(&out, "can only be applied to an `async fn`");
}
