//! Pointer arguments C passes to exported functions, checked before use.

use core::ffi::{CStr, c_char};

/// A pointer argument that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArgError {
    /// Null where a value was required.
    #[error("argument `{name}` is null")]
    Null {
        /// The parameter name.
        name: &'static str,
    },
    /// Null with a nonzero element count.
    #[error("argument `{name}` is null with length {len}")]
    NullWithLength {
        /// The parameter name.
        name: &'static str,
        /// The count C passed.
        len: usize,
    },
    /// Not aligned for the element type.
    #[error("argument `{name}` at {addr:#x} is not aligned to {align} bytes")]
    Misaligned {
        /// The parameter name.
        name: &'static str,
        /// The address.
        addr: usize,
        /// The alignment required.
        align: usize,
    },
    /// More bytes than any Rust slice may span.
    #[error("argument `{name}` spans more than isize::MAX bytes ({len} elements)")]
    TooLong {
        /// The parameter name.
        name: &'static str,
        /// The count C passed.
        len: usize,
    },
}

fn check<T>(ptr: *const T, name: &'static str) -> Result<(), ArgError> {
    if ptr.is_null() {
        return Err(ArgError::Null { name });
    }
    if !ptr.is_aligned() {
        return Err(ArgError::Misaligned {
            name,
            addr: ptr.addr(),
            align: align_of::<T>(),
        });
    }
    Ok(())
}

/// `&T` from a pointer argument: null and misalignment are errors.
///
/// ```
/// use ffiguard::export::{ArgError, arg_ref};
///
/// let x = 7_u32;
/// // SAFETY: `&x` is valid for reads for the whole block.
/// assert_eq!(unsafe { arg_ref(&x, "x") }, Ok(&7));
/// // SAFETY: null is checked.
/// assert_eq!(unsafe { arg_ref::<u32>(std::ptr::null(), "x") }, Err(ArgError::Null { name: "x" }));
/// ```
///
/// # Safety
///
/// `ptr` is null, misaligned, or valid for reads of an initialised `T` that nothing mutates
/// during `'a`.
pub unsafe fn arg_ref<'a, T>(ptr: *const T, name: &'static str) -> Result<&'a T, ArgError> {
    check(ptr, name)?;
    // SAFETY: non-null and aligned (checked); valid and unaliased by mutation for 'a
    // (caller's contract).
    Ok(unsafe { &*ptr })
}

/// `&mut T` from a pointer argument (an out-parameter): null and misalignment are errors.
///
/// ```
/// use ffiguard::export::arg_mut;
///
/// let mut out = 0_u64;
/// // SAFETY: `&mut out` is valid and exclusive for the block.
/// *unsafe { arg_mut(&mut out, "out") }.unwrap() = 5;
/// assert_eq!(out, 5);
/// ```
///
/// # Safety
///
/// `ptr` is null, misaligned, or valid for reads and writes of an initialised `T` that
/// nothing else accesses during `'a`.
pub unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &'static str) -> Result<&'a mut T, ArgError> {
    check(ptr, name)?;
    // SAFETY: non-null and aligned (checked); valid and exclusive for 'a (caller's contract).
    Ok(unsafe { &mut *ptr })
}

fn check_slice<T>(ptr: *const T, len: usize, name: &'static str) -> Result<bool, ArgError> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(false)
        } else {
            Err(ArgError::NullWithLength { name, len })
        };
    }
    check(ptr, name)?;
    let fits = len
        .checked_mul(size_of::<T>())
        .is_some_and(|bytes| isize::try_from(bytes).is_ok());
    if !fits {
        return Err(ArgError::TooLong { name, len });
    }
    Ok(true)
}

/// `&[T]` from a (pointer, count) pair. `(NULL, 0)` is the empty slice, as C callers often
/// pass it; null with a count, misalignment and overlong spans are errors.
///
/// ```
/// use ffiguard::export::{ArgError, arg_slice};
///
/// let data = [1_u16, 2, 3];
/// // SAFETY: `data` is valid for 3 reads.
/// assert_eq!(unsafe { arg_slice(data.as_ptr(), 3, "data") }, Ok(&[1, 2, 3][..]));
/// // SAFETY: null is checked.
/// assert_eq!(unsafe { arg_slice::<u16>(std::ptr::null(), 0, "data") }, Ok(&[][..]));
/// // SAFETY: null is checked.
/// assert!(matches!(
///     unsafe { arg_slice::<u16>(std::ptr::null(), 2, "data") },
///     Err(ArgError::NullWithLength { len: 2, .. })
/// ));
/// ```
///
/// # Safety
///
/// Unless an error is returned: `ptr` is valid for reads of `len` initialised `T`s in one
/// allocation, and nothing mutates them during `'a`.
pub unsafe fn arg_slice<'a, T>(
    ptr: *const T,
    len: usize,
    name: &'static str,
) -> Result<&'a [T], ArgError> {
    if !check_slice(ptr, len, name)? {
        return Ok(&[]);
    }
    // SAFETY: non-null, aligned, span <= isize::MAX (checked); valid and unmutated for 'a
    // (caller's contract).
    Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
}

/// `&mut [T]` from a (pointer, count) pair, as [`arg_slice`] checks it.
///
/// ```
/// use ffiguard::export::arg_slice_mut;
///
/// let mut buf = [0_u8; 4];
/// // SAFETY: `buf` is valid and exclusive for 4 elements.
/// unsafe { arg_slice_mut(buf.as_mut_ptr(), 4, "buf") }.unwrap().fill(9);
/// assert_eq!(buf, [9; 4]);
/// ```
///
/// # Safety
///
/// Unless an error is returned: `ptr` is valid for reads and writes of `len` initialised `T`s
/// in one allocation, and nothing else accesses them during `'a`.
pub unsafe fn arg_slice_mut<'a, T>(
    ptr: *mut T,
    len: usize,
    name: &'static str,
) -> Result<&'a mut [T], ArgError> {
    if !check_slice(ptr, len, name)? {
        return Ok(&mut []);
    }
    // SAFETY: non-null, aligned, span <= isize::MAX (checked); valid and exclusive for 'a
    // (caller's contract).
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
}

/// `&CStr` from a string argument; null is an error.
///
/// ```
/// use ffiguard::export::arg_c_str;
///
/// // SAFETY: a valid C string literal.
/// assert_eq!(unsafe { arg_c_str(c"hi".as_ptr(), "s") }.unwrap(), c"hi");
/// ```
///
/// # Safety
///
/// `ptr` is null or a NUL-terminated string that nothing mutates during `'a`.
pub unsafe fn arg_c_str<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a CStr, ArgError> {
    if ptr.is_null() {
        return Err(ArgError::Null { name });
    }
    // SAFETY: non-null; NUL-terminated and unmutated for 'a (caller's contract).
    Ok(unsafe { CStr::from_ptr(ptr) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misaligned_pointer_is_rejected_without_reading() {
        let words = [0_u32; 2];
        let odd = words.as_ptr().cast::<u8>().wrapping_add(1).cast::<u32>();
        // SAFETY: the misaligned pointer is rejected before any read.
        let err = unsafe { arg_ref(odd, "w") }.unwrap_err();
        assert!(matches!(err, ArgError::Misaligned { align: 4, .. }));
    }

    #[test]
    fn overlong_slice_is_rejected_without_reading() {
        let x = 0_u64;
        // SAFETY: rejected before any read: usize::MAX / 2 u64s exceed isize::MAX bytes.
        let err = unsafe { arg_slice(&x, usize::MAX / 2, "x") }.unwrap_err();
        assert!(matches!(err, ArgError::TooLong { .. }));
    }

    #[test]
    fn zero_sized_elements_any_count_is_fine() {
        let unit = ();
        // SAFETY: zero-sized reads are valid from any non-null aligned pointer.
        let s = unsafe { arg_slice(&unit, usize::MAX, "u") }.unwrap();
        assert_eq!(s.len(), usize::MAX);
    }
}
