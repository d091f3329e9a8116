//! Per-call cost of ffiguard's checked trampolines versus a bare `extern "C"` callback.
//!
//! A "C" driver (an `extern "C"` function that is never inlined and receives the callback
//! through `black_box`) calls the callback 1,000 times per iteration; every variant does the
//! same work (a relaxed load and store on an `AtomicU64`), so the difference is the trampoline.
//! Run: `cargo bench -p ffiguard --bench trampoline`.

use std::ffi::{c_int, c_void};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ffiguard::callback::Callback;

type Visit = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;

const CALLS: c_int = 1_000;

/// The "C" side: calls `visit` `n` times.
///
/// # Safety
/// `visit` and `user_data` must be a matching pair, valid until this returns.
#[inline(never)]
unsafe extern "C" fn drive(n: c_int, visit: Visit, user_data: *mut c_void) -> c_int {
    let mut acc = 0;
    for i in 0..n {
        // SAFETY: the bench passes a matching pair that outlives this call.
        acc ^= unsafe { black_box(visit)(black_box(user_data), i) };
    }
    acc
}

fn work(counter: &AtomicU64, x: c_int) -> c_int {
    // Load and store, not `fetch_add`: a locked instruction would dwarf what is measured.
    let next = counter
        .load(Ordering::Relaxed)
        .wrapping_add(u64::from(x.unsigned_abs()));
    counter.store(next, Ordering::Relaxed);
    x & 1
}

/// The baseline: what a hand-written, unchecked callback costs.
///
/// # Safety
/// `user_data` must point to a live `AtomicU64`.
unsafe extern "C" fn bare(user_data: *mut c_void, x: c_int) -> c_int {
    // SAFETY: the bench passes a pointer to a live `AtomicU64`.
    let counter = unsafe { &*user_data.cast::<AtomicU64>() };
    work(counter, x)
}

fn bench(c: &mut Criterion) {
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group("callback_1000_calls");
    group.throughput(Throughput::Elements(u64::try_from(CALLS).unwrap_or(1)));

    let bare_ud = std::ptr::from_ref(&counter).cast_mut().cast::<c_void>();
    group.bench_function("bare_extern_c", |b| {
        // SAFETY: `bare` and a pointer to `counter`, alive for the whole bench.
        b.iter(|| unsafe { drive(CALLS, bare, bare_ud) })
    });

    let scoped = Callback::new(|x: c_int| work(&counter, x), -1).scope(|cb| {
        let visit: Visit = cb.trampoline();
        group.bench_function("exclusive_fnmut", |b| {
            // SAFETY: the pair is used during the scope, on this thread.
            b.iter(|| unsafe { drive(CALLS, visit, cb.user_data()) })
        });
    });
    assert!(scoped.is_ok());

    let scoped = Callback::reentrant(|x: c_int| work(&counter, x), -1).scope(|cb| {
        let visit: Visit = cb.trampoline();
        group.bench_function("reentrant_fn", |b| {
            // SAFETY: as above.
            b.iter(|| unsafe { drive(CALLS, visit, cb.user_data()) })
        });
    });
    assert!(scoped.is_ok());

    let scoped = Callback::any_thread(|x: c_int| work(&counter, x), -1).scope(|cb| {
        let visit: Visit = cb.trampoline();
        group.bench_function("any_thread_fn", |b| {
            // SAFETY: as above.
            b.iter(|| unsafe { drive(CALLS, visit, cb.user_data()) })
        });
    });
    assert!(scoped.is_ok());
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
