//! Boundary overhead: each guarded call through the `legacy` wrapper side by side with the raw
//! `unsafe` call of the same C function, in one run.
//!
//! - `add`: `lg_add(int, int)`, a trivial function: the overhead is the wrapper's whole cost
//!   (an overflow check and the `Result`).
//! - `checksum`: `lg_checksum` over 64 bytes, about 100 ns of work: the overhead is the length
//!   conversion to `unsigned int` and the `Result`.
//!
//! `guarded` consumes the result the way a caller does (`?`, `match`, `unwrap_or`): only the
//! value reaches `black_box`, as in the raw case (an `Option<i32>` would add a store-forwarding
//! stall of its own). `guarded_whole_result` hands the whole `Result<_, legacy::Error>` to `black_box`,
//! which forces the 112-byte value into memory on every call; it is listed to show that cost.
//!
//! Run: `cargo bench -p legacy --bench boundary`. Results are written up in `BENCHMARKS.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::Criterion;
use legacy_sys as sys;

/// Bytes hashed by the checksum case, chosen so that the raw call takes about 100 ns here.
const CHECKSUM_BYTES: usize = 64;

fn add(c: &mut Criterion) {
    let mut group = c.benchmark_group("boundary/add");
    group.bench_function("raw", |b| {
        b.iter(|| {
            let (x, y) = (black_box(20_i32), black_box(22_i32));
            // SAFETY: lg_add takes two ints by value and touches no memory; 20 + 22 fits.
            black_box(unsafe { sys::lg_add(x, y) })
        });
    });
    group.bench_function("guarded", |b| {
        b.iter(|| black_box(legacy::add(black_box(20), black_box(22)).unwrap_or(0)));
    });
    group.bench_function("guarded_whole_result", |b| {
        b.iter(|| black_box(legacy::add(black_box(20), black_box(22))));
    });
    group.finish();
}

fn checksum(c: &mut Criterion) {
    let data: Vec<u8> = (0..CHECKSUM_BYTES)
        .map(|i| u8::try_from(i % 251).unwrap_or(0))
        .collect();
    let mut group = c.benchmark_group("boundary/checksum_64B");
    group.bench_function("raw", |b| {
        b.iter(|| {
            let bytes = black_box(data.as_slice());
            #[allow(
                clippy::cast_possible_truncation,
                reason = "the unguarded baseline: 64 fits, and the cast is what is measured against"
            )]
            let len = bytes.len() as u32;
            // SAFETY: `bytes` is valid for reads of `len` bytes during the call; lg_checksum
            // only reads them.
            black_box(unsafe { sys::lg_checksum(bytes.as_ptr().cast(), len) })
        });
    });
    group.bench_function("guarded", |b| {
        b.iter(|| black_box(legacy::checksum(black_box(data.as_slice())).unwrap_or(0)));
    });
    group.bench_function("guarded_whole_result", |b| {
        b.iter(|| black_box(legacy::checksum(black_box(data.as_slice()))));
    });
    group.finish();
}

fn main() {
    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(100)
        .configure_from_args();
    add(&mut criterion);
    checksum(&mut criterion);
    criterion.final_summary();
}
