//! A sandbox used from an ordinary `#[test]`: the worker re-executes this binary, whose `main`
//! is the built-in test harness, which refuses the worker's argument. The error must say what
//! such a binary needs instead of leaving the user to guess.

use ffiguard_sandbox::{Sandbox, SandboxError, isolated};

#[isolated]
fn one() -> u32 {
    1
}

#[test]
fn a_plain_test_harness_is_told_what_it_needs() {
    let sandbox = Sandbox::new().expect("a sandbox builds; its workers start on the first call");
    let error = one::call(&sandbox).expect_err("the worker cannot start under libtest");
    assert!(matches!(error, SandboxError::Spawn { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains("harness = false"), "{text}");
    assert!(text.contains("testing::run"), "{text}");
}
