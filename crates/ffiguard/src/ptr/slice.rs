//! Checked references and slices from (pointer, length) pairs C returned.

use super::{Probe, PtrError, addr::check_range_for, probe_readable};

/// Checks a pointer and element count C returned and borrows them as a slice.
///
/// In order, cheapest first:
///
/// 1. `len == 0` → an empty slice; the pointer is not used (C often leaves it null or
///    stale when there is nothing to read).
/// 2. null with `len > 0` → [`PtrError::NullWithLength`].
/// 3. `len * size_of::<T>()` overflows or exceeds `isize::MAX` → [`PtrError::TooLong`].
/// 4. the address checks of [`check`](super::check) over the whole range (low range,
///    user space, no wrap-around, alignment for `T`).
/// 5. with [`Probe::Readable`], [`probe_readable`] over the whole range.
///
/// ```
/// use ffiguard::ptr::{self, Probe, PtrError};
///
/// let data = [10_u32, 20, 30];
/// // SAFETY: `data` is live, initialized and unaliased by writers for the borrow.
/// let s = unsafe { ptr::slice_from_c(data.as_ptr(), 3, Probe::Readable) }.unwrap();
/// assert_eq!(s, &[10, 20, 30]);
///
/// // SAFETY: an error is returned before anything is read.
/// let err = unsafe { ptr::slice_from_c::<u32>(core::ptr::null(), 3, Probe::Skip) };
/// assert_eq!(err, Err(PtrError::NullWithLength { len: 3 }));
/// ```
///
/// # Safety
///
/// The checks catch corrupted and bogus pointers; they cannot tell whether readable memory
/// holds what C promised. If `Ok` is returned, the caller guarantees that for `'a`:
///
/// - the `len` elements at `ptr` are initialized, valid values of `T` (any bit pattern for
///   plain integers; not for `bool`, enums, references or `NonNull`),
/// - nothing writes to them (not C, not another thread),
/// - they are not freed or unmapped.
///
/// Without [`Probe::Readable`], the caller also guarantees that the range is mapped readable;
/// with it, that no other thread unmaps it between the probe and the read.
pub unsafe fn slice_from_c<'a, T>(
    ptr: *const T,
    len: usize,
    probe: Probe,
) -> Result<&'a [T], PtrError> {
    if len == 0 {
        return Ok(&[]);
    }
    checked_range(ptr, len, probe)?;
    // SAFETY: ptr is non-null and aligned for T (check_range_for), len * size_of::<T>() is
    // at most isize::MAX and the range does not wrap (checked_range). Readability,
    // initialization, absence of writers and lifetime are the caller's contract above.
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// [`slice_from_c`] for a buffer the caller may write into (e.g. one C allocated for the
/// caller to fill).
///
/// ```
/// use ffiguard::ptr::{self, Probe};
///
/// let mut data = [0_u8; 4];
/// // SAFETY: `data` is live, initialized and not otherwise borrowed for the borrow.
/// let s = unsafe { ptr::slice_from_c_mut(data.as_mut_ptr(), 4, Probe::Readable) }.unwrap();
/// s.copy_from_slice(b"abcd");
/// assert_eq!(&data, b"abcd");
/// ```
///
/// # Safety
///
/// As for [`slice_from_c`], and in addition the range must be writable and nothing else may
/// read or write it for `'a`. The probe checks readability only: a read-only mapping passes.
pub unsafe fn slice_from_c_mut<'a, T>(
    ptr: *mut T,
    len: usize,
    probe: Probe,
) -> Result<&'a mut [T], PtrError> {
    if len == 0 {
        return Ok(&mut []);
    }
    checked_range(ptr.cast_const(), len, probe)?;
    // SAFETY: as in slice_from_c; writability and exclusivity are the caller's contract.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// Checks a pointer to one value C returned and borrows it.
///
/// ```
/// use ffiguard::ptr::{self, Probe, PtrError};
///
/// let value = 42_u64;
/// // SAFETY: `value` is live and initialized for the borrow.
/// assert_eq!(unsafe { ptr::ref_from_c(&value as *const u64, Probe::Readable) }, Ok(&42));
///
/// let bogus = 0xdead_beef_usize as *const u64;
/// // SAFETY: the check fails before anything is read.
/// assert!(matches!(
///     unsafe { ptr::ref_from_c(bogus, Probe::Readable) },
///     Err(PtrError::Misaligned { .. })
/// ));
/// ```
///
/// # Safety
///
/// As for [`slice_from_c`] with `len == 1`.
pub unsafe fn ref_from_c<'a, T>(ptr: *const T, probe: Probe) -> Result<&'a T, PtrError> {
    if ptr.is_null() {
        return Err(PtrError::Null);
    }
    // SAFETY: forwarded: the caller's contract is slice_from_c's with len == 1.
    let one = unsafe { slice_from_c(ptr, 1, probe) }?;
    one.first().ok_or(PtrError::Null)
}

fn checked_range<T>(ptr: *const T, len: usize, probe: Probe) -> Result<(), PtrError> {
    if ptr.is_null() {
        return Err(PtrError::NullWithLength { len });
    }
    let elem_size = size_of::<T>();
    let len_bytes = len
        .checked_mul(elem_size)
        .filter(|bytes| isize::try_from(*bytes).is_ok())
        .ok_or(PtrError::TooLong { len, elem_size })?;
    check_range_for(ptr, len_bytes)?;
    match probe {
        Probe::Skip => Ok(()),
        Probe::Readable => probe_readable(ptr, len_bytes),
    }
}
