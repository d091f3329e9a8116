//! A pool of workers serving several host threads, crash recovery under concurrency, and the
//! dedicated worker binary mode.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ffiguard_sandbox::test_hooks::worker_identity;
use ffiguard_sandbox::{Policy, Sandbox, SandboxError, isolated};

/// `worker_identity` reads the `/proc/self/exe` link. Without a listener (`report(false)`)
/// `readlink` is not brokered, so the worker's own kernel resolves its own `/proc/self`; the
/// broker would refuse it (it opens as the host, and `/proc/self` would be the host's).
fn identity_policy() -> Policy {
    Policy::pure_compute()
        .allow_syscall("readlink")
        .allow_syscall("readlinkat")
        .report(false)
}

#[isolated]
fn square(value: u64) -> u64 {
    value.wrapping_mul(value)
}

#[isolated]
fn crash_if(crash: bool) -> bool {
    if crash {
        std::process::abort();
    }
    crash
}

/// A result type whose `Deserialize` panics on the host (a bug in the caller's own code).
struct PanicsOnDecode;

impl serde::Serialize for PanicsOnDecode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for PanicsOnDecode {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        panic!("the caller's Deserialize impl panicked");
    }
}

#[isolated]
fn returns_panicky() -> PanicsOnDecode {
    PanicsOnDecode
}

/// Covers the pool slot guard: without it the slot of a worker dropped by unwinding is never
/// returned, and a one-worker pool answers `Busy` for ever.
fn a_panicking_decoder_does_not_leak_the_pool_slot() {
    let sandbox = Sandbox::builder()
        .workers(1)
        .deadline(Duration::from_secs(5))
        .build()
        .expect("sandbox");
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {})); // the panic is expected; keep the output clean
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = returns_panicky::call(&sandbox);
    }));
    std::panic::set_hook(hook);
    assert!(outcome.is_err());
    assert_eq!(sandbox.live_workers(), 0);
    let squared = square::call(&sandbox, 7)
        .expect("the pool still serves")
        .trust_unverified("checked");
    assert_eq!(squared, 49);
}

fn threads_share_a_pool() {
    let sandbox = Sandbox::builder().workers(2).build().expect("sandbox");
    sandbox.warm_up().expect("warm up");
    assert_eq!(sandbox.live_workers(), 2);
    std::thread::scope(|scope| {
        for thread in 0..4u64 {
            let sandbox = &sandbox;
            scope.spawn(move || {
                for i in 0..2_000u64 {
                    let value = thread * 1_000_000 + i;
                    let squared = square::call(sandbox, value)
                        .expect("call")
                        .trust_unverified("checked");
                    assert_eq!(squared, value.wrapping_mul(value));
                }
            });
        }
    });
    assert_eq!(sandbox.live_workers(), 2);
    assert!(sandbox.recent_calls().len() <= 256);
}

fn crashes_under_concurrency_are_contained() {
    let sandbox = Sandbox::builder()
        .workers(2)
        .deadline(Duration::from_secs(20))
        .build()
        .expect("sandbox");
    let crashes = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for thread in 0..3u64 {
            let (sandbox, crashes) = (&sandbox, &crashes);
            scope.spawn(move || {
                for i in 0..60u64 {
                    let crash = thread == 0 && i % 10 == 0;
                    match crash_if::call(sandbox, crash) {
                        Ok(value) => assert!(!value.trust_unverified("checked")),
                        Err(SandboxError::Crashed { signal, .. }) => {
                            assert!(crash);
                            assert_eq!(signal, libc::SIGABRT);
                            crashes.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(other) => panic!("unexpected {other}"),
                    }
                }
            });
        }
    });
    assert_eq!(crashes.load(Ordering::Relaxed), 6);
    assert!(sandbox.live_workers() <= 2);
}

fn dedicated_worker_binary_serves_its_functions() {
    let binary = env!("CARGO_BIN_EXE_ffiguard-sandbox-test-worker");
    let sandbox = Sandbox::builder()
        .worker_binary(binary)
        .policy(identity_policy())
        .build()
        .expect("sandbox");
    let (program, pid) = worker_identity::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    assert!(
        program.ends_with("ffiguard-sandbox-test-worker"),
        "{program}"
    );
    assert_ne!(pid, std::process::id());
    // `square` lives in this test binary only: the dedicated worker does not know it.
    let error = square::call(&sandbox, 3).expect_err("unknown in that binary");
    assert!(
        matches!(
            error,
            SandboxError::Reply {
                source: ffiguard_sandbox::ReplyError::UnknownFunction,
                ..
            }
        ),
        "{error}"
    );
}

fn same_binary_worker_is_this_binary() {
    let sandbox = Sandbox::builder()
        .policy(identity_policy())
        .build()
        .expect("sandbox");
    let (program, _) = worker_identity::call(&sandbox)
        .expect("call")
        .trust_unverified("compared");
    let me = std::env::current_exe().expect("current exe");
    assert_eq!(program, me.to_string_lossy());
}

/// What the previous call passed in, kept in the worker the way a compromised library could
/// keep an earlier caller's data.
static PREVIOUS: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[isolated]
fn keep_and_return_previous(input: String) -> Option<String> {
    let mut previous = PREVIOUS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    previous.replace(input)
}

#[isolated]
fn serving_pid() -> u32 {
    std::process::id()
}

/// Covers `fresh_worker_per_call`: without it the second call gets the first caller's input.
fn a_fresh_worker_per_call_keeps_nothing_from_earlier_calls() {
    let reused = Sandbox::new().expect("sandbox");
    let fresh = Sandbox::builder()
        .fresh_worker_per_call()
        .build()
        .expect("sandbox");
    for (sandbox, leaks) in [(&reused, true), (&fresh, false)] {
        let first = keep_and_return_previous::call(sandbox, "alice's secret".into())
            .expect("call")
            .trust_unverified("compared");
        assert_eq!(first, None);
        let second = keep_and_return_previous::call(sandbox, "bob's input".into())
            .expect("call")
            .trust_unverified("compared");
        let expected = leaks.then(|| "alice's secret".to_owned());
        assert_eq!(second, expected, "reused worker: {leaks}");
    }
    assert_eq!(
        fresh.live_workers(),
        0,
        "each fresh worker goes after its call"
    );
}

/// Covers `max_calls_per_worker`: a worker serves three calls, then a new one serves.
fn workers_are_replaced_after_their_quota_of_calls() {
    let sandbox = Sandbox::builder()
        .max_calls_per_worker(3)
        .build()
        .expect("sandbox");
    let pids: Vec<u32> = (0..7)
        .map(|_| {
            serving_pid::call(&sandbox)
                .expect("call")
                .trust_unverified("compared")
        })
        .collect();
    assert!(pids[0] == pids[1] && pids[1] == pids[2], "{pids:?}");
    assert_ne!(pids[2], pids[3], "{pids:?}");
    assert!(pids[3] == pids[4] && pids[4] == pids[5], "{pids:?}");
    assert_ne!(pids[5], pids[6], "{pids:?}");
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        a_fresh_worker_per_call_keeps_nothing_from_earlier_calls,
        workers_are_replaced_after_their_quota_of_calls,
        threads_share_a_pool,
        a_panicking_decoder_does_not_leak_the_pool_slot,
        crashes_under_concurrency_are_contained,
        dedicated_worker_binary_serves_its_functions,
        same_binary_worker_is_this_binary,
    ]);
}
