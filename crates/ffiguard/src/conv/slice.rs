//! (pointer, length) arguments from Rust slices.

use super::{CType, ConvError, to_c};

/// What pointer an empty slice becomes.
///
/// A Rust slice is never null: an empty one points at a dangling, aligned, non-null address
/// that must not be read. C APIs disagree on what they accept for "no data":
///
/// - [`EmptySlice::Null`] for APIs that test `if (buf == NULL)` or that are documented to take
///   `NULL, 0` (and for any API that might dereference the pointer even when the length is
///   zero: null faults loudly, a dangling address might not).
/// - [`EmptySlice::Dangling`] for APIs that reject null even with a zero length (e.g. ones
///   that `assert(buf != NULL)`); the address is aligned and non-null but must not be read.
///
/// ```
/// use ffiguard::conv::{self, EmptySlice, SizeT};
///
/// let (null, _) = conv::slice_arg::<SizeT, u32>(&[], EmptySlice::Null)?;
/// let (dangling, _) = conv::slice_arg::<SizeT, u32>(&[], EmptySlice::Dangling)?;
/// assert!(null.is_null());
/// assert!(!dangling.is_null() && dangling.is_aligned());
/// # Ok::<(), ffiguard::conv::ConvError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmptySlice {
    /// An empty slice is passed as a null pointer.
    Null,
    /// An empty slice is passed as Rust's dangling, aligned, non-null pointer.
    Dangling,
}

/// Splits a slice into a pointer and an element count of the C length type `L`.
///
/// The choice for an empty slice is explicit: see [`EmptySlice`]. The pointer is valid for
/// reads of the returned count of elements for as long as the borrow of `slice` lives.
///
/// ```
/// use ffiguard::conv::{self, EmptySlice, Int, SizeT};
///
/// let data = [1_u16, 2, 3];
/// let (ptr, len) = conv::slice_arg::<SizeT, _>(&data, EmptySlice::Null)?;
/// assert_eq!((ptr, len), (data.as_ptr(), 3));
///
/// let (ptr, len) = conv::slice_arg::<Int, u16>(&[], EmptySlice::Null)?;
/// assert!(ptr.is_null() && len == 0);
/// # Ok::<(), ffiguard::conv::ConvError>(())
/// ```
///
/// An element count too large for `L` is an error, not a truncated length:
///
/// ```
/// use ffiguard::conv::{self, EmptySlice, UChar};
///
/// let big = vec![0_u8; 256];
/// let err = conv::slice_arg::<UChar, _>(&big, EmptySlice::Null).unwrap_err();
/// assert_eq!(err.to_string(), "256 does not fit in C `unsigned char` (from `usize`)");
/// ```
#[inline]
pub fn slice_arg<L: CType, T>(
    slice: &[T],
    empty: EmptySlice,
) -> Result<(*const T, L::Repr), ConvError> {
    let len = to_c::<L>(slice.len())?;
    let ptr = match (slice.is_empty(), empty) {
        (true, EmptySlice::Null) => core::ptr::null(),
        _ => slice.as_ptr(),
    };
    Ok((ptr, len))
}

/// Splits a mutable slice into a pointer and an element count of the C length type `L`, for
/// output buffers C writes into.
///
/// ```
/// use ffiguard::conv::{self, EmptySlice, SizeT};
///
/// let mut out = [0_u8; 16];
/// let (ptr, len) = conv::slice_arg_mut::<SizeT, _>(&mut out, EmptySlice::Dangling)?;
/// assert_eq!(len, 16);
/// assert!(!ptr.is_null());
/// # Ok::<(), ffiguard::conv::ConvError>(())
/// ```
#[inline]
pub fn slice_arg_mut<L: CType, T>(
    slice: &mut [T],
    empty: EmptySlice,
) -> Result<(*mut T, L::Repr), ConvError> {
    let len = to_c::<L>(slice.len())?;
    let ptr = match (slice.is_empty(), empty) {
        (true, EmptySlice::Null) => core::ptr::null_mut(),
        _ => slice.as_mut_ptr(),
    };
    Ok((ptr, len))
}

/// The size of a slice in bytes as the C length type `L`, for APIs that take `void *` and a
/// byte count.
///
/// ```
/// use ffiguard::conv::{self, SizeT};
///
/// assert_eq!(conv::byte_len::<SizeT, u32>(&[1, 2, 3]), Ok(12));
/// ```
#[inline]
pub fn byte_len<L: CType, T>(slice: &[T]) -> Result<L::Repr, ConvError> {
    // A slice never spans more than isize::MAX bytes, so size_of_val cannot overflow.
    to_c::<L>(core::mem::size_of_val(slice))
}
