//! A minimal runner for `harness = false` test binaries that use a sandbox.
//!
//! A worker re-executes the test binary, so [`crate::init`] must run before any test harness
//! does. [`run`] is the `main` such a binary needs: it becomes a worker when started as one,
//! otherwise runs the named tests (each under `catch_unwind`, so one failure does not stop the
//! others) and exits non-zero if any failed.
//!
//! ```no_run
//! // tests/sandboxed.rs, with `[[test]] name = "sandboxed"` and `harness = false`
//! use ffiguard_sandbox::{Sandbox, isolated};
//!
//! #[isolated]
//! fn double(x: u32) -> u32 {
//!     x * 2
//! }
//!
//! fn doubles() {
//!     let sandbox = Sandbox::new().expect("sandbox");
//!     let y = double::call(&sandbox, 21).expect("call").trust_unverified("compared below");
//!     assert_eq!(y, 42);
//! }
//!
//! fn main() {
//!     ffiguard_sandbox::testing::run(&[("doubles", doubles)]);
//! }
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

/// One named test.
pub type Test = (&'static str, fn());

/// Becomes a worker if started as one; otherwise runs the tests whose name contains the first
/// non-flag command-line argument (all if none), prints one line per test and a summary, and
/// exits with status 1 if any failed.
pub fn run(tests: &[Test]) {
    crate::init();
    let filter = std::env::args().skip(1).find(|arg| !arg.starts_with('-'));
    let mut failed = Vec::new();
    let mut ran = 0;
    for (name, test) in tests {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
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
