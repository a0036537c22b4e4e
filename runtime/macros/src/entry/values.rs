//! The values of the attributes' arguments: each parser checks one
//! argument's value and says what was expected when it is wrong.

use super::{Flavor, Kind, ACCEPTED_ARGS};
use proc_macro2::Literal;
use quote::ToTokens;
use syn::{Expr, ExprLit, Lit};

/// An unsuffixed or `u64` integer literal.
pub(super) fn parse_u64(value: &Expr, name: &str) -> syn::Result<u64> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit.base10_parse(),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{name}` expects an integer literal, e.g. `{name} = 7`"),
        )),
    }
}

/// A `true` or `false` literal.
pub(super) fn parse_bool(value: &Expr, name: &str) -> syn::Result<bool> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(b), ..
        }) => Ok(b.value),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("`{name}` expects `true` or `false`"),
        )),
    }
}

/// Error for an argument written without a value, e.g. `#[runtime::main(multi_thread)]`.
pub(super) fn bare_arg_error(kind: Kind, path: &syn::Path) -> syn::Error {
    let name = path_to_string(path);
    let attr = kind.path();
    let msg = match name.as_str() {
        "flavor" => "the `flavor` argument needs a value: \
                     `flavor = \"multi_thread\"` or `flavor = \"current_thread\"`"
            .to_owned(),
        "worker_threads" => {
            "the `worker_threads` argument needs a value, e.g. `worker_threads = 4`".to_owned()
        }
        "crate" => "the `crate` argument needs a value, e.g. `crate = \"runtime\"`".to_owned(),
        "unhandled_panic" => "the `unhandled_panic` argument needs a value: \
                              `unhandled_panic = \"shutdown_runtime\"` or `\"ignore\"`"
            .to_owned(),
        "multi_thread" | "current_thread" => {
            format!(
                "unknown argument `{name}`; set the flavor with `#[{attr}(flavor = \"{name}\")]`"
            )
        }
        _ => format!("unknown argument `{name}`; expected one of {ACCEPTED_ARGS}"),
    };
    syn::Error::new_spanned(path, msg)
}

pub(super) fn path_to_string(path: &syn::Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}

pub(super) fn parse_flavor(value: &Expr) -> syn::Result<Flavor> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Flavor::from_str(&s.value()).ok_or_else(|| {
            syn::Error::new_spanned(
                s,
                format!(
                    "unknown runtime flavor `{}`; expected \"multi_thread\", \"current_thread\" \
                     or \"local\"",
                    s.value(),
                ),
            )
        }),
        other => Err(syn::Error::new_spanned(
            other,
            "`flavor` expects a string literal: \"multi_thread\", \"current_thread\" or \"local\"",
        )),
    }
}

pub(super) fn parse_worker_threads(value: &Expr) -> syn::Result<Literal> {
    let not_an_integer = || {
        syn::Error::new_spanned(
            value,
            "`worker_threads` expects a positive integer literal, e.g. `worker_threads = 4`",
        )
    };
    let lit = match value {
        Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        }) => lit,
        _ => return Err(not_an_integer()),
    };
    let n: usize = lit.base10_parse().map_err(|_| not_an_integer())?;
    if n == 0 {
        return Err(syn::Error::new_spanned(
            lit,
            "`worker_threads` must be greater than 0",
        ));
    }
    let mut out = Literal::usize_unsuffixed(n);
    out.set_span(lit.span());
    Ok(out)
}

pub(super) fn parse_unhandled_panic(value: &Expr) -> syn::Result<syn::Ident> {
    let expected = "`unhandled_panic` expects \"shutdown_runtime\" or \"ignore\"";
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => {
            let variant = match s.value().as_str() {
                "shutdown_runtime" => "ShutdownRuntime",
                "ignore" => "Ignore",
                other => {
                    return Err(syn::Error::new_spanned(
                        s,
                        format!("unknown `unhandled_panic` value `{other}`; {expected}"),
                    ))
                }
            };
            Ok(syn::Ident::new(variant, s.span()))
        }
        other => Err(syn::Error::new_spanned(other, expected)),
    }
}

pub(super) fn parse_shutdown_on(value: &Expr) -> syn::Result<Vec<syn::Ident>> {
    let expected = "`shutdown_on` expects \"ctrl_c\", \"terminate\" or both, \
                    e.g. `shutdown_on = \"ctrl_c, terminate\"`";
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    else {
        return Err(syn::Error::new_spanned(value, expected));
    };
    let mut out = Vec::new();
    for part in s.value().split([',', '|']).map(str::trim) {
        let variant = match part {
            "ctrl_c" => "CtrlC",
            "terminate" => "Terminate",
            other => {
                return Err(syn::Error::new_spanned(
                    s,
                    format!("unknown signal `{other}` in `shutdown_on`; {expected}"),
                ))
            }
        };
        out.push(syn::Ident::new(variant, s.span()));
    }
    Ok(out)
}

/// `grace = "10s"` or `timeout = "10s"` (also `ms` and `m`) in
/// milliseconds.
pub(super) fn parse_duration(value: &Expr, arg: &str) -> syn::Result<u64> {
    let expected = format!("`{arg}` expects a duration such as \"10s\", \"500ms\" or \"1m\"");
    let expected = expected.as_str();
    let Expr::Lit(ExprLit {
        lit: Lit::Str(s), ..
    }) = value
    else {
        return Err(syn::Error::new_spanned(value, expected));
    };
    let text = s.value();
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let scale = match unit.trim() {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        _ => return Err(syn::Error::new_spanned(s, expected)),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| syn::Error::new_spanned(s, expected))
}

pub(super) fn parse_crate_path(value: &Expr) -> syn::Result<syn::Path> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => s.parse::<syn::Path>().map_err(|_| {
            syn::Error::new_spanned(
                s,
                format!(
                    "`crate` expects the path of the `runtime` crate, e.g. `crate = \"runtime\"`; \
                     `{}` is not a path",
                    s.value(),
                ),
            )
        }),
        other => Err(syn::Error::new_spanned(
            other,
            "`crate` expects a string literal, e.g. `crate = \"runtime\"`",
        )),
    }
}
