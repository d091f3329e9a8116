//! Library error codes as typed enums that keep every code, known or not.

use core::ffi::c_int;
use core::fmt;

/// A C library's error codes as a Rust type.
///
/// Implement it with [`error_codes!`](crate::error_codes). The contract that matters for
/// security is that [`from_raw`](ErrorCode::from_raw) is total and lossless: every `c_int` the
/// library can return maps to a value whose [`to_raw`](ErrorCode::to_raw) gives the same
/// number back, so a code the wrapper did not know about is reported as that code, never as a
/// generic "failure".
///
/// ```
/// use ffiguard::error::ErrorCode;
///
/// ffiguard::error_codes! {
///     /// Status codes of a demo library.
///     pub enum DemoCode(ok = 0) {
///         /// Ran out of memory.
///         NoMemory = -1 => "out of memory",
///     }
/// }
///
/// assert_eq!(DemoCode::from_raw(-1), DemoCode::NoMemory);
/// assert_eq!(DemoCode::from_raw(-77), DemoCode::Unknown(-77));
/// assert_eq!(DemoCode::from_raw(-77).to_raw(), -77);
/// ```
pub trait ErrorCode: Copy + Eq + fmt::Debug + fmt::Display + Send + Sync + 'static {
    /// The code the library uses for success.
    const OK: c_int;

    /// The library's name, used in messages (e.g. `"liblegacy"`).
    const LIBRARY: &'static str;

    /// The typed value of `raw`; codes the type does not name are kept as they are.
    fn from_raw(raw: c_int) -> Self;

    /// The C value of this code.
    fn to_raw(self) -> c_int;

    /// The name of the code (the Rust variant), or `None` for a code the type does not name.
    fn name(self) -> Option<&'static str>;
}

/// Declares a C library's error codes as an enum implementing [`ErrorCode`](crate::error::ErrorCode).
///
/// Each variant names a code (any constant expression, typically the `-sys` crate's constant)
/// and a short description. The macro adds a final `Unknown(c_int)` variant that keeps any code
/// the declaration does not list, so a newer library version's codes are reported as what they
/// are. Two variants with the same value are rejected at compile time, as is a variant equal to
/// the success code.
///
/// The generated type also implements [`std::error::Error`], so it can be a wrapper's own error
/// when the code is all there is to say.
///
/// ```
/// use core::ffi::c_int;
/// use ffiguard::error::ErrorCode;
///
/// mod sys {
///     pub const LG_OK: core::ffi::c_int = 0;
///     pub const LG_ENOMEM: core::ffi::c_int = -1;
///     pub const LG_ESYNTAX: core::ffi::c_int = -2;
/// }
///
/// ffiguard::error_codes! {
///     /// Status codes of liblegacy.
///     #[derive(Hash)]
///     pub enum LgCode(ok = sys::LG_OK, library = "liblegacy") {
///         /// The library could not allocate.
///         NoMemory = sys::LG_ENOMEM => "out of memory",
///         /// The input is not valid syntax.
///         Syntax = sys::LG_ESYNTAX => "syntax error",
///     }
/// }
///
/// assert_eq!(LgCode::from_raw(-2), LgCode::Syntax);
/// assert_eq!(LgCode::Syntax.to_string(), "syntax error (Syntax = -2)");
/// assert_eq!(LgCode::from_raw(-9).to_string(), "unknown liblegacy code -9");
/// assert_eq!(LgCode::Syntax.name(), Some("Syntax"));
/// ```
///
/// Duplicate values do not compile:
///
/// ```compile_fail
/// ffiguard::error_codes! {
///     /// Two names for one code.
///     pub enum Twice(ok = 0) {
///         /// First.
///         A = -1 => "a",
///         /// Second.
///         B = -1 => "b",
///     }
/// }
/// ```
#[macro_export]
macro_rules! error_codes {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident(ok = $ok:expr $(, library = $library:literal)? $(,)?) {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $value:expr => $description:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A code this declaration does not name, kept as the library returned it.
            Unknown(::core::ffi::c_int),
        }

        const _: () = {
            let values: &[::core::ffi::c_int] = &[$($value),+];
            let mut i = 0;
            while i < values.len() {
                ::core::assert!(values[i] != $ok, "an error code equals the success code");
                let mut j = i + 1;
                while j < values.len() {
                    ::core::assert!(values[i] != values[j], "two error codes share a value");
                    j += 1;
                }
                i += 1;
            }
        };

        impl $crate::error::ErrorCode for $name {
            const OK: ::core::ffi::c_int = $ok;
            const LIBRARY: &'static str = $crate::__first_of!($($library,)? "the library");

            fn from_raw(raw: ::core::ffi::c_int) -> Self {
                $(
                    if raw == $value {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(raw)
            }

            fn to_raw(self) -> ::core::ffi::c_int {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(raw) => raw,
                }
            }

            fn name(self) -> ::core::option::Option<&'static str> {
                match self {
                    $(Self::$variant => ::core::option::Option::Some(::core::stringify!($variant)),)+
                    Self::Unknown(_) => ::core::option::Option::None,
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {
                    $(
                        Self::$variant => ::core::write!(
                            f,
                            "{} ({} = {})",
                            $description,
                            ::core::stringify!($variant),
                            $value,
                        ),
                    )+
                    Self::Unknown(raw) => ::core::write!(
                        f,
                        "unknown {} code {}",
                        <Self as $crate::error::ErrorCode>::LIBRARY,
                        raw,
                    ),
                }
            }
        }

        impl ::std::error::Error for $name {}
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __first_of {
    ($first:expr $(, $rest:expr)* $(,)?) => {
        $first
    };
}

/// An `errno` value, as an [`ErrorCode`] so it travels in a [`CallError`](super::CallError)
/// like any library code.
///
/// ```
/// use ffiguard::error::{Errno, ErrorCode};
///
/// let e = Errno::from_raw(libc::ENOENT);
/// assert_eq!(e.to_raw(), libc::ENOENT);
/// assert_eq!(e.name(), Some("ENOENT"));
/// assert!(e.to_string().contains("No such file or directory"));
/// assert_eq!(std::io::Error::from(e).kind(), std::io::ErrorKind::NotFound);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Errno(pub c_int);

impl ErrorCode for Errno {
    const OK: c_int = 0;
    const LIBRARY: &'static str = "the C library (errno)";

    fn from_raw(raw: c_int) -> Self {
        Errno(raw)
    }

    fn to_raw(self) -> c_int {
        self.0
    }

    fn name(self) -> Option<&'static str> {
        errno_name(self.0)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = std::io::Error::from_raw_os_error(self.0);
        match self.name() {
            Some(name) => write!(f, "{os} ({name})"),
            None => write!(f, "{os}"),
        }
    }
}

impl std::error::Error for Errno {}

impl From<Errno> for std::io::Error {
    fn from(errno: Errno) -> Self {
        std::io::Error::from_raw_os_error(errno.0)
    }
}

/// An `errno` value returned negated, as Linux-style libraries do (`-EINVAL`; liburing,
/// libbpf, systemd). Use with [`negative_is_error`](super::negative_is_error).
///
/// ```
/// use ffiguard::error::{self, Errno, ErrorCode, NegatedErrno};
///
/// let err = error::negative_is_error::<NegatedErrno>("io_uring_submit", -libc::EAGAIN).unwrap_err();
/// assert_eq!(err.code_as::<NegatedErrno>().unwrap().errno(), Errno(libc::EAGAIN));
/// assert_eq!(NegatedErrno::from_raw(-libc::EAGAIN).to_raw(), -libc::EAGAIN);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NegatedErrno(c_int);

impl NegatedErrno {
    /// The positive `errno` value; a raw value with no positive counterpart
    /// (`c_int::MIN`) is kept as it is.
    pub fn errno(self) -> Errno {
        Errno(self.0.checked_neg().unwrap_or(self.0))
    }
}

impl ErrorCode for NegatedErrno {
    const OK: c_int = 0;
    const LIBRARY: &'static str = "the C library (negated errno)";

    fn from_raw(raw: c_int) -> Self {
        NegatedErrno(raw)
    }

    fn to_raw(self) -> c_int {
        self.0
    }

    fn name(self) -> Option<&'static str> {
        self.errno().name()
    }
}

impl fmt::Display for NegatedErrno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.errno(), f)
    }
}

impl std::error::Error for NegatedErrno {}

/// Names for the `errno` values a wrapper meets most; others print by number.
fn errno_name(raw: c_int) -> Option<&'static str> {
    const NAMES: &[(c_int, &str)] = &[
        (libc::EPERM, "EPERM"),
        (libc::ENOENT, "ENOENT"),
        (libc::EINTR, "EINTR"),
        (libc::EIO, "EIO"),
        (libc::EBADF, "EBADF"),
        (libc::EAGAIN, "EAGAIN"),
        (libc::ENOMEM, "ENOMEM"),
        (libc::EACCES, "EACCES"),
        (libc::EFAULT, "EFAULT"),
        (libc::EBUSY, "EBUSY"),
        (libc::EEXIST, "EEXIST"),
        (libc::EINVAL, "EINVAL"),
        (libc::ENOSPC, "ENOSPC"),
        (libc::EPIPE, "EPIPE"),
        (libc::ERANGE, "ERANGE"),
        (libc::ENOSYS, "ENOSYS"),
        (libc::EOVERFLOW, "EOVERFLOW"),
        (libc::ETIMEDOUT, "ETIMEDOUT"),
    ];
    NAMES
        .iter()
        .find(|(code, _)| *code == raw)
        .map(|(_, name)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::error_codes! {
        /// Codes for the tests.
        enum TestCode(ok = 0, library = "libtest") {
            /// Bad.
            Bad = -1 => "bad",
            /// Worse.
            Worse = 7 => "worse",
        }
    }

    #[test]
    fn every_code_round_trips_including_unknown_and_extremes() {
        for raw in [c_int::MIN, -2, -1, 0, 1, 7, 8, c_int::MAX] {
            assert_eq!(TestCode::from_raw(raw).to_raw(), raw);
        }
        assert_eq!(
            TestCode::from_raw(c_int::MIN),
            TestCode::Unknown(c_int::MIN)
        );
        assert_eq!(TestCode::from_raw(7), TestCode::Worse);
    }

    #[test]
    fn unknown_code_says_which_library_and_number() {
        assert_eq!(
            TestCode::from_raw(42).to_string(),
            "unknown libtest code 42"
        );
        assert_eq!(TestCode::from_raw(42).name(), None);
    }

    #[test]
    fn errno_display_never_panics_on_any_value() {
        for raw in [c_int::MIN, -1, 0, 4095, c_int::MAX] {
            assert!(!Errno(raw).to_string().is_empty());
            assert!(!NegatedErrno::from_raw(raw).to_string().is_empty());
            assert_eq!(NegatedErrno::from_raw(raw).to_raw(), raw);
        }
    }
}
