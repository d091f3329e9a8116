//! Policy fuzzing: random policies, built through the public API and through serde, each run
//! against a fixed battery of attacks. Any policy [`Policy::validate`] accepts must leak
//! nothing from the host, and (with reporting) every attempt the policy refuses must be
//! reported.
//!
//! Read paths are drawn from `/`, `/proc`, `/proc/self`, `/dev`, `/sys` and a scratch
//! directory; syscalls from the whole table (with extra weight on the ones attacks use);
//! threads on or off; every [`Requirement`] for every layer; every [`OnViolation`]; reporting
//! on or off. The battery: the host's environment and memory through procfs and
//! `process_vm_readv`, a secret file outside the read paths, a write outside them, a signal
//! to the host, fork, new namespaces, packet/netlink sockets and a host Unix socket.
//!
//! What "leak" means, stated once: reading a file is a leak only when no read path covers it
//! (learning mode reads files on purpose: it is for trusted code); everything else in the
//! battery is never allowed by any accepted policy. `Policy::unconfined_dangerous` (no
//! seccomp, nothing else) is accepted by design and skipped. A refused attempt counts as
//! reported when a blocked call was logged during it; without a listener
//! (`report(false)`, not learning) nothing is reported, by design. Refusals by Landlock's TCP
//! rules or the empty network namespace are not policy refusals and are not required to be
//! reported (see `docs/threat-model.md`).
//!
//! Bounded: `FFIGUARD_POLICY_FUZZ_CASES` policies (default 1000) within
//! `FFIGUARD_POLICY_FUZZ_SECONDS` (default 120); `FFIGUARD_POLICY_FUZZ_SEED` picks the seed
//! (default fixed, so CI is reproducible). A failure prints the seed, the case and the policy
//! as JSON.

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ffiguard_sandbox::{OnViolation, Policy, Requirement, Sandbox, SandboxError};
use hostile::policy_attacks::{clone_with, open_socket};
use hostile::{
    fork_child, kernel_surface, process_vm_read, read_file, read_proc_mem, signal, unix_exfil,
    write_file,
};

/// A small deterministic generator (xorshift64*): the test needs reproducible choices, not
/// statistical quality.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n.max(1)).unwrap_or(1)).unwrap_or(0)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Syscalls the attacks use, drawn more often than the rest of the table.
const WEIGHTED: &[&str] = &[
    "socket",
    "socketpair",
    "connect",
    "sendto",
    "clone",
    "fork",
    "vfork",
    "kill",
    "tgkill",
    "openat",
    "openat2",
    "open",
    "readlink",
    "process_vm_readv",
    "ptrace",
    "unshare",
    "setns",
    "prctl",
    "setpgid",
    "setsid",
    "execve",
    "pidfd_open",
    "pidfd_send_signal",
    "bind",
    "capget",
    "creat",
    "unlink",
    "mkdir",
    "chmod",
    "fchmod",
];

/// What the fuzzer runs against.
struct Fixture {
    scratch: tempfile::TempDir,
    outside: tempfile::TempDir,
    secret_file: PathBuf,
    secret_memory: Box<[u8]>,
    host_environ: Vec<u8>,
    host_socket: PathBuf,
    _listener: std::os::unix::net::UnixListener,
}

fn fixture() -> Fixture {
    let scratch = tempfile::tempdir().expect("scratch");
    std::fs::write(scratch.path().join("inside"), "inside").expect("inside");
    let outside = tempfile::tempdir().expect("outside");
    let secret_file = outside.path().join("secret");
    std::fs::write(&secret_file, "fuzz-file-secret-83c1").expect("secret");
    let host_socket = outside.path().join("host.sock");
    let listener = std::os::unix::net::UnixListener::bind(&host_socket).expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let environ = std::fs::read("/proc/self/environ").unwrap_or_default();
    Fixture {
        scratch,
        outside,
        secret_file,
        secret_memory: b"fuzz-memory-secret-2b7e".to_vec().into_boxed_slice(),
        host_environ: environ.into_iter().take(24).collect(),
        host_socket,
        _listener: listener,
    }
}

fn random_policy(rng: &mut Rng, fixture: &Fixture) -> Policy {
    let mut policy = match rng.below(3) {
        0 => Policy::pure_compute(),
        1 => Policy::read_only(Vec::<PathBuf>::new()),
        _ => Policy::learning(),
    };
    let candidates: Vec<PathBuf> = ["/", "/proc", "/proc/self", "/dev", "/sys"]
        .iter()
        .map(PathBuf::from)
        .chain([fixture.scratch.path().to_path_buf()])
        .collect();
    for _ in 0..rng.below(3) {
        if rng.chance(60) {
            policy = policy.allow_read(rng.pick(&candidates).clone());
        }
    }
    let table: Vec<&str> = ffiguard_sandbox::syscall_names().collect();
    for _ in 0..rng.below(5) {
        let name = if rng.chance(75) {
            rng.pick(WEIGHTED)
        } else {
            rng.pick(&table)
        };
        policy = policy.allow_syscall(name);
    }
    if rng.chance(30) {
        policy = policy.allow_threads();
    }
    let requirements = [
        Requirement::Required,
        Requirement::IfAvailable,
        Requirement::Off,
    ];
    if rng.chance(25) {
        policy = policy.seccomp(*rng.pick(&requirements));
    }
    if rng.chance(25) {
        policy = policy.landlock(*rng.pick(&requirements));
    }
    if rng.chance(25) {
        policy = policy.namespaces(*rng.pick(&requirements));
    }
    if rng.chance(30) {
        let actions = [
            OnViolation::Deny,
            OnViolation::Kill,
            OnViolation::AllowAndLog,
        ];
        policy = policy.on_violation(*rng.pick(&actions));
    }
    if rng.chance(20) {
        policy = policy.report(false);
    }
    if rng.chance(50) {
        // Through serde, as a policy kept in a file would arrive.
        let json = serde_json::to_string(&policy).expect("a policy is plain data");
        policy = serde_json::from_str(&json).expect("and reads back");
    }
    policy
}

/// One attack's outcome: the call's result (an errno or a count), or the sandbox's error.
enum Outcome {
    Value(i32, Vec<u8>),
    Error(SandboxError),
}

fn outcome<T>(
    result: Result<ffiguard_sandbox::Tainted<T>, SandboxError>,
) -> Result<T, SandboxError> {
    result.map(|tainted| tainted.trust_unverified("compared by the battery"))
}

fn run_attack(sandbox: &Sandbox, name: &str, fixture: &Fixture) -> Outcome {
    let host = i32::try_from(std::process::id()).unwrap_or(0);
    let memory = fixture.secret_memory.as_ptr() as u64;
    let len = u32::try_from(fixture.secret_memory.len()).unwrap_or(0);
    let text = |path: &Path| path.to_string_lossy().into_owned();
    let value = |r: Result<i32, SandboxError>| match r {
        Ok(v) => Outcome::Value(v, Vec::new()),
        Err(e) => Outcome::Error(e),
    };
    let bytes = |r: Result<(i32, ffiguard_sandbox::ByteBuf), SandboxError>| match r {
        Ok((v, b)) => Outcome::Value(v, b.to_vec()),
        Err(e) => Outcome::Error(e),
    };
    match name {
        "host environ" => bytes(outcome(read_file::call(
            sandbox,
            format!("/proc/{host}/environ"),
            4096,
        ))),
        "own environ" => bytes(outcome(read_file::call(
            sandbox,
            "/proc/self/environ".into(),
            4096,
        ))),
        "host memory (procfs)" => bytes(outcome(read_proc_mem::call(sandbox, host, memory, len))),
        "host memory (process_vm_readv)" => {
            bytes(outcome(process_vm_read::call(sandbox, host, memory, len)))
        }
        "secret file" => bytes(outcome(read_file::call(
            sandbox,
            text(&fixture.secret_file),
            4096,
        ))),
        "write outside" => value(outcome(write_file::call(
            sandbox,
            text(&fixture.outside.path().join("written")),
        ))),
        "signal host" => value(outcome(signal::call(sandbox, host, 0))),
        "fork" => value(outcome(fork_child::call(sandbox))),
        "clone namespaces" => value(outcome(clone_with::call(
            sandbox,
            u64::try_from(libc::CLONE_NEWUSER | libc::CLONE_NEWNET).unwrap_or(0),
        ))),
        "unshare" => value(outcome(kernel_surface::call(
            sandbox,
            "unshare".into(),
            String::new(),
        ))),
        "packet socket" => value(outcome(open_socket::call(
            sandbox,
            libc::AF_PACKET,
            libc::SOCK_RAW,
            0,
        ))),
        "netlink socket" => value(outcome(open_socket::call(
            sandbox,
            libc::AF_NETLINK,
            libc::SOCK_RAW,
            0,
        ))),
        _ => value(outcome(unix_exfil::call(
            sandbox,
            text(&fixture.host_socket),
        ))),
    }
}

const BATTERY: &[&str] = &[
    "host environ",
    "own environ",
    "host memory (procfs)",
    "host memory (process_vm_readv)",
    "secret file",
    "write outside",
    "signal host",
    "fork",
    "clone namespaces",
    "unshare",
    "packet socket",
    "netlink socket",
    "host unix socket",
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether the attack's result is a leak under `policy`.
fn leaked(
    policy: &Policy,
    name: &str,
    value: i32,
    bytes: &[u8],
    fixture: &Fixture,
) -> Option<String> {
    let covered = |path: &Path| {
        policy.on_violation == OnViolation::AllowAndLog
            || policy
                .read_only_paths
                .iter()
                .any(|root| path.starts_with(root))
    };
    match name {
        "host environ" | "own environ" if contains(bytes, &fixture.host_environ) => {
            Some("the host's environment".into())
        }
        "host memory (procfs)" | "host memory (process_vm_readv)"
            if contains(bytes, &fixture.secret_memory) =>
        {
            Some("the host's memory".into())
        }
        "secret file" if value > 0 && !covered(&fixture.secret_file) => {
            Some("a file outside the read paths".into())
        }
        "write outside" if fixture.outside.path().join("written").exists() => {
            Some("a file written outside".into())
        }
        "signal host" | "fork" | "clone namespaces" | "unshare" | "packet socket"
        | "netlink socket" | "host unix socket"
            if value >= 0 =>
        {
            Some(format!("{name} went through ({value})"))
        }
        _ => None,
    }
}

fn policy_fuzzing() {
    let seed = env_number("FFIGUARD_POLICY_FUZZ_SEED", 0x5eed_f00d_d15e_a5e5);
    let cases = env_number("FFIGUARD_POLICY_FUZZ_CASES", 1000);
    let budget = Duration::from_secs(env_number("FFIGUARD_POLICY_FUZZ_SECONDS", 120));
    let fixture = fixture();
    let mut rng = Rng(seed.max(1));
    let started = Instant::now();
    let (mut accepted, mut refused, mut unconfined, mut attacks) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    for case in 0..cases {
        if started.elapsed() > budget {
            println!("  time budget reached after {case} policies");
            break;
        }
        let policy = random_policy(&mut rng, &fixture);
        if policy.validate().is_err() {
            refused += 1;
            continue;
        }
        if policy.seccomp == Requirement::Off {
            unconfined += 1;
            continue;
        }
        let sandbox = match Sandbox::builder()
            .policy(policy.clone())
            .deadline(Duration::from_secs(10))
            .limits(ffiguard_sandbox::Limits::default())
            .build()
        {
            Ok(sandbox) => sandbox,
            Err(error) => {
                failures.push(format!("case {case}: accepted but not built: {error}"));
                continue;
            }
        };
        accepted += 1;
        let reports = policy.report || policy.on_violation == OnViolation::AllowAndLog;
        for name in BATTERY {
            attacks += 1;
            let before = sandbox.blocked_calls().len();
            let (value, bytes) = match run_attack(&sandbox, name, &fixture) {
                Outcome::Value(value, bytes) => (value, bytes),
                // Killed for the attempt: contained, and named in the error.
                Outcome::Error(
                    SandboxError::PolicyViolation { .. } | SandboxError::FilterKilled { .. },
                ) => continue,
                Outcome::Error(SandboxError::Confinement { reason, .. }) => {
                    failures.push(format!(
                        "case {case}: {name}: worker not confined: {reason}"
                    ));
                    break;
                }
                Outcome::Error(error) => {
                    failures.push(format!("case {case}: {name}: {error}"));
                    continue;
                }
            };
            if let Some(leak) = leaked(&policy, name, value, &bytes, &fixture) {
                failures.push(format!("case {case}: {name}: LEAK: {leak}"));
            }
            let refused_by_policy = value == -libc::EPERM;
            if reports && refused_by_policy && sandbox.blocked_calls().len() == before {
                failures.push(format!(
                    "case {case}: {name}: refused ({value}) but not reported"
                ));
            }
        }
        let _ = std::fs::remove_file(fixture.outside.path().join("written"));
        if failures
            .iter()
            .any(|f| f.starts_with(&format!("case {case}:")))
        {
            let json = serde_json::to_string(&policy).unwrap_or_default();
            failures.push(format!("case {case} policy (seed {seed:#x}): {json}"));
        }
    }
    println!(
        "  seed {seed:#x}: {accepted} policies accepted and attacked ({attacks} attacks), \
         {refused} refused by validate, {unconfined} unconfined by request, {:.1?}",
        started.elapsed()
    );
    assert!(
        accepted > 0,
        "no policy was accepted: the fuzzer tested nothing"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn main() {
    support::run(ffiguard_sandbox::tests![policy_fuzzing,]);
}
