//! A worker that lies: garbage payloads, lengths past the arena, unknown status words, a reply
//! rewritten while the host copies it, a faked death. The host must return errors (or a value
//! it decoded from its private copy), never panic or hang, and serve the next call with a fresh
//! worker. Covers: reading each reply field once, bounding `reply_len` by the host's own
//! capacity, copy-before-decode, and the bounded decoder.

mod support;

use std::time::Duration;

use ffiguard_sandbox::test_hooks::{Hostility, after_this_call};
use ffiguard_sandbox::{ByteBuf, ReplyError, Sandbox, SandboxError, isolated};

#[isolated]
fn misbehave(mode: u32, size: u64) -> ByteBuf {
    let hostility = match mode {
        1 => Hostility::HugeLength,
        2 => Hostility::LengthPastArena,
        3 => Hostility::Garbage,
        4 => Hostility::UnknownStatus,
        5 => Hostility::RewriteWhileRead,
        6 => Hostility::FakeDeath,
        9 => Hostility::ClaimCallerCore,
        _ => Hostility::None,
    };
    after_this_call(hostility);
    ByteBuf::from(vec![0xabu8; usize::try_from(size).unwrap_or(0)])
}

#[isolated]
fn echo(value: u64) -> u64 {
    value
}

#[isolated]
fn oversized_reply(size: u64) -> ByteBuf {
    ByteBuf::from(vec![1u8; usize::try_from(size).unwrap_or(0)])
}

fn sandbox() -> Sandbox {
    Sandbox::builder()
        .arena_sizes(64 << 10, 64 << 10)
        .limits(ffiguard_sandbox::Limits::default().with_max_processes(None))
        .deadline(Duration::from_secs(10))
        .build()
        .expect("sandbox")
}

fn assert_next_call_works(sandbox: &Sandbox) {
    let value = echo::call(sandbox, 41)
        .expect("next call")
        .trust_unverified("compared below");
    assert_eq!(value, 41);
}

fn lying_lengths_are_bounded() {
    let sandbox = sandbox();
    for mode in [1, 2] {
        let error = misbehave::call(&sandbox, mode, 100).expect_err("must be refused");
        assert!(
            matches!(
                error,
                SandboxError::Reply {
                    source: ReplyError::LengthOutOfBounds { .. },
                    ..
                }
            ),
            "mode {mode}: {error}"
        );
        assert!(error.worker_replaced());
        assert_next_call_works(&sandbox);
    }
}

fn garbage_and_unknown_status_are_errors() {
    let sandbox = sandbox();
    let error = misbehave::call(&sandbox, 3, 100).expect_err("garbage");
    assert!(matches!(error, SandboxError::Reply { .. }), "{error}");
    assert_next_call_works(&sandbox);
    let error = misbehave::call(&sandbox, 4, 100).expect_err("status");
    assert!(
        matches!(
            error,
            SandboxError::Reply {
                source: ReplyError::UnknownStatus(0xdead),
                ..
            }
        ),
        "{error}"
    );
    assert_next_call_works(&sandbox);
}

/// The reply arena is rewritten by another worker thread during and after the copy; whatever
/// the host decodes comes from its private copy, so it is a value or an error, never a panic.
fn reply_rewritten_while_read() {
    let sandbox = sandbox();
    for _ in 0..50 {
        match misbehave::call(&sandbox, 5, 1000) {
            Ok(value) => drop(value.trust_unverified("only checking that decoding survives")),
            Err(error) => assert!(matches!(error, SandboxError::Reply { .. }), "{error}"),
        }
    }
    // The scribbling worker is still alive (it answered); a clean one is one crash away, but
    // the pool must still serve calls correctly from whatever worker it has.
    assert_next_call_works(&sandbox);
}

fn faked_death_is_not_believed() {
    let sandbox = sandbox();
    for _ in 0..5 {
        match misbehave::call(&sandbox, 6, 10) {
            Ok(value) => drop(value.trust_unverified("only checking survival")),
            Err(error) => assert!(matches!(error, SandboxError::Reply { .. }), "{error}"),
        }
        assert_next_call_works(&sandbox);
    }
}

fn enormous_deadline_does_not_overflow() {
    let sandbox = sandbox();
    let value = echo::call_with_deadline(&sandbox, Duration::MAX, 5).expect("call");
    assert_eq!(value.trust_unverified("compared"), 5);
}

fn oversized_reply_is_an_error() {
    let sandbox = sandbox();
    let error = oversized_reply::call(&sandbox, 1 << 20).expect_err("too large");
    assert!(
        matches!(error, SandboxError::Reply { source: ReplyError::ReplyTooLarge { needed, .. }, .. } if needed > 1 << 20),
        "{error}"
    );
    assert_next_call_works(&sandbox);
}

fn oversized_arguments_are_refused_before_the_worker() {
    let sandbox = sandbox();
    assert_next_call_works(&sandbox);
    let pid = sandbox.idle_worker_pids()[0];
    let error = oversized_reply::call(&sandbox, 1 << 40).expect_err("worker cannot allocate 1 TiB");
    assert!(error.worker_replaced(), "{error}");
    let big = vec![0u8; 1 << 20];
    let error = ffiguard_sandbox_args_probe(&sandbox, big);
    assert!(
        matches!(error, SandboxError::ArgumentsTooLarge { .. }),
        "{error}"
    );
    assert!(!sandbox.idle_worker_pids().is_empty());
    assert_ne!(sandbox.idle_worker_pids()[0], pid);
}

#[isolated]
fn takes_bytes(data: ByteBuf) -> u64 {
    u64::try_from(data.len()).unwrap_or(u64::MAX)
}

fn ffiguard_sandbox_args_probe(sandbox: &Sandbox, big: Vec<u8>) -> SandboxError {
    takes_bytes::call(sandbox, ByteBuf::from(big)).expect_err("arguments too large")
}

/// A worker that keeps claiming to run on the calling thread's core makes every spin of the
/// host yield and ask to move it: the host moves it at most once a millisecond, puts its
/// affinity back each time, and its calls keep their answers.
fn a_worker_claiming_the_callers_core_is_moved_rarely_and_left_as_it_was() {
    let sandbox = Sandbox::builder()
        .spin(Duration::from_micros(20))
        .worker_spin(Duration::from_micros(20))
        .limits(ffiguard_sandbox::Limits::default().with_max_processes(None))
        .deadline(Duration::from_secs(10))
        .build()
        .expect("sandbox");
    assert_next_call_works(&sandbox);
    let pid = sandbox.idle_worker_pids()[0];
    let worker = rustix::process::Pid::from_raw(i32::try_from(pid).expect("pid")).expect("pid");
    let affinity = rustix::thread::sched_getaffinity(Some(worker)).expect("affinity");
    let before = sandbox.spin_counters();
    let started = std::time::Instant::now();
    misbehave::call(&sandbox, 9, 0)
        .expect("the call itself is honest")
        .trust_unverified("not looked at");
    // Bounded: 2,000 calls, or one second.
    let mut calls = 0u64;
    while calls < 2_000 && started.elapsed() < Duration::from_secs(1) {
        let value = echo::call(&sandbox, calls)
            .expect("call")
            .trust_unverified("compared below");
        assert_eq!(value, calls);
        calls += 1;
    }
    let elapsed = started.elapsed();
    let host = sandbox.spin_counters().since(before).host;
    let most = u64::try_from(elapsed.as_millis()).expect("short") + 1;
    assert!(
        host.moved_worker <= most,
        "{} moves in {elapsed:?}",
        host.moved_worker
    );
    assert!(
        host.shared_core > 0 && host.moved_worker > 0,
        "the claim reached the host: {host:?}"
    );
    assert_eq!(
        sandbox.idle_worker_pids(),
        vec![pid],
        "the same worker serves"
    );
    assert_eq!(
        rustix::thread::sched_getaffinity(Some(worker)).expect("affinity"),
        affinity,
        "the worker's affinity is what it was"
    );
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        a_worker_claiming_the_callers_core_is_moved_rarely_and_left_as_it_was,
        lying_lengths_are_bounded,
        garbage_and_unknown_status_are_errors,
        reply_rewritten_while_read,
        faked_death_is_not_believed,
        enormous_deadline_does_not_overflow,
        oversized_reply_is_an_error,
        oversized_arguments_are_refused_before_the_worker,
    ]);
}
