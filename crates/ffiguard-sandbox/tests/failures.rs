//! Worker failures become values and a fresh worker serves the next call: crashes (SIGSEGV,
//! abort, stack overflow), panics, a hang past the deadline, resource limits (RLIMIT_AS,
//! RLIMIT_CPU, RLIMIT_FSIZE), exits, and grandchildren left behind.

mod support;

use std::time::Duration;

use ffiguard_sandbox::{Limit, Limits, Policy, Sandbox, SandboxError, isolated};

#[isolated]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

#[isolated]
fn segfault() {
    support::write_to_unmapped_page();
}

#[isolated]
fn abort() {
    std::process::abort();
}

#[allow(unconditional_recursion)]
fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 64]);
    recurse(depth + 1).wrapping_add(frame[3])
}

#[isolated]
fn overflow_stack() -> u64 {
    recurse(0)
}

#[isolated]
fn panics(message: String) -> u32 {
    panic!("{message}");
}

#[isolated]
fn hang() {
    loop {
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[isolated]
fn allocate_until_failure() -> usize {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    for _ in 0..4096 {
        blocks.push(vec![1u8; 16 << 20]);
    }
    blocks.len()
}

#[isolated]
fn burn_cpu() -> u64 {
    let mut x = 1u64;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

#[isolated]
fn write_file(path: String, bytes: u64) -> Result<(), String> {
    use std::io::Write;
    let mut file = std::fs::File::create(&path).map_err(|e| e.to_string())?;
    let block = vec![0u8; 4096];
    let mut written = 0;
    while written < bytes {
        file.write_all(&block).map_err(|e| e.to_string())?;
        written += 4096;
    }
    Ok(())
}

#[isolated]
fn exit_with(code: i32) {
    std::process::exit(code);
}

#[isolated]
fn spawn_grandchild() -> u32 {
    std::process::Command::new("/bin/sleep")
        .arg("1000")
        .spawn()
        .map(|child| child.id())
        .unwrap_or(0)
}

fn assert_recovers(sandbox: &Sandbox) {
    let sum = add::call(sandbox, 2, 3)
        .expect("next call")
        .verify(|n| if n == 5 { Ok(n) } else { Err(n) });
    assert_eq!(sum, Ok(5));
}

fn crash_signal(error: &SandboxError) -> Option<(i32, Option<String>)> {
    match error {
        SandboxError::Crashed { signal, detail, .. } => Some((*signal, detail.clone())),
        _ => None,
    }
}

fn segfault_becomes_error_naming_signal_and_function() {
    let sandbox = Sandbox::new().expect("sandbox");
    assert_recovers(&sandbox);
    let error = segfault::call(&sandbox).expect_err("must crash");
    assert_eq!(
        crash_signal(&error).map(|c| c.0),
        Some(libc::SIGSEGV),
        "{error}"
    );
    let text = error.to_string();
    assert!(
        text.contains("SIGSEGV") && text.contains("segfault"),
        "{text}"
    );
    assert!(error.worker_replaced());
    assert_recovers(&sandbox);
}

fn abort_becomes_error() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = abort::call(&sandbox).expect_err("must crash");
    assert_eq!(
        crash_signal(&error).map(|c| c.0),
        Some(libc::SIGABRT),
        "{error}"
    );
    assert_recovers(&sandbox);
}

fn stack_overflow_is_named() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = overflow_stack::call(&sandbox).expect_err("must crash");
    let (signal, detail) = crash_signal(&error).expect("a crash");
    // Rust's guard-page handler reports the overflow and aborts (older versions re-raised
    // SIGSEGV); the detail names the cause either way.
    assert!(
        signal == libc::SIGABRT || signal == libc::SIGSEGV,
        "{error}"
    );
    assert_eq!(detail.as_deref(), Some("stack overflow"), "{error}");
    assert_recovers(&sandbox);
}

fn panic_becomes_error_with_message() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = panics::call(&sandbox, "the library said no".into()).expect_err("must fail");
    assert!(
        matches!(&error, SandboxError::Reply { source: ffiguard_sandbox::ReplyError::Panicked(m), .. } if m.contains("the library said no")),
        "{error}"
    );
    assert_recovers(&sandbox);
}

/// Covers the deadline: without it the host would wait forever.
fn hang_past_deadline_kills_worker() {
    let sandbox = Sandbox::new().expect("sandbox");
    assert_recovers(&sandbox);
    let pid = sandbox.idle_worker_pids()[0];
    let error =
        hang::call_with_deadline(&sandbox, Duration::from_millis(200)).expect_err("timeout");
    assert!(
        matches!(error, SandboxError::Timeout { pid: p, .. } if p == pid),
        "{error}"
    );
    // The deadline the caller set, not what was left of it when the worker got the call.
    assert!(
        error.to_string().contains("no reply within 200 ms"),
        "{error}"
    );
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}")).exists(),
        "worker reaped"
    );
    assert_recovers(&sandbox);
}

#[isolated]
fn abort_saying(last_words: String) {
    eprint!("{last_words}");
    std::process::abort();
}

/// Covers the classification by the kernel's account: a worker that writes the runtime's
/// out-of-memory message and aborts, having used little memory, is an abort whose message is
/// its own claim, not a memory limit; and its words reach the error escaped.
fn forged_last_words_name_no_limit() {
    let sandbox = Sandbox::new().expect("sandbox");
    let forged = "memory allocation of 64 bytes failed\n\u{1b}[1A\u{1b}[2Kforged line";
    let error = abort_saying::call(&sandbox, forged.into()).expect_err("must crash");
    let SandboxError::Crashed {
        signal,
        detail,
        stderr_tail,
        ..
    } = &error
    else {
        panic!("the worker's words were taken for a finding: {error}");
    };
    assert_eq!(*signal, libc::SIGABRT);
    assert_eq!(detail.as_deref(), Some("memory allocation failed"));
    assert!(error.to_string().contains("claims"), "{error}");
    assert!(
        !stderr_tail.chars().any(char::is_control) && stderr_tail.contains("\\u{1b}[2K"),
        "{stderr_tail:?}"
    );
    assert_recovers(&sandbox);
}

/// Covers RLIMIT_AS: without the limit the bomb would allocate 64 GiB. The bomb touches what
/// it allocates, so the kernel's peak-RSS figure backs the runtime's allocation-failure message
/// and the error names the limit.
fn memory_bomb_hits_address_space_limit() {
    let limits = Limits::default().with_address_space(Some(256 << 20));
    let sandbox = Sandbox::builder()
        .limits(limits)
        .arena_sizes(1 << 20, 1 << 20)
        .build()
        .expect("sandbox");
    let error = allocate_until_failure::call(&sandbox).expect_err("must hit the limit");
    assert!(
        matches!(
            error,
            SandboxError::ResourceLimit {
                limit: Limit::Memory,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("memory"), "{error}");
    assert_recovers(&sandbox);
}

/// The error names the CPU-time limit, and a fresh worker serves the next call.
fn assert_cpu_limit(error: &SandboxError, sandbox: &Sandbox) {
    assert!(
        matches!(
            error,
            SandboxError::ResourceLimit {
                limit: Limit::CpuTime,
                ..
            }
        ),
        "{error}"
    );
    assert_recovers(sandbox);
}

/// Covers RLIMIT_CPU (one second).
fn cpu_burner_hits_cpu_limit() {
    let limits = Limits::default().with_cpu_time(Some(Duration::from_secs(1)));
    let sandbox = Sandbox::builder().limits(limits).build().expect("sandbox");
    let error = burn_cpu::call_with_deadline(&sandbox, Duration::from_secs(60)).expect_err("limit");
    assert_cpu_limit(&error, &sandbox);
}

#[isolated]
fn busy_for(millis: u64) -> u64 {
    let start = std::time::Instant::now();
    let mut x = 1u64;
    while start.elapsed() < Duration::from_millis(millis) {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
    x
}

/// Covers worker retirement: a worker that has served half its CPU budget is replaced before
/// a later call can die of the limit.
fn workers_retire_at_half_their_cpu_budget() {
    let limits = Limits::default().with_cpu_time(Some(Duration::from_secs(2)));
    let sandbox = Sandbox::builder().limits(limits).build().expect("sandbox");
    assert_recovers(&sandbox);
    let first = sandbox.idle_worker_pids()[0];
    busy_for::call(&sandbox, 1_100)
        .expect("call")
        .trust_unverified("unused");
    assert!(
        sandbox.idle_worker_pids().is_empty(),
        "the worker should have been retired"
    );
    assert_recovers(&sandbox);
    assert_ne!(sandbox.idle_worker_pids()[0], first);
}

#[isolated]
fn burn_cpu_ignoring_sigxcpu() -> u64 {
    // SAFETY: installing SIG_IGN for SIGXCPU touches no memory; it is what a hostile library
    // would do to dodge the soft limit.
    unsafe { libc::signal(libc::SIGXCPU, libc::SIG_IGN) };
    let mut x = 1u64;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

/// Covers the hard CPU limit: a worker that ignores SIGXCPU is killed by the kernel one
/// second later, and the error still names the CPU limit (from `wait4`'s usage), not just
/// SIGKILL.
fn ignoring_sigxcpu_still_hits_cpu_limit() {
    let limits = Limits::default().with_cpu_time(Some(Duration::from_secs(1)));
    let sandbox = Sandbox::builder().limits(limits).build().expect("sandbox");
    let error = burn_cpu_ignoring_sigxcpu::call_with_deadline(&sandbox, Duration::from_secs(60))
        .expect_err("limit");
    assert_cpu_limit(&error, &sandbox);
}

/// Covers RLIMIT_FSIZE.
fn large_file_hits_file_size_limit() {
    let limits = Limits::default().with_file_size(Some(64 << 10));
    // The rlimit is the defense under test: confinement would stop the write earlier.
    let sandbox = Sandbox::builder()
        .limits(limits)
        .policy(Policy::unconfined_dangerous())
        .build()
        .expect("sandbox");
    let path = std::env::temp_dir().join(format!("ffiguard-fsize-{}", std::process::id()));
    let path_text = path.to_string_lossy().into_owned();
    let error = write_file::call(&sandbox, path_text, 1 << 20).expect_err("limit");
    let _ = std::fs::remove_file(&path);
    assert!(
        matches!(
            error,
            SandboxError::ResourceLimit {
                limit: Limit::FileSize,
                ..
            }
        ),
        "{error}"
    );
    assert_recovers(&sandbox);
}

fn exit_becomes_error() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = exit_with::call(&sandbox, 7).expect_err("exit");
    assert!(
        matches!(error, SandboxError::Exited { code: 7, .. }),
        "{error}"
    );
    assert_recovers(&sandbox);
}

/// Waits (at most 2 s, in 10 ms steps) for `pid` to be gone; says whether it went.
fn wait_until_gone(pid: u32) -> bool {
    for _ in 0..200 {
        if support::process_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Covers the process-group kill: a grandchild left in the worker's group dies with it.
fn grandchildren_die_with_the_worker() {
    let limits = Limits::default().with_max_processes(None);
    // The process-group kill is the defense under test: confinement forbids the spawn.
    let sandbox = Sandbox::builder()
        .limits(limits)
        .policy(Policy::unconfined_dangerous())
        .build()
        .expect("sandbox");
    let grandchild = spawn_grandchild::call(&sandbox)
        .expect("call")
        .trust_unverified("a pid to watch");
    assert_ne!(grandchild, 0);
    assert!(!support::process_gone(grandchild));
    drop(sandbox);
    assert!(
        wait_until_gone(grandchild),
        "grandchild {grandchild} survived"
    );
}

/// Covers RLIMIT_NPROC = 0 ("no new processes"), which the kernel applies to unprivileged
/// users only; as root the kernel exempts the worker and the check is reported as skipped.
fn no_new_processes_by_default() {
    let sandbox = Sandbox::new().expect("sandbox");
    let grandchild = spawn_grandchild::call(&sandbox)
        .expect("call")
        .trust_unverified("a pid");
    if rustix::process::getuid().is_root() {
        println!("    (root: RLIMIT_NPROC does not apply; seccomp will enforce it)");
    } else {
        assert_eq!(grandchild, 0, "the worker could start a process");
    }
}

const SHORT_LIVED_HOST: &str = "--short-lived-host";

/// The host role of `worker_dies_with_its_host`: start a worker, print its pid, exit abruptly
/// (no destructors, so nothing kills the worker but the parent-death signal).
fn short_lived_host() -> ! {
    let sandbox = Sandbox::new().expect("sandbox");
    let pid = add::call(&sandbox, 1, 1)
        .map(|_| sandbox.idle_worker_pids()[0])
        .expect("call");
    println!("{pid}");
    std::process::exit(0);
}

/// Covers PR_SET_PDEATHSIG: a worker whose host dies without cleaning up dies too.
fn worker_dies_with_its_host() {
    let output = std::process::Command::new(std::env::current_exe().expect("exe"))
        .arg(SHORT_LIVED_HOST)
        .output()
        .expect("host process");
    assert!(output.status.success(), "{output:?}");
    let pid: u32 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a pid");
    assert!(wait_until_gone(pid), "worker {pid} outlived its host");
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some(SHORT_LIVED_HOST) {
        short_lived_host();
    }
    support::run(ffiguard_sandbox::tests![
        worker_dies_with_its_host,
        segfault_becomes_error_naming_signal_and_function,
        abort_becomes_error,
        stack_overflow_is_named,
        panic_becomes_error_with_message,
        hang_past_deadline_kills_worker,
        forged_last_words_name_no_limit,
        memory_bomb_hits_address_space_limit,
        cpu_burner_hits_cpu_limit,
        ignoring_sigxcpu_still_hits_cpu_limit,
        large_file_hits_file_size_limit,
        workers_retire_at_half_their_cpu_budget,
        exit_becomes_error,
        grandchildren_die_with_the_worker,
        no_new_processes_by_default,
    ]);
}
