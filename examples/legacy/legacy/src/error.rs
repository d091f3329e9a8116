//! The wrapper's error type, liblegacy's status codes, and the hook that attaches
//! `lg_last_error()` to a failed call.

use std::ffi::c_int;

use ffiguard::conv::ConvError;
use ffiguard::cstr::CStrError;
use ffiguard::error::{CallError, ErrorCode, LibraryMessage};
use ffiguard::owned::BufferError;
use ffiguard::version::VersionError;
use legacy_sys as sys;

ffiguard::error_codes! {
    /// liblegacy's `LG_ERR_*` status codes.
    ///
    /// Codes the header does not list are kept as `Unknown(code)`: liblegacy 2.3 returns `-9`
    /// for a sealed store without ever declaring it.
    ///
    /// ```
    /// use ffiguard::error::ErrorCode;
    /// use legacy::LgCode;
    ///
    /// assert_eq!(LgCode::from_raw(-3), LgCode::NotFound);
    /// assert_eq!(LgCode::from_raw(-9), LgCode::Unknown(-9));
    /// assert_eq!(LgCode::from_raw(-9).to_raw(), -9);
    /// ```
    pub enum LgCode(ok = sys::LG_OK, library = "liblegacy") {
        /// Out of memory.
        NoMemory = sys::LG_ERR_NOMEM => "out of memory",
        /// Invalid argument.
        Invalid = sys::LG_ERR_INVAL => "invalid argument",
        /// No such key.
        NotFound = sys::LG_ERR_NOTFOUND => "no such key",
        /// A value does not fit the requested type or range.
        Range = sys::LG_ERR_RANGE => "value out of range",
        /// A file could not be read or written.
        Io = sys::LG_ERR_IO => "input/output error",
        /// The store or the registry is full.
        Full = sys::LG_ERR_FULL => "store or registry full",
        /// Malformed input.
        Syntax = sys::LG_ERR_SYNTAX => "syntax error",
    }
}

/// Everything that can go wrong calling liblegacy through this crate.
///
/// The variants keep what C said (the code, `errno`, the library's message) and what the
/// wrapper refused before or after the call; nothing is collapsed into a generic failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// liblegacy reported a failure (its status code and message are inside).
    #[error(transparent)]
    Call(#[from] CallError),
    /// A file operation failed; `source` is the `errno` liblegacy left.
    #[error("{call}")]
    Io {
        /// The failed call, with liblegacy's code and message.
        call: CallError,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A string argument was refused before reaching C (interior NUL, too long).
    #[error("invalid {what}: {source}")]
    Argument {
        /// Which argument.
        what: &'static str,
        /// Why.
        #[source]
        source: CStrError,
    },
    /// An integer does not fit the C type on this target, in either direction.
    #[error(transparent)]
    Conversion(#[from] ConvError),
    /// `a + b` does not fit in a C `int` (signed overflow is undefined behaviour in C).
    #[error("{a} + {b} overflows C `int`")]
    Overflow {
        /// Left operand.
        a: i32,
        /// Right operand.
        b: i32,
    },
    /// The caller's buffer cannot hold the value and its terminator.
    #[error("buffer of {capacity} bytes is too small: {needed} needed")]
    BufferTooSmall {
        /// Bytes needed, terminator included.
        needed: usize,
        /// Bytes given.
        capacity: usize,
    },
    /// liblegacy returned something its own documentation rules out (a bogus pointer, a
    /// length that does not match what it wrote, a `_Bool` that is neither 0 nor 1, ...).
    #[error("{function} broke its contract: {what}")]
    Contract {
        /// The C function.
        function: &'static str,
        /// What was wrong.
        what: String,
    },
    /// liblegacy returned a pointer that failed validation (unmapped, unterminated, ...).
    #[error("{function} returned an unusable string: {source}")]
    BadString {
        /// The C function.
        function: &'static str,
        /// What the check found.
        #[source]
        source: CStrError,
    },
    /// A string liblegacy allocated was null or not valid text.
    #[error("{function}: {source}")]
    Buffer {
        /// The C function.
        function: &'static str,
        /// What was wrong.
        #[source]
        source: BufferError,
    },
    /// The linked liblegacy is not a version or build these bindings work with.
    #[error(transparent)]
    Version(#[from] VersionError),
}

impl Error {
    /// liblegacy's status code, if the error came from one (unknown codes included).
    ///
    /// ```
    /// # fn main() -> Result<(), legacy::Error> {
    /// let mut store = legacy::Store::new("demo")?;
    /// store.seal()?;
    /// let err = store.set("k", "v").unwrap_err();
    /// assert_eq!(err.code(), Some(legacy::LgCode::Unknown(-9)));
    /// # Ok(()) }
    /// ```
    pub fn code(&self) -> Option<LgCode> {
        match self {
            Error::Call(call) | Error::Io { call, .. } => call.code_as::<LgCode>(),
            _ => None,
        }
    }

    pub(crate) fn argument(what: &'static str) -> impl FnOnce(CStrError) -> Error {
        move |source| Error::Argument { what, source }
    }

    pub(crate) fn contract(function: &'static str, what: impl Into<String>) -> Error {
        Error::Contract {
            function,
            what: what.into(),
        }
    }
}

/// The library's own account of its last error, for
/// [`WithLibraryMessage`](ffiguard::error::WithLibraryMessage): the code it reports and its
/// message. Called with the library lock still held, right after the failed call, so no other
/// thread's error can have replaced it; the code check in `with_library_message` drops a
/// message left over from an earlier failure.
pub(crate) fn last_error() -> Option<LibraryMessage<LgCode>> {
    // SAFETY: lg_last_error_code only reads a global int; the caller holds the library lock,
    // so no other thread writes it concurrently.
    let code: c_int = unsafe { sys::lg_last_error_code() };
    // SAFETY: lg_last_error takes no arguments and returns the address of a static buffer;
    // the caller holds the library lock.
    let text = unsafe { sys::lg_last_error() };
    // SAFETY: `text` is a static 256-byte array that liblegacy always NUL-terminates
    // (vsnprintf); from_c_str reads at most MAX_LIBRARY_MESSAGE bytes of it, and nothing
    // rewrites it while the library lock is held.
    unsafe { LibraryMessage::from_c_str(LgCode::from_raw(code), text) }
}
