//! Real zlib in real workers: several MiB deflated and inflated in the sandbox, compared with
//! the input and with the in-process result; corrupt input and output bombs become errors.

use std::time::Duration;

use ffiguard_sandbox::{ByteBuf, Sandbox, SandboxError};
use zlib_sandboxed::{ZError, deflate, inflate};

fn check(name: &str, test: fn(&Sandbox), sandbox: &Sandbox, failed: &mut Vec<String>) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| test(sandbox)));
    println!(
        "test {name} ... {}",
        if outcome.is_ok() { "ok" } else { "FAILED" }
    );
    if outcome.is_err() {
        failed.push(name.to_owned());
    }
}

fn round_trip_of_several_mib(sandbox: &Sandbox) {
    let original = zlib_sandboxed::sample_text(6 << 20);
    let compressed = deflate::call(sandbox, ByteBuf::from(original.clone()), 6)
        .expect("deflate call")
        .trust_unverified("inflated and compared below")
        .expect("deflate");
    assert!(
        compressed.len() < original.len() / 2,
        "{} bytes",
        compressed.len()
    );
    let in_process = deflate(ByteBuf::from(original.clone()), 6).expect("in-process deflate");
    assert_eq!(compressed, in_process, "same zlib, same output");
    let expected = original.len() as u64;
    let restored = inflate::call(sandbox, compressed, expected)
        .expect("inflate call")
        .verify(|result| match result {
            Ok(bytes) if bytes.len() as u64 == expected => Ok(bytes),
            Ok(bytes) => Err(format!("{} bytes, expected {expected}", bytes.len())),
            Err(error) => Err(error.to_string()),
        })
        .expect("verified");
    assert!(restored[..] == original[..]);
}

fn corrupt_input_is_a_zlib_error(sandbox: &Sandbox) {
    let result = inflate::call(
        sandbox,
        ByteBuf::from(b"definitely not zlib".to_vec()),
        1 << 20,
    )
    .expect("the call itself works")
    .trust_unverified("the error is only displayed");
    assert!(
        matches!(result, Err(ZError::Zlib { code: libz_sys_data_error, .. }) if libz_sys_data_error == -3),
        "{result:?}"
    );
}

fn truncated_input_is_reported(sandbox: &Sandbox) {
    let compressed =
        deflate(ByteBuf::from(zlib_sandboxed::sample_text(100_000)), 6).expect("deflate");
    let cut = ByteBuf::from(&compressed[..compressed.len() / 2]);
    let result = inflate::call(sandbox, cut, 1 << 20)
        .expect("call")
        .trust_unverified("displayed");
    assert_eq!(result, Err(ZError::Truncated));
}

fn output_bomb_is_capped(sandbox: &Sandbox) {
    let compressed = deflate(ByteBuf::from(vec![0u8; 20 << 20]), 9).expect("deflate");
    assert!(compressed.len() < 64 << 10);
    let result = inflate::call(sandbox, compressed, 1 << 20)
        .expect("call")
        .trust_unverified("displayed");
    assert_eq!(result, Err(ZError::OutputLimit { limit: 1 << 20 }));
}

fn output_larger_than_the_arena_is_an_error_not_a_crash(_: &Sandbox) {
    let small = Sandbox::builder()
        .arena_sizes(1 << 20, 1 << 20)
        .build()
        .expect("sandbox");
    let compressed = deflate(ByteBuf::from(vec![7u8; 4 << 20]), 9).expect("deflate");
    let error = inflate::call(&small, compressed, 8 << 20).expect_err("reply too large");
    assert!(matches!(error, SandboxError::Reply { .. }), "{error}");
}

/// A limit below the first output buffer's usual size is an error in both places, not a panic;
/// an exact limit still inflates (in the worker, into the reply arena).
fn small_limits_are_errors_not_panics(sandbox: &Sandbox) {
    let original = zlib_sandboxed::sample_text(3000);
    let compressed = deflate(ByteBuf::from(original.clone()), 6).expect("deflate");
    assert_eq!(
        inflate(compressed.clone(), 100),
        Err(ZError::OutputLimit { limit: 100 })
    );
    let result = inflate::call(sandbox, compressed.clone(), 100)
        .expect("call")
        .trust_unverified("compared below");
    assert_eq!(result, Err(ZError::OutputLimit { limit: 100 }));
    let exact = inflate::call(sandbox, compressed, 3000)
        .expect("call")
        .trust_unverified("compared below")
        .expect("inflate");
    assert!(exact[..] == original[..]);
}

/// The dedicated `zlib-worker` binary serves the same functions as a re-executed host.
fn dedicated_worker_binary_round_trip(_: &Sandbox) {
    let dedicated = Sandbox::builder()
        .worker_binary(env!("CARGO_BIN_EXE_zlib-worker"))
        .build()
        .expect("sandbox");
    let original = zlib_sandboxed::sample_text(1 << 20);
    let compressed = deflate::call(&dedicated, ByteBuf::from(original.clone()), 6)
        .expect("deflate call")
        .trust_unverified("inflated and compared below")
        .expect("deflate");
    let restored = inflate::call(&dedicated, compressed, 1 << 20)
        .expect("inflate call")
        .trust_unverified("compared below")
        .expect("inflate");
    assert!(restored[..] == original[..]);
}

fn main() {
    ffiguard_sandbox::init();
    let sandbox = Sandbox::builder()
        .deadline(Duration::from_secs(60))
        .build()
        .expect("sandbox");
    let mut failed = Vec::new();
    check(
        "round_trip_of_several_mib",
        round_trip_of_several_mib,
        &sandbox,
        &mut failed,
    );
    check(
        "corrupt_input_is_a_zlib_error",
        corrupt_input_is_a_zlib_error,
        &sandbox,
        &mut failed,
    );
    check(
        "truncated_input_is_reported",
        truncated_input_is_reported,
        &sandbox,
        &mut failed,
    );
    check(
        "output_bomb_is_capped",
        output_bomb_is_capped,
        &sandbox,
        &mut failed,
    );
    check(
        "output_larger_than_the_arena_is_an_error_not_a_crash",
        output_larger_than_the_arena_is_an_error_not_a_crash,
        &sandbox,
        &mut failed,
    );
    check(
        "small_limits_are_errors_not_panics",
        small_limits_are_errors_not_panics,
        &sandbox,
        &mut failed,
    );
    check(
        "dedicated_worker_binary_round_trip",
        dedicated_worker_binary_round_trip,
        &sandbox,
        &mut failed,
    );
    if !failed.is_empty() {
        println!("failed: {failed:?}");
        std::process::exit(1);
    }
}
