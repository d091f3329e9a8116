//! [`CStrArg`]: a validated string argument for C.

use core::ffi::{CStr, c_char};
use core::fmt;
use std::ffi::CString;

use super::CStrError;

/// Whether bytes must be UTF-8 to be accepted.
///
/// ```
/// use ffiguard::cstr::{CStrArg, Utf8};
///
/// let latin1 = b"na\xefve";
/// assert!(CStrArg::from_bytes(latin1, 16, Utf8::Any).is_ok());
/// assert!(CStrArg::from_bytes(latin1, 16, Utf8::Require).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Utf8 {
    /// Refuse bytes that are not UTF-8 ([`CStrError::InvalidUtf8`]).
    Require,
    /// Accept any bytes except NUL (paths, legacy encodings).
    Any,
}

/// Strings up to this many bytes (without the NUL) are stored inline: no heap allocation.
///
/// ```
/// use ffiguard::cstr::{CStrArg, INLINE_CAPACITY};
///
/// let fits = "a".repeat(INLINE_CAPACITY);
/// assert!(CStrArg::new(&fits, 1024)?.is_inline());
/// # Ok::<(), ffiguard::cstr::CStrError>(())
/// ```
pub const INLINE_CAPACITY: usize = 63;

/// A string validated for passing to C as `const char *`: no interior NUL, at most a
/// caller-chosen length, optionally UTF-8, NUL-terminated.
///
/// Cheap on the common paths: an existing `&CStr` or `CString` is used in place, and a short
/// string (up to [`INLINE_CAPACITY`] bytes) is copied into an inline buffer instead of the
/// heap. Longer strings are copied once into a `CString`.
///
/// ```
/// use ffiguard::cstr::CStrArg;
///
/// # fn open(path: *const core::ffi::c_char) -> i32 { 0 }
/// let path = CStrArg::new("/etc/hosts", 4096)?;
/// // SAFETY (illustrative): `open` reads the string and keeps no pointer to it.
/// let fd = open(path.as_ptr());
/// # let _ = fd;
/// # Ok::<(), ffiguard::cstr::CStrError>(())
/// ```
///
/// The string borrows the argument, so it cannot outlive it:
///
/// ```compile_fail,E0597
/// use ffiguard::cstr::CStrArg;
///
/// let dangling = {
///     let arg = CStrArg::new("temporary", 64).unwrap();
///     arg.as_c_str() // borrowed from `arg`, which is dropped here
/// };
/// # let _ = dangling;
/// ```
#[derive(Clone)]
pub struct CStrArg<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Borrowed(&'a CStr),
    // bytes[..=len] is the string and its NUL; the rest is zero.
    Inline {
        bytes: [u8; INLINE_CAPACITY + 1],
        len: u8,
    },
    Owned(CString),
}

impl<'a> CStrArg<'a> {
    /// Validates a Rust string: no NUL inside, at most `max_len` bytes (as `strlen` counts).
    ///
    /// ```
    /// use ffiguard::cstr::{CStrArg, CStrError};
    ///
    /// assert_eq!(CStrArg::new("hello", 5)?.to_bytes(), b"hello");
    /// assert_eq!(CStrArg::new("hello!", 5).unwrap_err(), CStrError::TooLong { len: 6, max: 5 });
    /// # Ok::<(), CStrError>(())
    /// ```
    #[inline]
    pub fn new(s: &str, max_len: usize) -> Result<CStrArg<'static>, CStrError> {
        CStrArg::from_bytes(s.as_bytes(), max_len, Utf8::Any)
    }

    /// Validates bytes: no NUL inside, at most `max_len` bytes, and UTF-8 if `utf8` says so.
    ///
    /// ```
    /// use ffiguard::cstr::{CStrArg, CStrError, Utf8};
    ///
    /// assert!(CStrArg::from_bytes(b"caf\xc3\xa9", 16, Utf8::Require).is_ok());
    /// assert_eq!(
    ///     CStrArg::from_bytes(b"caf\xe9", 16, Utf8::Require).unwrap_err(),
    ///     CStrError::InvalidUtf8 { valid_up_to: 3, error_len: None },
    /// );
    /// assert!(CStrArg::from_bytes(b"caf\xe9", 16, Utf8::Any).is_ok());
    /// ```
    #[inline]
    pub fn from_bytes(
        bytes: &[u8],
        max_len: usize,
        utf8: Utf8,
    ) -> Result<CStrArg<'static>, CStrError> {
        validate(bytes, max_len, utf8)?;
        if let Some(position) = memchr_nul(bytes) {
            return Err(CStrError::InteriorNul { position });
        }
        if let Some(len) = u8::try_from(bytes.len())
            .ok()
            .filter(|_| bytes.len() <= INLINE_CAPACITY)
        {
            let mut inline = [0_u8; INLINE_CAPACITY + 1];
            inline[..bytes.len()].copy_from_slice(bytes);
            return Ok(CStrArg(Repr::Inline { bytes: inline, len }));
        }
        // Room for the terminator up front, so appending it does not reallocate.
        let mut with_room = Vec::with_capacity(bytes.len() + 1);
        with_room.extend_from_slice(bytes);
        // SAFETY: memchr_nul found no NUL in `bytes` above; from_vec_unchecked appends the
        // terminator (this avoids CString::new scanning the bytes a second time).
        let owned = unsafe { CString::from_vec_unchecked(with_room) };
        Ok(CStrArg(Repr::Owned(owned)))
    }

    /// Uses an existing C string in place (no copy) after checking its length and, if asked,
    /// its encoding. It has no interior NUL by construction.
    ///
    /// ```
    /// use ffiguard::cstr::{CStrArg, Utf8};
    ///
    /// let arg = CStrArg::from_c_str(c"en_US.UTF-8", 32, Utf8::Require)?;
    /// assert_eq!(arg.as_ptr(), c"en_US.UTF-8".as_ptr());
    /// # Ok::<(), ffiguard::cstr::CStrError>(())
    /// ```
    #[inline]
    pub fn from_c_str(s: &'a CStr, max_len: usize, utf8: Utf8) -> Result<Self, CStrError> {
        validate(s.to_bytes(), max_len, utf8)?;
        Ok(CStrArg(Repr::Borrowed(s)))
    }

    /// Takes ownership of a `CString` (no copy) after checking its length and, if asked, its
    /// encoding.
    ///
    /// ```
    /// use ffiguard::cstr::{CStrArg, Utf8};
    /// use std::ffi::CString;
    ///
    /// let owned = CString::new(vec![b'x'; 1000]).unwrap();
    /// let arg = CStrArg::from_c_string(owned, 1000, Utf8::Any)?;
    /// assert_eq!(arg.to_bytes().len(), 1000);
    /// # Ok::<(), ffiguard::cstr::CStrError>(())
    /// ```
    #[inline]
    pub fn from_c_string(
        s: CString,
        max_len: usize,
        utf8: Utf8,
    ) -> Result<CStrArg<'static>, CStrError> {
        validate(s.as_bytes(), max_len, utf8)?;
        Ok(CStrArg(Repr::Owned(s)))
    }

    /// The string as a `&CStr`.
    ///
    /// ```
    /// use ffiguard::cstr::CStrArg;
    ///
    /// assert_eq!(CStrArg::new("abc", 8)?.as_c_str(), c"abc");
    /// # Ok::<(), ffiguard::cstr::CStrError>(())
    /// ```
    #[inline]
    pub fn as_c_str(&self) -> &CStr {
        match &self.0 {
            Repr::Borrowed(s) => s,
            Repr::Owned(s) => s,
            Repr::Inline { bytes, len } => {
                let with_nul = bytes.get(..=usize::from(*len)).unwrap_or(&[0]);
                // SAFETY: from_bytes wrote the string, which has no NUL (checked), followed by
                // a zero at `len`, and the inline form is never mutated afterwards; so
                // `with_nul` ends in its only NUL (or is the one-byte fallback, "\0").
                unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) }
            }
        }
    }

    /// A pointer to the NUL-terminated string, to pass straight into the C call:
    /// `f(arg.as_ptr())`. It is valid until `self` is dropped or moved (a short string lives
    /// inside `self`), and C must not write through it.
    ///
    /// ```
    /// use ffiguard::cstr::CStrArg;
    ///
    /// let arg = CStrArg::new("abc", 8)?;
    /// // SAFETY: `arg` is alive and not moved while the pointer is used.
    /// let len = unsafe { libc::strlen(arg.as_ptr()) };
    /// assert_eq!(len, 3);
    /// # Ok::<(), ffiguard::cstr::CStrError>(())
    /// ```
    #[inline]
    pub fn as_ptr(&self) -> *const c_char {
        self.as_c_str().as_ptr()
    }

    /// Whether the string is stored inline (no heap allocation was made for it).
    ///
    /// ```
    /// use ffiguard::cstr::{CStrArg, INLINE_CAPACITY};
    ///
    /// assert!(CStrArg::new("short", 64)?.is_inline());
    /// let long = "x".repeat(INLINE_CAPACITY + 1);
    /// assert!(!CStrArg::new(&long, 4096)?.is_inline());
    /// # Ok::<(), ffiguard::cstr::CStrError>(())
    /// ```
    #[inline]
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }
}

/// The pointer to pass for an optional string argument: the string's pointer, or null for
/// `None` (for C parameters documented as "may be NULL": a default, "no filter", …).
///
/// ```
/// use ffiguard::cstr::{self, CStrArg};
///
/// let name = CStrArg::new("x", 8)?;
/// assert_eq!(cstr::ptr_or_null(Some(&name)), name.as_ptr());
/// assert!(cstr::ptr_or_null(None).is_null());
/// # Ok::<(), ffiguard::cstr::CStrError>(())
/// ```
#[inline]
pub fn ptr_or_null(arg: Option<&CStrArg<'_>>) -> *const c_char {
    arg.map_or(core::ptr::null(), CStrArg::as_ptr)
}

impl core::ops::Deref for CStrArg<'_> {
    type Target = CStr;
    #[inline]
    fn deref(&self) -> &CStr {
        self.as_c_str()
    }
}

impl AsRef<CStr> for CStrArg<'_> {
    #[inline]
    fn as_ref(&self) -> &CStr {
        self.as_c_str()
    }
}

impl fmt::Debug for CStrArg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CStrArg").field(&self.as_c_str()).finish()
    }
}

#[inline]
fn validate(bytes: &[u8], max_len: usize, utf8: Utf8) -> Result<(), CStrError> {
    if bytes.len() > max_len {
        return Err(CStrError::TooLong {
            len: bytes.len(),
            max: max_len,
        });
    }
    if utf8 == Utf8::Require {
        core::str::from_utf8(bytes)?;
    }
    Ok(())
}

#[inline]
fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    // CStr::from_bytes_until_nul searches with the platform memchr; its Ok tells where the
    // first NUL is.
    CStr::from_bytes_until_nul(bytes)
        .ok()
        .map(|s| s.to_bytes().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_anywhere_is_refused() {
        for (input, position) in [("\0", 0), ("a\0", 1), ("ab\0cd", 2)] {
            assert_eq!(
                CStrArg::new(input, 64).unwrap_err(),
                CStrError::InteriorNul { position }
            );
        }
        let long = format!("{}\0tail", "x".repeat(200));
        assert_eq!(
            CStrArg::new(&long, 4096).unwrap_err(),
            CStrError::InteriorNul { position: 200 }
        );
    }

    #[test]
    fn length_bound_is_exact() {
        assert!(CStrArg::new("", 0).is_ok());
        assert!(CStrArg::new("abc", 3).is_ok());
        assert_eq!(
            CStrArg::new("abcd", 3).unwrap_err(),
            CStrError::TooLong { len: 4, max: 3 }
        );
        assert!(CStrArg::from_c_str(c"abcd", 3, Utf8::Any).is_err());
        let owned = CString::new("abcd").unwrap();
        assert!(CStrArg::from_c_string(owned, 3, Utf8::Any).is_err());
    }

    #[test]
    fn inline_and_heap_forms_are_terminated() {
        for len in [
            0,
            1,
            INLINE_CAPACITY - 1,
            INLINE_CAPACITY,
            INLINE_CAPACITY + 1,
            500,
        ] {
            let s = "y".repeat(len);
            let arg = CStrArg::new(&s, 1000).unwrap();
            assert_eq!(arg.is_inline(), len <= INLINE_CAPACITY, "{len}");
            assert_eq!(arg.to_bytes(), s.as_bytes());
            assert_eq!(arg.to_bytes_with_nul().last(), Some(&0));
            // SAFETY: arg is alive and unmoved for the call.
            assert_eq!(unsafe { libc::strlen(arg.as_ptr()) }, len);
        }
    }

    #[test]
    fn utf8_requirement() {
        let bad = b"ok\xff\xfe";
        assert_eq!(
            CStrArg::from_bytes(bad, 16, Utf8::Require).unwrap_err(),
            CStrError::InvalidUtf8 {
                valid_up_to: 2,
                error_len: Some(1)
            }
        );
        assert!(CStrArg::from_bytes(bad, 16, Utf8::Any).is_ok());
        let c = c"\xc3";
        assert!(CStrArg::from_c_str(c, 16, Utf8::Require).is_err());
    }

    #[test]
    fn borrowed_forms_do_not_copy() {
        let c = c"borrowed";
        assert_eq!(
            CStrArg::from_c_str(c, 64, Utf8::Any).unwrap().as_ptr(),
            c.as_ptr()
        );
        let owned = CString::new("owned").unwrap();
        let ptr = owned.as_ptr();
        assert_eq!(
            CStrArg::from_c_string(owned, 64, Utf8::Any)
                .unwrap()
                .as_ptr(),
            ptr
        );
    }
}
