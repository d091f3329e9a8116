//! A minimal test runner for test binaries that re-execute themselves as sandbox workers: the
//! worker check must run before any harness, so these binaries have `harness = false`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// One named test.
pub(crate) type Test = (&'static str, fn());

/// Becomes a worker if started as one; otherwise runs the tests whose name contains the first
/// command-line argument (all if none) and exits non-zero if any failed.
pub(crate) fn run(tests: &[Test]) {
    ffiguard_sandbox::init();
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if filter
            .as_deref()
            .is_some_and(|filter| !name.contains(filter))
        {
            continue;
        }
        ran += 1;
        let started = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(test));
        let verdict = if outcome.is_ok() { "ok" } else { "FAILED" };
        println!("test {name} ... {verdict} ({:.1?})", started.elapsed());
        if outcome.is_err() {
            failed.push(*name);
        }
    }
    println!("\n{ran} run, {} failed {failed:?}", failed.len());
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
