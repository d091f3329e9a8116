//! One span per boundary crossing (cargo feature `tracing`).
//!
//! [`crossing`] wraps one C call. With the feature on, it opens a `TRACE`-level span named
//! `ffi` (target `ffiguard::trace`) carrying:
//!
//! | field | value |
//! | --- | --- |
//! | `function` | the C function's name |
//! | `args` | the argument sizes, e.g. `input=12 out=8` |
//! | `arg_bytes` | their sum |
//! | `outcome` | `ok`, `null`, `error` or `code=N` ([`Outcome`]) |
//! | `elapsed_ns` | the call's duration |
//!
//! With the feature off, [`crossing`] is `#[inline(always)]` and only calls the closure: the
//! argument list is never read and the optimiser removes it (`BENCHMARKS.md`, section
//! "ffiguard trace", measures both builds against a direct call).
//!
//! ```
//! use ffiguard::trace;
//!
//! let input = b"hello";
//! // SAFETY: strnlen reads at most input.len() bytes of `input`.
//! let n = trace::crossing("strnlen", &[("input", input.len())], || unsafe {
//!     libc::strnlen(input.as_ptr().cast(), input.len())
//! });
//! assert_eq!(n, 5);
//! ```
//!
//! The common path puts the [`error`](crate::error) convention inside the crossing, so the
//! span records the library's code:
//!
//! ```
//! use ffiguard::{error::{self, Errno}, trace};
//!
//! let mut fds = [0; 2];
//! let r = trace::crossing("pipe", &[("fds", size_of_val(&fds))], || {
//!     // SAFETY: `fds` has room for the two descriptors pipe writes.
//!     error::errno_sentinel("pipe", -1, || unsafe { libc::pipe(fds.as_mut_ptr()) })
//! });
//! assert!(r.is_ok());
//! # for fd in fds {
//! #     // SAFETY: both descriptors were just opened by pipe and are closed once.
//! #     unsafe { libc::close(fd) };
//! # }
//! ```
//!
//! Put `errno` capture *inside* the crossing, next to the call
//! ([`error::errno_sentinel`](crate::error::errno_sentinel)): a subscriber runs code when the
//! span closes, and that code may overwrite `errno`.

use core::ffi::c_int;
use core::fmt;

/// How a crossing ended, as recorded in the span.
///
/// ```
/// use ffiguard::trace::Outcome;
///
/// assert_eq!(Outcome::Code(-2).to_string(), "code=-2");
/// assert_eq!(Outcome::Returned(7).to_string(), "returned=7");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Success.
    Ok,
    /// A null pointer.
    Null,
    /// A failure without a code.
    Error,
    /// A failure code.
    Code(i64),
    /// A value returned by a function whose convention the classifier does not know; recorded
    /// as is, neither ok nor error.
    Returned(i128),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok => f.write_str("ok"),
            Outcome::Null => f.write_str("null"),
            Outcome::Error => f.write_str("error"),
            Outcome::Code(code) => write!(f, "code={code}"),
            Outcome::Returned(value) => write!(f, "returned={value}"),
        }
    }
}

/// The usual way to read a return value as an [`Outcome`].
///
/// Pointers: null or ok. `Result<_, CallError>`: ok, or the error's code. Integers are
/// recorded as [`Outcome::Returned`], not judged (whether `-1` or `0` is failure depends on
/// the function): pass an [`outcome`] classifier to [`crossing_with`], or put the
/// [`error`](crate::error) convention inside the crossing so it returns a `Result`.
///
/// ```
/// use ffiguard::trace::{Classify, Outcome};
///
/// assert_eq!(std::ptr::null_mut::<u8>().outcome(), Outcome::Null);
/// assert_eq!((-1_i32).outcome(), Outcome::Returned(-1));
/// let failed = ffiguard::error::nonzero_is_error::<ffiguard::error::Errno>("f", 5);
/// assert_eq!(failed.outcome(), Outcome::Code(5));
/// ```
pub trait Classify {
    /// The outcome this value represents.
    fn outcome(&self) -> Outcome;
}

impl<T> Classify for *mut T {
    fn outcome(&self) -> Outcome {
        if self.is_null() {
            Outcome::Null
        } else {
            Outcome::Ok
        }
    }
}

impl<T> Classify for *const T {
    fn outcome(&self) -> Outcome {
        if self.is_null() {
            Outcome::Null
        } else {
            Outcome::Ok
        }
    }
}

macro_rules! classify_integers {
    ($($int:ty),*) => {$(
        impl Classify for $int {
            fn outcome(&self) -> Outcome {
                Outcome::Returned(i128::try_from(*self).unwrap_or(i128::MAX))
            }
        }
    )*};
}

classify_integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Classify for () {
    fn outcome(&self) -> Outcome {
        Outcome::Ok
    }
}

impl<T> Classify for Result<T, crate::error::CallError> {
    fn outcome(&self) -> Outcome {
        match self {
            Ok(_) => Outcome::Ok,
            Err(e) => match (e.code(), e.returned()) {
                (Some(code), _) => Outcome::Code(i64::from(code.raw())),
                (None, crate::error::Returned::Null) => Outcome::Null,
                (None, _) => Outcome::Error,
            },
        }
    }
}

/// Outcome classifiers for integer returns, one per convention of [`error`](crate::error).
///
/// ```
/// use ffiguard::trace::{Outcome, outcome};
///
/// assert_eq!(outcome::nonzero_is_error(&0), Outcome::Ok);
/// assert_eq!(outcome::negative_is_error(&-3), Outcome::Code(-3));
/// assert_eq!(outcome::zero_is_error(&0), Outcome::Error);
/// ```
pub mod outcome {
    use super::{Outcome, c_int};

    /// `0` is ok, anything else a code.
    pub fn nonzero_is_error(rc: &c_int) -> Outcome {
        if *rc == 0 {
            Outcome::Ok
        } else {
            Outcome::Code(i64::from(*rc))
        }
    }

    /// Negative is a code, the rest ok.
    pub fn negative_is_error(rc: &c_int) -> Outcome {
        if *rc < 0 {
            Outcome::Code(i64::from(*rc))
        } else {
            Outcome::Ok
        }
    }

    /// Zero is an error, the rest ok.
    pub fn zero_is_error(rc: &c_int) -> Outcome {
        if *rc == 0 {
            Outcome::Error
        } else {
            Outcome::Ok
        }
    }
}

/// Runs one C call inside a span; the return value's [`Classify`] gives the outcome.
///
/// ```
/// use ffiguard::trace;
///
/// let name = c"HOME";
/// // SAFETY: `name` is a valid C string; getenv's result is only compared with null.
/// let value = trace::crossing("getenv", &[("name", name.count_bytes())], || unsafe {
///     libc::getenv(name.as_ptr())
/// });
/// # let _ = value;
/// ```
#[inline(always)]
pub fn crossing<R: Classify>(
    function: &'static str,
    args: &[(&'static str, usize)],
    call: impl FnOnce() -> R,
) -> R {
    crossing_with(function, args, R::outcome, call)
}

/// Runs one C call inside a span, classifying its return value with `classify` (typically one
/// of [`outcome`]).
///
/// ```
/// use ffiguard::trace::{self, outcome};
///
/// // SAFETY: close(-1) touches no memory.
/// let rc = trace::crossing_with("close", &[], outcome::zero_is_error, || unsafe { libc::close(-1) });
/// assert_eq!(rc, -1);
/// ```
#[cfg(not(feature = "tracing"))]
#[inline(always)]
pub fn crossing_with<R>(
    function: &'static str,
    args: &[(&'static str, usize)],
    classify: impl FnOnce(&R) -> Outcome,
    call: impl FnOnce() -> R,
) -> R {
    let _ = (function, args, classify);
    call()
}

/// Runs one C call inside a span, classifying its return value with `classify` (typically one
/// of [`outcome`]).
///
/// ```
/// use ffiguard::trace::{self, outcome};
///
/// // SAFETY: close(-1) touches no memory.
/// let rc = trace::crossing_with("close", &[], outcome::zero_is_error, || unsafe { libc::close(-1) });
/// assert_eq!(rc, -1);
/// ```
#[cfg(feature = "tracing")]
#[inline]
pub fn crossing_with<R>(
    function: &'static str,
    args: &[(&'static str, usize)],
    classify: impl FnOnce(&R) -> Outcome,
    call: impl FnOnce() -> R,
) -> R {
    let span = tracing::trace_span!(
        target: "ffiguard::trace",
        "ffi",
        function,
        args = %Args(args),
        arg_bytes = args.iter().fold(0_u64, |sum, (_, n)| sum.saturating_add(u64::try_from(*n).unwrap_or(u64::MAX))),
        outcome = tracing::field::Empty,
        elapsed_ns = tracing::field::Empty,
    );
    if span.is_disabled() {
        return call();
    }
    let _entered = span.enter();
    let start = std::time::Instant::now();
    let result = call();
    let elapsed = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
    span.record("outcome", tracing::field::display(classify(&result)));
    span.record("elapsed_ns", elapsed);
    result
}

#[cfg(feature = "tracing")]
struct Args<'a>(&'a [(&'static str, usize)]);

#[cfg(feature = "tracing")]
impl fmt::Display for Args<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (name, size)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{name}={size}")?;
        }
        Ok(())
    }
}
