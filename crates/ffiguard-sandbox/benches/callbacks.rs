//! The round trip of a callback from a worker to the host (a harness of our own: the binary
//! re-executes itself as a worker, so `init()` must run before anything else).
//!
//! `cargo bench -p ffiguard-sandbox --bench callbacks` prints, per sample, the time of one
//! callback (one isolated call making 10,000 callbacks, divided by 10,000) and of one empty
//! isolated call for comparison, then the median, minimum and maximum of 21 samples;
//! BENCHMARKS.md (`## Sandbox sessions`) records them. Run by `cargo test --benches`
//! (without `--bench`), it makes a few calls as a smoke test; its figures mean nothing.

use std::time::{Duration, Instant};

use ffiguard_sandbox::callbacks::{Callbacks, HostFn};
use ffiguard_sandbox::{Sandbox, isolated};

static NEXT: HostFn<u64, u64> = HostFn::new("next");

/// Calls the host `count` times in a row.
#[isolated]
fn ping_host(count: u64) -> u64 {
    let mut value = 0;
    for _ in 0..count {
        value = NEXT.call(value).unwrap_or(u64::MAX);
    }
    value
}

#[isolated]
fn empty() {}

fn per_callback(sandbox: &Sandbox, count: u64) -> Duration {
    let mut callbacks = Callbacks::new().on(&NEXT, |value| {
        value.verify(|v| v.checked_add(1).ok_or(())).unwrap_or(0)
    });
    let started = Instant::now();
    let reached = ping_host::call_with_callbacks(sandbox, &mut callbacks, count)
        .expect("call")
        .trust_unverified("compared");
    let elapsed = started.elapsed();
    assert_eq!(reached, count);
    elapsed / u32::try_from(count).unwrap_or(1)
}

fn empty_call(sandbox: &Sandbox, count: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..count {
        empty::call(sandbox)
            .expect("call")
            .trust_unverified("nothing");
    }
    started.elapsed() / count
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let median = samples[samples.len() / 2];
    let (min, max) = (samples[0], samples[samples.len() - 1]);
    println!(
        "{name:<28} median {:>7.2} µs   min {:>7.2} µs   max {:>7.2} µs   ({} samples)",
        median.as_secs_f64() * 1e6,
        min.as_secs_f64() * 1e6,
        max.as_secs_f64() * 1e6,
        samples.len()
    );
}

fn main() {
    ffiguard_sandbox::init();
    let benchmarking = std::env::args().any(|arg| arg == "--bench");
    let (samples, count) = if benchmarking { (21, 10_000) } else { (2, 10) };
    let sandbox = Sandbox::builder().workers(1).build().expect("sandbox");
    sandbox.warm_up().expect("warm up");
    // Warm the doorbells and the spin plans first.
    per_callback(&sandbox, count);
    empty_call(&sandbox, 1000.min(u32::try_from(count).unwrap_or(1)));
    let mut callbacks = Vec::new();
    let mut calls = Vec::new();
    for _ in 0..samples {
        callbacks.push(per_callback(&sandbox, count));
        calls.push(empty_call(&sandbox, u32::try_from(count).unwrap_or(1)));
    }
    summary("callback round trip", callbacks);
    summary("empty isolated call", calls);
}
