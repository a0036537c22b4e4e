//! tokio's function-like macros, exported at the crate root as tokio's
//! are: [`pin!`](crate::pin), [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`select!`](crate::select).
//!
//! All four are `macro_rules!`; what their expansions name lives in the
//! hidden [`__private`](crate::__private) module, and the one thing a
//! declarative macro cannot do (rewrite a pattern so it can test a value by
//! reference) is the `select_pattern!` helper of `runtime-macros`.

mod join;
mod pin;
mod select;
