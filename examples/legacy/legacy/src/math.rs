//! liblegacy's pure functions. They touch no global state (see `lg_add` and `lg_checksum` in
//! `legacy.c`), so they run without the library lock; these are the calls the boundary
//! benchmark measures.

use ffiguard::conv::{self, ConvError, EmptySlice, UInt};
use legacy_sys as sys;

use crate::{Error, Result};

/// `a + b`, computed by liblegacy.
///
/// Overflow is refused before the call: in C, signed overflow is undefined behaviour, so the
/// result C would return is meaningless.
///
/// ```
/// assert_eq!(legacy::add(2, 3)?, 5);
/// assert!(legacy::add(i32::MAX, 1).is_err());
/// # Ok::<(), legacy::Error>(())
/// ```
#[inline]
pub fn add(a: i32, b: i32) -> Result<i32> {
    if a.checked_add(b).is_none() {
        return Err(overflow(a, b));
    }
    // SAFETY: lg_add takes two ints by value and touches no memory or global state; the sum
    // was checked to fit in `int`, so C does not overflow.
    Ok(unsafe { sys::lg_add(a, b) })
}

/// liblegacy's FNV-1a checksum of `data`.
///
/// `lg_checksum` takes its length as `unsigned int`: a slice of 4 GiB or more is refused
/// instead of being silently checksummed modulo 2³².
///
/// ```
/// assert_eq!(legacy::checksum(b"")?, 0x811c_9dc5);
/// assert_eq!(legacy::checksum(b"a")?, 0xe40c_292c);
/// # Ok::<(), legacy::Error>(())
/// ```
#[inline]
pub fn checksum(data: &[u8]) -> Result<u32> {
    let (ptr, len) = match conv::slice_arg::<UInt, u8>(data, EmptySlice::Null) {
        Ok(arg) => arg,
        Err(err) => return Err(conversion(err)),
    };
    // SAFETY: `ptr` is valid for reads of `len` bytes for the duration of the call (it comes
    // from the borrowed slice, `len` is its exact length, null when empty, and lg_checksum
    // reads nothing when len is 0); lg_checksum neither keeps the pointer nor writes through it.
    Ok(unsafe { sys::lg_checksum(ptr.cast(), len) })
}

// The error paths are built out of line: `Error` is large, and keeping its construction off
// the hot path lets the success path return just the value (see `BENCHMARKS.md`).

#[cold]
#[inline(never)]
fn overflow(a: i32, b: i32) -> Error {
    Error::Overflow { a, b }
}

#[cold]
#[inline(never)]
fn conversion(err: ConvError) -> Error {
    Error::Conversion(err)
}
