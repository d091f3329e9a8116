//! C return conventions, library error codes and the crate's error type.
//!
//! Three layers, as careful wrappers build them:
//!
//! 1. **The convention** — how a C function signals failure — is named once, in a function
//!    per convention ([`nonzero_is_error`], [`null_is_error`], [`errno_sentinel`], …), so
//!    every call site reads the same way and none re-derives "is `-1` bad here?".
//! 2. **The code** — the library's own numbers, declared with [`error_codes!`](crate::error_codes)
//!    as an enum that keeps unknown codes as `Unknown(raw)`, never as "failure".
//! 3. **The message** — the library's `*_errmsg()` text, attached by
//!    [`CallError::with_library_message`] only when the library says it is about the same
//!    code the call returned.
//!
//! ```
//! use ffiguard::error::{self, ErrorCode, LibraryMessage, WithLibraryMessage};
//!
//! ffiguard::error_codes! {
//!     /// liblegacy's status codes.
//!     pub enum LgCode(ok = 0, library = "liblegacy") {
//!         /// Invalid syntax.
//!         Syntax = -2 => "syntax error",
//!     }
//! }
//!
//! // Stand-ins for `unsafe { sys::lg_parse(...) }` and `sys::lg_last_error()`.
//! let rc = -2;
//! let last = || Some(LibraryMessage::new(LgCode::from_raw(-2), "line 3: unexpected '}'"));
//!
//! let err = error::nonzero_is_error::<LgCode>("lg_parse", rc)
//!     .with_library_message(last)
//!     .unwrap_err();
//! assert_eq!(err.code_as::<LgCode>(), Some(LgCode::Syntax));
//! assert_eq!(
//!     err.to_string(),
//!     "lg_parse returned -2: syntax error (Syntax = -2): line 3: unexpected '}'"
//! );
//!
//! // `?` lifts it into the crate-wide error.
//! let top: ffiguard::Error = err.into();
//! assert!(matches!(top, ffiguard::Error::Call(_)));
//! ```

mod call;
mod code;
mod convention;

pub use call::{
    CallError, Code, LibraryMessage, MAX_LIBRARY_MESSAGE, Returned, WithLibraryMessage,
};
pub use code::{Errno, ErrorCode, NegatedErrno};
pub use convention::{
    capture_errno, errno_null, errno_sentinel, negative_is_error, nonzero_is_error, null_is_error,
    sentinel_is_error, zero_is_error,
};

/// Every error `ffiguard` returns, for wrappers that want one error type.
///
/// Each variant wraps one module's error unchanged (`Display` and `source()` are the inner
/// error's), so `?` works across modules and nothing is lost on the way up.
///
/// ```
/// # fn demo() -> Result<(), ffiguard::Error> {
/// ffiguard::error::null_is_error("lg_parser_new", std::ptr::null_mut::<u8>())?;
/// # Ok(()) }
/// let err = demo().unwrap_err();
/// assert_eq!(err.to_string(), "lg_parser_new returned null");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A C call failed (status code, null, sentinel, `errno`).
    #[error(transparent)]
    Call(#[from] CallError),
    /// A C integer did not fit the Rust type or the other way round.
    #[error(transparent)]
    Conv(#[from] crate::conv::ConvError),
    /// A string could not cross the boundary (interior NUL, unterminated, not UTF-8, …).
    #[error(transparent)]
    CStr(#[from] crate::cstr::CStrError),
    /// A pointer C returned failed a check.
    #[error(transparent)]
    Ptr(#[from] crate::ptr::PtrError),
    /// The loaded library's version or features do not meet a requirement.
    #[error(transparent)]
    Version(#[from] crate::version::VersionError),
    /// A null handle where an owner was to be made.
    #[error(transparent)]
    NullHandle(#[from] crate::owned::NullHandle),
    /// A buffer or string C allocated was null with a length, unterminated, or not UTF-8.
    #[error(transparent)]
    Buffer(#[from] crate::owned::BufferError),
    /// A pointer argument C passed to an exported function was unusable.
    #[error(transparent)]
    Arg(#[from] crate::export::ArgError),
    /// Rust code called from C panicked; the panic was stopped at the boundary.
    #[error(transparent)]
    Panic(#[from] crate::export::PanicError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn module_errors_convert_unchanged() {
        let conv = crate::conv::c_int(u64::MAX).unwrap_err();
        let text = conv.to_string();
        let top = Error::from(conv);
        assert!(matches!(top, Error::Conv(_)));
        assert_eq!(top.to_string(), text);

        let ptr = crate::ptr::PtrError::Null;
        assert!(matches!(Error::from(ptr), Error::Ptr(_)));
    }

    #[test]
    fn source_chain_is_the_inner_errors_chain() {
        let bytes = vec![0xff_u8];
        let utf8 = core::str::from_utf8(&bytes).unwrap_err();
        let top = Error::from(crate::owned::BufferError::NotUtf8(utf8));
        let source = top.source().expect("the Utf8Error is kept");
        assert_eq!(source.to_string(), utf8.to_string());
    }
}
