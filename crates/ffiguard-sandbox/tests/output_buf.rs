//! `OutputBuf` in real workers: a large result written straight into the reply arena reaches
//! the host intact and without a worker-side copy; every case that cannot stay in place (not
//! the first buffer, two buffers, too large, kept past its call, a panic) still gives the right
//! bytes or a typed error.

mod support;

use std::cell::RefCell;

use ffiguard_sandbox::{ByteBuf, OutputBuf, ReplyError, Sandbox, SandboxError, isolated};

thread_local! {
    static KEPT: RefCell<Option<OutputBuf>> = const { RefCell::new(None) };
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add(i.to_le_bytes()[0] ^ i.to_le_bytes()[1]))
        .collect()
}

/// Bytes replies in this worker carried without a worker-side copy so far.
#[isolated]
fn in_place() -> u64 {
    ffiguard_sandbox::test_hooks::in_place_bytes()
}

/// Two buffers built in the worker; the first created takes the arena.
#[isolated]
fn pair(len: u32, held_first: bool) -> (OutputBuf, OutputBuf, bool) {
    let len = usize::try_from(len).unwrap_or(0);
    let mut held = OutputBuf::with_capacity(len);
    let mut heap = OutputBuf::with_capacity(len);
    held.extend_from_slice(&pattern(len, 1));
    heap.extend_from_slice(&pattern(len, 2));
    let placed = held.is_in_reply_arena() && !heap.is_in_reply_arena();
    if held_first {
        (held, heap, placed)
    } else {
        (heap, held, placed)
    }
}

/// Writes `len` bytes, growing from a small start.
#[isolated]
fn grown(len: u32) -> OutputBuf {
    let mut out = OutputBuf::with_capacity(16);
    out.resize(usize::try_from(len).unwrap_or(0), 0x5a);
    out
}

/// Keeps its buffer past the call.
#[isolated]
fn keep() -> ByteBuf {
    let mut out = OutputBuf::with_capacity(64);
    out.extend_from_slice(&[0xab; 4000]);
    KEPT.with_borrow_mut(|kept| *kept = Some(out));
    ByteBuf::from(vec![1; 100])
}

/// Drops the kept buffer, if this worker has one with its bytes intact.
#[isolated]
fn release() -> bool {
    KEPT.with_borrow_mut(|kept| {
        kept.take()
            .is_some_and(|out| out.len() == 4000 && out.iter().all(|byte| *byte == 0xab))
    })
}

#[isolated]
fn panics_holding_a_buffer() -> OutputBuf {
    let mut out = OutputBuf::with_capacity(64);
    out.extend_from_slice(b"lost");
    panic!("boom with {} live bytes", out.len());
}

fn placed_so_far(sandbox: &Sandbox) -> u64 {
    in_place::call(sandbox)
        .expect("call")
        .trust_unverified("a counter for the test")
}

/// Fails if inflate's output silently stops being written in place (falls back to a copy).
fn zlib_inflate_writes_into_the_reply_arena() {
    let sandbox = Sandbox::new().expect("sandbox");
    let original = zlib_sandboxed::sample_text(6 << 20);
    let compressed = zlib_sandboxed::deflate(ByteBuf::from(original.clone()), 6).expect("deflate");
    let before = placed_so_far(&sandbox);
    let expected = u64::try_from(original.len()).unwrap_or(u64::MAX);
    let restored = zlib_sandboxed::inflate::call(&sandbox, compressed, expected)
        .expect("call")
        .trust_unverified("compared below")
        .expect("inflate");
    assert!(restored[..] == original[..]);
    assert_eq!(placed_so_far(&sandbox) - before, expected);
}

fn buffers_in_any_position_arrive_intact() {
    let sandbox = Sandbox::new().expect("sandbox");
    for held_first in [true, false] {
        let before = placed_so_far(&sandbox);
        let (first, second, placed) = pair::call(&sandbox, 100_000, held_first)
            .expect("call")
            .trust_unverified("compared below");
        assert!(
            placed,
            "the first buffer takes the arena, the second the heap"
        );
        let (held, heap) = if held_first {
            (first, second)
        } else {
            (second, first)
        };
        assert!(held[..] == pattern(100_000, 1)[..]);
        assert!(heap[..] == pattern(100_000, 2)[..]);
        let expected = if held_first { 100_000 } else { 0 };
        assert_eq!(placed_so_far(&sandbox) - before, expected);
    }
}

fn output_larger_than_the_reply_arena_is_an_error() {
    let sandbox = Sandbox::builder()
        .arena_sizes(1 << 16, 1 << 16)
        .build()
        .expect("sandbox");
    let small = grown::call(&sandbox, 30_000)
        .expect("call")
        .trust_unverified("checked below");
    assert!(small.len() == 30_000 && small.iter().all(|byte| *byte == 0x5a));
    let error = grown::call(&sandbox, 1 << 20).expect_err("too large");
    assert!(
        matches!(
            error,
            SandboxError::Reply {
                source: ReplyError::ReplyTooLarge { .. },
                ..
            }
        ),
        "{error}"
    );
    // The worker is still usable.
    assert_eq!(
        grown::call(&sandbox, 8)
            .expect("call")
            .trust_unverified("length only")
            .len(),
        8
    );
}

/// The error reply replaces the worker, so the next call finds a free arena. (That a worker
/// which keeps serving never writes into the kept bytes is covered by the unit tests.)
fn a_kept_buffer_is_reported() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = keep::call(&sandbox).expect_err("kept past its call");
    assert!(
        matches!(&error, SandboxError::Reply { source: ReplyError::Panicked(message), .. } if message.contains("outlived")),
        "{error}"
    );
    assert!(
        !release::call(&sandbox)
            .expect("call")
            .trust_unverified("a flag for the test"),
        "a fresh worker serves after the error"
    );
    let (first, _, placed) = pair::call(&sandbox, 1000, true)
        .expect("call")
        .trust_unverified("compared below");
    assert!(placed && first[..] == pattern(1000, 1)[..]);
}

/// A panic with a live buffer is a panic reply; the next worker serves in place again.
fn a_panic_with_a_live_buffer_is_a_panic_reply() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = panics_holding_a_buffer::call(&sandbox).expect_err("panics");
    assert!(
        matches!(&error, SandboxError::Reply { source: ReplyError::Panicked(message), .. } if message.contains("boom")),
        "{error}"
    );
    let before = placed_so_far(&sandbox);
    let (first, _, placed) = pair::call(&sandbox, 5000, true)
        .expect("call")
        .trust_unverified("compared below");
    assert!(placed && first[..] == pattern(5000, 1)[..]);
    assert_eq!(placed_so_far(&sandbox) - before, 5000);
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        zlib_inflate_writes_into_the_reply_arena,
        buffers_in_any_position_arrive_intact,
        output_larger_than_the_reply_arena_is_an_error,
        a_kept_buffer_is_reported,
        a_panic_with_a_live_buffer_is_a_panic_reply,
    ]);
}
