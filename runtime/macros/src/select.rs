//! The one thing `runtime::select!` cannot do as a declarative macro: test
//! a branch's pattern against its output without moving the output.
//!
//! `select!` checks the pattern inside its poll function, where the output
//! must survive the check (it is handed back by value when the pattern
//! matches, and dropped when it does not). It matches `&output`, so that
//! match ergonomics bind everything by reference. A user's pattern may say
//! how to bind, though, and those words do not fit a by-reference match:
//! `Some(mut v)` would move `v` out of the reference, `Ok(ref mut v)` would
//! borrow it mutably through a shared one, and since edition 2024 `ref`,
//! `mut` and `&` are errors outright where the binding mode is by
//! reference. [`clean`] removes exactly those words. Which values the
//! pattern matches is unchanged: `ref`/`mut` only say how to bind, and a
//! reference pattern `&p` matches what `p` matches behind the reference,
//! which is what ergonomics do with `p` alone.
//!
//! Ergonomics do not look through references for a pattern that is itself
//! of a reference type, so a string literal at the top of the pattern
//! (`"quit" = line => ...`) would meet `&&str` and fail to type-check:
//! [`clean`] puts a `&` before it (at the top only, where the binding mode
//! is still by value and an explicit `&` is allowed in every edition; in a
//! nested position ergonomics already make the types meet). A constant of
//! reference type at the top is indistinguishable from a binding here and
//! stays as written.
//!
//! The bindings of the cleaned pattern are never used: the real match, with
//! the user's pattern as written, runs on the owned output once the branch
//! has been chosen.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::Parser;
use syn::{Lit, Pat, PatReference};

/// `pattern` without binding modes and reference patterns; anything that
/// does not parse as a pattern is returned unchanged, so that the user's
/// own pattern, used verbatim elsewhere in the expansion, reports the error.
pub(crate) fn clean(pattern: TokenStream) -> TokenStream {
    let pattern = unwrap_invisible_group(pattern);
    match Pat::parse_multi_with_leading_vert.parse2(pattern.clone()) {
        Ok(mut pat) => {
            strip(&mut pat);
            reference_literals(&mut pat);
            pat.into_token_stream()
        }
        Err(_) => pattern,
    }
}

/// A `$p:pat` fragment forwarded by `macro_rules!` arrives as one group
/// with invisible delimiters: its contents are the pattern.
fn unwrap_invisible_group(tokens: TokenStream) -> TokenStream {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::None => {
            unwrap_invisible_group(group.stream())
        }
        _ => tokens,
    }
}

/// Removes `ref` and `mut` from every binding and replaces every reference
/// pattern by its inner pattern, recursively.
fn strip(pat: &mut Pat) {
    match pat {
        Pat::Ident(ident) => {
            ident.by_ref = None;
            ident.mutability = None;
            if let Some((_, sub)) = &mut ident.subpat {
                strip(sub);
            }
        }
        Pat::Reference(reference) => {
            let mut inner = (*reference.pat).clone();
            strip(&mut inner);
            *pat = inner;
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(strip),
        Pat::Paren(paren) => strip(&mut paren.pat),
        Pat::Slice(slice) => slice.elems.iter_mut().for_each(strip),
        Pat::Tuple(tuple) => tuple.elems.iter_mut().for_each(strip),
        Pat::TupleStruct(tuple) => tuple.elems.iter_mut().for_each(strip),
        Pat::Struct(strukt) => strukt.fields.iter_mut().for_each(|f| strip(&mut f.pat)),
        Pat::Type(typed) => strip(&mut typed.pat),
        // Literals, paths, ranges, `..`, `_`, macros and verbatim tokens
        // bind nothing.
        _ => {}
    }
}

/// Puts `&` before a string, byte-string or C-string literal at the top
/// of the pattern (through `|` and parentheses).
fn reference_literals(pat: &mut Pat) {
    match pat {
        Pat::Lit(lit) if matches!(lit.lit, Lit::Str(_) | Lit::ByteStr(_) | Lit::CStr(_)) => {
            let literal = pat.clone();
            *pat = Pat::Reference(PatReference {
                attrs: Vec::new(),
                and_token: Default::default(),
                mutability: None,
                pat: Box::new(literal),
            });
        }
        Pat::Or(or) => or.cases.iter_mut().for_each(reference_literals),
        Pat::Paren(paren) => reference_literals(&mut paren.pat),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::clean;
    use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
    use quote::quote;

    fn cleaned(pattern: TokenStream) -> String {
        clean(pattern).to_string()
    }

    #[test]
    fn plain_patterns_are_unchanged() {
        for pattern in [
            quote!(_),
            quote!(v),
            quote!(None),
            quote!(Some(v)),
            quote!(Ok((a, _)) | Err(a)),
            quote!(Point { x, y: 0, .. }),
            quote!([first, .., last]),
            quote!(1..=5),
            quote!(Some("text")),
            quote!(v @ Some(_)),
        ] {
            assert_eq!(cleaned(pattern.clone()), pattern.to_string());
        }
    }

    #[test]
    fn binding_modes_are_removed() {
        assert_eq!(cleaned(quote!(mut v)), quote!(v).to_string());
        assert_eq!(cleaned(quote!(Some(mut v))), quote!(Some(v)).to_string());
        assert_eq!(cleaned(quote!(Ok(ref v))), quote!(Ok(v)).to_string());
        assert_eq!(
            cleaned(quote!((ref mut a, mut b))),
            quote!((a, b)).to_string()
        );
        assert_eq!(
            cleaned(quote!(Point { mut x, ref y })),
            quote!(Point { x, y }).to_string()
        );
        assert_eq!(
            cleaned(quote!(ref mut v @ Some(mut w))),
            quote!(v @ Some(w)).to_string()
        );
    }

    #[test]
    fn reference_patterns_are_unwrapped() {
        assert_eq!(cleaned(quote!(&v)), quote!(v).to_string());
        assert_eq!(cleaned(quote!(Some(&mut v))), quote!(Some(v)).to_string());
        assert_eq!(
            cleaned(quote!(&(&a, Some(&mut b)))),
            quote!((a, Some(b))).to_string()
        );
    }

    #[test]
    fn string_literals_at_the_top_are_referenced() {
        assert_eq!(cleaned(quote!("quit")), quote!(&"quit").to_string());
        assert_eq!(
            cleaned(quote!(b"ab" | ("cd"))),
            quote!(&b"ab" | (&"cd")).to_string()
        );
        assert_eq!(cleaned(quote!(1 | 2)), quote!(1 | 2).to_string());
        assert_eq!(cleaned(quote!(("x", 1))), quote!(("x", 1)).to_string());
    }

    #[test]
    fn a_forwarded_fragment_is_unwrapped() {
        let fragment = TokenTree::Group(Group::new(Delimiter::None, quote!(Some(mut v))));
        assert_eq!(
            cleaned(TokenStream::from(fragment)),
            quote!(Some(v)).to_string()
        );
    }

    #[test]
    fn what_is_not_a_pattern_is_returned_as_is() {
        let tokens = quote!(= => ;);
        assert_eq!(cleaned(tokens.clone()), tokens.to_string());
    }
}
