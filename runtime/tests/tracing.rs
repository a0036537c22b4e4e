//! The `tracing` feature: a span per task around its polls, and events
//! for spawn, wake and terminate. Run with `--features tracing`.
#![cfg(feature = "tracing")]

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the subscriber saw: each span's fields and parent, and the
/// (span id, message) of each event and each enter.
#[derive(Default)]
struct Seen {
    spans: HashMap<u64, (HashMap<String, String>, Option<u64>)>,
    events: Vec<(Option<u64>, String)>,
    enters: Vec<u64>,
    current: Vec<u64>,
    next: u64,
}

#[derive(Clone, Default)]
struct Collector(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Subscriber for Collector {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut seen = self.0.lock().unwrap();
        seen.next += 1;
        let id = seen.next;
        let mut fields = HashMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = attrs.parent().map(|p| p.into_u64()).or_else(|| {
            attrs
                .is_contextual()
                .then(|| seen.current.last().copied())
                .flatten()
        });
        seen.spans.insert(id, (fields, parent));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        let span = event.parent().map(|p| p.into_u64());
        let message = fields.remove("message").unwrap_or_default();
        self.0.lock().unwrap().events.push((span, message));
    }
    fn enter(&self, span: &Id) {
        let mut seen = self.0.lock().unwrap();
        seen.enters.push(span.into_u64());
        seen.current.push(span.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.0.lock().unwrap().current.pop();
    }
}

#[test]
fn a_task_is_a_span_with_its_events() {
    let collector = Collector::default();
    let seen = collector.0.clone();
    // A current-thread runtime: everything happens on this thread, inside
    // this thread's default subscriber.
    tracing::subscriber::with_default(collector, || {
        let rt = runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            runtime::task::Builder::new()
                .name("parent")
                .spawn(async {
                    runtime::spawn(async {
                        runtime::task::yield_now().await;
                    })
                    .await
                    .unwrap();
                })
                .unwrap()
                .await
                .unwrap();
        });
    });
    let seen = seen.lock().unwrap();
    let find = |name: &str| {
        seen.spans
            .iter()
            .find(|(_, (f, _))| f.get("task.name").map(String::as_str) == Some(name))
            .map(|(id, (f, p))| (*id, f.clone(), *p))
            .unwrap_or_else(|| panic!("no span named {name:?} in {:?}", seen.spans))
    };
    let (parent, fields, _) = find("parent");
    assert!(
        fields["loc.file"].ends_with("tests/tracing.rs"),
        "{fields:?}"
    );
    assert!(fields.contains_key("task.id") && fields.contains_key("loc.line"));
    // The child is unnamed, spawned inside the parent's poll: its parent.
    let (child, _, child_parent) = find("");
    assert_eq!(child_parent, Some(parent));
    let events = |span: u64| -> Vec<&str> {
        seen.events
            .iter()
            .filter(|(s, _)| *s == Some(span))
            .map(|(_, m)| m.as_str())
            .collect()
    };
    assert_eq!(events(child), ["spawn", "wake", "terminate"]);
    assert_eq!(events(parent).first(), Some(&"spawn"));
    assert_eq!(events(parent).last(), Some(&"terminate"));
    // Entered once per poll: the child was polled twice (it yielded once).
    assert_eq!(seen.enters.iter().filter(|&&s| s == child).count(), 2);
}
