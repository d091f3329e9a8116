//! Shared pieces of the attack suites: the crate's runner for `harness = false` binaries (the
//! worker check must run before anything else), sandboxes under each policy, and the checks
//! every attack ends with.

#![allow(dead_code)] // Each suite uses its own subset.

use std::time::Duration;

use ffiguard_sandbox::{Limits, Policy, Sandbox};

pub(crate) use ffiguard_sandbox::testing::run;

/// A sandbox under `policy`, with room for the unconfined comparisons to fork.
pub(crate) fn sandbox(policy: Policy) -> Sandbox {
    Sandbox::builder()
        .policy(policy)
        .limits(Limits::default().with_max_processes(None))
        .deadline(Duration::from_secs(20))
        .build()
        .expect("sandbox")
}

/// The default confinement.
pub(crate) fn confined() -> Sandbox {
    sandbox(Policy::pure_compute())
}

/// No confinement: the comparison that shows what each attack does otherwise.
pub(crate) fn unconfined() -> Sandbox {
    sandbox(Policy::unconfined_dangerous())
}

/// The host is alive and a worker serves the next call.
pub(crate) fn assert_serves(sandbox: &Sandbox) {
    let value = hostile::ping::call(sandbox, 41)
        .expect("the next call is served")
        .trust_unverified("compared");
    assert_eq!(value, 42);
}

/// The attack was refused, reported under `syscall`, and the sandbox still serves. Returns
/// the report's decoded detail.
pub(crate) fn assert_contained(sandbox: &Sandbox, result: i32, syscall: &str) -> Option<String> {
    assert!(result < 0, "the attack went through ({result})");
    let blocked = sandbox.blocked_calls();
    let event = blocked
        .iter()
        .find(|call| call.syscall == syscall)
        .unwrap_or_else(|| panic!("no report of {syscall}: {blocked:?}"));
    let detail = event.detail.clone();
    assert_serves(sandbox);
    detail
}

/// Waits (bounded) until `check` holds.
pub(crate) fn eventually(mut check: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Whether this process may ptrace processes that are not its descendants (root, or Yama off):
/// some unconfined comparisons depend on it.
pub(crate) fn may_ptrace_others() -> bool {
    rustix::process::geteuid().is_root()
        || std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
            .map_or(true, |scope| scope.trim() == "0")
}

/// Runs this test binary again as `nobody` (with `setpriv`) with `flag` as its argument, when
/// this process is root and the binary is reachable by other users. `None` when it cannot
/// (the caller says so and skips).
pub(crate) fn rerun_unprivileged(flag: &str) -> Option<std::process::Output> {
    let exe = std::env::current_exe().ok()?;
    if !reachable_by_others(&exe) {
        println!("  (the test binary is not readable by other users; unprivileged run skipped)");
        return None;
    }
    match std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(exe)
        .arg(flag)
        .current_dir("/")
        .output()
    {
        Ok(output) => Some(output),
        Err(error) => {
            println!("  (setpriv unavailable: {error}; unprivileged run skipped)");
            None
        }
    }
}

/// Whether `nobody` can execute `path` (every directory on the way searchable by others, the
/// file readable and executable by others).
fn reachable_by_others(path: &std::path::Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.permissions().mode());
    mode(path) & 0o005 == 0o005
        && path
            .ancestors()
            .skip(1)
            .all(|dir| dir.as_os_str().is_empty() || mode(dir) & 0o001 != 0)
}
