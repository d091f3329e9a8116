//! Attacks through what a user adds to a preset: each found by an adversarial review with a
//! working proof of concept, each refused and reported now, and each shown to succeed (where
//! that is safe to show) without the defense.
//!
//! - procfs and devices through an allowed `/` or `/dev`: the broker opens files as the host,
//!   so it must never open one whose content depends on who opens it;
//! - `socket` allows only TCP/UDP over IP, and the worker holds no capability;
//! - `clone` named without threads is still threads-only;
//! - the broker never lets the worker's kernel act on what the host only read (`openat2`
//!   flags rewritten after the check, `openat` relative to a broker-given directory);
//! - directories list and `O_PATH` opens work (`O_TMPFILE` no longer reads as a write);
//! - learning mode never signals or reads another process.

mod support;

use std::path::PathBuf;

use ffiguard_sandbox::{OnViolation, Policy, Refusal, Requirement, Verdict};
use hostile::policy_attacks::*;
use hostile::{read_file, read_proc_mem, signal};
use support::{assert_serves, unconfined};

const EPERM: i32 = 1;
const EACCES: i32 = 13;

/// The host's secret, in its environment (set by `main` before any thread starts).
const SECRET_VAR: &str = "FFIGUARD_POLICY_TEST_SECRET";
const SECRET: &str = "host-secret-5f1c9a";

fn report_with_reason(sandbox: &ffiguard_sandbox::Sandbox, path: &str) -> Option<Refusal> {
    sandbox
        .blocked_calls()
        .iter()
        .find(|call| call.detail.as_deref() == Some(path))
        .and_then(|call| call.reason)
}

fn read(sandbox: &ffiguard_sandbox::Sandbox, path: &str) -> (i32, Vec<u8>) {
    let (result, bytes) = read_file::call(sandbox, path.to_owned(), 4096)
        .expect("call")
        .trust_unverified("compared");
    (result, bytes.to_vec())
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

/// Finding 1 (critical): with `/` allowed, the host resolved `/proc/self/…` as its own.
fn procfs_is_never_opened_for_the_worker() {
    let sandbox = support::sandbox(Policy::read_only(["/"]));
    let host = std::process::id();
    for path in [
        "/proc/self/environ".to_owned(),
        format!("/proc/{host}/environ"),
        "/proc/self/maps".to_owned(),
        format!("/proc/{host}/mem"),
        "/sys/kernel/mm/transparent_hugepage/enabled".to_owned(),
    ] {
        if !std::path::Path::new(&path).exists() {
            continue;
        }
        let (result, bytes) = read(&sandbox, &path);
        assert_eq!(
            result,
            -EACCES,
            "{path}: {}",
            String::from_utf8_lossy(&bytes)
        );
        assert!(bytes.is_empty(), "{path} leaked");
        assert_eq!(
            report_with_reason(&sandbox, &path),
            Some(Refusal::PseudoFile),
            "{path}: {:?}",
            sandbox.blocked_calls()
        );
    }
    let (result, _) = read_proc_mem::call(&sandbox, i32::try_from(host).unwrap_or(0), 0, 16)
        .expect("call")
        .trust_unverified("errno");
    assert!(result < 0);
    // An ordinary file beneath `/` is still readable.
    let (result, bytes) = read(&sandbox, "/etc/hostname");
    if std::path::Path::new("/etc/hostname").exists() {
        assert!(result >= 0 && !bytes.is_empty(), "{result}");
    }
    assert_serves(&sandbox);

    // Without the broker's check the same open hands over the host's environment: shown with
    // the host's own open, which is what the broker did.
    let own = std::fs::read(format!("/proc/{host}/environ")).unwrap_or_default();
    assert!(!own.is_empty(), "the comparison is not vacuous");
}

/// `/dev` allowed: the harmless devices open, the opener-dependent ones (`/dev/tty`, the
/// host's terminal) never do.
fn devices_that_depend_on_the_opener_are_refused() {
    let sandbox = support::sandbox(Policy::read_only(["/dev"]));
    let (result, _) = read(&sandbox, "/dev/null");
    assert_eq!(result, 0, "/dev/null reads as empty");
    let (result, bytes) = read(&sandbox, "/dev/zero");
    assert!(result > 0 && bytes.iter().all(|b| *b == 0), "{result}");
    if std::path::Path::new("/dev/tty").exists() {
        let (result, _) = read(&sandbox, "/dev/tty");
        assert_eq!(result, -EACCES);
        assert_eq!(
            report_with_reason(&sandbox, "/dev/tty"),
            Some(Refusal::PseudoFile)
        );
    }
    assert_serves(&sandbox);
}

/// `validate` refuses what it cannot make safe, before any worker starts.
fn unsafe_policies_are_refused_before_start() {
    let host = format!("/proc/{}", std::process::id());
    for policy in [
        Policy::read_only(["/proc/self"]),
        Policy::read_only(["/proc"]),
        Policy::read_only([host.as_str()]),
        Policy::read_only(["/sys"]),
        // Without the broker the worker would open /proc/<host>/cmdline or /dev/sda itself.
        Policy::read_only(["/"]).report(false),
        Policy::read_only(["/dev"]).report(false),
        Policy::read_only([std::env::temp_dir()]).landlock(Requirement::IfAvailable),
        Policy::pure_compute().allow_syscall("setpgid"),
        Policy::pure_compute().allow_syscall("setsid"),
        Policy::pure_compute().allow_syscall("fsconfig"),
        Policy::pure_compute().allow_syscall("fspick"),
        Policy::pure_compute().allow_syscall("mount_setattr"),
        Policy::pure_compute().allow_syscall("kexec_file_load"),
        Policy::pure_compute().allow_syscall("pidfd_send_signal"),
        Policy::pure_compute().allow_syscall("modify_ldt"),
        Policy::pure_compute().allow_syscall("creat"),
        Policy::pure_compute()
            .allow_syscall("openat2")
            .report(false),
        Policy::pure_compute().seccomp(Requirement::Off),
    ] {
        let shown = policy.to_string();
        let built = ffiguard_sandbox::Sandbox::builder().policy(policy).build();
        assert!(built.is_err(), "accepted: {shown}");
    }
}

/// Finding 2: `socket` allowed every family; the user namespace left every capability.
fn sockets_are_ip_only_and_capabilities_are_gone() {
    let policy = Policy::pure_compute()
        .allow_syscall("socket")
        .allow_syscall("socketpair")
        .allow_syscall("connect")
        .allow_syscall("capget");
    let sandbox = support::sandbox(policy);
    let refused = [
        ("AF_PACKET", libc::AF_PACKET, libc::SOCK_RAW, 0),
        ("AF_NETLINK", libc::AF_NETLINK, libc::SOCK_RAW, 0),
        ("AF_VSOCK", libc::AF_VSOCK, libc::SOCK_STREAM, 0),
        (
            "raw ICMP",
            libc::AF_INET,
            libc::SOCK_RAW,
            libc::IPPROTO_ICMP,
        ),
        ("ping", libc::AF_INET, libc::SOCK_DGRAM, libc::IPPROTO_ICMP),
        ("AF_UNIX", libc::AF_UNIX, libc::SOCK_STREAM, 0),
    ];
    for (name, family, kind, protocol) in refused {
        let before = sandbox.blocked_calls().len();
        let result = open_socket::call(&sandbox, family, kind, protocol)
            .expect("call")
            .trust_unverified("errno");
        assert_eq!(result, -EPERM, "{name}");
        let blocked = sandbox.blocked_calls();
        assert!(
            blocked[before..]
                .iter()
                .any(|call| call.syscall == "socket"),
            "{name} not reported"
        );
    }
    let tcp = open_socket::call(&sandbox, libc::AF_INET, libc::SOCK_STREAM, 0)
        .expect("call")
        .trust_unverified("errno");
    assert_eq!(tcp, 0, "TCP over IP stays allowed");

    // A path-based Unix socket of the host (think docker.sock) is out of reach.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("host.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&path).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let path_text = path.to_string_lossy().into_owned();
    let result = socketpair_sendto::call(&sandbox, path_text.clone())
        .expect("call")
        .trust_unverified("errno");
    assert!(result < 0, "a datagram pair reached {path_text}");
    let mut buffer = [0u8; 8];
    assert!(
        listener.recv(&mut buffer).is_err(),
        "the host socket got a datagram"
    );
    let stream = std::os::unix::net::UnixListener::bind(dir.path().join("stream.sock"))
        .expect("bind stream");
    stream.set_nonblocking(true).expect("nonblocking");
    let result = hostile::unix_exfil::call(
        &sandbox,
        dir.path()
            .join("stream.sock")
            .to_string_lossy()
            .into_owned(),
    )
    .expect("call")
    .trust_unverified("errno");
    assert!(result < 0);
    assert!(
        stream.accept().is_err(),
        "the worker connected to a host socket"
    );

    let caps = capabilities::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(caps, 0, "the worker kept capabilities");
    // Unconfined, the worker keeps what the host has (root in CI): not vacuous there.
    if rustix::process::geteuid().is_root() {
        let unconfined_caps = capabilities::call(&unconfined())
            .expect("call")
            .trust_unverified("compared");
        assert_ne!(unconfined_caps, 0);
    }
    assert_serves(&sandbox);
}

/// Finding 2, last part: `sendmsg` was allowed on descriptor 4 (the setup socket) by number,
/// so a socket that later took that number could send. Descriptor 4 now stays the setup
/// socket for the worker's life: closing it or duplicating onto it is refused and reported.
fn the_setup_descriptor_cannot_be_reused() {
    let mut policy = Policy::pure_compute()
        .allow_syscall("socket")
        .allow_syscall("dup2");
    policy.syscalls.remove("sendmsg");
    let sandbox = support::sandbox(policy);
    for (name, result) in [
        (
            "close",
            close_descriptor::call(&sandbox, 4)
                .expect("call")
                .trust_unverified("errno"),
        ),
        (
            "dup2",
            duplicate_onto::call(&sandbox, 0, 4)
                .expect("call")
                .trust_unverified("errno"),
        ),
    ] {
        assert_eq!(result, -EPERM, "{name} of descriptor 4 went through");
        assert!(
            sandbox
                .blocked_calls()
                .iter()
                .any(|call| call.syscall == name)
        );
    }
    // Other descriptors are the worker's to close.
    let result = duplicate_onto::call(&sandbox, 0, 9)
        .expect("call")
        .trust_unverified("fd");
    assert_eq!(result, 9);
    assert_eq!(
        close_descriptor::call(&sandbox, 9)
            .expect("call")
            .trust_unverified("errno"),
        0
    );
    assert_serves(&sandbox);
}

/// Finding 8: a blocked call from a second worker thread was reported under the thread's id
/// and, under `OnViolation::Kill`, the caller saw "killed by SIGKILL" instead of the policy
/// violation.
fn a_second_threads_violation_names_the_worker() {
    let policy = Policy::pure_compute()
        .allow_threads()
        .on_violation(OnViolation::Kill);
    let sandbox = support::sandbox(policy);
    let error = blocked_call_from_thread::call(&sandbox).expect_err("killed");
    match &error {
        ffiguard_sandbox::SandboxError::PolicyViolation { pid, call, .. } => {
            assert_eq!(call.syscall, "socket");
            assert_eq!(call.pid, *pid, "reported under the worker's pid");
        }
        other => panic!("not a policy violation: {other}"),
    }
    assert_serves(&sandbox);
}

/// Finding 3: `allow_syscall("clone")` without threads was an unconditioned clone.
fn clone_named_without_threads_is_threads_only() {
    let sandbox = support::sandbox(Policy::pure_compute().allow_syscall("clone"));
    for flags in [
        0,
        u64::try_from(libc::CLONE_NEWNET | libc::CLONE_NEWNS | libc::CLONE_NEWPID).unwrap_or(0),
        u64::try_from(libc::CLONE_NEWUSER).unwrap_or(0),
    ] {
        let before = sandbox.blocked_calls().len();
        let result = clone_with::call(&sandbox, flags)
            .expect("call")
            .trust_unverified("errno");
        assert_eq!(result, -EPERM, "clone({flags:#x}) went through");
        assert!(
            sandbox.blocked_calls()[before..]
                .iter()
                .any(|call| call.syscall == "clone"),
            "clone({flags:#x}) not reported"
        );
    }
    let forked = hostile::fork_child::call(&sandbox)
        .expect("call")
        .trust_unverified("errno");
    assert!(forked < 0);
    let unconfined_child = clone_with::call(&unconfined(), 0)
        .expect("call")
        .trust_unverified("pid");
    assert!(unconfined_child > 0, "the comparison is not vacuous");
    assert_serves(&sandbox);
}

/// A tree: an allowed directory holding a file and a link, a secret beside it.
struct Tree {
    _dir: tempfile::TempDir,
    allowed: PathBuf,
    secret: PathBuf,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("tempdir");
    let allowed = dir.path().join("allowed");
    std::fs::create_dir(&allowed).expect("allowed");
    std::fs::write(allowed.join("public"), "public-content").expect("public");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "the-secret").expect("secret");
    std::os::unix::fs::symlink(&secret, allowed.join("link")).expect("link");
    Tree {
        _dir: dir,
        allowed,
        secret,
    }
}

fn text(path: &std::path::Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Finding 4: decisions taken on worker memory were carried out by the worker's kernel. With
/// Landlock taken away, the broker alone must hold: `openat2` flags flipped to
/// `O_WRONLY|O_TRUNC` after the host read them, and `openat` relative to a directory the
/// broker handed out climbing out of it.
fn the_worker_kernel_never_acts_on_what_the_host_read() {
    let tree = tree();
    let policy = Policy::read_only([tree.allowed.clone()])
        .allow_threads()
        .allow_syscall("openat2")
        .landlock(Requirement::Off);
    assert!(policy.validate().is_err(), "read paths without Landlock");
    ffiguard_sandbox::waive_policy_check_for_tests();
    let sandbox = support::sandbox(policy);
    let writable = openat2_flag_race::call(&sandbox, text(&tree.allowed), "public".into(), 2000)
        .expect("call")
        .trust_unverified("count");
    assert_eq!(writable, 0, "an open came back writable");
    assert_eq!(
        std::fs::read(tree.allowed.join("public")).unwrap_or_default(),
        b"public-content",
        "the allowed file was truncated"
    );

    let (result, bytes) = read_at::call(&sandbox, text(&tree.allowed), "../secret".into(), 64)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!((result, bytes.to_vec()), (-EACCES, Vec::new()));
    let escape = format!("{}/../secret", tree.allowed.display());
    assert_eq!(report_with_reason(&sandbox, &escape), Some(Refusal::Escape));
    let (result, bytes) = read_at::call(&sandbox, text(&tree.allowed), "public".into(), 64)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!((result, &bytes[..]), (14, &b"public-content"[..]));

    let result = read_at_unknown_descriptor::call(&sandbox, "public".into())
        .expect("call")
        .trust_unverified("errno");
    assert_eq!(result, -EACCES);
    assert!(
        sandbox
            .blocked_calls()
            .iter()
            .any(|call| call.reason == Some(Refusal::UnknownDescriptor)),
        "{:?}",
        sandbox.blocked_calls()
    );
    assert_serves(&sandbox);

    let (_, leaked) = read_at::call(&unconfined(), text(&tree.allowed), "../secret".into(), 64)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(&leaked[..], b"the-secret", "the comparison is not vacuous");
}

/// Without the broker (`report(false)`) the worker's own kernel opens what Landlock allows:
/// with `/` allowed that is other processes' world-readable `/proc` entries. `validate`
/// refuses such a policy; taken away, the worker reads the host's `/proc/<pid>/status`.
fn unbrokered_root_would_open_other_processes_proc() {
    let policy = Policy::read_only(["/"]).report(false);
    assert!(policy.validate().is_err());
    ffiguard_sandbox::waive_policy_check_for_tests();
    let sandbox = support::sandbox(policy);
    let (result, bytes) = read(&sandbox, &format!("/proc/{}/status", std::process::id()));
    assert!(
        result > 0 && contains(&bytes, &format!("Pid:\t{}", std::process::id())),
        "the refused policy is not vacuous: {result}"
    );
}

/// Finding 9: `O_TMPFILE` contains `O_DIRECTORY`, so every directory open was refused as a
/// write; `O_PATH` failed with `EINVAL`. `readlink` is answered by the host.
fn directories_list_and_path_opens_work() {
    let tree = tree();
    let sandbox = support::sandbox(Policy::read_only([tree.allowed.clone()]));
    let entries = list_dir::call(&sandbox, text(&tree.allowed))
        .expect("call")
        .trust_unverified("count");
    assert_eq!(entries, 4, ". .. public link");
    let result = open_path::call(&sandbox, text(&tree.allowed.join("public")))
        .expect("call")
        .trust_unverified("errno");
    assert_eq!(result, 0);
    let (length, target) = read_link::call(&sandbox, text(&tree.allowed.join("link")), 256)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(&target[..], text(&tree.secret).as_bytes(), "{length}");
    let (length, target) = read_link::call(&sandbox, text(&tree.allowed.join("link")), 3)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(
        (length, &target[..]),
        (3, &text(&tree.secret).as_bytes()[..3])
    );
    let outside = "/proc/self/exe";
    let (result, _) = read_link::call(&sandbox, outside.into(), 256)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(result, -EACCES);
    assert_eq!(
        report_with_reason(&sandbox, outside),
        Some(Refusal::OutsideAllowedPaths)
    );
    assert_serves(&sandbox);
}

/// Finding 12: learning mode let `kill(host_pid, 0)` through.
fn learning_mode_never_reaches_other_processes() {
    let sandbox = support::sandbox(Policy::learning());
    let host = i32::try_from(std::process::id()).unwrap_or(0);
    let result = signal::call(&sandbox, host, 0)
        .expect("call")
        .trust_unverified("errno");
    assert_eq!(result, -EPERM, "learning mode signalled the host");
    let report = sandbox
        .blocked_calls()
        .into_iter()
        .find(|call| call.syscall == "kill")
        .expect("reported");
    assert_eq!(report.verdict, Verdict::Denied);
    let environ = format!("/proc/{host}/environ");
    let (result, bytes) = read(&sandbox, &environ);
    assert!(result < 0 && !contains(&bytes, SECRET), "{result}");
    assert_eq!(
        report_with_reason(&sandbox, &environ),
        Some(Refusal::PseudoFile)
    );
    // What learning is for still works: an ordinary file outside any policy is read and
    // reported as allowed.
    let tree = tree();
    let (result, _) = read(&sandbox, &text(&tree.secret));
    assert!(result > 0);
    assert!(
        sandbox
            .blocked_calls()
            .iter()
            .any(
                |call| call.detail.as_deref() == Some(text(&tree.secret).as_str())
                    && call.verdict == Verdict::Allowed
            )
    );
}

fn main() {
    // SAFETY: set before any thread of this process starts (the runner below starts them),
    // so no other thread reads the environment concurrently. (In a worker, re-executed from
    // this binary with an empty environment, it is set in the worker's own environment only.)
    unsafe { std::env::set_var(SECRET_VAR, SECRET) };
    support::run(ffiguard_sandbox::tests![
        procfs_is_never_opened_for_the_worker,
        devices_that_depend_on_the_opener_are_refused,
        unsafe_policies_are_refused_before_start,
        sockets_are_ip_only_and_capabilities_are_gone,
        the_setup_descriptor_cannot_be_reused,
        a_second_threads_violation_names_the_worker,
        clone_named_without_threads_is_threads_only,
        directories_list_and_path_opens_work,
        learning_mode_never_reaches_other_processes,
        // Last: these waive the policy check for the rest of this process.
        unbrokered_root_would_open_other_processes_proc,
        the_worker_kernel_never_acts_on_what_the_host_read,
    ]);
}
