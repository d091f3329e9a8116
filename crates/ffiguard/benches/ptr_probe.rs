//! The cost of each pointer and string check, next to the unchecked operation it guards, and
//! of building a string argument for C.
//!
//! Run: `cargo bench -p ffiguard --bench ptr_probe`. Medians are in
//! `target/criterion/<group>/<name>/new/estimates.json`; `BENCHMARKS.md` lists them.
//!
//! Times are this thread's CPU time (user + system, `CLOCK_THREAD_CPUTIME_ID`), not wall time:
//! the reference machine is shared, and wall time there mostly measures the other builds.

use std::hint::black_box;

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ffiguard::cstr;
use ffiguard::ptr::{self, Probe};

/// CPU time consumed by the calling thread, in nanoseconds.
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    let secs = u64::try_from(ts.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(ts.tv_nsec).unwrap_or(0);
    secs * 1_000_000_000 + nanos
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        // Benchmark totals stay far below 2^53 ns (104 days), so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let ns = *value as f64;
        ns
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanoseconds
    }
}

/// Formats CPU times as ns/µs/ms and byte throughputs as MiB/s.
struct Nanoseconds;

impl ValueFormatter for Nanoseconds {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = if typical < 1e3 {
            (1.0, "ns")
        } else if typical < 1e6 {
            (1e-3, "µs")
        } else {
            (1e-6, "ms")
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        throughput: &Throughput,
        values: &mut [f64],
    ) -> &'static str {
        let per_iteration = match *throughput {
            Throughput::Bytes(n) | Throughput::BytesDecimal(n) => n,
            _ => 1,
        };
        #[allow(clippy::cast_precision_loss)]
        let bytes = per_iteration as f64;
        values
            .iter_mut()
            .for_each(|v| *v = bytes * 1e9 / *v / (1024.0 * 1024.0));
        "MiB/s"
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

type Bench = Criterion<ThreadCpuTime>;

fn address_checks(c: &mut Bench) {
    let mut group = c.benchmark_group("ptr_check");
    let value = 7_u64;
    let p: *const u64 = &value;
    group.bench_function("check", |b| b.iter(|| ptr::check(black_box(p))));
    group.bench_function("is_null_only", |b| b.iter(|| black_box(p).is_null()));
    group.finish();
}

fn probe(c: &mut Bench) {
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

fn slices(c: &mut Bench) {
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

fn strings(c: &mut Bench) {
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

fn string_args(c: &mut Bench) {
    let mut group = c.benchmark_group("cstr_arg");
    let short = "/var/lib/app/state.db";
    let long = "x".repeat(200);
    group.bench_function("CString_new_short", |b| {
        b.iter(|| std::ffi::CString::new(black_box(short)).map(|s| s.as_bytes().len()))
    });
    group.bench_function("CStrArg_new_short", |b| {
        b.iter(|| cstr::CStrArg::new(black_box(short), 4096).map(|s| s.count_bytes()))
    });
    group.bench_function("CString_new_200", |b| {
        b.iter(|| std::ffi::CString::new(black_box(long.as_str())).map(|s| s.as_bytes().len()))
    });
    group.bench_function("CStrArg_new_200", |b| {
        b.iter(|| cstr::CStrArg::new(black_box(&long), 4096).map(|s| s.count_bytes()))
    });
    group.bench_function("CStrArg_from_c_str", |b| {
        b.iter(|| {
            cstr::CStrArg::from_c_str(black_box(c"/var/lib/app/state.db"), 4096, cstr::Utf8::Any)
                .map(|s| s.count_bytes())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = address_checks, probe, slices, strings, string_args
}
criterion_main!(benches);
