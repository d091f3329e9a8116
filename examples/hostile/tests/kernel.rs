//! Attacks on the kernel and on the sandbox itself: the kernel surfaces no policy may open
//! (io_uring, bpf, userfaultfd, perf events, keys, mount, namespaces, personality, executable
//! memory from data), resource bombs (capped), crashes of every kind, inherited descriptors;
//! then what the policy does with a violation (deny, kill, learn), the status the worker
//! reports, the refusal of a policy that cannot be put in force, and an unprivileged host.
//!
//! The defense for the kernel surfaces is the seccomp allowlist (reported through the
//! listener); for the bombs the rlimits; for the crashes the process boundary.

mod support;

use std::time::Duration;

use ffiguard_sandbox::{
    Layers, Limits, OnViolation, Policy, Requirement, Sandbox, SandboxError, Verdict,
};
use hostile::*;
use support::{assert_contained, assert_serves, confined, unconfined};

const KERNEL_SURFACES: [&str; 10] = [
    "io_uring_setup",
    "bpf",
    "userfaultfd",
    "perf_event_open",
    "keyctl",
    "mount",
    "unshare",
    "personality",
    "mprotect",
    "mmap",
];

/// Surfaces the unconfined comparison must reach on any kernel and any user (the others
/// depend on privileges and sysctls; they are shown where they work).
const ALWAYS_REACHABLE: [&str; 3] = ["personality", "mprotect", "mmap"];

fn kernel_surfaces() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().to_string_lossy().into_owned();
    let sandbox = confined();
    for surface in KERNEL_SURFACES {
        let result = kernel_surface::call(&sandbox, surface.to_owned(), target.clone())
            .expect("call")
            .trust_unverified("errno");
        assert_contained(&sandbox, result, surface);
    }
    let sandbox = unconfined();
    for surface in KERNEL_SURFACES {
        let result = kernel_surface::call(&sandbox, surface.to_owned(), target.clone())
            .expect("call")
            .trust_unverified("errno");
        println!("  unconfined {surface}: {result}");
        if ALWAYS_REACHABLE.contains(&surface) {
            assert_eq!(result, 0, "{surface}");
        }
    }
}

fn memory_bomb_is_capped() {
    let sandbox = Sandbox::builder()
        .limits(Limits::default().with_address_space(Some(256 << 20)))
        .build()
        .expect("sandbox");
    let got = memory_bomb::call(&sandbox, 4096)
        .expect("call")
        .trust_unverified("count");
    assert!(got < 256, "{got} MiB");
    assert_serves(&sandbox);
}

fn cpu_bomb_is_capped() {
    let sandbox = Sandbox::builder()
        .limits(Limits::default().with_cpu_time(Some(Duration::from_secs(1))))
        .build()
        .expect("sandbox");
    let error = cpu_bomb::call(&sandbox, 5).expect_err("the CPU limit ends it");
    assert!(error.worker_replaced(), "{error}");
    assert_serves(&sandbox);
}

fn descriptor_bomb_is_capped() {
    let sandbox = confined();
    let got = descriptor_bomb::call(&sandbox, 100_000)
        .expect("call")
        .trust_unverified("n");
    assert_eq!(got, 0);
    assert_contained(&sandbox, -1, "fcntl");
    let sandbox = unconfined();
    let got = descriptor_bomb::call(&sandbox, 100_000)
        .expect("call")
        .trust_unverified("n");
    assert!(got > 0 && got < 100_000, "RLIMIT_NOFILE caps it: {got}");
}

fn disk_bomb_is_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bomb");
    let text = path.to_string_lossy().into_owned();
    let sandbox = confined();
    let result = disk_bomb::call(&sandbox, text.clone(), 4096)
        .expect("call")
        .trust_unverified("n");
    assert_contained(&sandbox, result, "openat");
    assert!(!path.exists());
    let sandbox = Sandbox::builder()
        .policy(Policy::unconfined_dangerous())
        .limits(Limits::default().with_file_size(Some(64 << 10)))
        .build()
        .expect("sandbox");
    // RLIMIT_FSIZE stops it (SIGXFSZ ends the worker, or the write fails).
    let _ = disk_bomb::call(&sandbox, text, 4096);
    assert!(std::fs::metadata(&path).map_or(0, |m| m.len()) <= 64 << 10);
    assert_serves(&sandbox);
}

fn crashes_of_every_kind() {
    let sandbox = confined();
    for kind in 0..5 {
        let Err(error) = crash::call(&sandbox, kind) else {
            panic!("crash kind {kind} returned normally");
        };
        assert!(error.worker_replaced(), "kind {kind}: {error}");
        assert!(matches!(
            error,
            SandboxError::Crashed { .. } | SandboxError::Exited { code: 42, .. }
        ));
        assert_serves(&sandbox);
    }
}

fn no_inherited_descriptors() {
    // Descriptor 3 is the shared region and 4 the setup socket (kept for the worker's life so
    // that no later socket takes its number); nothing else may be open.
    let sandbox = confined();
    assert_eq!(
        inherited_descriptors::call(&sandbox)
            .expect("call")
            .trust_unverified("n"),
        2
    );
}

/// Covers the host's copy-before-decode and bounds: a worker thread rewrites the reply while
/// the host reads it. Confined without threads, the thread is refused (and reported).
fn shared_memory_rewritten_while_read() {
    const REGION_FD: i32 = 3;
    let sandbox = confined();
    let result = scribble_region::call(&sandbox, REGION_FD)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "clone");
    let sandbox = support::sandbox(Policy::pure_compute().allow_threads());
    for _ in 0..5 {
        // A reply rewritten in flight decodes from the host's private copy, or is an error.
        let _ = scribble_region::call(&sandbox, REGION_FD);
        std::thread::sleep(Duration::from_millis(350));
        assert_serves(&sandbox);
    }
    let blocked = sandbox.blocked_calls();
    assert!(blocked.is_empty(), "threads are allowed here: {blocked:?}");
}

fn kill_on_violation() {
    let sandbox = support::sandbox(Policy::pure_compute().on_violation(OnViolation::Kill));
    let error = fork_child::call(&sandbox).expect_err("the worker is killed");
    assert!(error.worker_replaced(), "{error}");
    assert!(
        matches!(&error, SandboxError::PolicyViolation { call, .. } if call.syscall == "clone"),
        "the error names the blocked call: {error}"
    );
    let blocked = sandbox.blocked_calls();
    assert!(
        blocked
            .iter()
            .any(|c| c.syscall == "clone" && c.verdict == Verdict::Killed)
    );
    assert_serves(&sandbox);
}

fn learning_mode_suggests_a_policy() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("data");
    std::fs::write(&file, "data").expect("file");
    let sandbox = support::sandbox(Policy::learning());
    let (_, bytes) = read_file::call(&sandbox, file.to_string_lossy().into_owned(), 16)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(&bytes[..], b"data", "learning mode allows");
    let suggested = sandbox.suggested_policy();
    assert!(suggested.syscalls.contains("openat"), "{suggested}");
    assert!(suggested.read_only_paths.contains(&file), "{suggested}");
    // The suggestion works: the same read under it, fully confined.
    let confined_by_suggestion = support::sandbox(suggested);
    let (_, bytes) = read_file::call(
        &confined_by_suggestion,
        file.to_string_lossy().into_owned(),
        16,
    )
    .expect("call")
    .trust_unverified("compared");
    assert_eq!(&bytes[..], b"data");
    assert!(confined_by_suggestion.blocked_calls().is_empty());
    // Always-blocked calls stay blocked even while learning.
    let result = kernel_surface::call(&sandbox, "bpf".into(), String::new())
        .expect("call")
        .trust_unverified("errno");
    assert!(result < 0);
    assert!(!sandbox.suggested_policy().syscalls.contains("bpf"));
}

fn status_reports_the_layers_in_force() {
    let sandbox = confined();
    assert_serves(&sandbox);
    let status = sandbox.confinement_status().expect("a worker started");
    for layer in [
        Layers::SECCOMP,
        Layers::NOTIFY,
        Layers::NO_NEW_PRIVS,
        Layers::LANDLOCK,
    ] {
        assert!(status.layers.contains(layer), "{status}");
    }
    assert!(status.landlock_abi >= 1, "{status}");
    let sandbox = unconfined();
    assert_serves(&sandbox);
    let status = sandbox.confinement_status().expect("a worker started");
    assert!(status.layers.is_empty(), "{status}");
}

fn an_unenforceable_policy_is_refused() {
    let refuse = |policy: Policy| {
        Sandbox::builder()
            .policy(policy)
            .build()
            .expect_err("refused before any worker starts")
            .to_string()
    };
    let error = refuse(Policy::pure_compute().allow_syscall("no_such_syscall"));
    assert!(error.contains("does not know: no_such_syscall"), "{error}");
    let error = refuse(Policy::pure_compute().allow_syscall("ptrace"));
    assert!(error.contains("no policy may allow: ptrace"), "{error}");
}

const MISSING_LAYERS: &str = "--host-without-landlock-and-namespaces";

/// The host role of `a_missing_layer_is_named_not_downgraded`: this process makes the kernel
/// look like one without Landlock and without user namespaces (a seccomp filter, inherited by
/// its workers, fails `landlock_create_ruleset` with `ENOSYS` and `unshare` with `EPERM`),
/// then starts sandboxes that require and that merely prefer those layers.
fn host_without_landlock_and_namespaces() -> ! {
    ffiguard_sandbox::init();
    let rules = std::collections::BTreeMap::from([
        (libc::SYS_landlock_create_ruleset, Vec::new()),
        (libc::SYS_unshare, Vec::new()),
    ]);
    let filter = seccompiler::SeccompFilter::new(
        rules,
        seccompiler::SeccompAction::Allow,
        seccompiler::SeccompAction::Errno(38),
        seccompiler::TargetArch::x86_64,
    )
    .expect("filter");
    let program: seccompiler::BpfProgram = filter.try_into().expect("program");
    seccompiler::apply_filter(&program).expect("install");

    let sandbox = support::sandbox(Policy::pure_compute());
    let error = ping::call(&sandbox, 1).expect_err("Landlock is required");
    assert!(matches!(error, SandboxError::Confinement { .. }), "{error}");
    assert!(error.to_string().contains("Landlock"), "{error}");
    let sandbox = support::sandbox(
        Policy::pure_compute()
            .landlock(Requirement::IfAvailable)
            .namespaces(Requirement::Required),
    );
    let error = ping::call(&sandbox, 1).expect_err("namespaces are required");
    assert!(error.to_string().contains("namespaces"), "{error}");
    let sandbox = support::sandbox(Policy::pure_compute().landlock(Requirement::IfAvailable));
    assert_serves(&sandbox);
    let status = sandbox.confinement_status().expect("status");
    assert!(!status.layers.contains(Layers::LANDLOCK), "{status}");
    assert!(!status.layers.contains(Layers::NAMESPACES), "{status}");
    assert!(status.layers.contains(Layers::SECCOMP), "{status}");
    println!("refused and reported: {status}");
    std::process::exit(0);
}

/// Covers "nothing is silently downgraded": a required layer the kernel refuses stops the
/// sandbox with an error naming the layer; a preferred one is left out and the status says so.
fn a_missing_layer_is_named_not_downgraded() {
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg(MISSING_LAYERS)
        .output()
        .expect("host process");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("refused and reported"));
}

const UNPRIVILEGED: &str = "--unprivileged-host";

/// The host role of `works_unprivileged`: contained attacks and the status, as nobody.
fn unprivileged_host() -> ! {
    ffiguard_sandbox::init();
    let sandbox = confined();
    let result = fork_child::call(&sandbox)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "clone");
    let (result, _) = read_file::call(&sandbox, "/etc/hostname".into(), 16)
        .expect("call")
        .trust_unverified("errno");
    let detail = assert_contained(&sandbox, result, "openat");
    assert_eq!(detail.as_deref(), Some("/etc/hostname"));
    let status = sandbox.confinement_status().expect("status");
    println!("{status}");
    std::process::exit(0);
}

/// Covers confinement without privileges: the same layers go in force for an unprivileged
/// host (run as `nobody` with `setpriv` when this test runs as root).
fn works_unprivileged() {
    if !rustix::process::geteuid().is_root() {
        unprivileged_host_checks();
        return;
    }
    let Some(output) = support::rerun_unprivileged(UNPRIVILEGED) else {
        return;
    };
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("seccomp user notification"), "{stdout}");
    assert!(stdout.contains("landlock"), "{stdout}");
}

fn unprivileged_host_checks() {
    let sandbox = confined();
    let result = fork_child::call(&sandbox)
        .expect("call")
        .trust_unverified("errno");
    assert_contained(&sandbox, result, "clone");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(UNPRIVILEGED) {
        unprivileged_host();
    }
    if std::env::args().nth(1).as_deref() == Some(MISSING_LAYERS) {
        host_without_landlock_and_namespaces();
    }
    support::run(ffiguard_sandbox::tests![
        kernel_surfaces,
        memory_bomb_is_capped,
        cpu_bomb_is_capped,
        descriptor_bomb_is_capped,
        disk_bomb_is_capped,
        crashes_of_every_kind,
        no_inherited_descriptors,
        shared_memory_rewritten_while_read,
        kill_on_violation,
        learning_mode_suggests_a_policy,
        status_reports_the_layers_in_force,
        an_unenforceable_policy_is_refused,
        works_unprivileged,
        a_missing_layer_is_named_not_downgraded,
    ]);
}
