//! The cost of each pointer and string check, next to the unchecked operation it guards.
//!
//! Run: `cargo bench -p ffiguard --bench ptr_probe`. Medians are in
//! `target/criterion/<group>/<name>/new/estimates.json`; `BENCHMARKS.md` lists them.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ffiguard::cstr;
use ffiguard::ptr::{self, Probe};

fn address_checks(c: &mut Criterion) {
    let mut group = c.benchmark_group("ptr_check");
    let value = 7_u64;
    let p: *const u64 = &value;
    group.bench_function("check", |b| b.iter(|| ptr::check(black_box(p))));
    group.bench_function("is_null_only", |b| b.iter(|| black_box(p).is_null()));
    group.finish();
}

fn probe(c: &mut Criterion) {
    let mut group = c.benchmark_group("ptr_probe");
    let buf = vec![1_u8; 1 << 20];
    for len in [1_usize, 4096, 64 << 10, 1 << 20] {
        group.throughput(Throughput::Bytes(len as u64));
        group.bench_with_input(BenchmarkId::new("probe_readable", len), &len, |b, &len| {
            b.iter(|| ptr::probe_readable(black_box(buf.as_ptr()), len))
        });
    }
    group.finish();
}

fn slices(c: &mut Criterion) {
    let mut group = c.benchmark_group("slice_from_c");
    let buf = vec![1_u32; 1024];
    let (p, len) = (buf.as_ptr(), buf.len());
    group.bench_function("from_raw_parts", |b| {
        // SAFETY: `buf` is live, initialized and unchanged during the benchmark.
        b.iter(|| unsafe { core::slice::from_raw_parts(black_box(p), len) }.len())
    });
    group.bench_function("checked_skip", |b| {
        // SAFETY: as above.
        b.iter(|| unsafe { ptr::slice_from_c(black_box(p), len, Probe::Skip) }.map(<[u32]>::len))
    });
    group.bench_function("checked_readable", |b| {
        b.iter(|| {
            // SAFETY: as above.
            unsafe { ptr::slice_from_c(black_box(p), len, Probe::Readable) }.map(<[u32]>::len)
        })
    });
    group.finish();
}

fn strings(c: &mut Criterion) {
    let mut group = c.benchmark_group("read_c_string");
    let s = c"libfoo 1.2.3 (built with -O2)";
    let p = s.as_ptr();
    group.bench_function("CStr_from_ptr", |b| {
        // SAFETY: `s` is a live, NUL-terminated static string.
        b.iter(|| unsafe { core::ffi::CStr::from_ptr(black_box(p)) }.count_bytes())
    });
    group.bench_function("read_ptr", |b| {
        // SAFETY: as above.
        b.iter(|| unsafe { cstr::read_ptr(black_box(p), 4096) }.map(|c| c.count_bytes()))
    });
    group.bench_function("read_ptr_probed", |b| {
        // SAFETY: as above.
        b.iter(|| unsafe { cstr::read_ptr_probed(black_box(p), 4096) }.map(|c| c.count_bytes()))
    });
    group.finish();
}

criterion_group!(benches, address_checks, probe, slices, strings);
criterion_main!(benches);
