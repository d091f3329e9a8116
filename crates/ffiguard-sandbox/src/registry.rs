//! The registry of isolated functions, filled at link time.
//!
//! `#[isolated]` adds one [`Entry`] per function to a `linkme` distributed slice. Chosen over
//! `inventory` because the table is assembled by the linker: no code runs before `main` (a
//! worker executes nothing of the program before its setup), no allocation, and lookups are a
//! binary search over a table built once. Chosen over an explicit registration list because a
//! list written by hand drifts from the code and makes the dedicated-worker binary repeat it.
//!
//! Functions are found by a 64-bit identifier hashed from the stable name *and* the argument
//! and return types as written, so a host and a dedicated worker built from different sources
//! get "unknown function" instead of misreading each other's bytes.

use std::panic::AssertUnwindSafe;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::transport::arena::{self, BulkSource, Encoded, Fault};
use crate::transport::output_buf;
use crate::transport::wire::{MAX_MESSAGE_BYTES, Status, status};

/// Name and identifier of one isolated function.
#[derive(Debug)]
pub struct Descriptor {
    /// The stable name (module path, or the `name = "…"` given to `#[isolated]`).
    pub name: &'static str,
    /// [`function_id`] of the name and signature.
    pub id: u64,
}

/// One registered function: its descriptor and the worker-side entry point.
#[derive(Debug)]
pub struct Entry {
    /// Name and identifier.
    pub descriptor: &'static Descriptor,
    /// Decodes the arguments, runs the function, encodes the result into the reply arena.
    pub dispatch: fn(&Request<'_>, &mut ReplyWriter<'_>) -> Status,
}

/// Every `#[isolated]` function linked into this binary.
#[linkme::distributed_slice]
pub static REGISTRY: [Entry];

/// FNV-1a over the name, a separator and the signature; `const` so the identifier is computed
/// at compile time.
pub const fn function_id(name: &str, signature: &str) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let parts = [name.as_bytes(), b"\xff", signature.as_bytes()];
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part];
        let mut index = 0;
        while index < bytes.len() {
            hash ^= bytes[index] as u64;
            hash = hash.wrapping_mul(PRIME);
            index += 1;
        }
        part += 1;
    }
    hash
}

/// The worker's lookup table: identifiers sorted for binary search.
#[derive(Debug)]
pub(crate) struct Table {
    entries: Vec<(u64, &'static Entry)>,
}

impl Table {
    /// Builds the table; fails with the duplicated identifier if two entries share one.
    pub(crate) fn build() -> Result<Self, u64> {
        let mut entries: Vec<(u64, &'static Entry)> = REGISTRY
            .iter()
            .map(|entry| (entry.descriptor.id, entry))
            .collect();
        entries.sort_unstable_by_key(|(id, _)| *id);
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(pair[0].0);
        }
        Ok(Self { entries })
    }

    pub(crate) fn find(&self, id: u64) -> Option<&'static Entry> {
        self.entries
            .binary_search_by_key(&id, |(key, _)| *key)
            .ok()
            .map(|index| self.entries[index].1)
    }
}

/// Where a worker writes a reply: the reply arena.
#[derive(Debug)]
pub struct ReplyWriter<'a> {
    start: *mut u8,
    capacity: usize,
    _arena: std::marker::PhantomData<&'a mut [u8]>,
}

/// The reply of a call whose `OutputBuf` outlived it.
const OUTLIVED: &str = "an OutputBuf outlived the isolated call that created it (kept or leaked); \
     its bytes stay reserved and replies cannot use the arena's bulk area until it is dropped";
/// The reply of a later call that needs the bulk area such a buffer still holds.
const STILL_HELD: &str = "the reply arena's bulk area is still held by an OutputBuf that \
     outlived an earlier call";

impl ReplyWriter<'_> {
    /// # Safety
    /// `start..start + capacity` must be writable, 8-aligned, not be referenced elsewhere while
    /// the writer exists (except by `OutputBuf`s built in it, whose holds the encoder
    /// respects), and stay mapped as long as an [`OutputBuf`] built in it may live (the
    /// worker's region is never unmapped).
    ///
    /// [`OutputBuf`]: crate::OutputBuf
    pub(crate) unsafe fn new(start: *mut u8, capacity: usize) -> Self {
        Self {
            start,
            capacity,
            _arena: std::marker::PhantomData,
        }
    }

    /// Encodes `value` under `code`, then drops it; a value too large becomes a
    /// `REPLY_TOO_LARGE` reply.
    ///
    /// The value is dropped before the reply is final so that an `OutputBuf` in it releases the
    /// arena: a reply that had to be encoded elsewhere (the buffer was not its first bulk item)
    /// is copied in only then, and a hold taken during this call (`held_before` is false) that
    /// survives the value becomes an error reply.
    pub(crate) fn write_owned<T: Serialize>(
        &mut self,
        code: u32,
        value: T,
        held_before: bool,
    ) -> Status {
        // SAFETY: the constructor's caller vouched for the arena range (page-aligned) and its
        // exclusivity; bytes a live OutputBuf holds are only read.
        let direct = unsafe { arena::encode_arena(&value, self.start, self.capacity) };
        let outcome = match direct {
            Err(Fault::Held) => encode_aside(&value, self.capacity).map(Placed::Aside),
            other => other.map(Placed::Direct),
        };
        drop(value);
        let held = crate::transport::arena::held_from(self.start, self.capacity).is_some();
        if held && !held_before {
            return self.write_panic(OUTLIVED);
        }
        match outcome {
            Ok(Placed::Direct(encoded)) => {
                output_buf::count_in_place(encoded.in_place);
                Status {
                    code,
                    len: encoded.frame_len,
                }
            }
            // Encoded aside because of a hold that is still there: no room for it.
            Ok(Placed::Aside(_)) if held => self.write_panic(STILL_HELD),
            Ok(Placed::Aside(aside)) => self.copy_in(code, &aside),
            Err(Fault::TooLarge(needed)) => self.write_too_large(needed),
            Err(Fault::Serde(message)) => self.write_panic(&message),
            Err(Fault::Held) => self.write_panic(STILL_HELD),
        }
    }

    /// Copies a reply encoded aside into the arena (no hold is live: checked by the caller).
    fn copy_in(&mut self, code: u32, aside: &Aside) -> Status {
        let Encoded {
            frame_len,
            bulk_len,
            ..
        } = aside.encoded;
        let base = arena::bulk_base(self.capacity, frame_len).unwrap_or(usize::MAX);
        let bytes = aside.bytes();
        let ranges = [(0, frame_len), (base, bulk_len)];
        for (offset, len) in ranges {
            let Some(source) = offset
                .checked_add(len)
                .filter(|end| *end <= self.capacity)
                .and_then(|end| bytes.get(offset..end))
            else {
                return self.write_panic("an encoded reply does not fit its arena");
            };
            // SAFETY: offset + len <= capacity keeps the write in the arena the constructor's
            // caller vouched for; `source` is private heap memory, disjoint from it.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    source.as_ptr(),
                    self.start.wrapping_add(offset),
                    len,
                );
            }
        }
        Status {
            code,
            len: frame_len,
        }
    }

    fn write_too_large(&mut self, needed: usize) -> Status {
        let needed = u64::try_from(needed).unwrap_or(u64::MAX);
        // SAFETY: the constructor's caller vouched for the arena range and its exclusivity.
        let len = unsafe { arena::encode_into(&needed, self.start, self.capacity) };
        Status {
            code: status::REPLY_TOO_LARGE,
            len: len.map_or(0, |(frame, _)| frame),
        }
    }

    fn write_panic(&mut self, message: &str) -> Status {
        // While an OutputBuf outlives its call only the frame reserve is free: shorten the
        // message to fit it (a length prefix takes at most 3 bytes here).
        let held = crate::transport::arena::held_from(self.start, self.capacity).is_some();
        let limit = if held {
            MAX_MESSAGE_BYTES.min(arena::frame_reserve(self.capacity).saturating_sub(3))
        } else {
            MAX_MESSAGE_BYTES
        };
        let mut end = message.len().min(limit);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let message = &message[..end];
        // SAFETY: the constructor's caller vouched for the arena range and its exclusivity.
        let len = unsafe { arena::encode_into(message, self.start, self.capacity) };
        Status {
            code: status::PANICKED,
            len: len.map_or(0, |(frame, _)| frame),
        }
    }
}

/// Where a reply was encoded.
enum Placed {
    /// In the reply arena.
    Direct(Encoded),
    /// In private memory of the arena's size, to be copied in.
    Aside(Aside),
}

/// A reply encoded into private memory laid out as the reply arena.
struct Aside {
    memory: Vec<u64>,
    capacity: usize,
    encoded: Encoded,
}

impl Aside {
    fn bytes(&self) -> &[u8] {
        // SAFETY: `memory` holds capacity.div_ceil(8) initialised u64s, so its first
        // `capacity` bytes are initialised and in bounds; u8 has no alignment requirement.
        unsafe { std::slice::from_raw_parts(self.memory.as_ptr().cast::<u8>(), self.capacity) }
    }
}

/// Encodes `value` into fresh private memory with the reply arena's size and layout (used when
/// an `OutputBuf` holds the arena and is not where the reply needs it).
fn encode_aside<T: Serialize>(value: &T, capacity: usize) -> Result<Aside, Fault> {
    // Zeroed by the allocator (fresh pages for a large arena): only touched pages cost.
    let mut memory = vec![0u64; capacity.div_ceil(8)];
    // SAFETY: `memory` is private, writable, 8-aligned, at least `capacity` bytes, and not
    // referenced during the call; no OutputBuf can hold it (holds are taken on open reply
    // arenas only).
    let encoded =
        unsafe { arena::encode_arena(value, memory.as_mut_ptr().cast::<u8>(), capacity) }?;
    Ok(Aside {
        memory,
        capacity,
        encoded,
    })
}

/// The request a worker serves: the encoded frame and the arena its byte buffers sit in.
#[derive(Debug)]
pub struct Request<'a> {
    frame: &'a [u8],
    arena: *const u8,
    capacity: usize,
}

impl<'a> Request<'a> {
    /// # Safety
    /// `arena..arena + capacity` must stay mapped and unwritten for `'a`, be 8-aligned, and
    /// `frame` must be its first bytes.
    pub(crate) unsafe fn new(frame: &'a [u8], arena: *const u8, capacity: usize) -> Self {
        Self {
            frame,
            arena,
            capacity,
        }
    }
}

/// Worker side of one call: decode the arguments, run `function` (catching panics), encode the
/// result. Called by the code `#[isolated]` generates.
pub fn dispatch<A, R, F>(request: &Request<'_>, reply: &mut ReplyWriter<'_>, function: F) -> Status
where
    A: DeserializeOwned,
    R: Serialize,
    F: FnOnce(A) -> R,
{
    // SAFETY: `Request::new`'s caller vouched for the arena.
    let source =
        unsafe { BulkSource::shared(request.arena, request.capacity, request.frame.len()) };
    let (decoded, _) = arena::with_source(source, || postcard::from_bytes::<A>(request.frame));
    let Ok(args) = decoded else {
        return Status {
            code: status::BAD_REQUEST,
            len: 0,
        };
    };
    let held_before = crate::transport::arena::held_from(reply.start, reply.capacity).is_some();
    let run = || std::panic::catch_unwind(AssertUnwindSafe(|| function(args)));
    // SAFETY: `ReplyWriter::new`'s caller vouched for the reply arena: writable, 8-aligned,
    // exclusive to the writer (whose encoder respects holds) and mapped as long as an
    // OutputBuf built in it may live.
    let outcome = unsafe { output_buf::with_open_arena(reply.start, reply.capacity, run) };
    match outcome {
        Ok(value) => reply.write_owned(status::OK, value, held_before),
        Err(payload) => {
            let message = ffiguard::untrusted::panic_message(payload.as_ref());
            // Dropped first: the payload may own an OutputBuf.
            drop(payload);
            reply.write_panic(&message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_depend_on_name_and_signature() {
        let base = function_id("zlib::inflate", "(ByteBuf) -> ByteBuf");
        assert_ne!(base, function_id("zlib::deflate", "(ByteBuf) -> ByteBuf"));
        assert_ne!(
            base,
            function_id("zlib::inflate", "(ByteBuf) -> Vec < u8 >")
        );
        assert_eq!(base, function_id("zlib::inflate", "(ByteBuf) -> ByteBuf"));
    }
}
