//! What `trace::crossing` costs around one C call.
//!
//! The "C" function is an `extern "C"` function that is never inlined, called 1,000 times per
//! iteration. Without the `tracing` feature `crossing` must cost nothing (same time as the
//! direct call); with it, the cost is measured with no subscriber, with a subscriber that
//! filters the span out, and with one that records it.
//!
//! Run: `cargo bench -p ffiguard --bench trace_overhead` and
//! `cargo bench -p ffiguard --bench trace_overhead --features tracing`.

use std::ffi::c_int;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ffiguard::trace;

const CALLS: c_int = 1_000;

/// The "C" side.
#[inline(never)]
extern "C" fn lg_mix(x: c_int) -> c_int {
    x.rotate_left(3) ^ 0x5a5a
}

#[inline(never)]
fn direct() -> c_int {
    let mut acc = 0;
    for i in 0..CALLS {
        acc ^= black_box(lg_mix)(black_box(i));
    }
    acc
}

#[inline(never)]
fn through_crossing() -> c_int {
    let mut acc = 0;
    for i in 0..CALLS {
        let size = size_of_val(&i);
        acc ^= trace::crossing("lg_mix", &[("x", size)], || black_box(lg_mix)(black_box(i)));
    }
    acc
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("trace_crossing");
    group.throughput(Throughput::Elements(u64::from(CALLS.unsigned_abs())));
    group.bench_function("direct_call", |b| b.iter(direct));
    group.bench_function(feature_label("crossing"), |b| b.iter(through_crossing));
    #[cfg(feature = "tracing")]
    subscribers::bench(&mut group);
    group.finish();
}

fn feature_label(name: &str) -> String {
    if cfg!(feature = "tracing") {
        format!("{name}_feature_on_no_subscriber")
    } else {
        format!("{name}_feature_off")
    }
}

#[cfg(feature = "tracing")]
mod subscribers {
    use criterion::BenchmarkGroup;
    use criterion::measurement::WallTime;
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// Enables everything or nothing, and does no work: what remains is ffiguard's cost plus
    /// `tracing`'s dispatch.
    struct Minimal {
        enabled: bool,
    }

    impl Subscriber for Minimal {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            self.enabled
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    pub(super) fn bench(group: &mut BenchmarkGroup<'_, WallTime>) {
        for (label, enabled) in [
            ("crossing_filtered_out", false),
            ("crossing_recorded", true),
        ] {
            let dispatch = tracing::Dispatch::new(Minimal { enabled });
            group.bench_function(label, |b| {
                tracing::dispatcher::with_default(&dispatch, || b.iter(super::through_crossing));
            });
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
