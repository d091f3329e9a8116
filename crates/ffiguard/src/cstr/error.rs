//! The error every string check in [`cstr`](super) returns.

use crate::ptr::PtrError;

/// A string that cannot cross the boundary, going in or coming out.
///
/// ```
/// use ffiguard::cstr::{CStrArg, CStrError};
///
/// let err = CStrArg::new("user\0admin", 64).unwrap_err();
/// assert_eq!(err, CStrError::InteriorNul { position: 4 });
/// assert_eq!(err.to_string(), "interior NUL byte at position 4");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CStrError {
    /// A string going into C contains a NUL byte before its end; C would see it cut there.
    #[error("interior NUL byte at position {position}")]
    InteriorNul {
        /// The byte offset of the first NUL.
        position: usize,
    },
    /// A string going into C is longer than the caller allows.
    #[error("string of {len} bytes exceeds the maximum of {max}")]
    TooLong {
        /// Its length in bytes, without the terminating NUL.
        len: usize,
        /// The maximum allowed, without the terminating NUL.
        max: usize,
    },
    /// The bytes are not UTF-8 where UTF-8 is required.
    #[error("invalid UTF-8 at byte {valid_up_to}")]
    InvalidUtf8 {
        /// The length of the valid prefix: the offset of the first bad byte.
        valid_up_to: usize,
        /// The length of the bad sequence, or `None` if the input ended inside a sequence.
        error_len: Option<usize>,
    },
    /// C returned a null string pointer.
    #[error("null string pointer")]
    Null,
    /// No NUL within the bound: the buffer is unterminated, or the string longer than allowed.
    #[error("no NUL terminator within the first {bound} bytes")]
    NotTerminated {
        /// How many bytes were searched.
        bound: usize,
    },
    /// The string pointer failed an address check or the readability probe.
    #[error("string pointer: {0}")]
    Pointer(#[from] PtrError),
}

impl From<core::str::Utf8Error> for CStrError {
    fn from(err: core::str::Utf8Error) -> Self {
        CStrError::InvalidUtf8 {
            valid_up_to: err.valid_up_to(),
            error_len: err.error_len(),
        }
    }
}
