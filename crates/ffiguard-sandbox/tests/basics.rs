//! End-to-end calls through real worker processes: macro → worker → shared memory → `Tainted`,
//! and the state a worker starts in (environment, descriptors, process group, rlimits).

mod support;

use std::os::fd::AsRawFd;

use ffiguard_sandbox::{ByteBuf, Limits, Policy, Sandbox, isolated};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Summary {
    len: usize,
    first: Option<u8>,
    text: String,
}

#[isolated]
fn summarize(data: ByteBuf, label: String) -> Summary {
    Summary {
        len: data.len(),
        first: data.first().copied(),
        text: format!("{label}:{}", data.len()),
    }
}

#[isolated]
fn empty() {}

/// Registered under an explicit stable name instead of its module path.
#[isolated(name = "basics.renamed")]
fn renamed(value: u32) -> u32 {
    value + 1
}

#[isolated]
fn reverse(data: ByteBuf) -> ByteBuf {
    let mut bytes = data.into_vec();
    bytes.reverse();
    ByteBuf::from(bytes)
}

/// What the worker sees of its own process.
#[derive(Debug, Serialize, Deserialize)]
struct WorkerState {
    env_vars: usize,
    open_fds: Vec<u64>,
    pid: u32,
    pgid: u32,
    address_space: Option<u64>,
    open_files: Option<u64>,
    cores: Option<u64>,
    dumpable: bool,
}

#[isolated]
fn worker_state() -> WorkerState {
    // Probed with F_GETFD (no /proc: a policy may not read procfs, which the host's broker
    // would open as the host).
    let open_fds = (0..1024)
        .filter(|fd| {
            // SAFETY: fcntl(F_GETFD) on a descriptor number reads its flags or fails with
            // EBADF; it touches no memory and takes no ownership.
            unsafe { libc::fcntl(*fd, libc::F_GETFD) >= 0 }
        })
        .map(|fd| u64::try_from(fd).unwrap_or(0))
        .collect();
    let limit = |resource| rustix::process::getrlimit(resource).maximum;
    WorkerState {
        env_vars: std::env::vars_os().count(),
        open_fds,
        pid: std::process::id(),
        pgid: rustix::process::getpgrp()
            .as_raw_nonzero()
            .get()
            .unsigned_abs(),
        address_space: limit(rustix::process::Resource::As),
        open_files: limit(rustix::process::Resource::Nofile),
        cores: limit(rustix::process::Resource::Core),
        dumpable: rustix::process::dumpable_behavior()
            .is_ok_and(|d| d != rustix::process::DumpableBehavior::NotDumpable),
    }
}

/// What `worker_state` needs beyond `pure_compute`: its process group and dumpability.
fn inspecting_policy() -> Policy {
    Policy::pure_compute()
        .allow_syscall("getpgrp")
        .allow_syscall("prctl")
}

fn round_trip_with_tainted_result() {
    let sandbox = Sandbox::new().expect("sandbox");
    let summary = summarize::call(&sandbox, ByteBuf::from(vec![9u8; 1000]), "label".to_owned())
        .expect("call")
        .verify(|s| {
            if s.len <= 1000 {
                Ok(s)
            } else {
                Err("too long")
            }
        })
        .expect("verified");
    assert_eq!(
        summary,
        Summary {
            len: 1000,
            first: Some(9),
            text: "label:1000".to_owned()
        }
    );
    empty::call(&sandbox)
        .expect("empty call")
        .trust_unverified("unit carries no data");
    // The function is still an ordinary function in-process.
    assert_eq!(summarize(ByteBuf::new(), "x".into()).len, 0);
}

fn explicit_names_are_used() {
    assert_eq!(renamed::NAME, "basics.renamed");
    assert_eq!(summarize::NAME, "basics::summarize");
    let sandbox = Sandbox::new().expect("sandbox");
    let value = renamed::call(&sandbox, 41)
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(value, 42);
    assert_eq!(sandbox.recent_calls()[0].function, "basics.renamed");
}

fn large_buffers_cross_both_ways() {
    let sandbox = Sandbox::new().expect("sandbox");
    let data: Vec<u8> = (0..8u32 << 20).map(|i| i.to_le_bytes()[0] ^ 0x5a).collect();
    let reversed = reverse::call(&sandbox, ByteBuf::from(data.clone()))
        .expect("call")
        .trust_unverified("compared byte for byte below");
    let mut expected = data;
    expected.reverse();
    assert!(reversed[..] == expected[..]);
}

/// Covers descriptor hygiene (close_range before exec plus the worker's own check): a
/// descriptor the host leaks without CLOEXEC must not reach the worker.
fn leaked_host_descriptor_does_not_reach_worker() {
    let file = std::fs::File::open("/dev/null").expect("open");
    let leaked = rustix::io::fcntl_dupfd_cloexec(&file, 40).expect("dup");
    rustix::io::fcntl_setfd(&leaked, rustix::io::FdFlags::empty()).expect("clear CLOEXEC");
    assert!(
        !rustix::io::fcntl_getfd(&leaked)
            .expect("getfd")
            .contains(rustix::io::FdFlags::CLOEXEC)
    );
    let sandbox = Sandbox::builder()
        .policy(inspecting_policy())
        .build()
        .expect("sandbox");
    let state = worker_state::call(&sandbox)
        .expect("call")
        .trust_unverified("test inspection");
    assert!(
        !state
            .open_fds
            .contains(&u64::try_from(leaked.as_raw_fd()).unwrap_or(0))
    );
    // Exactly stdio, the region and the (pinned) setup socket: the listing itself worked (it
    // found them) and nothing else came along.
    assert_eq!(state.open_fds, [0, 1, 2, 3, 4], "{:?}", state.open_fds);
}

fn worker_starts_isolated_and_limited() {
    let limits = Limits::default()
        .with_address_space(Some(768 << 20))
        .with_open_files(Some(32));
    let sandbox = Sandbox::builder()
        .limits(limits)
        .policy(inspecting_policy())
        .build()
        .expect("sandbox");
    let state = worker_state::call(&sandbox)
        .expect("call")
        .trust_unverified("test inspection");
    assert_eq!(state.env_vars, 0, "environment must be empty");
    assert_eq!(state.pid, state.pgid, "worker leads its own process group");
    assert_ne!(state.pid, std::process::id());
    assert_eq!(state.address_space, Some(768 << 20));
    assert_eq!(state.open_files, Some(32));
    assert_eq!(state.cores, Some(0));
    assert!(!state.dumpable);
}

fn audit_ring_records_calls() {
    let sandbox = Sandbox::builder()
        .audit_capacity(3)
        .build()
        .expect("sandbox");
    for _ in 0..5 {
        empty::call(&sandbox)
            .expect("call")
            .trust_unverified("unit");
    }
    summarize::call(&sandbox, ByteBuf::from(vec![1u8; 10]), "a".into())
        .expect("call")
        .trust_unverified("only the audit is checked");
    let recent = sandbox.recent_calls();
    assert_eq!(recent.len(), 3);
    let last = recent.last().expect("a record");
    assert!(last.function.ends_with("summarize"), "{}", last.function);
    assert!(last.input_bytes >= 12);
    assert!(last.output_bytes > 0);
    assert_eq!(last.outcome, ffiguard_sandbox::Outcome::Ok);
    assert!(recent[0].function.ends_with("empty"));
}

/// Collects the `ffiguard_sandbox::call` events and their fields.
#[derive(Default)]
struct CallEvents {
    events: std::sync::Mutex<Vec<Vec<(String, String)>>>,
}

struct Fields(Vec<(String, String)>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl tracing::Subscriber for &'static CallEvents {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target() == "ffiguard_sandbox::call"
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        if let Ok(mut events) = self.events.lock() {
            events.push(fields.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn every_call_emits_a_tracing_event() {
    let collector: &'static CallEvents = Box::leak(Box::default());
    let sandbox = Sandbox::new().expect("sandbox");
    tracing::subscriber::with_default(collector, || {
        summarize::call(&sandbox, ByteBuf::from(vec![1u8; 64]), "t".into())
            .expect("call")
            .trust_unverified("only the event is checked");
    });
    let events = collector
        .events
        .lock()
        .map(|e| e.clone())
        .unwrap_or_default();
    assert_eq!(events.len(), 1, "{events:?}");
    let field = |name: &str| {
        events[0]
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(field("function").as_deref(), Some("\"basics::summarize\""));
    assert_eq!(field("outcome").as_deref(), Some("\"ok\""));
    assert!(field("input_bytes").is_some_and(|v| v.parse::<u64>().is_ok_and(|n| n >= 64)));
    assert!(field("output_bytes").is_some());
    assert!(field("duration_ns").is_some());
}

const LOW_NOFILE_HOST: &str = "--low-nofile-host";

/// The host role of `worker_limits_never_exceed_the_hosts`: lower this process's own hard
/// `RLIMIT_NOFILE` below the sandbox default (64), start a worker, print what it got.
fn low_nofile_host() -> ! {
    let limit = rustix::process::Rlimit {
        current: Some(40),
        maximum: Some(40),
    };
    rustix::process::setrlimit(rustix::process::Resource::Nofile, limit).expect("lower NOFILE");
    let sandbox = Sandbox::builder()
        .policy(inspecting_policy())
        .build()
        .expect("sandbox");
    let state = worker_state::call(&sandbox)
        .expect("call")
        .trust_unverified("printed");
    println!("{}", state.open_files.unwrap_or(0));
    std::process::exit(0);
}

/// Covers rlimit clamping: a host already running under a lower hard limit than the sandbox
/// asks for still starts workers (with its stricter limit) instead of failing with EPERM.
fn worker_limits_never_exceed_the_hosts() {
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg(LOW_NOFILE_HOST)
        .output()
        .expect("host process");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "40");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(LOW_NOFILE_HOST) {
        low_nofile_host();
    }
    support::run(ffiguard_sandbox::tests![
        worker_limits_never_exceed_the_hosts,
        explicit_names_are_used,
        every_call_emits_a_tracing_event,
        round_trip_with_tainted_result,
        large_buffers_cross_both_ways,
        leaked_host_descriptor_does_not_reach_worker,
        worker_starts_isolated_and_limited,
        audit_ring_records_calls,
    ]);
}
