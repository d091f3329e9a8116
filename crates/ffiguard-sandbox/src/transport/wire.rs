//! The wire format: `postcard` for values, a status word for the outcome, and the host-side
//! decoder that treats every reply byte as hostile.
//!
//! `postcard` (1.x) is compact (varints, no field names), has a stable documented format, is
//! maintained, and never allocates ahead of the input: a length prefix is checked against the
//! bytes actually present before anything is borrowed, and sequence pre-allocation goes
//! through serde's cautious size hint. `bincode` 3 is unmaintained.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::transport::arena::{self, BulkSource};
use crate::transport::budget::{Budget, Limited};

/// The outcome word a worker writes next to its reply.
pub(crate) mod status {
    /// The payload is the function's postcard-encoded return value.
    pub(crate) const OK: u32 = 0;
    /// The function panicked; the payload is the postcard-encoded panic message.
    pub(crate) const PANICKED: u32 = 1;
    /// The worker has no function with the requested identifier.
    pub(crate) const UNKNOWN_FUNCTION: u32 = 2;
    /// The worker could not decode the arguments.
    pub(crate) const BAD_REQUEST: u32 = 3;
    /// The return value did not fit; the payload is the postcard-encoded size it needed.
    pub(crate) const REPLY_TOO_LARGE: u32 = 4;
    /// The host announced descriptors for the call, and the worker found no message with
    /// them (or one holding another number of them); the call did not run.
    pub(crate) const FILES_MISSING: u32 = 5;
    /// The worker already holds [`MAX_OPEN_FILES`](crate::files::MAX_OPEN_FILES) received
    /// descriptors; it closed the call's and did not run it.
    pub(crate) const TOO_MANY_FILES: u32 = 6;
}

/// Longest panic message the worker sends and the host accepts.
pub(crate) const MAX_MESSAGE_BYTES: usize = 4096;

/// What a worker-side dispatch reports; the raw status word plus payload length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    pub(crate) code: u32,
    pub(crate) len: usize,
}

/// Why a reply could not be turned into a value. Everything here is the worker's claim or the
/// decoder's finding; nothing in it came from following worker-provided pointers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The isolated function panicked in the worker (message from the worker: untrusted text,
    /// bounded, with control characters, line breaks and bidi controls escaped).
    #[error("panicked in the worker: {0}")]
    Panicked(String),
    /// The worker does not know the function (a dedicated worker binary built from other
    /// sources, or the function is not linked into it).
    #[error("the worker has no such function")]
    UnknownFunction,
    /// The worker could not decode the arguments the host sent.
    #[error("the worker could not decode the arguments")]
    BadRequest,
    /// The return value needs more room than the reply arena has.
    #[error("the reply needs {needed} bytes but the reply arena holds {capacity}")]
    ReplyTooLarge {
        /// Bytes the worker says it needed (a claim, not a fact).
        needed: u64,
        /// The reply arena's size.
        capacity: u64,
    },
    /// The reply claims to be longer than the reply arena.
    #[error("the worker claims a {claimed}-byte reply; the reply arena holds {capacity}")]
    LengthOutOfBounds {
        /// The length the worker wrote.
        claimed: u64,
        /// The reply arena's size.
        capacity: u64,
    },
    /// The payload is not a valid encoding of the expected type.
    #[error("malformed reply: {0}")]
    Malformed(String),
    /// The payload decoded but bytes were left over.
    #[error("malformed reply: {0} trailing bytes")]
    TrailingBytes(usize),
    /// The status word is not one this version knows.
    #[error("unknown reply status {0}")]
    UnknownStatus(u32),
    /// The worker says it found no descriptors for the call, though the host sent them.
    #[error("the worker says the call's files did not reach it")]
    FilesMissing,
    /// The worker says it holds too many received descriptors to take the call's.
    #[error("the worker says it already holds the most passed files it may")]
    TooManyFiles,
    /// The worker says it took the call's descriptors, but left them queued on its socket
    /// (they would pile up there, call after call).
    #[error("the worker left {queued} bytes of descriptor messages untaken")]
    FilesNotTaken {
        /// Bytes still queued for the worker.
        queued: usize,
    },
    /// What the worker says it took of the call's descriptors is not what the host sent: its
    /// account of the descriptor messages is out of step with the calls.
    #[error(
        "the worker says it took {taken} files from message {taken_seq}; the host sent {sent} \
         with message {seq}"
    )]
    FilesMismatch {
        /// Descriptors the host sent with the call.
        sent: u32,
        /// The call's sequence number.
        seq: u32,
        /// Descriptors the worker says it took.
        taken: u32,
        /// The message number the worker says it took them from.
        taken_seq: u32,
    },
}

/// Decodes a reply that has already been copied into private memory.
///
/// This is the host's only way into worker output and the target of the `sandbox_reply` fuzz
/// target: for any `status` and `payload` it returns a value or an error, never panics, and
/// allocates at most in proportion to `payload.len()`.
///
/// Decoding is bounded beyond what `postcard` checks: at most 128 levels of nesting (a
/// recursive result type cannot overflow the host's stack) and a number of sequence and map
/// elements proportional to the payload (a `Vec<()>` claiming 2^64 elements cannot spin).
///
/// # Errors
/// [`ReplyError`] naming what was wrong with the reply.
pub fn decode_reply<R: DeserializeOwned>(status: u32, payload: &[u8]) -> Result<R, ReplyError> {
    match status {
        status::OK => decode_exact(payload),
        status::PANICKED => {
            let message: String = decode_exact(payload)?;
            Err(ReplyError::Panicked(crate::text::sanitize(
                message.as_bytes(),
            )))
        }
        status::UNKNOWN_FUNCTION => Err(ReplyError::UnknownFunction),
        status::BAD_REQUEST => Err(ReplyError::BadRequest),
        status::REPLY_TOO_LARGE => {
            let needed: u64 = decode_exact(payload)?;
            Err(ReplyError::ReplyTooLarge {
                needed,
                capacity: 0,
            })
        }
        status::FILES_MISSING => Err(ReplyError::FilesMissing),
        status::TOO_MANY_FILES => Err(ReplyError::TooManyFiles),
        other => Err(ReplyError::UnknownStatus(other)),
    }
}

/// Decodes a reply whose arena (frame at the start, [`ByteBuf`] and [`OutputBuf`] contents in
/// the bulk area after the frame reserve, as the worker lays it out) has been copied into
/// private memory: the form the fuzz target drives. Every buffer's position is recomputed from
/// `frame_len`, the lengths in the frame and `arena.len()`.
///
/// [`OutputBuf`]: crate::OutputBuf
///
/// # Errors
/// As [`decode_reply`]; a `frame_len` past the arena is [`ReplyError::LengthOutOfBounds`].
pub fn decode_reply_in_arena<R: DeserializeOwned>(
    status: u32,
    arena: &[u8],
    frame_len: usize,
) -> Result<R, ReplyError> {
    let Some(frame) = arena.get(..frame_len) else {
        return Err(ReplyError::LengthOutOfBounds {
            claimed: u64::try_from(frame_len).unwrap_or(u64::MAX),
            capacity: u64::try_from(arena.len()).unwrap_or(u64::MAX),
        });
    };
    arena::with_source(BulkSource::private(arena, frame_len), || {
        decode_reply(status, frame)
    })
    .0
}

/// Decodes a reply frame (already private) whose bulk bytes are still in shared memory; also
/// returns the bulk bytes copied.
pub(crate) fn decode_shared<R: DeserializeOwned>(
    status: u32,
    frame: &[u8],
    source: BulkSource,
) -> (Result<R, ReplyError>, usize) {
    arena::with_source(source, || decode_reply(status, frame))
}

fn decode_exact<R: DeserializeOwned>(payload: &[u8]) -> Result<R, ReplyError> {
    let mut deserializer = postcard::Deserializer::from_bytes(payload);
    let budget = Budget::for_payload(payload.len());
    let value = R::deserialize(Limited {
        inner: &mut deserializer,
        budget: &budget,
    })
    .map_err(|error| {
        ReplyError::Malformed(
            budget
                .exceeded()
                .map_or_else(|| error.to_string(), str::to_owned),
        )
    })?;
    let rest = deserializer
        .finalize()
        .map_err(|error| ReplyError::Malformed(error.to_string()))?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(ReplyError::TrailingBytes(rest.len()))
    }
}

/// A byte buffer that crosses the sandbox boundary as one block.
///
/// A plain `Vec<u8>` goes through serde one element at a time. A `ByteBuf` in a sandboxed call
/// is placed beside the encoded frame in the shared arena (one copy, from the sender's memory)
/// and read back with one copy into the receiver's `Vec`; in any other serializer it is plain
/// serde bytes. Use it for every large byte argument or result.
///
/// ```
/// use ffiguard_sandbox::ByteBuf;
/// let buf = ByteBuf::from(vec![1, 2, 3]);
/// assert_eq!(&buf[..], &[1, 2, 3]);
/// let back: Vec<u8> = buf.into_vec();
/// assert_eq!(back.len(), 3);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct ByteBuf(Vec<u8>);

impl ByteBuf {
    /// An empty buffer.
    pub fn new() -> Self {
        Self(Vec::new())
    }

    /// The bytes, without copying.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl std::fmt::Debug for ByteBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ByteBuf({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for ByteBuf {
    fn from(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }
}

impl From<&[u8]> for ByteBuf {
    fn from(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }
}

impl From<ByteBuf> for Vec<u8> {
    fn from(buf: ByteBuf) -> Self {
        buf.0
    }
}

impl std::ops::Deref for ByteBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl std::ops::DerefMut for ByteBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl AsRef<[u8]> for ByteBuf {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl Serialize for ByteBuf {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if arena::place_bulk(&self.0) {
            serializer.serialize_u64(u64::try_from(self.0.len()).unwrap_or(u64::MAX))
        } else {
            serializer.serialize_bytes(&self.0)
        }
    }
}

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a byte buffer")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<ByteBuf, E> {
                Ok(ByteBuf(bytes.to_vec()))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<ByteBuf, E> {
                Ok(ByteBuf(bytes))
            }
        }
        if arena::decoding_bulk() {
            let len = u64::deserialize(deserializer)?;
            return match arena::take_bulk(len) {
                Some(Ok(bytes)) => Ok(ByteBuf(bytes)),
                Some(Err(message)) => Err(serde::de::Error::custom(message)),
                None => Err(serde::de::Error::custom("bulk source vanished")),
            };
        }
        deserializer.deserialize_byte_buf(Visit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Covers the hostile-reply decoder: arbitrary status words and payloads, including
    /// length prefixes far beyond the payload, must produce errors, not panics or huge
    /// allocations.
    #[test]
    fn hostile_payloads_become_errors() {
        // A deterministic generator keeps the test reproducible without a dev-dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let len = usize::try_from(next() % 64).unwrap_or(0);
            let payload: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
            let status = u32::try_from(next() % 7).unwrap_or(0);
            let _ = decode_reply::<Result<ByteBuf, String>>(status, &payload);
            let _ = decode_reply::<Vec<String>>(status, &payload);
            let _ = decode_reply::<(u64, Option<Vec<u32>>)>(status, &payload);
            assert!(round < 20_000);
        }
    }

    #[test]
    fn lying_length_prefix_is_rejected_without_allocating_it() {
        // Varint for u64::MAX-ish length followed by three bytes.
        let mut payload = vec![0xff; 9];
        payload.push(0x01);
        payload.extend_from_slice(b"abc");
        let result = decode_reply::<ByteBuf>(status::OK, &payload);
        assert!(
            matches!(result, Err(ReplyError::Malformed(_))),
            "{result:?}"
        );
        let result = decode_reply::<Vec<u64>>(status::OK, &payload);
        assert!(
            matches!(result, Err(ReplyError::Malformed(_))),
            "{result:?}"
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // only decoded
    enum Tree {
        Leaf,
        Node(Vec<Tree>),
    }

    /// Covers the depth limit: without it this recursion overflows the test's stack.
    #[test]
    fn deep_nesting_is_refused() {
        // Node([Node([Node([...])])]): variant 1, length 1, repeated.
        let mut payload = Vec::new();
        for _ in 0..100_000 {
            payload.extend_from_slice(&[1, 1]);
        }
        payload.push(0);
        let result = decode_reply::<Tree>(status::OK, &payload);
        assert!(
            matches!(&result, Err(ReplyError::Malformed(m)) if m.contains("nesting")),
            "{result:?}"
        );
        // Shallow trees still decode.
        assert!(decode_reply::<Tree>(status::OK, &[1, 2, 0, 1, 0]).is_ok());
    }

    /// Covers the element budget: without it this loop runs 2^63 times.
    #[test]
    fn zero_sized_elements_cannot_spin() {
        let payload = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f];
        let result = decode_reply::<Vec<()>>(status::OK, &payload);
        assert!(
            matches!(&result, Err(ReplyError::Malformed(m)) if m.contains("elements")),
            "{result:?}"
        );
        assert_eq!(
            decode_reply::<Vec<()>>(status::OK, &[3]).map(|v| v.len()),
            Ok(3)
        );
    }

    #[test]
    fn trailing_bytes_and_unknown_status_are_errors() {
        let mut payload = postcard::to_allocvec(&7u32).unwrap_or_default();
        payload.push(0);
        assert_eq!(
            decode_reply::<u32>(status::OK, &payload),
            Err(ReplyError::TrailingBytes(1))
        );
        assert_eq!(
            decode_reply::<u32>(99, &[]),
            Err(ReplyError::UnknownStatus(99))
        );
    }

    #[test]
    fn panic_messages_are_sanitized() {
        let payload = postcard::to_allocvec("boom\u{1b}[31m").unwrap_or_default();
        let result = decode_reply::<u32>(status::PANICKED, &payload);
        assert_eq!(
            result,
            Err(ReplyError::Panicked("boom\\u{1b}[31m".to_owned()))
        );
    }

    #[test]
    fn bytebuf_travels_beside_the_frame() {
        let mut arena = vec![0u8; 4096];
        let value: (ByteBuf, u32, ByteBuf) = (
            ByteBuf::from(vec![1u8; 100]),
            7,
            ByteBuf::from(vec![2u8; 9]),
        );
        // SAFETY: `arena` is private, writable, 8-aligned (a u8 Vec of 4096 from the global
        // allocator is at least 8-aligned here) and not otherwise referenced during the call.
        let encoded = unsafe { arena::encode_into(&value, arena.as_mut_ptr(), arena.len()) };
        let frame_len = encoded.map_or(usize::MAX, |(frame, _)| frame);
        assert!(frame_len < 8, "the frame holds lengths only: {frame_len}");
        let decoded: (ByteBuf, u32, ByteBuf) =
            decode_reply_in_arena(status::OK, &arena, frame_len).unwrap_or_default();
        assert_eq!(decoded, value);
        // A length the arena cannot hold is an error, not a read out of bounds.
        let mut lying = arena.clone();
        lying[0] = 0xff;
        lying[1] = 0x7f;
        let result =
            decode_reply_in_arena::<(ByteBuf, u32, ByteBuf)>(status::OK, &lying, frame_len);
        assert!(
            matches!(result, Err(ReplyError::Malformed(_))),
            "{result:?}"
        );
    }

    #[test]
    fn bytebuf_round_trips_as_one_block() {
        let encoded = postcard::to_allocvec(&ByteBuf::from(vec![7u8; 300])).unwrap_or_default();
        // Two varint length bytes plus the bytes themselves.
        assert_eq!(encoded.len(), 302);
        let decoded: ByteBuf = decode_reply(status::OK, &encoded).unwrap_or_default();
        assert_eq!(decoded.len(), 300);
    }
}
