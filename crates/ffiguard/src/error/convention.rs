//! The return conventions of C functions, each named once.
//!
//! Pick the one the C documentation describes and every call site reads the same way:
//!
//! | C says | use |
//! | --- | --- |
//! | `< 0` is an error code, `>= 0` a result | [`negative_is_error`] |
//! | `0` is OK, anything else an error code | [`nonzero_is_error`] |
//! | `0` means failure (boolean-style) | [`zero_is_error`] |
//! | `NULL` means failure | [`null_is_error`] |
//! | one value (`-1`, `EOF`, …) means failure | [`sentinel_is_error`] |
//! | `-1` and `errno` | [`errno_sentinel`] / [`errno_null`] / [`capture_errno`] |

use core::ffi::c_int;
use core::ptr::NonNull;

use super::call::{CallError, Code, Returned};
use super::code::{Errno, ErrorCode};

/// `rc < 0` is the library's error code `C`; otherwise `rc` is the result (a count, an index).
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// assert_eq!(error::negative_is_error::<Errno>("lg_count", 3), Ok(3));
/// let err = error::negative_is_error::<Errno>("lg_count", -libc::EIO).unwrap_err();
/// assert_eq!(err.code().unwrap().raw(), -libc::EIO);
/// ```
pub fn negative_is_error<C: ErrorCode>(
    function: &'static str,
    rc: c_int,
) -> Result<c_int, CallError> {
    if rc < 0 {
        Err(status_error::<C>(function, rc))
    } else {
        Ok(rc)
    }
}

/// `rc == 0` is success; any other value is the library's error code `C`.
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// assert!(error::nonzero_is_error::<Errno>("pthread_mutex_unlock", 0).is_ok());
/// let err = error::nonzero_is_error::<Errno>("pthread_mutex_unlock", libc::EPERM).unwrap_err();
/// assert_eq!(err.code_as::<Errno>(), Some(Errno(libc::EPERM)));
/// ```
pub fn nonzero_is_error<C: ErrorCode>(function: &'static str, rc: c_int) -> Result<(), CallError> {
    if rc == 0 {
        Ok(())
    } else {
        Err(status_error::<C>(function, rc))
    }
}

/// Zero means failure (the C function returns a boolean or a count that cannot be zero).
/// The value is returned when nonzero. The return value carries no code; attach the library's
/// with [`CallError::with_library_message`].
///
/// ```
/// use ffiguard::error;
///
/// assert_eq!(error::zero_is_error("lg_ready", 1_i32), Ok(1));
/// assert!(error::zero_is_error("lg_written", 0_usize).is_err());
/// ```
pub fn zero_is_error<R: Copy + PartialEq + Default>(
    function: &'static str,
    rc: R,
) -> Result<R, CallError> {
    if rc == R::default() {
        Err(CallError::new(function, Returned::Zero, None))
    } else {
        Ok(rc)
    }
}

/// Null means failure; anything else is returned as [`NonNull`]. Only the address is
/// inspected, so this is safe; whether the pointer is usable is for
/// [`ptr`](crate::ptr) and the owner types in [`owned`](crate::owned) to decide.
///
/// ```
/// use ffiguard::error;
///
/// let mut x = 5;
/// assert!(error::null_is_error("lg_get", &mut x as *mut i32).is_ok());
/// let err = error::null_is_error("lg_get", std::ptr::null_mut::<i32>()).unwrap_err();
/// assert_eq!(err.to_string(), "lg_get returned null");
/// ```
pub fn null_is_error<T>(function: &'static str, ptr: *mut T) -> Result<NonNull<T>, CallError> {
    NonNull::new(ptr).ok_or_else(|| CallError::new(function, Returned::Null, None))
}

/// `rc == sentinel` means failure, without `errno` (use [`errno_sentinel`] when the function
/// sets it).
///
/// ```
/// use ffiguard::error;
///
/// const LG_EOF: i32 = -1;
/// assert_eq!(error::sentinel_is_error("lg_getc", 65, LG_EOF), Ok(65));
/// assert!(error::sentinel_is_error("lg_getc", LG_EOF, LG_EOF).is_err());
/// ```
pub fn sentinel_is_error<R: Copy + PartialEq>(
    function: &'static str,
    rc: R,
    sentinel: R,
) -> Result<R, CallError> {
    if rc == sentinel {
        Err(CallError::new(function, Returned::Sentinel, None))
    } else {
        Ok(rc)
    }
}

/// Runs `call` with `errno` cleared and reads `errno` immediately after it returns, before any
/// other code (an allocation, a log line, a `Drop`) can overwrite it.
///
/// Put **only** the C call in the closure. Wrapping the closure in something that runs code
/// after the call (a tracing span that writes a log line, for instance) before the errno is
/// read would defeat the point; [`trace::crossing`](crate::trace::crossing) goes *outside*.
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// // SAFETY: close(-1) touches no memory; it fails with EBADF.
/// let (rc, errno) = error::capture_errno(|| unsafe { libc::close(-1) });
/// assert_eq!((rc, errno), (-1, Errno(libc::EBADF)));
/// ```
pub fn capture_errno<R>(call: impl FnOnce() -> R) -> (R, Errno) {
    set_errno(0);
    let rc = call();
    (rc, read_errno())
}

/// `-1`-style functions that set `errno`: `call` returning `sentinel` is failure, and the error
/// carries the `errno` read right after the call ([`Errno`] as its code). If the function
/// failed without setting `errno`, the error has no code rather than a made-up one.
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// // SAFETY: close(-1) touches no memory; it fails with EBADF.
/// let err = error::errno_sentinel("close", -1, || unsafe { libc::close(-1) }).unwrap_err();
/// assert_eq!(err.code_as::<Errno>(), Some(Errno(libc::EBADF)));
/// ```
pub fn errno_sentinel<R: Copy + PartialEq>(
    function: &'static str,
    sentinel: R,
    call: impl FnOnce() -> R,
) -> Result<R, CallError> {
    let (rc, errno) = capture_errno(call);
    if rc == sentinel {
        Err(CallError::new(
            function,
            Returned::Sentinel,
            errno_code(errno),
        ))
    } else {
        Ok(rc)
    }
}

/// Functions that return null and set `errno` (`malloc`, `strdup`, `fopen`, `opendir`).
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// // SAFETY: the path is a valid C string; the directory does not exist, so no DIR* leaks.
/// let err = error::errno_null("opendir", || unsafe { libc::opendir(c"/nonexistent/x".as_ptr()) })
///     .unwrap_err();
/// assert_eq!(err.code_as::<Errno>(), Some(Errno(libc::ENOENT)));
/// ```
pub fn errno_null<T>(
    function: &'static str,
    call: impl FnOnce() -> *mut T,
) -> Result<NonNull<T>, CallError> {
    let (ptr, errno) = capture_errno(call);
    NonNull::new(ptr).ok_or_else(|| CallError::new(function, Returned::Null, errno_code(errno)))
}

fn status_error<C: ErrorCode>(function: &'static str, rc: c_int) -> CallError {
    CallError::new(
        function,
        Returned::Status(rc),
        Some(Code::new(C::from_raw(rc))),
    )
}

fn errno_code(errno: Errno) -> Option<Code> {
    (errno.0 != 0).then(|| Code::new(errno))
}

fn read_errno() -> Errno {
    Errno(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
}

fn set_errno(value: c_int) {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "emscripten"))]
    {
        // SAFETY: __errno_location has no preconditions.
        let slot = unsafe { libc::__errno_location() };
        // SAFETY: it returns a valid, aligned pointer to this thread's errno.
        unsafe { *slot = value };
    }
    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    {
        // SAFETY: __error has no preconditions.
        let slot = unsafe { libc::__error() };
        // SAFETY: it returns a valid, aligned pointer to this thread's errno.
        unsafe { *slot = value };
    }
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "emscripten",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    )))]
    let _ = value;
}
