//! The host's side of the boundary against a worker that attacks the host itself rather than
//! the world: keeping the host's wait busy, outliving its sandbox, sharing the host's session
//! and terminal, lying about its confinement, and forging the host's log lines.

mod support;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use ffiguard_sandbox::test_hooks::rattle_robust_word;
use ffiguard_sandbox::{
    BlockedCall, Layers, Limits, Policy, Sandbox, SandboxError, Verdict, isolated,
};

#[isolated]
fn rattle(millis: u64) -> u64 {
    rattle_robust_word(Duration::from_millis(millis))
}

/// CPU time of the calling thread.
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through the pointer, which points at a local.
    let result = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(result, 0, "clock_gettime");
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Covers the pause after a wake-up without progress: a worker that keeps changing and waking
/// the robust word for 1.5 s made the waiting host thread use a third of a core or more.
fn rattling_the_robust_word_does_not_keep_the_host_busy() {
    let sandbox = Sandbox::new().expect("sandbox");
    sandbox.warm_up().expect("warm up");
    let (cpu_before, started) = (thread_cpu_time(), Instant::now());
    let wakes = rattle::call_with_deadline(&sandbox, Duration::from_secs(10), 1_500)
        .expect("call")
        .trust_unverified("a count to print");
    let (cpu, wall) = (thread_cpu_time() - cpu_before, started.elapsed());
    println!("    {wakes} wake-ups in {wall:.2?}; the host thread used {cpu:.2?} of CPU");
    assert!(wakes > 1_000, "the worker hardly rattled: {wakes}");
    assert!(
        cpu < wall / 10,
        "the host thread used {cpu:?} of CPU in {wall:?}"
    );
}

#[isolated]
fn join_process_group(group: i32) -> i32 {
    // SAFETY: setpgid changes only this process's group membership; no memory is involved.
    if unsafe { libc::setpgid(0, group) } == 0 {
        0
    } else {
        -std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }
}

/// Covers the kill through the pidfd (and the worker's own session, which keeps it in its
/// group): a worker that moved into the host's process group outlived a group-only kill.
fn a_worker_that_leaves_its_group_dies_with_its_sandbox() {
    // setpgid is the move under test: confinement would refuse it earlier.
    let sandbox = Sandbox::builder()
        .policy(Policy::unconfined_dangerous())
        .build()
        .expect("sandbox");
    // SAFETY: getpgrp has no preconditions.
    let host_group = unsafe { libc::getpgrp() };
    let moved = join_process_group::call(&sandbox, host_group)
        .expect("call")
        .trust_unverified("a result to print");
    println!("    setpgid into the host's group: {moved}");
    let worker = sandbox.idle_worker_pids()[0];
    drop(sandbox);
    let gone = (0..200).any(|_| {
        std::thread::sleep(Duration::from_millis(10));
        support::process_gone(worker)
    });
    assert!(gone, "worker {worker} outlived its sandbox");
}

/// This process's session, process group and process ids.
///
/// Read with libc rather than rustix: in a container whose session leader sits outside the
/// pid namespace `getsid` answers 0, which rustix's `Pid` cannot hold.
fn own_ids() -> (i32, i32, i32) {
    // SAFETY: getsid(0) reads this process's session id; it touches no memory.
    let session = unsafe { libc::getsid(0) };
    // SAFETY: getpgrp has no preconditions and touches no memory.
    let group = unsafe { libc::getpgrp() };
    (
        session,
        group,
        i32::try_from(std::process::id()).unwrap_or(-1),
    )
}

#[isolated]
fn session_and_group() -> (i32, i32, i32) {
    own_ids()
}

/// Covers `setsid` at spawn: the worker leads its own session and group, so it has no
/// controlling terminal and cannot reach the host's.
fn workers_lead_their_own_session() {
    let sandbox = Sandbox::builder()
        .policy(Policy::unconfined_dangerous())
        .build()
        .expect("sandbox");
    let (session, group, pid) = session_and_group::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    let (host_session, host_group, _) = own_ids();
    assert_eq!((session, group), (pid, pid), "the worker leads neither");
    assert_ne!(session, host_session);
    assert_ne!(group, host_group);
}

#[isolated]
fn ping() -> u32 {
    7
}

fn assert_refused_as_contradicted(sandbox: &Sandbox, expected: &str) {
    let error = ping::call(sandbox).expect_err("a lying worker must be refused");
    let SandboxError::Confinement { reason, .. } = &error else {
        panic!("not refused for its confinement: {error}");
    };
    assert!(
        reason.contains("the worker's report was contradicted") && reason.contains(expected),
        "{reason}"
    );
}

/// Covers the outside check of the worker's report: a worker claiming layers it did not put in
/// force, or sending something else as its listener, is refused.
fn a_worker_lying_about_its_confinement_is_refused() {
    let claims_everything = Sandbox::builder()
        .policy(Policy::unconfined_dangerous())
        .workers_claiming(
            Layers::SECCOMP
                .with(Layers::NO_NEW_PRIVS)
                .with(Layers::NOTIFY),
        )
        .build()
        .expect("sandbox");
    assert_refused_as_contradicted(&claims_everything, "the kernel shows");
    let claims_a_listener = Sandbox::builder()
        .policy(Policy::pure_compute().report(false))
        .workers_claiming(Layers::NOTIFY)
        .build()
        .expect("sandbox");
    assert_refused_as_contradicted(&claims_a_listener, "/dev/null");
    // The same policy without the lie is accepted.
    let honest = Sandbox::builder()
        .policy(Policy::pure_compute().report(false))
        .build()
        .expect("sandbox");
    assert_eq!(
        ping::call(&honest)
            .map(|v| v.trust_unverified("compared"))
            .ok(),
        Some(7)
    );
}

#[isolated]
fn open_path(path: String) -> i32 {
    let Ok(path) = std::ffi::CString::new(path) else {
        return -libc::EINVAL;
    };
    // SAFETY: `path` is a NUL-terminated string that outlives the call.
    let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY) };
    if fd >= 0 {
        // SAFETY: `fd` was just opened here and is closed once.
        unsafe { libc::close(fd) };
    }
    fd
}

/// Field values of the `ffiguard_sandbox::blocked` events seen by [`Capture`].
static BLOCKED_FIELDS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A minimal `tracing` subscriber that keeps the fields of blocked-call events, as a log
/// writer would receive them.
struct Capture;

struct Fields<'a>(&'a mut Vec<String>);

impl tracing::field::Visit for Fields<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        if event.metadata().target() == "ffiguard_sandbox::blocked" {
            let mut fields = BLOCKED_FIELDS
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            event.record(&mut Fields(&mut fields));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Characters that would let worker text forge or disguise a log line.
fn forges(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

/// Covers the escaping of worker text where blocked calls enter the log: a path with a
/// newline, an ANSI escape and a bidi override could forge a log line.
fn blocked_paths_cannot_forge_log_lines() {
    let _ = tracing::subscriber::set_global_default(Capture);
    let sandbox = Sandbox::builder()
        .limits(Limits::default())
        .build()
        .expect("sandbox");
    let path = "/tmp/ffiguard-forged\n2026-01-01 INFO all clear \u{1b}[31m\u{202e}txt.so";
    let result = open_path::call(&sandbox, path.to_owned())
        .expect("call")
        .trust_unverified("an errno");
    assert!(result < 0, "the open went through");
    let logged = sandbox.blocked_calls();
    let call = logged
        .iter()
        .find(|call| {
            call.detail
                .as_deref()
                .is_some_and(|d| d.contains("ffiguard-forged"))
        })
        .unwrap_or_else(|| panic!("the open was not reported: {logged:?}"));
    let detail = call.detail.as_deref().unwrap_or_default();
    assert!(!forges(detail), "{detail:?}");
    assert!(
        detail.contains("\\n2026")
            && detail.contains("\\u{1b}[31m")
            && detail.contains("\\u{202e}"),
        "{detail:?}"
    );
    assert!(!forges(&call.to_string()), "{call}");
    let fields = BLOCKED_FIELDS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let field = fields
        .iter()
        .find(|field| field.contains("ffiguard-forged"))
        .unwrap_or_else(|| panic!("no blocked-call event: {fields:?}"));
    assert!(!forges(field), "{field:?}");
    // A report built elsewhere is escaped when displayed.
    let built = BlockedCall {
        pid: 1,
        syscall: "openat".into(),
        nr: 257,
        args: [0; 6],
        detail: Some("a\nb\u{1b}[0m".into()),
        reason: None,
        verdict: Verdict::Denied,
    };
    assert!(!forges(&built.to_string()), "{built}");
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        rattling_the_robust_word_does_not_keep_the_host_busy,
        a_worker_that_leaves_its_group_dies_with_its_sandbox,
        workers_lead_their_own_session,
        a_worker_lying_about_its_confinement_is_refused,
        blocked_paths_cannot_forge_log_lines,
    ]);
}
