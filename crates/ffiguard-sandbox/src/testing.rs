//! The runner for `harness = false` test binaries that use a sandbox.
//!
//! A worker re-executes the test binary, so [`crate::init`] must run before any test harness
//! does: under the built-in harness (a plain `#[test]`) the worker would be handed to libtest,
//! which does not know the worker's argument, and never start. [`run`] is the `main` such a
//! binary needs: it becomes a worker when started as one, otherwise runs the tests with the
//! built-in harness's arguments and output (one failure does not stop the others), and exits
//! non-zero if any failed.
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
//!     ffiguard_sandbox::testing::run(ffiguard_sandbox::tests![doubles]);
//! }
//! ```

use libtest_mimic::{Arguments, Trial};

/// One named test.
pub type Test = (&'static str, fn());

/// The list [`run`] takes, from the test functions' names alone:
/// `ffiguard_sandbox::tests![round_trip, crash_is_an_error]`.
#[macro_export]
macro_rules! tests {
    ($($test:ident),* $(,)?) => {
        &[$((::core::stringify!($test), $test as fn())),*]
    };
}

/// Becomes a worker if started as one; otherwise runs `tests` the way the built-in test harness
/// does, through [`libtest_mimic`]: the same arguments (a name filter, `--exact`, `--skip`,
/// `--list`, `--format terse|json`, `--test-threads`, …), the same output and exit status, so
/// `cargo test`, nextest and IDEs drive it as they drive any test binary. Tests run one at a
/// time unless `--test-threads` says otherwise: sandbox tests start processes and take
/// rlimits, ports and temporary files that they do not share well.
pub fn run(tests: &[Test]) {
    crate::init();
    let mut arguments = Arguments::from_args();
    arguments.test_threads = Some(arguments.test_threads.unwrap_or(1));
    let trials = tests
        .iter()
        .map(|(name, test)| {
            let test = *test;
            Trial::test(*name, move || {
                test();
                Ok(())
            })
        })
        .collect();
    libtest_mimic::run(&arguments, trials).exit();
}
