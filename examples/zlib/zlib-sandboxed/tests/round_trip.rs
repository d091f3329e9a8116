//! Real zlib in real workers: several MiB deflated and inflated in the sandbox, compared with
//! the input and with the in-process result; corrupt input and output bombs become errors.

use std::sync::OnceLock;
use std::time::Duration;

use ffiguard_sandbox::{ByteBuf, Sandbox, SandboxError};
use zlib_sandboxed::{ZError, deflate, inflate};

/// One sandbox for the tests that do not need their own (built on first use, after the
/// runner's `init`).
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        Sandbox::builder()
            .deadline(Duration::from_secs(60))
            .build()
            .expect("sandbox")
    })
}

fn round_trip_of_several_mib() {
    let sandbox = sandbox();
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

fn corrupt_input_is_a_zlib_error() {
    let sandbox = sandbox();
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

fn truncated_input_is_reported() {
    let sandbox = sandbox();
    let compressed =
        deflate(ByteBuf::from(zlib_sandboxed::sample_text(100_000)), 6).expect("deflate");
    let cut = ByteBuf::from(&compressed[..compressed.len() / 2]);
    let result = inflate::call(sandbox, cut, 1 << 20)
        .expect("call")
        .trust_unverified("displayed");
    assert_eq!(result, Err(ZError::Truncated));
}

fn output_bomb_is_capped() {
    let sandbox = sandbox();
    let compressed = deflate(ByteBuf::from(vec![0u8; 20 << 20]), 9).expect("deflate");
    assert!(compressed.len() < 64 << 10);
    let result = inflate::call(sandbox, compressed, 1 << 20)
        .expect("call")
        .trust_unverified("displayed");
    assert_eq!(result, Err(ZError::OutputLimit { limit: 1 << 20 }));
}

fn output_larger_than_the_arena_is_an_error_not_a_crash() {
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
fn small_limits_are_errors_not_panics() {
    let sandbox = sandbox();
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
fn dedicated_worker_binary_round_trip() {
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
    ffiguard_sandbox::testing::run(ffiguard_sandbox::tests![
        round_trip_of_several_mib,
        corrupt_input_is_a_zlib_error,
        truncated_input_is_reported,
        output_bomb_is_capped,
        output_larger_than_the_arena_is_an_error_not_a_crash,
        small_limits_are_errors_not_panics,
        dedicated_worker_binary_round_trip,
    ]);
}
