//! The `extern "C"` surface. Each function checks its pointers, converts, calls the safe Rust
//! function and translates the outcome into an `LGX_*` code, all through
//! [`ffiguard::export`]: nothing here unwinds into C.

use std::ffi::{CString, c_char, c_int};
use std::mem::MaybeUninit;
use std::ptr;
use std::str::Utf8Error;

use ffiguard::export::{self, ArgError, ExportError};

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

/// Why an export failed; each becomes one `LGX_ERR_*` code and the thread's last error.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Arg(#[from] ArgError),
    #[error("argument `{name}` is not UTF-8")]
    Utf8 {
        name: &'static str,
        #[source]
        source: Utf8Error,
    },
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("buffer of {capacity} bytes is too small, {needed} needed")]
    Buffer { capacity: usize, needed: usize },
    #[error("{part} * 100 overflows 64 bits")]
    PercentOverflow { part: i64 },
}

impl ExportError for Failure {
    const OK: c_int = LGX_OK;
    const PANIC: c_int = LGX_ERR_PANIC;

    fn status(&self) -> c_int {
        match self {
            // Every ArgError is about a pointer C passed; the header documents them as NULL.
            Failure::Arg(_) => LGX_ERR_NULL,
            Failure::Utf8 { .. } => LGX_ERR_UTF8,
            Failure::Text(TextError::Parse(_)) => LGX_ERR_PARSE,
            Failure::Text(TextError::Overflow(_)) | Failure::PercentOverflow { .. } => {
                LGX_ERR_OVERFLOW
            }
            Failure::Buffer { .. } => LGX_ERR_BUFFER,
        }
    }
}

/// An output buffer C passed, possibly uninitialised (C callers rarely clear a buffer they
/// want filled), so it is viewed as `MaybeUninit` bytes and only ever written.
fn out_buffer<'a>(
    buf: *mut c_char,
    cap: usize,
    name: &'static str,
) -> Result<&'a mut [MaybeUninit<u8>], Failure> {
    if cap == 0 {
        return Ok(&mut []);
    }
    if buf.is_null() {
        return Err(ArgError::NullWithLength { name, len: cap }.into());
    }
    // SAFETY: non-null; the exported function's contract makes `buf` valid for writes of
    // `cap` bytes that nothing else accesses during the call; MaybeUninit<u8> has no validity
    // requirement, so uninitialised bytes are fine; a C object never exceeds isize::MAX bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(buf.cast::<MaybeUninit<u8>>(), cap) })
}

/// A C string argument as UTF-8.
///
/// # Safety
///
/// `pointer` is NULL or a NUL-terminated string that nothing changes during `'a`.
unsafe fn str_arg<'a>(pointer: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    // SAFETY: forwarded from this function's contract.
    let text = unsafe { export::arg_c_str(pointer, name) }?;
    text.to_str()
        .map_err(|source| Failure::Utf8 { name, source })
}

/// Version of this library, e.g. `"0.1.0"` (a static string; do not free).
#[unsafe(no_mangle)]
pub extern "C" fn lgx_version() -> *const c_char {
    const VERSION: &[u8] = concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes();
    VERSION.as_ptr().cast()
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
    export::status(|| {
        // SAFETY: `out` is NULL (refused) or valid for writes, per this function's contract.
        let out = unsafe { export::arg_mut(out, "out") }?;
        // SAFETY: `text` is NULL (refused) or NUL-terminated, per this function's contract.
        let text = unsafe { str_arg(text, "text") }?;
        *out = text::parse_size(text)?;
        Ok::<(), Failure>(())
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
    export::status(|| {
        // SAFETY: `needed` is NULL (refused) or valid for writes, per the contract.
        let needed = unsafe { export::arg_mut(needed, "needed") }?;
        let buf = out_buffer(buf, cap, "buf")?;
        // SAFETY: `label` is NULL (refused) or NUL-terminated, per the contract.
        let label = unsafe { str_arg(label, "label") }?;
        let key = text::normalize_key(label);
        *needed = key.len() + 1;
        if buf.len() < key.len() + 1 {
            return Err(Failure::Buffer {
                capacity: buf.len(),
                needed: key.len() + 1,
            });
        }
        for (slot, byte) in buf.iter_mut().zip(key.bytes().chain([0])) {
            slot.write(byte);
        }
        Ok(())
    })
}

/// A human description of `bytes` such as `"1.5 MiB"`, allocated by this library.
///
/// Release it with `lgx_string_free` (never `free`). Returns NULL only on an internal error,
/// described by `lgx_last_error_message`.
#[unsafe(no_mangle)]
pub extern "C" fn lgx_describe_size(bytes: u64) -> *mut c_char {
    export::guard(ptr::null_mut(), || {
        // describe_size writes digits, dots, spaces and unit letters: never a NUL.
        CString::new(text::describe_size(bytes)).map_or(ptr::null_mut(), CString::into_raw)
    })
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
    export::status(|| {
        // SAFETY: `out` is NULL (refused) or valid for writes, per the contract.
        let out = unsafe { export::arg_mut(out, "out") }?;
        *out = text::percent(part, whole).ok_or(Failure::PercentOverflow { part })?;
        Ok::<(), Failure>(())
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
    // SAFETY: forwarded from this function's contract.
    unsafe { export::write_last_error(buf, cap) }
}
