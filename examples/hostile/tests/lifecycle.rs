//! Attacks on how the host watches its worker: a syscall through another ABI (`int $0x80` on
//! x86_64), which the seccomp filter's architecture check kills with `SIGSYS` before the
//! listener can be told.
//!
//! The defense under test is the host's reading of that death: without it the kill is a bare
//! `SIGSYS` crash and the sandbox's blocked-call log says nothing.

mod support;

use ffiguard_sandbox::{SandboxError, Verdict};
use hostile::lifecycle::int80_getpid;
use support::{assert_serves, confined, unconfined};

fn a_foreign_abi_syscall_is_reported() {
    // Unconfined, the call goes through: the comparison that shows the confined run is not
    // vacuous (a kernel without 32-bit emulation faults instead, and there is nothing to test).
    let sandbox = unconfined();
    match int80_getpid::call(&sandbox) {
        Ok(pid) => {
            let pid = pid.trust_unverified("compared with the worker's pid");
            let worker = sandbox.idle_worker_pids();
            assert_eq!(
                Some(pid),
                worker.first().map(|&pid| std::ffi::c_long::from(pid))
            );
        }
        Err(error) => {
            println!("  (int $0x80 does not work here: {error}; skipped)");
            return;
        }
    }
    let sandbox = confined();
    assert_serves(&sandbox);
    let worker = sandbox.idle_worker_pids()[0];
    let error = int80_getpid::call(&sandbox).expect_err("the filter kills the worker");
    let SandboxError::FilterKilled { pid, call, .. } = &error else {
        panic!("not reported as a filter kill: {error}");
    };
    assert_eq!(*pid, worker);
    assert_eq!(call.syscall, "foreign-ABI syscall");
    assert!(error.to_string().contains("architecture check"), "{error}");
    let logged = sandbox.blocked_calls();
    let entry = logged
        .iter()
        .find(|call| call.syscall == "foreign-ABI syscall")
        .unwrap_or_else(|| panic!("not in the blocked-call log: {logged:?}"));
    assert_eq!(entry.verdict, Verdict::Killed);
    assert_eq!(entry.pid, worker);
    assert_serves(&sandbox);
}

fn main() {
    support::run(ffiguard_sandbox::tests![a_foreign_abi_syscall_is_reported,]);
}
