//! Fuzzes the host's decoder of worker replies: any status word and payload must yield a value
//! or an error, never a panic, a hang or an allocation out of proportion to the payload.

#![no_main]

use ffiguard_sandbox::session::__decode_reply_in_session;
use ffiguard_sandbox::{ByteBuf, OutputBuf, Remote, decode_reply, decode_reply_in_arena};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let Some((status, payload)) = input.split_first_chunk::<4>() else {
        return;
    };
    // Small status values hit the known outcomes; the rest are unknown statuses.
    let status = u32::from_le_bytes(*status) % 8;
    let _ = decode_reply::<Result<ByteBuf, String>>(status, payload);
    let _ = decode_reply::<Vec<String>>(status, payload);
    let _ = decode_reply::<(u64, Option<Vec<u32>>, bool)>(status, payload);
    let _ = decode_reply::<std::collections::BTreeMap<String, ByteBuf>>(status, payload);
    // Zero-sized elements: the element budget, not the payload length, bounds this one.
    let _ = decode_reply::<Vec<Vec<()>>>(status, payload);
    // Handles: refused outside a session; in one, checked for their type's tag and counted
    // against the session's bound.
    let _ = decode_reply::<Vec<Remote<u64>>>(status, payload);
    let _ = __decode_reply_in_session::<Result<(Remote<String>, Vec<Remote<u64>>), String>>(
        status, payload,
    );
    // The same bytes as a whole reply arena: a frame length, then the arena whose bulk area
    // (from the frame reserve, or after a longer frame) holds the byte buffers the frame only
    // gives lengths for. `OutputBuf` is what a worker returns from its reply arena.
    if let Some((frame_len, arena)) = payload.split_first_chunk::<2>() {
        let frame_len = usize::from(u16::from_le_bytes(*frame_len));
        let _ = decode_reply_in_arena::<Result<ByteBuf, String>>(status, arena, frame_len);
        let _ = decode_reply_in_arena::<(ByteBuf, Vec<ByteBuf>, u8)>(status, arena, frame_len);
        let _ = decode_reply_in_arena::<Result<OutputBuf, String>>(status, arena, frame_len);
        let _ = decode_reply_in_arena::<(OutputBuf, String, OutputBuf)>(status, arena, frame_len);
    }
});
