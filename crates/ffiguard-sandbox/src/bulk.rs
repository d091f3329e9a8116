//! Encoding into an arena, with large byte buffers beside the encoded frame instead of in it.
//!
//! An arena holds the postcard frame at its start and the bytes of every [`ByteBuf`] at its
//! end, placed top-down in encoding order, each 8-aligned. In the frame a `ByteBuf` is only its
//! length. The reader recomputes every position from those lengths and the arena size it knows
//! itself — no offset is ever read from the arena — and copies each buffer once, straight from
//! the arena into the `Vec` the caller receives. So a reply's bulk bytes cross exactly once on
//! each side, and are still read exactly once by the host (no TOCTOU).
//!
//! [`ByteBuf`]: crate::ByteBuf

use std::cell::{Cell, RefCell};

thread_local! {
    static ENCODER: RefCell<Option<ArenaState>> = const { RefCell::new(None) };
    static DECODER: RefCell<Option<BulkSource>> = const { RefCell::new(None) };
}

/// Where the encoder writes: raw arena memory shared by the frame and the bulk area.
#[derive(Debug)]
struct ArenaState {
    start: *mut u8,
    capacity: usize,
    frame_len: Cell<usize>,
    bulk_top: Cell<usize>,
    /// Bytes that did not fit (so an error can say how much was needed).
    overflow: Cell<usize>,
}

impl ArenaState {
    fn room(&self) -> usize {
        self.capacity - self.bulk_top.get() - self.frame_len.get()
    }

    fn write(&self, offset: usize, data: &[u8]) {
        // SAFETY: callers checked offset + data.len() <= capacity; the arena range was vouched
        // for by `encode_into`'s caller; `data` is private memory, so the ranges are disjoint.
        unsafe {
            std::ptr::copy_nonoverlapping(
                data.as_ptr(),
                self.start.wrapping_add(offset),
                data.len(),
            );
        }
    }
}

/// The postcard output: the frame part of the arena.
struct FrameFlavor;

impl postcard::ser_flavors::Flavor for FrameFlavor {
    type Output = ();

    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        ENCODER.with_borrow(|state| {
            let Some(state) = state else { return };
            if state.overflow.get() == 0 && data.len() <= state.room() {
                state.write(state.frame_len.get(), data);
                state.frame_len.set(state.frame_len.get() + data.len());
            } else {
                state
                    .overflow
                    .set(state.overflow.get().saturating_add(data.len()));
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

/// Encoding into an arena failed.
#[derive(Debug)]
pub(crate) enum EncodeError {
    /// The value needs this many bytes.
    TooLarge(usize),
    /// The value's `Serialize` impl failed.
    Serde(String),
}

/// Encodes `value` into the arena at `start`; returns the frame length and the bulk bytes
/// placed (with alignment padding).
///
/// # Safety
/// `start..start + capacity` must be writable memory, no Rust reference may point into it for
/// the duration of the call, and `start` must be 8-aligned.
pub(crate) unsafe fn encode_into<T: serde::Serialize + ?Sized>(
    value: &T,
    start: *mut u8,
    capacity: usize,
) -> Result<(usize, usize), EncodeError> {
    let state = ArenaState {
        start,
        capacity,
        frame_len: Cell::new(0),
        bulk_top: Cell::new(0),
        overflow: Cell::new(0),
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
        return Err(EncodeError::Serde("encoder state lost".into()));
    };
    match result {
        Err(error) => Err(EncodeError::Serde(error.to_string())),
        Ok(()) if state.overflow.get() > 0 => Err(EncodeError::TooLarge(
            state.capacity.saturating_add(state.overflow.get()),
        )),
        Ok(()) => Ok((state.frame_len.get(), state.bulk_top.get())),
    }
}

/// If an arena encoding is under way on this thread, places `bytes` in its bulk area and
/// returns `true` (the caller then encodes only the length).
pub(crate) fn place_bulk(bytes: &[u8]) -> bool {
    ENCODER.with_borrow(|state| {
        let Some(state) = state else { return false };
        let new_top = state
            .bulk_top
            .get()
            .checked_add(bytes.len())
            .and_then(|top| top.checked_next_multiple_of(8));
        match new_top {
            Some(top)
                if state.overflow.get() == 0 && top - state.bulk_top.get() <= state.room() =>
            {
                state.write(state.capacity - top, bytes);
                state.bulk_top.set(top);
            }
            _ => state
                .overflow
                .set(state.overflow.get().saturating_add(bytes.len())),
        }
        true
    })
}

/// Where a decoder takes bulk bytes from.
#[derive(Debug)]
pub(crate) struct BulkSource {
    start: *const u8,
    capacity: usize,
    frame_len: usize,
    top: Cell<usize>,
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
            frame_len,
            top: Cell::new(0),
            shared: true,
        }
    }

    /// A source over private memory (the fuzz target, tests).
    pub(crate) fn private(arena: &[u8], frame_len: usize) -> Self {
        Self {
            start: arena.as_ptr(),
            capacity: arena.len(),
            frame_len,
            top: Cell::new(0),
            shared: false,
        }
    }

    fn take(&self, len: u64) -> Result<Vec<u8>, String> {
        let out_of_bounds = || format!("bulk buffer of {len} bytes does not fit the arena");
        let len = usize::try_from(len).map_err(|_| out_of_bounds())?;
        let limit = self
            .capacity
            .checked_sub(self.frame_len)
            .ok_or_else(out_of_bounds)?;
        let top = self
            .top
            .get()
            .checked_add(len)
            .and_then(|top| top.checked_next_multiple_of(8))
            .filter(|top| *top <= limit)
            .ok_or_else(out_of_bounds)?;
        self.top.set(top);
        let source = self.start.wrapping_add(self.capacity - top);
        Ok(if self.shared {
            copy_volatile(source, len)
        } else {
            // SAFETY: capacity - top + len <= capacity: inside the private slice `start`
            // was taken from, which outlives the source (it is only used within decode calls).
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
    let taken = guard.finish().map_or(0, |source| source.top.get());
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
    use super::*;

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
        let mut arena = vec![0u64; 512];
        let start = arena.as_mut_ptr().cast::<u8>();
        let outcome = std::panic::catch_unwind(|| {
            // SAFETY: `arena` is private, writable, 8-aligned and not referenced meanwhile.
            unsafe { encode_into(&PanicsWhileSerializing, start, 4096) }.map(|_| ())
        });
        assert!(outcome.is_err());
        assert!(
            !place_bulk(b"must not be written"),
            "encoder state survived the panic"
        );
        let (_, taken) = with_source(BulkSource::private(&[0u8; 64], 0), || ());
        assert_eq!(taken, 0);
        assert!(!decoding_bulk());
        drop(arena);
    }
}
