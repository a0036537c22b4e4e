//! The optional `tracing` feature: a span per task, entered around each of
//! its polls, and events for its spawn, wakes and end, so that `tracing`
//! subscribers (tokio-console-like tools, log formatters) see tasks.
//!
//! Off by default: with the feature off, this module is empty and costs
//! nothing. With it, the span lives in the task's metadata (a
//! `tracing::Span`, 16 bytes more per task), and the events are at `TRACE`
//! level, target `runtime::task`, as tokio's are under `tokio_unstable`.
//! The span is `runtime.task` with the fields `task.id`, `task.name`
//! (empty for an unnamed task), `loc.file`, `loc.line`, `loc.col`; its
//! parent is the spawning task's span when one is being polled.

use super::id::Id;
use std::panic::Location;

/// A new task's span.
pub(crate) fn span(
    id: Id,
    name: Option<&str>,
    location: &'static Location<'static>,
) -> tracing::Span {
    tracing::trace_span!(
        target: "runtime::task",
        "runtime.task",
        task.id = id.as_u64(),
        task.name = name.unwrap_or(""),
        loc.file = location.file(),
        loc.line = location.line(),
        loc.col = location.column(),
    )
}

pub(crate) fn spawned(span: &tracing::Span) {
    tracing::trace!(target: "runtime::task", parent: span, "spawn");
}

pub(crate) fn woken(span: &tracing::Span) {
    tracing::trace!(target: "runtime::task", parent: span, "wake");
}

pub(crate) fn terminated(span: &tracing::Span) {
    tracing::trace!(target: "runtime::task", parent: span, "terminate");
}
