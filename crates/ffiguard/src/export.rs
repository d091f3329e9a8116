//! Rust functions called by C: panics stopped at the boundary, pointer arguments checked, and
//! a last-error message C can copy out.
//!
//! A panic must never unwind into C: since Rust 1.81 it aborts the process at the `extern "C"`
//! boundary, so one bad input from a C caller becomes a crash. [`status`] runs the body, turns
//! an error into its status code and a panic into the exporter's panic code, and records the
//! message for [`write_last_error`].
//!
//! ```
//! use core::ffi::{c_char, c_int};
//! use ffiguard::export::{self, ArgError, ExportError};
//!
//! #[derive(Debug, thiserror::Error)]
//! enum MyError {
//!     #[error(transparent)]
//!     Arg(#[from] ArgError),
//!     #[error("input is empty")]
//!     Empty,
//! }
//!
//! impl ExportError for MyError {
//!     const PANIC: c_int = -99;
//!     fn status(&self) -> c_int {
//!         match self {
//!             MyError::Arg(_) => -1,
//!             MyError::Empty => -2,
//!         }
//!     }
//! }
//!
//! /// Counts the bytes of `input` into `*out`. Returns 0, or a negative status.
//! ///
//! /// # Safety
//! ///
//! /// `input` is null or a valid C string; `out` is null or valid for writes.
//! #[unsafe(no_mangle)]
//! pub unsafe extern "C" fn my_count(input: *const c_char, out: *mut usize) -> c_int {
//!     export::status(|| {
//!         // SAFETY: caller's contract, restated in this function's `# Safety`.
//!         let input = unsafe { export::arg_c_str(input, "input") }?;
//!         // SAFETY: as above.
//!         let out = unsafe { export::arg_mut(out, "out") }?;
//!         if input.is_empty() {
//!             return Err(MyError::Empty);
//!         }
//!         *out = input.to_bytes().len();
//!         Ok(())
//!     })
//! }
//!
//! /// Copies the last error message of this thread into `buf`; see `write_last_error`.
//! ///
//! /// # Safety
//! ///
//! /// `buf` is null or valid for `capacity` bytes of writes.
//! #[unsafe(no_mangle)]
//! pub unsafe extern "C" fn my_last_error(buf: *mut c_char, capacity: usize) -> usize {
//!     // SAFETY: the caller's contract is this function's `# Safety`.
//!     unsafe { export::write_last_error(buf, capacity) }
//! }
//!
//! let mut n = 0;
//! // SAFETY: valid string and out-pointer.
//! assert_eq!(unsafe { my_count(c"four".as_ptr(), &mut n) }, 0);
//! assert_eq!(n, 4);
//! // SAFETY: null arguments are part of the contract.
//! assert_eq!(unsafe { my_count(std::ptr::null(), &mut n) }, -1);
//! let mut buf = [0 as c_char; 64];
//! // SAFETY: buf is 64 writable bytes.
//! let needed = unsafe { my_last_error(buf.as_mut_ptr(), buf.len()) };
//! // SAFETY: write_last_error always NUL-terminates within the capacity.
//! let msg = unsafe { core::ffi::CStr::from_ptr(buf.as_ptr()) };
//! assert_eq!(msg.to_str().unwrap(), "argument `input` is null");
//! assert_eq!(needed, msg.to_bytes().len());
//! ```

mod args;
mod last_error;
mod panic;

pub use args::{ArgError, arg_c_str, arg_mut, arg_ref, arg_slice, arg_slice_mut};
pub use last_error::{clear_last_error, last_error_message, set_last_error, write_last_error};
pub use panic::{PanicError, catch_panic, guard};

use core::ffi::c_int;

/// An exporting crate's error type: which status code each error becomes, and which code a
/// panic becomes.
///
/// ```
/// use core::ffi::c_int;
/// use ffiguard::export::{ArgError, ExportError};
///
/// #[derive(Debug, thiserror::Error)]
/// enum ApiError {
///     #[error(transparent)]
///     Arg(#[from] ArgError),
/// }
///
/// impl ExportError for ApiError {
///     const PANIC: c_int = -128;
///     fn status(&self) -> c_int {
///         match self {
///             ApiError::Arg(_) => -22,
///         }
///     }
/// }
/// # assert_eq!(ApiError::from(ArgError::Null { name: "p" }).status(), -22);
/// ```
pub trait ExportError: std::error::Error {
    /// The status returned for success.
    const OK: c_int = 0;
    /// The status returned when the body panicked.
    const PANIC: c_int;

    /// The status for this error (should differ from [`OK`](Self::OK)).
    fn status(&self) -> c_int;
}

/// Runs the body of an exported function that returns a status code. Never unwinds.
///
/// - `Ok(())` → [`E::OK`](ExportError::OK), and the last error is cleared;
/// - `Err(e)` → `e.status()`, and the last error is set to `e` with its `source()` chain; an
///   error whose status is the success code (a mapping mistake) is returned as
///   [`E::PANIC`](ExportError::PANIC) instead, so C never reads a failure as success;
/// - a panic → [`E::PANIC`](ExportError::PANIC), and the last error is set to the panic
///   message. A payload whose own `Drop` panics does not unwind either (see [`catch_panic`]).
///
/// See the [module docs](self) for a complete exported function.
///
/// ```
/// use core::ffi::c_int;
/// use ffiguard::export::{self, ExportError};
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("too big")]
/// struct TooBig;
///
/// impl ExportError for TooBig {
///     const PANIC: c_int = -99;
///     fn status(&self) -> c_int { -1 }
/// }
///
/// assert_eq!(export::status::<TooBig>(|| Ok(())), 0);
/// assert_eq!(export::status(|| Err(TooBig)), -1);
/// assert_eq!(export::last_error_message().as_deref(), Some("too big"));
/// assert_eq!(export::status::<TooBig>(|| panic!("bug")), -99);
/// ```
pub fn status<E: ExportError>(body: impl FnOnce() -> Result<(), E>) -> c_int {
    match catch_panic(body) {
        Ok(Ok(())) => {
            clear_last_error();
            E::OK
        }
        Ok(Err(e)) => {
            set_last_error(&error_chain(&e));
            let status = e.status();
            if status == E::OK { E::PANIC } else { status }
        }
        Err(panic) => {
            set_last_error(&panic);
            E::PANIC
        }
    }
}

/// `err` and its sources, joined by `": "`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    // Bounded: a source chain that loops must not hang an exported function.
    for _ in 0..32 {
        let Some(cause) = source else { break };
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
