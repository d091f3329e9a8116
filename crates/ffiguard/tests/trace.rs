//! Spans of boundary crossings, captured by a real `tracing` subscriber.
#![cfg(feature = "tracing")]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use ffiguard::error::{self, Errno};
use ffiguard::trace::{self, outcome};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Every span's name and fields as text.
#[derive(Debug, Default, Clone)]
struct CapturedSpan {
    name: String,
    target: String,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Capture {
    spans: Arc<Mutex<Vec<CapturedSpan>>>,
}

struct FieldsInto<'a>(&'a mut BTreeMap<String, String>);

impl Visit for FieldsInto<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let mut spans = self.spans.lock().unwrap();
        let mut span = CapturedSpan {
            name: attrs.metadata().name().to_owned(),
            target: attrs.metadata().target().to_owned(),
            ..CapturedSpan::default()
        };
        attrs.record(&mut FieldsInto(&mut span.fields));
        spans.push(span);
        Id::from_u64(u64::try_from(spans.len()).unwrap())
    }

    fn record(&self, id: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let index = usize::try_from(id.into_u64()).unwrap() - 1;
        values.record(&mut FieldsInto(&mut spans[index].fields));
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

fn captured(body: impl FnOnce()) -> Vec<CapturedSpan> {
    let capture = Capture::default();
    tracing::subscriber::with_default(capture.clone(), body);
    capture.spans.lock().unwrap().clone()
}

#[test]
fn the_span_carries_function_argument_sizes_outcome_and_duration() {
    let spans = captured(|| {
        let input = b"hello\0";
        // SAFETY: strnlen reads at most `input.len()` bytes of `input`.
        let n = trace::crossing(
            "strnlen",
            &[("input", input.len()), ("max", 8)],
            || unsafe { libc::strnlen(input.as_ptr().cast(), input.len()) },
        );
        assert_eq!(n, 5);
    });
    assert_eq!(spans.len(), 1);
    let span = &spans[0];
    assert_eq!(span.name, "ffi");
    assert_eq!(span.target, "ffiguard::trace");
    assert_eq!(span.fields["function"], "strnlen");
    assert_eq!(span.fields["args"], "input=6 max=8");
    assert_eq!(span.fields["arg_bytes"], "14");
    assert_eq!(span.fields["outcome"], "returned=5");
    assert!(
        span.fields["elapsed_ns"].parse::<u64>().is_ok(),
        "{:?}",
        span.fields
    );
}

#[test]
fn the_outcome_records_the_library_code_of_a_failed_call() {
    let spans = captured(|| {
        let r = trace::crossing("close", &[], || {
            // SAFETY: close(-1) touches no memory; it fails with EBADF.
            error::errno_sentinel("close", -1, || unsafe { libc::close(-1) })
        });
        assert_eq!(r.unwrap_err().code_as::<Errno>(), Some(Errno(libc::EBADF)));
    });
    assert_eq!(spans[0].fields["outcome"], format!("code={}", libc::EBADF));
}

#[test]
fn null_and_classifier_outcomes() {
    let spans = captured(|| {
        trace::crossing("lg_new", &[], std::ptr::null_mut::<u8>);
        trace::crossing_with("lg_ready", &[], outcome::zero_is_error, || 0);
        trace::crossing_with("lg_parse", &[], outcome::nonzero_is_error, || -7);
        trace::crossing_with("lg_count", &[], outcome::negative_is_error, || 3);
    });
    let outcomes: Vec<&str> = spans.iter().map(|s| s.fields["outcome"].as_str()).collect();
    assert_eq!(outcomes, ["null", "error", "code=-7", "ok"]);
}

#[test]
fn huge_argument_sizes_saturate_instead_of_overflowing() {
    let spans = captured(|| {
        trace::crossing("lg_big", &[("a", usize::MAX), ("b", usize::MAX)], || ());
    });
    assert_eq!(spans[0].fields["arg_bytes"], u64::MAX.to_string());
}
