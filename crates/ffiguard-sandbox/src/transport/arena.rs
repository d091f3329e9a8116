//! Encoding into an arena, with large byte buffers beside the encoded frame instead of in it.
//!
//! # Layout
//!
//! An arena of `capacity` bytes holding a frame of `frame_len` bytes:
//!
//! - the postcard frame at `0..frame_len`;
//! - the bytes of every bulk buffer ([`ByteBuf`], [`OutputBuf`]), in encoding order, bottom-up
//!   from the *bulk base*, each starting 8-aligned. The bulk base is the frame reserve
//!   ([`frame_reserve`]: 1/64 of the arena, at most 8 KiB) or, for a longer frame, the frame's
//!   end rounded up to 8 ([`bulk_base`]).
//!
//! In the frame a buffer is only its length. The reader recomputes every position from those
//! lengths and the arena size and frame length it knows itself — no offset is ever read from the
//! arena — checks each against the arena's end, and copies each buffer once, straight from the
//! arena into the `Vec` the caller receives. So bulk bytes are read exactly once by the host (no
//! TOCTOU).
//!
//! Because the first buffer's place does not depend on any length (for every frame that fits
//! the reserve), an [`OutputBuf`] can be built right there while the isolated function runs: when
//! it is the first bulk item of the reply, the encoder finds its bytes already in place and
//! copies nothing. Such a buffer *holds* the bulk area (see `output_buf`); the encoder never
//! writes into a held area except behind a buffer it has just placed in place, and reports
//! [`Fault::Held`] instead, so the caller can encode elsewhere and copy once the hold is gone.
//!
//! [`ByteBuf`]: crate::ByteBuf
//! [`OutputBuf`]: crate::OutputBuf

use std::cell::{Cell, RefCell};

use std::sync::atomic::{AtomicUsize, Ordering};

/// Address of the arena whose bulk area an `OutputBuf` holds; 0 when none does. The hold
/// registry lives here, with the encoder that must respect it: an `OutputBuf` holds the bulk
/// area of the open reply arena while the isolated function fills it, and the encoder never
/// writes a held byte (it takes the held bytes as the result's first buffer instead).
static HELD_ARENA: AtomicUsize = AtomicUsize::new(0);

/// Holds the bulk area of the arena at `address`; false when some arena is already held.
pub(crate) fn hold(address: usize) -> bool {
    HELD_ARENA
        .compare_exchange(0, address, Ordering::AcqRel, Ordering::Acquire)
        .is_ok()
}

/// Releases the hold on the arena at `address` (if it is the one held).
pub(crate) fn release(address: usize) {
    let _ = HELD_ARENA.compare_exchange(address, 0, Ordering::AcqRel, Ordering::Acquire);
}

/// Whether any arena is held.
#[cfg(test)]
pub(crate) fn is_held() -> bool {
    HELD_ARENA.load(Ordering::SeqCst) != 0
}

/// Where the area an `OutputBuf` holds in the arena at `start` begins, if one holds it.
pub(crate) fn held_from(start: *const u8, capacity: usize) -> Option<usize> {
    let held = HELD_ARENA.load(Ordering::Acquire);
    (held != 0 && held == start.addr()).then(|| frame_reserve(capacity))
}

/// Upper bound of the frame reserve.
const MAX_FRAME_RESERVE: usize = 8192;

thread_local! {
    static ENCODER: RefCell<Option<ArenaState>> = const { RefCell::new(None) };
    static DECODER: RefCell<Option<BulkSource>> = const { RefCell::new(None) };
}

/// Bytes at the start of an arena of `capacity` bytes kept for the frame: bulk buffers start
/// here unless the frame is longer. A multiple of 8.
pub(crate) fn frame_reserve(capacity: usize) -> usize {
    (capacity / 64).min(MAX_FRAME_RESERVE) & !7
}

/// Where the first bulk buffer starts in an arena of `capacity` bytes whose frame is
/// `frame_len` bytes long (`None` if that does not fit a `usize`). A multiple of 8, and never
/// before the frame's end.
pub(crate) fn bulk_base(capacity: usize, frame_len: usize) -> Option<usize> {
    frame_len
        .checked_next_multiple_of(8)
        .map(|frame_end| frame_end.max(frame_reserve(capacity)))
}

/// Where the encoder writes: raw arena memory shared by the frame and the bulk area.
#[derive(Debug)]
struct ArenaState {
    start: *mut u8,
    capacity: usize,
    /// Where bulk starts; the frame must end at or before it.
    base: usize,
    /// Start of the area a live `OutputBuf` holds in this arena (it runs to the arena's end).
    held_from: Option<usize>,
    /// Frame bytes so far (written only while `writing`).
    frame_len: Cell<usize>,
    /// Bulk bytes so far from `base`, alignment padding included.
    bulk_len: Cell<usize>,
    /// Cleared by the first thing that does not fit or would touch a held area: from then on
    /// the pass only counts.
    writing: Cell<bool>,
    /// A write would have touched the held area.
    held_conflict: Cell<bool>,
    /// The held buffer was found in place as the first bulk item.
    held_placed: Cell<bool>,
    /// Bytes found in place (not copied).
    in_place: Cell<usize>,
}

impl ArenaState {
    fn write(&self, offset: usize, data: &[u8]) {
        // SAFETY: callers checked offset + data.len() <= capacity and that the range is not
        // held; the arena range was vouched for by `encode_arena`'s caller. `data` is either
        // private memory or a held buffer's bytes, which lie below every offset written while
        // the hold is live (`place`), so the ranges are disjoint.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.start.wrapping_add(offset),
                data.len(),
            );
        }
    }

    fn stop(&self) {
        self.writing.set(false);
    }

    fn extend_frame(&self, data: &[u8]) {
        let offset = self.frame_len.get();
        let end = offset.saturating_add(data.len());
        if self.writing.get() && end <= self.base {
            self.write(offset, data);
        } else {
            self.stop();
        }
        self.frame_len.set(end);
    }

    fn place(&self, bytes: &[u8]) {
        let relative = self.bulk_len.get();
        let next = relative
            .checked_add(bytes.len())
            .and_then(|next| next.checked_next_multiple_of(8))
            .unwrap_or(usize::MAX);
        self.bulk_len.set(next);
        if !self.writing.get() {
            return;
        }
        let offset = self.base.saturating_add(relative);
        if offset
            .checked_add(bytes.len())
            .is_none_or(|end| end > self.capacity)
        {
            self.stop();
            return;
        }
        if bytes.is_empty() {
            return;
        }
        match self.held_from {
            Some(held) if !self.held_placed.get() => {
                if relative == 0
                    && offset == held
                    && std::ptr::eq(bytes.as_ptr(), self.start.wrapping_add(offset))
                {
                    // The held buffer itself, already where the reader will look for it.
                    self.held_placed.set(true);
                    self.in_place.set(bytes.len());
                } else {
                    self.held_conflict.set(true);
                    self.stop();
                }
            }
            // Past the placed held buffer's bytes (`relative` >= their padded length): only
            // its spare capacity, which nothing can borrow while it is being serialized.
            _ => self.write(offset, bytes),
        }
    }
}

/// The postcard output: the frame part of the arena.
struct FrameFlavor;

impl postcard::ser_flavors::Flavor for FrameFlavor {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        ENCODER.with_borrow(|state| {
            if let Some(state) = state {
                state.extend_frame(data);
            }
        });
        Ok(())
    }

    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.try_extend(&[data])
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Encoding into an arena failed (the form the host's request side uses).
#[derive(Debug)]
pub(crate) enum EncodeError {
    /// The value needs this many bytes.
    TooLarge(usize),
    /// The value's `Serialize` impl failed.
    Serde(String),
}

/// Why an arena encoding stopped.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The value needs this many bytes.
    TooLarge(usize),
    /// The value's `Serialize` impl failed.
    Serde(String),
    /// The encoding would overwrite bytes a live `OutputBuf` holds in this arena; nothing of
    /// them was touched.
    Held,
}

/// A finished arena encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Encoded {
    /// Length of the frame at the arena's start.
    pub(crate) frame_len: usize,
    /// Bulk bytes from the bulk base, alignment padding included.
    pub(crate) bulk_len: usize,
    /// Bulk bytes that were already in place (an `OutputBuf` built in this arena).
    pub(crate) in_place: usize,
}

/// What one encoding pass found.
enum Pass {
    Done(Encoded),
    /// The frame is longer than the bulk base the pass assumed.
    FrameTooLong {
        frame_len: usize,
        bulk_len: usize,
    },
}

/// Encodes `value` into the arena at `start`; returns the frame length and the bulk bytes
/// placed (with alignment padding).
///
/// # Safety
/// As [`encode_arena`].
pub(crate) unsafe fn encode_into<T: serde::Serialize + ?Sized>(
    value: &T,
    start: *mut u8,
    capacity: usize,
) -> Result<(usize, usize), EncodeError> {
    // SAFETY: the caller's promise, passed on.
    match unsafe { encode_arena(value, start, capacity) } {
        Ok(encoded) => Ok((encoded.frame_len, encoded.bulk_len)),
        Err(Fault::TooLarge(needed)) => Err(EncodeError::TooLarge(needed)),
        Err(Fault::Serde(message)) => Err(EncodeError::Serde(message)),
        Err(Fault::Held) => Err(EncodeError::Serde(
            "the arena is held by an output buffer".into(),
        )),
    }
}

/// Encodes `value` into the arena at `start` in the layout the module describes.
///
/// A frame that outgrows the reserve is encoded a second time with the bulk base after it.
/// Bytes an `OutputBuf` holds in this arena are never written: that is [`Fault::Held`].
///
/// # Safety
/// `start..start + capacity` must be writable memory, no Rust reference may point into it for
/// the duration of the call (except into an area an `OutputBuf` holds, which is only read), and
/// `start` must be 8-aligned.
pub(crate) unsafe fn encode_arena<T: serde::Serialize + ?Sized>(
    value: &T,
    start: *mut u8,
    capacity: usize,
) -> Result<Encoded, Fault> {
    let held_from = held_from(start, capacity);
    let reserve = frame_reserve(capacity);
    // SAFETY: the caller's promise, passed on.
    let first = unsafe { encode_pass(value, start, capacity, reserve, held_from) }?;
    let (frame_len, bulk_len) = match first {
        Pass::Done(encoded) => return Ok(encoded),
        Pass::FrameTooLong {
            frame_len,
            bulk_len,
        } => (frame_len, bulk_len),
    };
    let too_large = || Fault::TooLarge(frame_len.saturating_add(8).saturating_add(bulk_len));
    let base = bulk_base(capacity, frame_len)
        .filter(|base| *base <= capacity)
        .ok_or_else(too_large)?;
    if base.checked_add(bulk_len).is_none_or(|end| end > capacity) {
        return Err(too_large());
    }
    if held_from.is_some_and(|held| held < base) {
        return Err(Fault::Held);
    }
    // SAFETY: the caller's promise, passed on.
    match unsafe { encode_pass(value, start, capacity, base, held_from) }? {
        Pass::Done(encoded) => Ok(encoded),
        Pass::FrameTooLong { .. } => Err(Fault::Serde(
            "the value serialized to a different length the second time".into(),
        )),
    }
}

/// One pass with the bulk area at `base`.
///
/// # Safety
/// As [`encode_arena`], and `base <= capacity`, a multiple of 8.
unsafe fn encode_pass<T: serde::Serialize + ?Sized>(
    value: &T,
    start: *mut u8,
    capacity: usize,
    base: usize,
    held_from: Option<usize>,
) -> Result<Pass, Fault> {
    let state = ArenaState {
        start,
        capacity,
        base,
        held_from,
        frame_len: Cell::new(0),
        bulk_len: Cell::new(0),
        writing: Cell::new(true),
        held_conflict: Cell::new(false),
        held_placed: Cell::new(false),
        in_place: Cell::new(0),
    };
    let guard = EncoderGuard {
        previous: ENCODER.replace(Some(state)),
    };
    let mut serializer = postcard::Serializer {
        output: FrameFlavor,
    };
    let result = value.serialize(&mut serializer);
    let state = guard.finish();
    let Some(state) = state else {
        return Err(Fault::Serde("encoder state lost".into()));
    };
    if let Err(error) = result {
        return Err(Fault::Serde(error.to_string()));
    }
    if state.held_conflict.get() {
        return Err(Fault::Held);
    }
    let frame_len = state.frame_len.get();
    let bulk_len = state.bulk_len.get();
    if frame_len > base {
        return Ok(Pass::FrameTooLong {
            frame_len,
            bulk_len,
        });
    }
    let end = base.checked_add(bulk_len).filter(|end| *end <= capacity);
    match end {
        Some(_) if state.writing.get() => Ok(Pass::Done(Encoded {
            frame_len,
            bulk_len,
            in_place: state.in_place.get(),
        })),
        _ => Err(Fault::TooLarge(base.saturating_add(bulk_len))),
    }
}

/// If an arena encoding is under way on this thread, places `bytes` in its bulk area and
/// returns `true` (the caller then encodes only the length).
pub(crate) fn place_bulk(bytes: &[u8]) -> bool {
    ENCODER.with_borrow(|state| {
        let Some(state) = state else { return false };
        state.place(bytes);
        true
    })
}

/// Where a decoder takes bulk bytes from.
#[derive(Debug)]
pub(crate) struct BulkSource {
    start: *const u8,
    capacity: usize,
    /// The bulk base, recomputed from the capacity and the frame length.
    base: Option<usize>,
    /// The next buffer's offset from `base`.
    next: Cell<usize>,
    /// Shared memory the peer may be writing: read with volatile loads.
    shared: bool,
}

impl BulkSource {
    /// A source over shared memory.
    ///
    /// # Safety
    /// `start..start + capacity` must stay mapped while the source is in use, and `start`
    /// must be 8-aligned.
    pub(crate) unsafe fn shared(start: *const u8, capacity: usize, frame_len: usize) -> Self {
        Self {
            start,
            capacity,
            base: bulk_base(capacity, frame_len),
            next: Cell::new(0),
            shared: true,
        }
    }

    /// A source over private memory (the fuzz target, tests).
    pub(crate) fn private(arena: &[u8], frame_len: usize) -> Self {
        Self {
            start: arena.as_ptr(),
            capacity: arena.len(),
            base: bulk_base(arena.len(), frame_len),
            next: Cell::new(0),
            shared: false,
        }
    }

    fn take(&self, len: u64) -> Result<Vec<u8>, String> {
        let out_of_bounds = || format!("bulk buffer of {len} bytes does not fit the arena");
        let len = usize::try_from(len).map_err(|_| out_of_bounds())?;
        let relative = self.next.get();
        let offset = self
            .base
            .and_then(|base| base.checked_add(relative))
            .filter(|offset| {
                offset
                    .checked_add(len)
                    .is_some_and(|end| end <= self.capacity)
            })
            .ok_or_else(out_of_bounds)?;
        let next = relative
            .checked_add(len)
            .and_then(|next| next.checked_next_multiple_of(8))
            .ok_or_else(out_of_bounds)?;
        self.next.set(next);
        let source = self.start.wrapping_add(offset);
        Ok(if self.shared {
            copy_volatile(source, len)
        } else {
            // SAFETY: offset + len <= capacity: inside the private slice `start` was taken
            // from, which outlives the source (it is only used within decode calls).
            unsafe { std::slice::from_raw_parts(source, len) }.to_vec()
        })
    }
}

/// Runs `decode` with `source` as this thread's bulk source; also returns the bulk bytes
/// taken (with alignment padding).
pub(crate) fn with_source<T>(source: BulkSource, decode: impl FnOnce() -> T) -> (T, usize) {
    let guard = DecoderGuard {
        previous: DECODER.replace(Some(source)),
    };
    let result = decode();
    let taken = guard.finish().map_or(0, |source| source.next.get());
    (result, taken)
}

/// Restores the previous encoder state even if a `Serialize` impl panics, so no raw arena
/// pointer outlives the encoding on this thread.
struct EncoderGuard {
    previous: Option<ArenaState>,
}

impl EncoderGuard {
    fn finish(mut self) -> Option<ArenaState> {
        ENCODER.replace(self.previous.take())
    }
}

impl Drop for EncoderGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            ENCODER.set(Some(previous));
        } else if std::thread::panicking() {
            ENCODER.set(None);
        }
    }
}

/// Restores the previous bulk source even if a `Deserialize` impl panics.
struct DecoderGuard {
    previous: Option<BulkSource>,
}

impl DecoderGuard {
    fn finish(mut self) -> Option<BulkSource> {
        DECODER.replace(self.previous.take())
    }
}

impl Drop for DecoderGuard {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            DECODER.set(Some(previous));
        } else if std::thread::panicking() {
            DECODER.set(None);
        }
    }
}

/// If a bulk source is set on this thread, takes the next buffer of `len` bytes from it.
pub(crate) fn take_bulk(len: u64) -> Option<Result<Vec<u8>, String>> {
    DECODER.with_borrow(|source| source.as_ref().map(|source| source.take(len)))
}

/// Whether a bulk source is set on this thread (ByteBuf then expects a length, not bytes).
pub(crate) fn decoding_bulk() -> bool {
    DECODER.with_borrow(Option::is_some)
}

/// Words of a reply frame copied to the stack instead of the heap.
const INLINE_WORDS: usize = 32;

/// A reply frame copied out of the shared reply arena into private memory: on the stack when
/// it is short, as the frames of most replies are (their large parts travel as bulk buffers),
/// so a call does not allocate for it; on the heap otherwise.
#[allow(clippy::large_enum_variant)] // on the stack by design: it saves a call's allocation
pub(crate) enum ReplyFrame {
    /// At most `INLINE_WORDS * 8` bytes.
    Inline {
        words: [u64; INLINE_WORDS],
        len: usize,
    },
    /// Longer frames.
    Heap(Vec<u8>),
}

impl ReplyFrame {
    /// Copies `len` bytes from memory another process may be writing, with volatile loads.
    /// `source` must be 8-aligned and `len` bytes readable (callers bound both).
    pub(crate) fn copy(source: *const u8, len: usize) -> Self {
        if len > INLINE_WORDS * 8 {
            return Self::Heap(copy_volatile(source, len));
        }
        let mut words = [0u64; INLINE_WORDS];
        let word_source = source.cast::<u64>();
        for (index, word) in words.iter_mut().enumerate().take(len / 8) {
            // SAFETY: source is 8-aligned and index * 8 + 8 <= len keeps the read in bounds.
            *word = unsafe { word_source.wrapping_add(index).read_volatile() };
        }
        let mut tail = [0u8; 8];
        for (offset, byte) in (len / 8 * 8..len).zip(tail.iter_mut()) {
            // SAFETY: offset < len: in bounds of the source.
            *byte = unsafe { source.wrapping_add(offset).read_volatile() };
        }
        if !len.is_multiple_of(8) {
            // Native byte order: the bytes land in memory in the order they were read.
            words[len / 8] = u64::from_ne_bytes(tail);
        }
        Self::Inline { words, len }
    }
}

impl std::ops::Deref for ReplyFrame {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Self::Inline { words, len } => {
                // SAFETY: `words` is INLINE_WORDS initialised u64s and `len` <= INLINE_WORDS * 8
                // (checked in `copy`, the only constructor), so the first `len` bytes are
                // initialised and in bounds; u8 needs no alignment.
                unsafe { std::slice::from_raw_parts(words.as_ptr().cast::<u8>(), *len) }
            }
            Self::Heap(bytes) => bytes,
        }
    }
}

/// Copies `len` bytes from memory another process may be writing, with volatile loads, into a
/// fresh `Vec`. `source` must be 8-aligned and `len` bytes readable (callers bound both).
pub(crate) fn copy_volatile(source: *const u8, len: usize) -> Vec<u8> {
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let destination = out.as_mut_ptr();
    let words = len / 8;
    let word_source = source.cast::<u64>();
    for index in 0..words {
        // SAFETY: source is 8-aligned and index * 8 + 8 <= len keeps the read in bounds.
        let word = unsafe { word_source.wrapping_add(index).read_volatile() };
        // SAFETY: index * 8 + 8 <= len <= capacity of `out`; unaligned write is allowed.
        unsafe {
            destination
                .wrapping_add(index * 8)
                .cast::<u64>()
                .write_unaligned(word)
        };
    }
    for offset in words * 8..len {
        // SAFETY: offset < len: in bounds of the source.
        let byte = unsafe { source.wrapping_add(offset).read_volatile() };
        // SAFETY: offset < len <= capacity of `out`.
        unsafe { destination.wrapping_add(offset).write(byte) };
    }
    // SAFETY: every byte in 0..len was written above.
    unsafe { out.set_len(len) };
    out
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::ByteBuf;
    use crate::transport::wire::{ReplyError, decode_reply_in_arena};

    /// A private arena of `capacity` bytes (a multiple of 8), 8-aligned.
    fn arena(capacity: usize) -> Vec<u64> {
        vec![0; capacity / 8]
    }

    fn bytes(arena: &[u64]) -> &[u8] {
        // SAFETY: the u64s are initialised, so are their bytes; u8 needs no alignment.
        unsafe { std::slice::from_raw_parts(arena.as_ptr().cast::<u8>(), arena.len() * 8) }
    }

    fn encode<T: serde::Serialize>(value: &T, arena: &mut [u64]) -> Result<Encoded, Fault> {
        // SAFETY: `arena` is private, writable, 8-aligned and not referenced during the call.
        unsafe { encode_arena(value, arena.as_mut_ptr().cast::<u8>(), arena.len() * 8) }
    }

    fn round_trip<T: serde::Serialize + DeserializeOwned>(
        value: &T,
        capacity: usize,
    ) -> (Encoded, Vec<u64>, T) {
        let mut memory = arena(capacity);
        let encoded = encode(value, &mut memory).expect("fits");
        let decoded = decode_reply_in_arena(0, bytes(&memory), encoded.frame_len).expect("decodes");
        (encoded, memory, decoded)
    }

    fn buf(len: usize, seed: u8) -> ByteBuf {
        ByteBuf::from(
            (0..len)
                .map(|i| seed ^ i.to_le_bytes()[0])
                .collect::<Vec<u8>>(),
        )
    }

    #[test]
    fn reserve_and_base_are_8_aligned_and_bounded() {
        assert_eq!(frame_reserve(4096), 64);
        assert_eq!(frame_reserve(32 << 20), MAX_FRAME_RESERVE);
        assert_eq!(frame_reserve(100), 0);
        assert_eq!(bulk_base(4096, 3), Some(64));
        assert_eq!(bulk_base(4096, 65), Some(72));
        assert_eq!(bulk_base(4096, usize::MAX), None);
    }

    #[test]
    fn no_buffer_is_a_frame_only() {
        let value = (7u32, "text".to_owned(), vec![1u16, 2, 3]);
        let (encoded, _, decoded) = round_trip(&value, 4096);
        assert_eq!(encoded.bulk_len, 0);
        assert_eq!(decoded, value);
    }

    #[test]
    fn the_first_buffer_starts_at_the_reserve() {
        let value = buf(100, 1);
        let (encoded, memory, decoded) = round_trip(&value, 1 << 16);
        let base = frame_reserve(1 << 16);
        assert_eq!(encoded.frame_len, 1, "the frame holds the length only");
        assert_eq!(encoded.bulk_len, 104);
        assert_eq!(&bytes(&memory)[base..base + 100], &value[..]);
        assert_eq!(decoded, value);
    }

    #[test]
    fn several_buffers_follow_each_other_8_aligned() {
        let value = (
            buf(5, 2),
            9u8,
            vec![buf(3, 3), buf(0, 4), buf(17, 5)],
            buf(8, 6),
        );
        let (encoded, memory, decoded) = round_trip(&value, 1 << 16);
        // 5 and 3 bytes padded to 8 each, the empty buffer takes nothing, 17 pads to 24.
        assert_eq!(encoded.bulk_len, 8 + 8 + 24 + 8);
        let base = frame_reserve(1 << 16);
        assert_eq!(&bytes(&memory)[base + 16..base + 33], &value.2[2][..]);
        assert_eq!(decoded, value);
    }

    #[test]
    fn a_frame_longer_than_the_reserve_moves_the_bulk_after_it() {
        let value = ("f".repeat(300), buf(50, 7));
        let (encoded, memory, decoded) = round_trip(&value, 4096);
        assert!(encoded.frame_len > frame_reserve(4096));
        let base = bulk_base(4096, encoded.frame_len).expect("base");
        assert_eq!(&bytes(&memory)[base..base + 50], &value.1[..]);
        assert_eq!(decoded, value);
    }

    #[test]
    fn what_does_not_fit_is_too_large_with_the_size_needed() {
        let mut memory = arena(4096);
        let result = encode(&buf(5000, 8), &mut memory);
        assert!(
            matches!(result, Err(Fault::TooLarge(needed)) if needed >= 5000),
            "{result:?}"
        );
        let result = encode(&"s".repeat(5000), &mut memory);
        assert!(
            matches!(result, Err(Fault::TooLarge(needed)) if needed >= 5000),
            "{result:?}"
        );
        // Exactly full still fits.
        let exact = 4096 - frame_reserve(4096);
        let (_, _, decoded) = round_trip(&buf(exact, 9), 4096);
        assert_eq!(decoded.len(), exact);
    }

    /// Covers the reader's bounds: lengths are the worker's claims and must stay inside the
    /// arena whatever they say, including with a frame length that pushes the base out.
    #[test]
    fn lying_lengths_stay_inside_the_arena() {
        let (encoded, memory, _) = round_trip(&(buf(10, 1), buf(20, 2)), 128);
        assert_eq!(encoded.frame_len, 2);
        // Each length alone fits; together they run past the end.
        let mut lying = bytes(&memory).to_vec();
        lying[0] = 0x7f;
        lying[1] = 0x7f;
        let result = decode_reply_in_arena::<(ByteBuf, ByteBuf)>(0, &lying, encoded.frame_len);
        assert!(
            matches!(result, Err(ReplyError::Malformed(_))),
            "{result:?}"
        );
        // A frame length that leaves no room before the end.
        let mut lying = bytes(&memory).to_vec();
        lying[0] = 0;
        lying[1] = 1;
        let result = decode_reply_in_arena::<(ByteBuf, ByteBuf)>(0, &lying, 125);
        assert!(result.is_err(), "{result:?}");
    }

    struct PanicsWhileSerializing;

    impl serde::Serialize for PanicsWhileSerializing {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            panic!("a Serialize impl that panics");
        }
    }

    /// Covers the guards: a panicking `Serialize` must not leave the arena pointer installed
    /// on the thread, where the next `ByteBuf` serialized anywhere would write through it.
    #[test]
    fn a_panicking_serializer_leaves_no_arena_behind() {
        let mut memory = arena(4096);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            encode(&PanicsWhileSerializing, &mut memory).map(|_| ())
        }));
        assert!(outcome.is_err());
        assert!(
            !place_bulk(b"must not be written"),
            "encoder state survived the panic"
        );
        let (_, taken) = with_source(BulkSource::private(&[0u8; 64], 0), || ());
        assert_eq!(taken, 0);
        assert!(!decoding_bulk());
    }
}
