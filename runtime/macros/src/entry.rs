//! Parsing, validation and expansion of `#[runtime::main]` and
//! `#[runtime::test]`.
//!
//! Everything here works on `proc_macro2` token streams so that it can be unit
//! tested outside of a procedural-macro invocation; `lib.rs` only converts.

use proc_macro2::{Literal, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{ItemFn, Meta, MetaNameValue, ReturnType, Token};
use values::{
    bare_arg_error, parse_bool, parse_crate_path, parse_duration, parse_flavor, parse_shutdown_on,
    parse_u64, parse_unhandled_panic, parse_worker_threads, path_to_string,
};

mod values;

/// The arguments accepted by both attributes, in the order they are listed in
/// error messages.
const ACCEPTED_ARGS: &str =
    "`flavor`, `worker_threads`, `start_paused`, `simulation`, `seed`, `seeds`, `unhandled_panic`, `timeout`, `shutdown_on`, `grace`, `crate`";

/// Which attribute is being expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `#[runtime::main]`: multi-thread runtime by default.
    Main,
    /// `#[runtime::test]`: current-thread runtime by default, adds `#[test]`.
    Test,
}

impl Kind {
    /// The attribute as users write it, for error messages.
    fn attr(self) -> &'static str {
        match self {
            Kind::Main => "`#[runtime::main]`",
            Kind::Test => "`#[runtime::test]`",
        }
    }

    /// The attribute's path, for suggestions like `#[runtime::test(..)]`.
    fn path(self) -> &'static str {
        match self {
            Kind::Main => "runtime::main",
            Kind::Test => "runtime::test",
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The runtime flavor selected with `flavor = "..."`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
    /// A `LocalRuntime`: current-thread, and `spawn_local` works.
    Local,
}

impl Flavor {
    fn from_str(s: &str) -> Option<Self> {
        match s {
            "multi_thread" => Some(Flavor::MultiThread),
            "current_thread" => Some(Flavor::CurrentThread),
            "local" => Some(Flavor::Local),
            _ => None,
        }
    }
}

/// The validated attribute arguments.
struct Config {
    flavor: Flavor,
    /// The worker count as an unsuffixed `usize` literal carrying the span of
    /// the user's literal.
    worker_threads: Option<Literal>,
    /// Path of the `runtime` crate; `::runtime` when `None`.
    crate_path: Option<syn::Path>,
    /// The `UnhandledPanic` variant, e.g. `ShutdownRuntime`.
    unhandled_panic: Option<syn::Ident>,
    /// The `ShutdownOn` variants of `shutdown_on`, and the grace period in
    /// milliseconds.
    shutdown_on: Option<(Vec<syn::Ident>, u64)>,
    /// `timeout`, in milliseconds.
    timeout: Option<u64>,
    /// `start_paused = true`.
    start_paused: bool,
    /// `simulation`: the first seed and how many seeds (`seed = N` is one
    /// seed, `seeds = N` the seeds `0..N`).
    simulation: Option<(u64, u64)>,
}

impl Config {
    fn default_for(kind: Kind) -> Self {
        Config {
            flavor: kind.default_flavor(),
            worker_threads: None,
            crate_path: None,
            unhandled_panic: None,
            shutdown_on: None,
            timeout: None,
            start_paused: false,
            simulation: None,
        }
    }
}

/// Expands `#[runtime::main]` (`Kind::Main`) or `#[runtime::test]`
/// (`Kind::Test`) with attribute arguments `args` on `item`.
///
/// On misuse the result is the item expanded as well as possible followed by
/// `compile_error!`s, so that IDEs and rustdoc still see the function.
pub(crate) fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let input: ItemFn = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(err) => {
            // Keep syn's span (the first token that is not part of a
            // function) but say what the attribute expects.
            let msg = format!("{} can only be applied to an `async fn`", kind.attr());
            return with_error(item, syn::Error::new(err.span(), msg));
        }
    };

    let mut errors: Option<syn::Error> = None;
    let mut push = |err: syn::Error| match &mut errors {
        Some(all) => all.combine(err),
        None => errors = Some(err),
    };

    if let Err(err) = check_signature(kind, &input) {
        push(err);
    }
    let config = match parse_config(kind, args) {
        Ok(config) => config,
        Err(err) => {
            push(err);
            Config::default_for(kind)
        }
    };

    let expanded = expand_fn(kind, input, &config);
    match errors {
        Some(err) => with_error(expanded, err),
        None => expanded,
    }
}

/// Appends `err` as `compile_error!` invocations after `tokens`.
fn with_error(mut tokens: TokenStream, err: syn::Error) -> TokenStream {
    tokens.extend(err.into_compile_error());
    tokens
}

/// Checks the parts of the function signature the attributes care about.
fn check_signature(kind: Kind, input: &ItemFn) -> syn::Result<()> {
    let mut errors: Vec<syn::Error> = Vec::new();

    if input.sig.asyncness.is_none() {
        errors.push(syn::Error::new_spanned(
            input.sig.fn_token,
            "the `async` keyword is missing from the function declaration",
        ));
    }

    if !input.sig.inputs.is_empty() {
        match kind {
            Kind::Main if input.sig.ident == "main" => errors.push(syn::Error::new_spanned(
                &input.sig.inputs,
                "the `main` function cannot accept arguments",
            )),
            Kind::Main => {}
            Kind::Test => errors.push(syn::Error::new_spanned(
                &input.sig.inputs,
                "test functions cannot accept arguments",
            )),
        }
    }

    if kind == Kind::Test {
        if let Some(attr) = find_test_attr(input) {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[runtime::test]` already adds `#[test]`; remove this attribute",
            ));
        }
    }

    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            first.extend(errors);
            Err(first)
        }
    }
}

/// The function's own `#[test]` attribute, if any.
fn find_test_attr(input: &ItemFn) -> Option<&syn::Attribute> {
    input.attrs.iter().find(|a| a.path().is_ident("test"))
}

fn has_test_attr(input: &ItemFn) -> bool {
    find_test_attr(input).is_some()
}

/// Parses and validates the attribute arguments.
fn parse_config(kind: Kind, args: TokenStream) -> syn::Result<Config> {
    let args = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args)?;

    let mut flavor: Option<(Flavor, MetaNameValue)> = None;
    let mut worker_threads: Option<(Literal, MetaNameValue)> = None;
    let mut crate_path: Option<syn::Path> = None;
    let mut unhandled_panic: Option<syn::Ident> = None;
    let mut shutdown_on: Option<(Vec<syn::Ident>, MetaNameValue)> = None;
    let mut grace: Option<(u64, MetaNameValue)> = None;
    let mut timeout: Option<(u64, MetaNameValue)> = None;
    let mut start_paused = false;
    let mut simulation: Option<syn::Path> = None;
    let mut seed: Option<(u64, MetaNameValue)> = None;
    let mut seeds: Option<(u64, MetaNameValue)> = None;
    let mut seen: Vec<String> = Vec::new();

    for arg in args {
        let nv = match arg {
            Meta::NameValue(nv) => nv,
            Meta::Path(path) if path_to_string(&path) == "simulation" && simulation.is_none() => {
                simulation = Some(path);
                continue;
            }
            Meta::Path(path) => return Err(bare_arg_error(kind, &path)),
            Meta::List(list) => {
                return Err(syn::Error::new_spanned(
                    &list,
                    format!(
                        "unknown argument `{}`; expected one of {ACCEPTED_ARGS}, \
                         written as `name = value`",
                        path_to_string(&list.path),
                    ),
                ))
            }
        };

        let name = path_to_string(&nv.path);
        if seen.contains(&name) {
            return Err(syn::Error::new_spanned(
                &nv.path,
                format!("the `{name}` argument is given more than once"),
            ));
        }

        match name.as_str() {
            "flavor" => flavor = Some((parse_flavor(&nv.value)?, nv)),
            "worker_threads" => worker_threads = Some((parse_worker_threads(&nv.value)?, nv)),
            "crate" => crate_path = Some(parse_crate_path(&nv.value)?),
            "unhandled_panic" => unhandled_panic = Some(parse_unhandled_panic(&nv.value)?),
            "shutdown_on" => shutdown_on = Some((parse_shutdown_on(&nv.value)?, nv)),
            "grace" => grace = Some((parse_duration(&nv.value, "grace")?, nv)),
            "timeout" => timeout = Some((parse_duration(&nv.value, "timeout")?, nv)),
            "start_paused" => start_paused = parse_bool(&nv.value, "start_paused")?,
            "seed" => seed = Some((parse_u64(&nv.value, "seed")?, nv)),
            "seeds" => seeds = Some((parse_u64(&nv.value, "seeds")?, nv)),
            _ => {
                return Err(syn::Error::new_spanned(
                    &nv.path,
                    format!("unknown argument `{name}`; expected one of {ACCEPTED_ARGS}"),
                ))
            }
        }
        seen.push(name);
    }

    let flavor_value = match (&flavor, &simulation) {
        (Some((flavor, _)), _) => *flavor,
        // A simulation is of the multi-thread scheduler.
        (None, Some(_)) => Flavor::MultiThread,
        (None, None) => kind.default_flavor(),
    };

    if let Some((_, nv)) = &worker_threads {
        if flavor_value != Flavor::MultiThread {
            let msg = if flavor_value == Flavor::Local {
                "`worker_threads` cannot be used with `flavor = \"local\"`; \
                 a local runtime runs every task on the calling thread"
                    .to_owned()
            } else if flavor.is_some() {
                "`worker_threads` cannot be used with `flavor = \"current_thread\"`; \
                 the current-thread runtime runs every task on the calling thread"
                    .to_owned()
            } else {
                format!(
                    "`worker_threads` requires `flavor = \"multi_thread\"`; \
                     {} uses the current-thread runtime by default",
                    kind.attr(),
                )
            };
            return Err(syn::Error::new_spanned(nv, msg));
        }
    }

    if let Some((_, nv)) = &shutdown_on {
        if kind == Kind::Test {
            return Err(syn::Error::new_spanned(
                nv,
                "`shutdown_on` is for `#[runtime::main]`: a test is not stopped by a signal",
            ));
        }
        if flavor_value == Flavor::Local {
            return Err(syn::Error::new_spanned(
                nv,
                "`shutdown_on` cannot be used with `flavor = \"local\"`",
            ));
        }
    }
    if let Some((_, nv)) = &timeout {
        if flavor_value == Flavor::Local {
            return Err(syn::Error::new_spanned(
                nv,
                "`timeout` cannot be used with `flavor = \"local\"`",
            ));
        }
        if shutdown_on.is_some() {
            return Err(syn::Error::new_spanned(
                nv,
                "`timeout` cannot be used with `shutdown_on`",
            ));
        }
    }
    if let (Some((_, nv)), None) = (&grace, &shutdown_on) {
        return Err(syn::Error::new_spanned(
            nv,
            "`grace` needs `shutdown_on`, e.g. `shutdown_on = \"ctrl_c\", grace = \"10s\"`",
        ));
    }

    for (given, name) in [(&seed, "seed"), (&seeds, "seeds")] {
        if let (Some((_, nv)), None) = (given, &simulation) {
            return Err(syn::Error::new_spanned(
                nv,
                format!(
                    "`{name}` needs `simulation`, e.g. `#[runtime::test(simulation, {name} = 7)]`"
                ),
            ));
        }
    }
    if let (Some(_), Some((_, nv))) = (&seed, &seeds) {
        return Err(syn::Error::new_spanned(
            nv,
            "give `seed = N` (one seed) or `seeds = N` (the seeds 0..N), not both",
        ));
    }
    if let Some(path) = &simulation {
        let conflict = if kind == Kind::Main {
            Some("`simulation` is for `#[runtime::test]`")
        } else if flavor.is_some() {
            Some("`simulation` runs the multi-thread scheduler: drop `flavor`")
        } else if timeout.is_some() || shutdown_on.is_some() || start_paused {
            Some("`simulation` cannot be used with `timeout`, `shutdown_on` or `start_paused` (its clock is always paused)")
        } else {
            None
        };
        if let Some(message) = conflict {
            return Err(syn::Error::new_spanned(path, message));
        }
    }
    let simulation = simulation.map(|_| match (&seed, &seeds) {
        (Some((n, _)), _) => (*n, 1),
        (None, Some((n, _))) => (0, *n),
        (None, None) => (0, 1),
    });
    if let Some((_, 0)) = simulation {
        return Err(syn::Error::new_spanned(
            &seeds.as_ref().expect("0 seeds only from `seeds`").1,
            "`seeds` must be greater than 0",
        ));
    }

    Ok(Config {
        flavor: flavor_value,
        worker_threads: worker_threads.map(|(lit, _)| lit),
        crate_path,
        unhandled_panic,
        shutdown_on: shutdown_on.map(|(signals, _)| {
            // The default grace period: 10 s.
            (signals, grace.map_or(10_000, |(ms, _)| ms))
        }),
        timeout: timeout.map(|(ms, _)| ms),
        start_paused,
        simulation,
    })
}

/// Whether the tokens contain `impl`, i.e. the type cannot be named in
/// `dyn Future<Output = ..>`.
fn contains_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => contains_impl(group.stream()),
        _ => false,
    })
}

/// Rewrites `async fn name() -> T { body }` into a plain function that runs
/// `async move { body }` on a freshly built runtime.
fn expand_fn(kind: Kind, mut input: ItemFn, config: &Config) -> TokenStream {
    input.sig.asyncness = None;

    // Errors about the body's type (e.g. returning the wrong type) are
    // reported at the coercion below; point it at the body's last statement,
    // which is where rustc would put them for a plain function.
    let last_stmt_span = input
        .block
        .stmts
        .last()
        .map_or_else(|| input.block.brace_token.span.join(), Spanned::span);

    let crate_path = match &config.crate_path {
        Some(path) => path.to_token_stream(),
        None => quote!(::runtime),
    };
    let builder = match config.flavor {
        Flavor::MultiThread => quote!(#crate_path::Builder::new_multi_thread()),
        Flavor::CurrentThread | Flavor::Local => {
            quote!(#crate_path::Builder::new_current_thread())
        }
    };
    let build = match config.flavor {
        Flavor::Local => quote!(.build_local(::core::default::Default::default())),
        _ => quote!(.build()),
    };
    let worker_threads = config
        .worker_threads
        .as_ref()
        .map(|n| quote!(.worker_threads(#n)));
    let unhandled_panic = config
        .unhandled_panic
        .as_ref()
        .map(|v| quote!(.unhandled_panic(#crate_path::runtime::UnhandledPanic::#v)));
    let start_paused = config.start_paused.then(|| quote!(.start_paused(true)));
    // A test fails on a panic nobody joined, unless `unhandled_panic` says
    // what to do with panics.
    // (Not on a `LocalRuntime`, whose tasks' panics are not reported to
    // it.)
    let tests_unjoined =
        kind == Kind::Test && config.unhandled_panic.is_none() && config.flavor != Flavor::Local;
    let track_unjoined = tests_unjoined.then(|| quote!(.__track_unjoined_panics()));

    let output = match &input.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => ty.to_token_stream(),
    };
    // Name the future's output type so the body is checked against the
    // declared return type. Not possible for `-> impl Trait`; there the
    // `block_on` call below still ties the two together.
    let annotate = if contains_impl(output.clone()) {
        None
    } else {
        Some(quote_spanned! {last_stmt_span=>
            let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output = #output>> =
                ::core::pin::pin!(body);
        })
    };

    let runtime = quote! {
        #builder
            #worker_threads
            #unhandled_panic
            .enable_all()
            #start_paused
            #track_unjoined
            #build
            .expect("Failed building the Runtime")
    };
    let run = match (&config.shutdown_on, config.timeout) {
        (Some((signals, grace_ms)), _) => quote! {
            #crate_path::__private::run_until_shutdown(
                #runtime,
                body,
                &[#(#crate_path::__private::ShutdownOn::#signals),*],
                ::core::time::Duration::from_millis(#grace_ms),
            )
        },
        (None, Some(ms)) => quote! {
            #crate_path::__private::run_with_timeout(
                #runtime,
                body,
                ::core::time::Duration::from_millis(#ms),
            )
        },
        (None, None) if tests_unjoined => {
            quote!(#crate_path::__private::run_test(#runtime, body))
        }
        (None, None) => quote!(#runtime.block_on(body)),
    };
    let block = &input.block;
    let brace_token = input.block.brace_token;
    let new_block = if let Some((first, count)) = config.simulation {
        let workers = config
            .worker_threads
            .as_ref()
            .map_or(quote!(2), |n| quote!(#n));
        quote! {
            {
                #[allow(clippy::expect_used)]
                #crate_path::__private::run_simulation(
                    #first,
                    #count,
                    |seed| #crate_path::Builder::new_multi_thread()
                        .worker_threads(#workers)
                        #unhandled_panic
                        #track_unjoined
                        .enable_all()
                        .simulation(seed)
                        .build()
                        .expect("Failed building the Runtime"),
                    || async move #block,
                )
            }
        }
    } else {
        quote! {
            {
                let body = async move #block;
                #annotate
                #[allow(
                    clippy::expect_used,
                    clippy::diverging_sub_expression,
                    clippy::needless_return
                )]
                {
                    return #run;
                }
            }
        }
    };
    let mut new_block: syn::Block =
        syn::parse2(new_block).expect("the expanded function body is a valid block");
    new_block.brace_token = brace_token;
    *input.block = new_block;

    // After a parameter or duplicate-`#[test]` error, adding `#[test]` would
    // only make rustc repeat the error; the function itself is still emitted.
    let header = if kind == Kind::Test && input.sig.inputs.is_empty() && !has_test_attr(&input) {
        quote!(#[::core::prelude::v1::test])
    } else {
        quote!()
    };
    quote! {
        #header
        #input
    }
}

#[cfg(test)]
mod tests;
