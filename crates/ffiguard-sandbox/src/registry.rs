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

use crate::bulk::{self, BulkSource, EncodeError};
use crate::wire::{MAX_MESSAGE_BYTES, Status, status};

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

impl ReplyWriter<'_> {
    /// # Safety
    /// `start..start + capacity` must be writable, outlive the writer, and not be referenced
    /// elsewhere while the writer exists.
    pub(crate) unsafe fn new(start: *mut u8, capacity: usize) -> Self {
        Self {
            start,
            capacity,
            _arena: std::marker::PhantomData,
        }
    }

    /// Encodes `value` under `code`; a value too large becomes a `REPLY_TOO_LARGE` reply.
    pub(crate) fn write<T: Serialize + ?Sized>(&mut self, code: u32, value: &T) -> Status {
        // SAFETY: the constructor's caller vouched for the arena range (page-aligned) and its
        // exclusivity.
        match unsafe { bulk::encode_into(value, self.start, self.capacity) } {
            Ok((len, _)) => Status { code, len },
            Err(EncodeError::TooLarge(needed)) => {
                let needed = u64::try_from(needed).unwrap_or(u64::MAX);
                // SAFETY: as above.
                let len = unsafe { bulk::encode_into(&needed, self.start, self.capacity) };
                Status {
                    code: status::REPLY_TOO_LARGE,
                    len: len.map_or(0, |(frame, _)| frame),
                }
            }
            Err(EncodeError::Serde(message)) => self.write_panic(&message),
        }
    }

    fn write_panic(&mut self, message: &str) -> Status {
        let mut end = message.len().min(MAX_MESSAGE_BYTES);
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        let message = &message[..end];
        // SAFETY: the constructor's caller vouched for the arena range and its exclusivity.
        let len = unsafe { bulk::encode_into(message, self.start, self.capacity) };
        Status {
            code: status::PANICKED,
            len: len.map_or(0, |(frame, _)| frame),
        }
    }
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
    let (decoded, _) = bulk::with_source(source, || postcard::from_bytes::<A>(request.frame));
    let Ok(args) = decoded else {
        return Status {
            code: status::BAD_REQUEST,
            len: 0,
        };
    };
    match std::panic::catch_unwind(AssertUnwindSafe(|| function(args))) {
        Ok(value) => reply.write(status::OK, &value),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
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
