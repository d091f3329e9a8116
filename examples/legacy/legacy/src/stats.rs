//! `lg_stats`, the one struct liblegacy fills in for the caller, and its layout on every target.

use std::ffi::{c_char, c_long};
use std::mem::{MaybeUninit, offset_of};

use ffiguard::conv::{self, Long};
use legacy_sys as sys;

use crate::{Error, Result};

// The header's `lg_stats` is `char, long, _Bool, long`: its padding and size follow `long`.
// LP64 (64-bit Unix): long is 8 bytes, so 7 bytes of padding after `kind` and after `dirty`.
ffiguard::assert_layout!(
    #[cfg(all(target_pointer_width = "64", not(windows)))]
    sys::lg_stats { size: 32, align: 8, fields: { kind: 0, entries: 8, dirty: 16, bytes: 24 } }
);
// ILP32 (every 32-bit target) and LLP64 (64-bit Windows): long is 4 bytes.
ffiguard::assert_layout!(
    #[cfg(any(target_pointer_width = "32", windows))]
    sys::lg_stats { size: 16, align: 4, fields: { kind: 0, entries: 4, dirty: 8, bytes: 12 } }
);

/// Where a store's contents came from (`lg_stats.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreKind {
    /// Built in memory (`'m'`).
    Memory,
    /// Loaded from a file (`'f'`).
    File,
    /// A kind this crate does not know, as the byte C wrote.
    Unknown(u8),
}

/// Statistics about a store, from `lg_store_stats`.
///
/// The C struct behind it is checked against the header's layout at compile time, for LP64
/// and for ILP32/LLP64 targets. A binding written by hand on the assumption that `long` is
/// 32 bits does not build on 64-bit Linux:
///
/// ```compile_fail,E0080
/// #[repr(C)]
/// struct HandWritten { kind: i8, entries: i32, dirty: bool, bytes: i32 }
///
/// ffiguard::assert_layout!(
///     HandWritten { size: 32, align: 8, fields: { kind: 0, entries: 8, dirty: 16, bytes: 24 } }
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Stats {
    /// Where the contents came from.
    pub kind: StoreKind,
    /// Number of entries.
    pub entries: usize,
    /// Whether the store changed since it was created or loaded.
    pub dirty: bool,
    /// Bytes of keys and values, terminators excluded.
    pub bytes: u64,
}

impl Stats {
    /// Converts what C wrote, checking every field instead of trusting it.
    ///
    /// # Safety
    ///
    /// `raw` points to a `lg_stats` that is fully initialised (zeroed before the call and
    /// possibly overwritten by C), and nothing writes to it during this call.
    pub(crate) unsafe fn from_c(raw: &MaybeUninit<sys::lg_stats>) -> Result<Stats> {
        const FUNCTION: &str = "lg_store_stats";
        let raw = raw.as_ptr();
        // `_Bool` is read below as the byte C wrote: a Rust `bool` holding 2 would be
        // undefined behaviour, so it is checked before it becomes one.
        // SAFETY: `raw` is valid for reads of one fully initialised lg_stats (this function's
        // contract), the offset is the field's (`offset_of!`), and any byte is a valid c_char.
        let kind: c_char = unsafe { read_field(raw, offset_of!(sys::lg_stats, kind)) };
        // SAFETY: as above; any bit pattern is a valid c_long.
        let entries: c_long = unsafe { read_field(raw, offset_of!(sys::lg_stats, entries)) };
        // SAFETY: as above; any bit pattern is a valid c_long.
        let bytes: c_long = unsafe { read_field(raw, offset_of!(sys::lg_stats, bytes)) };
        // SAFETY: as above; `bool` is one byte, so reading it as `u8` stays in bounds.
        let dirty: u8 = unsafe { read_field(raw, offset_of!(sys::lg_stats, dirty)) };
        let dirty = match dirty {
            0 => false,
            1 => true,
            other => {
                return Err(Error::contract(
                    FUNCTION,
                    format!("`dirty` is {other}, not a _Bool"),
                ));
            }
        };
        #[allow(
            clippy::cast_sign_loss,
            reason = "a C `char` is reinterpreted as the byte it holds, whatever its sign"
        )]
        let kind = match kind as u8 {
            b'm' => StoreKind::Memory,
            b'f' => StoreKind::File,
            other => StoreKind::Unknown(other),
        };
        Ok(Stats {
            kind,
            entries: conv::from_c::<Long, usize>(entries)?,
            dirty,
            bytes: conv::from_c::<Long, u64>(bytes)?,
        })
    }
}

/// Reads a `T` at `offset` bytes into `*base`.
///
/// # Safety
///
/// `base` is valid for reads of a `lg_stats`, and the `size_of::<T>()` bytes at `offset` are
/// inside it, initialised, and a valid `T`.
unsafe fn read_field<T>(base: *const sys::lg_stats, offset: usize) -> T {
    // SAFETY: in bounds and initialised (this function's contract); `read_unaligned` makes no
    // alignment assumption about the field.
    unsafe { base.wrapping_byte_add(offset).cast::<T>().read_unaligned() }
}
