//! [`OutputBuf`]: a byte buffer an isolated function can fill right where its reply is read.
//!
//! While a worker runs an isolated function, the bulk area of its reply arena is *open* on that
//! thread. The first `OutputBuf` created there takes it: it *holds* the area, from the bulk base
//! of a frame that fits the reserve to the arena's end, until it is dropped (one holder per
//! process; a worker has one reply arena). When the function returns the buffer as the first
//! bulk item of its result, the encoder finds the bytes already in place and copies nothing.
//!
//! Everything else falls back to an ordinary heap buffer or to copying, never to sharing:
//! outside a worker call, on another thread, when the area is already held, or when the
//! requested capacity does not fit, the buffer lives on the heap; a held buffer that must grow
//! past the area moves to the heap; a reply whose first bulk item is something else (or whose
//! frame outgrows the reserve) is encoded into private memory and copied in once the hold is
//! gone. A buffer that outlives its call (kept in a static, leaked) keeps its bytes: the reply
//! of that call becomes an error, and later replies never write into what it holds.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ByteBuf;
use crate::transport::arena::{self, frame_reserve};

thread_local! {
    /// The reply arena of the call running on this thread: start and capacity.
    static OPEN_ARENA: Cell<Option<(NonNull<u8>, usize)>> = const { Cell::new(None) };
    /// Bytes replies on this thread took straight from an `OutputBuf` (not copied).
    static IN_PLACE_BYTES: Cell<u64> = const { Cell::new(0) };
}

/// Runs `run` with the arena at `start` open to [`OutputBuf::with_capacity`] on this thread.
///
/// # Safety
/// `start..start + capacity` must be writable, 8-aligned, written by nothing but this crate's
/// encoder (which respects holds) and stay mapped as long as an `OutputBuf` built in it may live
/// (a worker's region is never unmapped).
pub(crate) unsafe fn with_open_arena<T>(
    start: *mut u8,
    capacity: usize,
    run: impl FnOnce() -> T,
) -> T {
    struct Restore(Option<(NonNull<u8>, usize)>);
    impl Drop for Restore {
        fn drop(&mut self) {
            OPEN_ARENA.set(self.0);
        }
    }
    let _restore = Restore(OPEN_ARENA.replace(NonNull::new(start).map(|start| (start, capacity))));
    run()
}

/// Counts bytes a reply on this thread carried without copying them.
pub(crate) fn count_in_place(bytes: usize) {
    let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
    IN_PLACE_BYTES.set(IN_PLACE_BYTES.get().saturating_add(bytes));
}

/// Bytes replies encoded on this thread carried straight from an `OutputBuf`, without a copy.
#[cfg(any(test, feature = "test-hooks"))]
pub(crate) fn in_place_bytes() -> u64 {
    IN_PLACE_BYTES.get()
}

/// Memory held in a reply arena.
#[derive(Debug)]
struct Held {
    /// Start of the held area (the bulk base).
    start: NonNull<u8>,
    len: usize,
    capacity: usize,
    /// The arena's start, whose address marks the hold.
    arena: usize,
}

#[derive(Debug)]
enum Storage {
    Heap(Vec<u8>),
    Arena(Held),
}

/// A growable byte buffer for an isolated function's large output, built where the reply is
/// read when that is possible.
///
/// In the body of an `#[isolated]` function running in a worker, [`with_capacity`] places the
/// buffer in the worker's reply arena: returned as the first byte buffer of the result (for
/// example `Result<OutputBuf, E>`), its bytes reach the host without being copied in the worker.
/// Everywhere else — the same function called in-process, another thread, a second buffer while
/// the first is alive, a capacity larger than the arena — it is an ordinary heap buffer. The
/// result is the same either way; only the copy is saved. On the wire it is a [`ByteBuf`], and
/// a host decodes it into a heap buffer.
///
/// Writes go through safe methods ([`extend_from_slice`], [`std::io::Write`], [`resize`],
/// `&mut [u8]` via `DerefMut`) or, for C code that writes directly, [`spare_capacity_mut`]
/// followed by the `unsafe` [`set_len`], as with `Vec`.
///
/// ```
/// use std::io::Write;
/// use ffiguard_sandbox::{OutputBuf, isolated};
///
/// #[isolated]
/// fn repeat(byte: u8, count: u32) -> OutputBuf {
///     let count = count as usize;
///     let mut out = OutputBuf::with_capacity(count);
///     out.resize(count, byte);
///     out
/// }
///
/// fn main() -> std::io::Result<()> {
///     // Called in-process, it is an ordinary function with a heap buffer.
///     let out = repeat(7, 3);
///     assert_eq!(&out[..], &[7, 7, 7]);
///     assert!(!out.is_in_reply_arena());
///
///     let mut log = OutputBuf::new();
///     write!(log, "{} bytes", out.len())?;
///     assert_eq!(&log[..], b"3 bytes");
///     Ok(())
/// }
/// ```
///
/// [`with_capacity`]: OutputBuf::with_capacity
/// [`extend_from_slice`]: OutputBuf::extend_from_slice
/// [`resize`]: OutputBuf::resize
/// [`spare_capacity_mut`]: OutputBuf::spare_capacity_mut
/// [`set_len`]: OutputBuf::set_len
pub struct OutputBuf {
    storage: Storage,
}

// SAFETY: a held area is owned by exactly one `OutputBuf` (the hold is taken with a
// compare-exchange and released by its drop), nothing else in the process writes it while it is
// held (the encoder checks the hold), and its mapping lives as long as the process: moving the
// owner to another thread moves sole access with it, like a `Vec`.
unsafe impl Send for OutputBuf {}
// SAFETY: `&OutputBuf` only gives shared reads of bytes nobody writes while the borrow lasts.
unsafe impl Sync for OutputBuf {}

impl OutputBuf {
    /// An empty heap buffer.
    pub fn new() -> Self {
        Self {
            storage: Storage::Heap(Vec::new()),
        }
    }

    /// An empty buffer with room for at least `capacity` bytes: in the reply arena when called
    /// from an isolated function in a worker and the arena is free and large enough, on the heap
    /// otherwise.
    ///
    /// # Panics
    /// As `Vec::with_capacity` when a heap buffer of `capacity` bytes cannot be allocated.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            storage: take_arena(capacity).map_or_else(
                || Storage::Heap(Vec::with_capacity(capacity)),
                Storage::Arena,
            ),
        }
    }

    /// Whether the bytes live in the reply arena (so returning the buffer copies nothing).
    pub fn is_in_reply_arena(&self) -> bool {
        matches!(self.storage, Storage::Arena(_))
    }

    /// Number of bytes in the buffer.
    pub fn len(&self) -> usize {
        match &self.storage {
            Storage::Heap(vec) => vec.len(),
            Storage::Arena(held) => held.len,
        }
    }

    /// Whether the buffer holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes the buffer can hold without moving. In the reply arena this is all the room the
    /// arena has, which may be more than was asked for.
    pub fn capacity(&self) -> usize {
        match &self.storage {
            Storage::Heap(vec) => vec.capacity(),
            Storage::Arena(held) => held.capacity,
        }
    }

    /// Makes room for at least `additional` more bytes, growing like `Vec::reserve`. A buffer in
    /// the reply arena that would outgrow it moves to the heap (one copy).
    ///
    /// # Panics
    /// If the new capacity overflows `usize`, as `Vec::reserve`.
    pub fn reserve(&mut self, additional: usize) {
        self.grow(additional, false);
    }

    /// Makes room for exactly `additional` more bytes if there is less, like
    /// `Vec::reserve_exact`; a buffer in the reply arena moves to the heap if it must.
    ///
    /// # Panics
    /// If the new capacity overflows `usize`, as `Vec::reserve_exact`.
    pub fn reserve_exact(&mut self, additional: usize) {
        self.grow(additional, true);
    }

    fn grow(&mut self, additional: usize, exact: bool) {
        match &mut self.storage {
            Storage::Heap(vec) if exact => vec.reserve_exact(additional),
            Storage::Heap(vec) => vec.reserve(additional),
            Storage::Arena(held) => {
                let needed = held
                    .len
                    .checked_add(additional)
                    .expect("OutputBuf capacity overflow");
                if needed <= held.capacity {
                    return;
                }
                let capacity = if exact {
                    needed
                } else {
                    needed.max(held.len.saturating_mul(2))
                };
                let mut vec = Vec::with_capacity(capacity);
                vec.extend_from_slice(self.as_slice());
                // Dropping the arena storage releases the hold.
                self.storage = Storage::Heap(vec);
            }
        }
    }

    /// Appends `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        match &mut self.storage {
            Storage::Heap(vec) => vec.extend_from_slice(bytes),
            Storage::Arena(held) => {
                // SAFETY: `reserve` left room for `bytes.len()` more bytes after `len` in the
                // held area, which only this buffer accesses; `bytes` cannot point into that
                // spare room (nothing borrows it while `&mut self` is held), so the ranges are
                // disjoint.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        bytes.as_ptr(),
                        held.start.as_ptr().wrapping_add(held.len),
                        bytes.len(),
                    );
                }
                held.len += bytes.len();
            }
        }
    }

    /// Resizes to `new_len` bytes, filling new bytes with `value`.
    pub fn resize(&mut self, new_len: usize, value: u8) {
        let len = self.len();
        if new_len <= len {
            self.truncate(new_len);
            return;
        }
        self.reserve(new_len - len);
        match &mut self.storage {
            Storage::Heap(vec) => vec.resize(new_len, value),
            Storage::Arena(held) => {
                // SAFETY: `reserve` left room up to `new_len` in the held area, which only this
                // buffer accesses.
                unsafe {
                    held.start
                        .as_ptr()
                        .wrapping_add(len)
                        .write_bytes(value, new_len - len);
                }
                held.len = new_len;
            }
        }
    }

    /// Shortens the buffer to `len` bytes (no effect if it is not longer).
    pub fn truncate(&mut self, len: usize) {
        match &mut self.storage {
            Storage::Heap(vec) => vec.truncate(len),
            Storage::Arena(held) => held.len = held.len.min(len),
        }
    }

    /// Removes every byte, keeping the capacity.
    pub fn clear(&mut self) {
        self.truncate(0);
    }

    /// The room after the bytes, possibly uninitialised; write into it, then call
    /// [`set_len`](OutputBuf::set_len) to take what was written into the buffer.
    pub fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        match &mut self.storage {
            Storage::Heap(vec) => vec.spare_capacity_mut(),
            Storage::Arena(held) => {
                let spare = held.start.as_ptr().wrapping_add(held.len);
                // SAFETY: len <= capacity, so spare..start + capacity lies in the held area,
                // which only this buffer accesses while it holds it; `&mut self` makes the
                // borrow exclusive. MaybeUninit<u8> has u8's layout.
                unsafe {
                    std::slice::from_raw_parts_mut(
                        spare.cast::<MaybeUninit<u8>>(),
                        held.capacity - held.len,
                    )
                }
            }
        }
    }

    /// Sets the length, as `Vec::set_len`.
    ///
    /// # Safety
    /// `new_len` must not exceed [`capacity`](OutputBuf::capacity), and every byte up to it
    /// must be initialised (written through [`spare_capacity_mut`] or earlier).
    ///
    /// [`spare_capacity_mut`]: OutputBuf::spare_capacity_mut
    pub unsafe fn set_len(&mut self, new_len: usize) {
        match &mut self.storage {
            // SAFETY: the caller's promise is `Vec::set_len`'s.
            Storage::Heap(vec) => unsafe { vec.set_len(new_len) },
            Storage::Arena(held) => held.len = new_len,
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match &self.storage {
            Storage::Heap(vec) => vec,
            Storage::Arena(held) => held_bytes(held),
        }
    }

    /// The bytes, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        match &mut self.storage {
            Storage::Heap(vec) => vec,
            // SAFETY: as `as_slice`; `&mut self` makes the borrow exclusive.
            Storage::Arena(held) => unsafe {
                std::slice::from_raw_parts_mut(held.start.as_ptr(), held.len)
            },
        }
    }

    /// The bytes as a `Vec`: free for a heap buffer, one copy for one in the reply arena.
    pub fn into_vec(self) -> Vec<u8> {
        let mut this = self;
        match std::mem::replace(&mut this.storage, Storage::Heap(Vec::new())) {
            Storage::Heap(vec) => vec,
            // The copy is taken before `held` goes out of scope and releases the hold.
            Storage::Arena(held) => held_bytes(&held).to_vec(),
        }
    }
}

fn held_bytes(held: &Held) -> &[u8] {
    // SAFETY: as `OutputBuf::as_slice`: the first `len` bytes of the held area are initialised
    // and only the holder accesses them.
    unsafe { std::slice::from_raw_parts(held.start.as_ptr(), held.len) }
}

/// Takes the open arena's bulk area for a buffer of `capacity` bytes, if it is open on this
/// thread, free and large enough.
fn take_arena(capacity: usize) -> Option<Held> {
    let (arena, arena_capacity) = OPEN_ARENA.get()?;
    let base = frame_reserve(arena_capacity);
    let room = arena_capacity.checked_sub(base)?;
    if capacity > room {
        return None;
    }
    // base <= arena_capacity: inside the open arena (`with_open_arena`'s promise).
    let start = NonNull::new(arena.as_ptr().wrapping_add(base))?;
    let address = arena.as_ptr().addr();
    if !arena::hold(address) {
        return None;
    }
    Some(Held {
        start,
        len: 0,
        capacity: room,
        arena: address,
    })
}

impl Drop for Held {
    fn drop(&mut self) {
        arena::release(self.arena);
    }
}

impl Default for OutputBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for OutputBuf {
    /// A heap copy.
    fn clone(&self) -> Self {
        Self::from(self.as_slice().to_vec())
    }
}

impl PartialEq for OutputBuf {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for OutputBuf {}

impl std::hash::Hash for OutputBuf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl std::fmt::Debug for OutputBuf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let place = if self.is_in_reply_arena() {
            "reply arena"
        } else {
            "heap"
        };
        write!(f, "OutputBuf({} bytes, {place})", self.len())
    }
}

impl std::ops::Deref for OutputBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl std::ops::DerefMut for OutputBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl AsRef<[u8]> for OutputBuf {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsMut<[u8]> for OutputBuf {
    fn as_mut(&mut self) -> &mut [u8] {
        self.as_mut_slice()
    }
}

impl From<Vec<u8>> for OutputBuf {
    fn from(vec: Vec<u8>) -> Self {
        Self {
            storage: Storage::Heap(vec),
        }
    }
}

impl From<&[u8]> for OutputBuf {
    fn from(bytes: &[u8]) -> Self {
        Self::from(bytes.to_vec())
    }
}

impl From<OutputBuf> for Vec<u8> {
    fn from(buf: OutputBuf) -> Self {
        buf.into_vec()
    }
}

impl From<OutputBuf> for ByteBuf {
    fn from(buf: OutputBuf) -> Self {
        ByteBuf::from(buf.into_vec())
    }
}

impl std::io::Write for OutputBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The same encoding as [`ByteBuf`]: beside the frame in a sandbox arena, plain serde bytes
/// elsewhere.
impl Serialize for OutputBuf {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self.as_slice();
        if arena::place_bulk(bytes) {
            serializer.serialize_u64(u64::try_from(bytes.len()).unwrap_or(u64::MAX))
        } else {
            serializer.serialize_bytes(bytes)
        }
    }
}

/// Decodes as a [`ByteBuf`] does, into a heap buffer.
impl<'de> Deserialize<'de> for OutputBuf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        ByteBuf::deserialize(deserializer).map(|buf| Self::from(buf.into_vec()))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::Mutex;

    use serde::de::DeserializeOwned;

    use super::*;
    use crate::registry::{ReplyWriter, Request, dispatch};
    use crate::transport::wire::{ReplyError, Status, decode_reply_in_arena, status};

    /// Holds are process-wide: tests that take one run one at a time.
    static ONE_HOLDER: Mutex<()> = Mutex::new(());

    fn serialized() -> std::sync::MutexGuard<'static, ()> {
        ONE_HOLDER
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `function` as the worker would for an argument-less call, replying into `arena`.
    fn call<R: Serialize>(arena: &mut [u64], function: impl FnOnce() -> R) -> Status {
        let request_memory = [0u64; 8];
        // SAFETY: the request arena is private, 8-aligned, 64 bytes, and not written meanwhile;
        // the empty frame is its (vacuous) start.
        let request = unsafe { Request::new(&[], request_memory.as_ptr().cast::<u8>(), 64) };
        let (start, len) = (arena.as_mut_ptr().cast::<u8>(), arena.len() * 8);
        // SAFETY: `arena` is private, writable, 8-aligned, borrowed exclusively for the call,
        // and outlives every OutputBuf built in it (each test drops them before its arena).
        let mut writer = unsafe { ReplyWriter::new(start, len) };
        dispatch::<(), R, _>(&request, &mut writer, |()| function())
    }

    fn decode<R: DeserializeOwned>(arena: &[u64], reply: Status) -> Result<R, ReplyError> {
        let (start, len) = (arena.as_ptr().cast::<u8>(), arena.len() * 8);
        // SAFETY: the u64s are initialised, so are their bytes; u8 needs no alignment.
        let bytes = unsafe { std::slice::from_raw_parts(start, len) };
        decode_reply_in_arena(reply.code, bytes, reply.len)
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| seed.wrapping_add(i.to_le_bytes()[0]).wrapping_mul(31))
            .collect()
    }

    fn filled(capacity: usize, bytes: &[u8]) -> OutputBuf {
        let mut out = OutputBuf::with_capacity(capacity);
        out.extend_from_slice(bytes);
        out
    }

    fn arena_is_free() -> bool {
        !arena::is_held()
    }

    #[test]
    fn outside_a_call_it_is_an_ordinary_heap_buffer() {
        let mut out = OutputBuf::with_capacity(16);
        assert!(!out.is_in_reply_arena());
        out.extend_from_slice(b"abc");
        write!(out, "-{}", 42).expect("write");
        out.resize(8, b'!');
        assert_eq!(&out[..], b"abc-42!!");
        out.truncate(3);
        out[0] = b'x';
        assert_eq!(out.clone().into_vec(), b"xbc");
        assert_eq!(Vec::from(out), b"xbc");
    }

    /// The point of the type: returned as the first bulk item, nothing is copied in the worker
    /// and the host reads the same bytes.
    #[test]
    fn returned_first_it_is_not_copied() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let data = pattern(20_000, 1);
        let before = in_place_bytes();
        let reply = call(&mut arena, || {
            let out = filled(1000, &data);
            assert!(out.is_in_reply_arena());
            Ok::<_, String>(out)
        });
        assert_eq!(reply.code, status::OK);
        assert_eq!(in_place_bytes() - before, 20_000);
        let decoded: Result<Result<OutputBuf, String>, _> = decode(&arena, reply);
        assert_eq!(decoded.map(|ok| ok.map(OutputBuf::into_vec)), Ok(Ok(data)));
        assert!(arena_is_free());
    }

    #[test]
    fn not_first_it_is_copied_and_still_correct() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let data = pattern(5000, 2);
        let before = in_place_bytes();
        let reply = call(&mut arena, || {
            (ByteBuf::from(b"first".to_vec()), filled(100, &data), 7u8)
        });
        assert_eq!(reply.code, status::OK);
        assert_eq!(in_place_bytes(), before, "placed aside, then copied");
        let decoded: Result<(ByteBuf, OutputBuf, u8), _> = decode(&arena, reply);
        let (first, out, seven) = decoded.expect("decodes");
        assert_eq!((&first[..], &out[..], seven), (&b"first"[..], &data[..], 7));
        assert!(arena_is_free());
    }

    #[test]
    fn two_buffers_in_one_reply_in_either_order() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let (a, b) = (pattern(3000, 3), pattern(4001, 4));
        for held_first in [true, false] {
            let before = in_place_bytes();
            let reply = call(&mut arena, || {
                let held = filled(10, &a);
                let heap = filled(10, &b);
                assert!(held.is_in_reply_arena() && !heap.is_in_reply_arena());
                if held_first {
                    (held, heap)
                } else {
                    (heap, held)
                }
            });
            let expected_in_place = if held_first { 3000 } else { 0 };
            assert_eq!(in_place_bytes() - before, expected_in_place);
            let decoded: (OutputBuf, OutputBuf) = decode(&arena, reply).expect("decodes");
            let (first, second) = if held_first { (&a, &b) } else { (&b, &a) };
            assert_eq!((&decoded.0[..], &decoded.1[..]), (&first[..], &second[..]));
            assert!(arena_is_free());
        }
    }

    #[test]
    fn a_buffer_dropped_before_returning_frees_the_arena() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let data = pattern(2000, 5);
        let reply = call(&mut arena, || {
            let scratch = filled(10, &data);
            let copy = ByteBuf::from(&scratch[..]);
            drop(scratch);
            // The arena is free again, so a second buffer may take it.
            let second = filled(10, b"tail");
            assert!(second.is_in_reply_arena());
            (copy, second)
        });
        let decoded: (ByteBuf, OutputBuf) = decode(&arena, reply).expect("decodes");
        assert_eq!((&decoded.0[..], &decoded.1[..]), (&data[..], &b"tail"[..]));
        assert!(arena_is_free());
    }

    #[test]
    fn nested_use_gives_the_inner_buffer_the_heap() {
        fn inner(data: &[u8]) -> OutputBuf {
            filled(data.len(), data)
        }
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let data = pattern(700, 6);
        let reply = call(&mut arena, || {
            let mut outer = OutputBuf::with_capacity(10);
            let nested = inner(&data);
            assert!(outer.is_in_reply_arena() && !nested.is_in_reply_arena());
            outer.extend_from_slice(&nested);
            outer.extend_from_slice(&inner(b"!"));
            outer
        });
        let decoded: OutputBuf = decode(&arena, reply).expect("decodes");
        assert_eq!(decoded.len(), 701);
        assert_eq!(&decoded[..700], &data[..]);
    }

    #[test]
    fn capacity_past_the_arena_means_heap_or_too_large() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let reply = call(&mut arena, || {
            let big = OutputBuf::with_capacity(1 << 20);
            assert!(!big.is_in_reply_arena());
            let mut grows = OutputBuf::with_capacity(16);
            assert!(grows.is_in_reply_arena());
            grows.resize(100_000, 9);
            assert!(!grows.is_in_reply_arena(), "moved to the heap");
            assert!(grows.iter().all(|byte| *byte == 9));
            grows
        });
        assert_eq!(reply.code, status::REPLY_TOO_LARGE);
        assert!(arena_is_free());
    }

    #[test]
    fn a_panic_frees_the_arena_even_with_a_buffer_as_payload() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let reply = call(&mut arena, || -> u32 {
            let _live = filled(10, b"abc");
            panic!("boom");
        });
        assert_eq!(reply.code, status::PANICKED);
        assert!(arena_is_free());
        let reply = call(&mut arena, || -> u32 {
            std::panic::panic_any(filled(10, b"payload"));
        });
        assert_eq!(reply.code, status::PANICKED);
        assert!(arena_is_free());
    }

    /// A frame longer than the reserve moves the bulk area, so the buffer cannot stay where it
    /// is: the reply is encoded aside and copied in.
    #[test]
    fn a_long_frame_with_a_buffer_in_place_is_still_correct() {
        let _one = serialized();
        let mut arena = vec![0u64; 1 << 13];
        let data = pattern(3000, 7);
        let text = "x".repeat(frame_reserve(arena.len() * 8) + 100);
        let reply = call(&mut arena, || (filled(10, &data), text.clone()));
        assert_eq!(reply.code, status::OK);
        let decoded: (OutputBuf, String) = decode(&arena, reply).expect("decodes");
        assert_eq!((&decoded.0[..], &decoded.1), (&data[..], &text));
    }

    static KEPT: Mutex<Option<OutputBuf>> = Mutex::new(None);

    /// Covers the hold: a buffer kept past its call keeps its bytes, replies never write into
    /// it, and the arena serves bulk again once it is dropped.
    #[test]
    fn a_buffer_that_outlives_its_call_is_reported_and_left_intact() {
        let _one = serialized();
        // Leaked: the kept buffer may outlive this test's locals.
        let arena: &'static mut [u64] = Box::leak(vec![0u64; 1 << 13].into_boxed_slice());
        let kept_bytes = vec![0xab; 4000];
        let reply = call(arena, || {
            let kept = filled(10, &kept_bytes);
            *KEPT.lock().expect("lock") = Some(kept);
            ByteBuf::from(vec![1; 1000])
        });
        assert_eq!(reply.code, status::PANICKED);
        let message: Result<u8, _> = decode(arena, reply);
        assert!(
            matches!(&message, Err(ReplyError::Panicked(m)) if m.contains("outlived")),
            "{message:?}"
        );
        // Later calls: results without bulk bytes pass, bulk ones are refused, and none of
        // them touches the kept bytes.
        let reply = call(arena, || 5u32);
        assert_eq!(decode::<u32>(arena, reply), Ok(5));
        let reply = call(arena, || ByteBuf::from(vec![2; 100]));
        assert_eq!(reply.code, status::PANICKED);
        let reply = call(arena, || "y".repeat(5000));
        assert_eq!(reply.code, status::PANICKED);
        {
            let kept = KEPT.lock().expect("lock");
            assert_eq!(kept.as_deref(), Some(&kept_bytes[..]));
        }
        *KEPT.lock().expect("lock") = None;
        let reply = call(arena, || ByteBuf::from(vec![3; 100]));
        assert_eq!(
            decode::<ByteBuf>(arena, reply).map(ByteBuf::into_vec),
            Ok(vec![3; 100])
        );
    }
}
