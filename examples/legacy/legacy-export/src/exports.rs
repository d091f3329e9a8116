//! The `extern "C"` surface. Each function checks its pointers, converts, calls the safe Rust
//! function and translates the outcome into an `LGX_*` code; nothing here unwinds into C.

use std::ffi::{CStr, CString, c_char, c_int};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::last_error;
use crate::text::{self, TextError};

/// Success.
pub const LGX_OK: c_int = 0;
/// A required pointer argument was NULL.
pub const LGX_ERR_NULL: c_int = -1;
/// A string argument was not valid UTF-8.
pub const LGX_ERR_UTF8: c_int = -2;
/// A string argument was not of the expected form.
pub const LGX_ERR_PARSE: c_int = -3;
/// The result does not fit in the output type.
pub const LGX_ERR_OVERFLOW: c_int = -4;
/// The caller's buffer is too small; `*needed` says how many bytes are required.
pub const LGX_ERR_BUFFER: c_int = -5;
/// The Rust implementation panicked; the panic was caught at the boundary.
pub const LGX_ERR_PANIC: c_int = -6;

/// An error on its way to C: the code returned and the message kept for the caller.
struct Failure {
    code: c_int,
    message: String,
}

impl Failure {
    fn new(code: c_int, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<TextError> for Failure {
    fn from(err: TextError) -> Self {
        let code = match err {
            TextError::Parse(_) => LGX_ERR_PARSE,
            TextError::Overflow(_) => LGX_ERR_OVERFLOW,
        };
        Self::new(code, err.to_string())
    }
}

/// Runs `body`, catching a panic, and turns the outcome into a status code and last error.
fn guard(function: &str, body: impl FnOnce() -> Result<(), Failure>) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => {
            last_error::clear();
            LGX_OK
        }
        Ok(Err(failure)) => {
            last_error::set(&format!("{function}: {}", failure.message));
            failure.code
        }
        Err(payload) => {
            let reason = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic payload".to_owned());
            last_error::set(&format!("{function}: internal error (panic: {reason})"));
            LGX_ERR_PANIC
        }
    }
}

fn non_null<T>(name: &str, pointer: *const T) -> Result<(), Failure> {
    if pointer.is_null() {
        Err(Failure::new(
            LGX_ERR_NULL,
            format!("argument `{name}` is NULL"),
        ))
    } else {
        Ok(())
    }
}

/// Reads a C string argument as UTF-8.
///
/// # Safety
///
/// `pointer` is NULL or points to a NUL-terminated string that stays valid and unchanged for
/// `'a`.
unsafe fn str_arg<'a>(name: &str, pointer: *const c_char) -> Result<&'a str, Failure> {
    non_null(name, pointer)?;
    // SAFETY: `pointer` is non-null (checked above) and, by this function's contract, points
    // to a NUL-terminated string valid for 'a.
    let bytes = unsafe { CStr::from_ptr(pointer) };
    bytes
        .to_str()
        .map_err(|err| Failure::new(LGX_ERR_UTF8, format!("argument `{name}`: {err}")))
}

/// Version of this library, e.g. `"0.1.0"` (a static string; do not free).
#[unsafe(no_mangle)]
pub extern "C" fn lgx_version() -> *const c_char {
    static VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => c"unknown",
        };
    VERSION.as_ptr()
}

/// Parses a size such as `"512"`, `"4k"`, `"16M"`, `"2G"` into `*out` (bytes).
///
/// Returns `LGX_OK`, or `LGX_ERR_NULL`, `LGX_ERR_UTF8`, `LGX_ERR_PARSE`, `LGX_ERR_OVERFLOW`;
/// `*out` is written only on success.
///
/// # Safety
///
/// `text` is NULL or a NUL-terminated string; `out` is NULL or valid for writing a `u64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lgx_parse_size(text: *const c_char, out: *mut u64) -> c_int {
    guard("lgx_parse_size", || {
        non_null("out", out)?;
        // SAFETY: the caller guarantees `text` is NULL (rejected inside) or NUL-terminated.
        let text = unsafe { str_arg("text", text) }?;
        let bytes = text::parse_size(text)?;
        // SAFETY: `out` is non-null (checked above) and the caller guarantees it is valid for
        // writing a u64.
        unsafe { out.write(bytes) };
        Ok(())
    })
}

/// Writes the liblegacy key for `label` (see `normalize_key`) into `buf`.
///
/// `*needed` always receives the size the key needs, terminating NUL included. When `cap` is
/// smaller, nothing is written to `buf` and `LGX_ERR_BUFFER` is returned: call again with a
/// buffer of `*needed` bytes. `buf` may be NULL when `cap` is 0.
///
/// # Safety
///
/// `label` is NULL or a NUL-terminated string; `buf` is NULL or valid for writing `cap` bytes;
/// `needed` is NULL or valid for writing a `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lgx_normalize_key(
    label: *const c_char,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> c_int {
    guard("lgx_normalize_key", || {
        non_null("needed", needed)?;
        if cap > 0 {
            non_null("buf", buf)?;
        }
        // SAFETY: the caller guarantees `label` is NULL (rejected inside) or NUL-terminated.
        let label = unsafe { str_arg("label", label) }?;
        let key = text::normalize_key(label);
        let size = key.len() + 1;
        // SAFETY: `needed` is non-null (checked above) and valid for writing per the contract.
        unsafe { needed.write(size) };
        if cap < size {
            return Err(Failure::new(
                LGX_ERR_BUFFER,
                format!("buffer of {cap} bytes is too small, {size} needed"),
            ));
        }
        // SAFETY: `buf` is non-null (cap >= size > 0 here) and, per the contract, valid for
        // writing `cap` bytes that nothing else accesses during this call.
        let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) };
        out[..key.len()].copy_from_slice(key.as_bytes());
        out[key.len()] = 0;
        Ok(())
    })
}

/// A human description of `bytes` such as `"1.5 MiB"`, allocated by this library.
///
/// Release it with `lgx_string_free` (never `free`). Returns NULL only on an internal error,
/// described by `lgx_last_error_message`.
#[unsafe(no_mangle)]
pub extern "C" fn lgx_describe_size(bytes: u64) -> *mut c_char {
    let mut description = ptr::null_mut();
    guard("lgx_describe_size", || {
        let text = CString::new(text::describe_size(bytes))
            .map_err(|err| Failure::new(LGX_ERR_PARSE, err.to_string()))?;
        description = text.into_raw();
        Ok(())
    });
    description
}

/// Releases a string returned by `lgx_describe_size`. NULL is allowed.
///
/// # Safety
///
/// `text` is NULL or a pointer returned by `lgx_describe_size` that has not been freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lgx_string_free(text: *mut c_char) {
    if text.is_null() {
        return;
    }
    // SAFETY: non-null, and the caller guarantees it came from `CString::into_raw` in
    // `lgx_describe_size` and is freed only once.
    drop(unsafe { CString::from_raw(text) });
}

/// Percentage of `part` in `whole`, rounded down, into `*out`.
///
/// Returns `LGX_ERR_OVERFLOW` when `part * 100` does not fit in 64 bits. `whole == 0` hits a
/// bug in the implementation (a division by zero that panics); the panic is caught and
/// reported as `LGX_ERR_PANIC` instead of aborting the C program.
///
/// # Safety
///
/// `out` is NULL or valid for writing an `int64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lgx_percent(part: i64, whole: i64, out: *mut i64) -> c_int {
    guard("lgx_percent", || {
        non_null("out", out)?;
        let value = text::percent(part, whole).ok_or_else(|| {
            Failure::new(LGX_ERR_OVERFLOW, format!("{part} * 100 overflows 64 bits"))
        })?;
        // SAFETY: `out` is non-null (checked above) and valid for writing per the contract.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// Copies the calling thread's last error message into `buf` and returns its length (NUL
/// excluded), like `snprintf`: at most `cap - 1` bytes are copied and the copy is always
/// NUL-terminated when `cap > 0`. Returns 0 when the last call on this thread succeeded.
///
/// # Safety
///
/// `buf` is NULL or valid for writing `cap` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn lgx_last_error_message(buf: *mut c_char, cap: usize) -> usize {
    last_error::with(|message| {
        if !buf.is_null() && cap > 0 {
            let copied = message.len().min(cap - 1);
            // SAFETY: `buf` is non-null and, per the contract, valid for writing `cap > 0`
            // bytes that nothing else accesses during this call.
            let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), cap) };
            out[..copied].copy_from_slice(&message[..copied]);
            out[copied] = 0;
        }
        message.len()
    })
}
