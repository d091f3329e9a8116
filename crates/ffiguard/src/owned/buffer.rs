//! Bytes and strings the C library allocated, freed with the library's own function.

use core::ffi::{CStr, c_char, c_void};
use core::fmt;
use core::ptr::NonNull;

/// A library's free function, with the pointer type erased.
type FreeFn = unsafe extern "C" fn(*mut c_void);

/// Why a C-allocated buffer or string could not be owned or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BufferError {
    /// A null pointer where a string was expected.
    #[error("null pointer where a C string was expected")]
    NullString,
    /// A null pointer with a nonzero length.
    #[error("null pointer with length {len}")]
    NullWithLength {
        /// The length C reported.
        len: usize,
    },
    /// A length larger than any Rust slice may be.
    #[error("length {len} exceeds isize::MAX bytes")]
    TooLong {
        /// The length C reported.
        len: usize,
    },
    /// No NUL terminator within the bound the caller gave.
    #[error("no NUL terminator within {max} bytes")]
    Unterminated {
        /// The bound.
        max: usize,
    },
    /// The string is not UTF-8.
    #[error("C string is not UTF-8")]
    NotUtf8(#[source] core::str::Utf8Error),
}

/// Erases the pointee type of a free function.
fn erase<F>(free: unsafe extern "C" fn(*mut F)) -> FreeFn {
    // SAFETY: `*mut F` and `*mut c_void` are ABI-compatible for sized `F` (both are thin
    // pointers; see the "ABI compatibility" section of the `fn` primitive docs), so calling
    // `free` through the erased type is allowed.
    unsafe { core::mem::transmute::<unsafe extern "C" fn(*mut F), FreeFn>(free) }
}

/// Bytes the C library allocated; freed by the library's own function on drop, exactly once.
///
/// ```
/// use ffiguard::owned::CBuffer;
///
/// // SAFETY: malloc has no preconditions.
/// let p = unsafe { libc::malloc(3) }.cast::<u8>();
/// assert!(!p.is_null());
/// // SAFETY: `p` is a fresh block of 3 bytes.
/// unsafe { p.copy_from_nonoverlapping(b"abc".as_ptr(), 3) };
/// // SAFETY: a malloc'd, initialised block of 3 bytes, owned by nobody else; `free` frees it.
/// let buf = unsafe { CBuffer::from_raw_parts(p, 3, libc::free) }?;
/// assert_eq!(buf.as_bytes(), b"abc");
/// # Ok::<(), ffiguard::owned::BufferError>(())
/// ```
pub struct CBuffer {
    ptr: Option<NonNull<u8>>,
    len: usize,
    free: FreeFn,
}

impl CBuffer {
    /// Takes ownership of `len` bytes at `ptr`, to be freed by `free`.
    ///
    /// Null with length 0 is the empty buffer (nothing is freed). Null with a nonzero length,
    /// or a length over `isize::MAX`, is an error; in the second case the memory is still
    /// freed, since ownership was handed over.
    ///
    /// # Safety
    ///
    /// `ptr` is null or was allocated by the library and is owned by nobody else; `len` bytes
    /// from it are initialised and stay valid and unchanged until `free` is called on it;
    /// `free` is the library's function that frees it.
    pub unsafe fn from_raw_parts<P, F>(
        ptr: *mut P,
        len: usize,
        free: unsafe extern "C" fn(*mut F),
    ) -> Result<Self, BufferError> {
        let free = erase(free);
        let Some(ptr) = NonNull::new(ptr.cast::<u8>()) else {
            return if len == 0 {
                Ok(CBuffer {
                    ptr: None,
                    len: 0,
                    free,
                })
            } else {
                Err(BufferError::NullWithLength { len })
            };
        };
        if isize::try_from(len).is_err() {
            // SAFETY: the caller handed over ownership of `ptr` and `free` frees it; freeing
            // it here is the one release.
            unsafe { free(ptr.as_ptr().cast()) };
            return Err(BufferError::TooLong { len });
        }
        Ok(CBuffer {
            ptr: Some(ptr),
            len,
            free,
        })
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        match self.ptr {
            // SAFETY: `ptr` holds `len <= isize::MAX` initialised bytes that stay unchanged
            // while `self` lives (constructor contract).
            Some(ptr) => unsafe { core::slice::from_raw_parts(ptr.as_ptr(), self.len) },
            None => &[],
        }
    }

    /// The length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl core::ops::Deref for CBuffer {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for CBuffer {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl fmt::Debug for CBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CBuffer")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl Drop for CBuffer {
    fn drop(&mut self) {
        if let Some(ptr) = self.ptr {
            // SAFETY: `self` owns `ptr` and `free` is its library's free (constructor
            // contract); Drop runs once.
            unsafe { (self.free)(ptr.as_ptr().cast()) };
        }
    }
}

/// A NUL-terminated string the C library allocated; freed by the library's own function on
/// drop, exactly once.
///
/// ```
/// use ffiguard::owned::CText;
///
/// // SAFETY: strdup returns null or a malloc'd copy; free releases it.
/// let text = unsafe { CText::from_raw(libc::strdup(c"hello".as_ptr()), libc::free) }?;
/// assert_eq!(text.to_str()?, "hello");
/// assert_eq!(text.as_c_str(), c"hello");
/// # Ok::<(), ffiguard::owned::BufferError>(())
/// ```
pub struct CText {
    ptr: NonNull<c_char>,
    /// Bytes before the terminator.
    len: usize,
    free: FreeFn,
}

impl CText {
    /// Takes ownership of the C string at `ptr`, to be freed by `free`. Null is an error.
    ///
    /// # Safety
    ///
    /// `ptr` is null, or a NUL-terminated string the library allocated, owned by nobody else,
    /// unchanged until `free` is called on it; `free` is the library's function that frees it.
    pub unsafe fn from_raw<P, F>(
        ptr: *mut P,
        free: unsafe extern "C" fn(*mut F),
    ) -> Result<Self, BufferError> {
        let free = erase(free);
        let ptr = NonNull::new(ptr.cast::<c_char>()).ok_or(BufferError::NullString)?;
        // SAFETY: `ptr` is a valid NUL-terminated string (caller's contract).
        let len = unsafe { libc::strlen(ptr.as_ptr()) };
        Ok(CText { ptr, len, free })
    }

    /// Like [`from_raw`](Self::from_raw), but reads at most `max` bytes looking for the
    /// terminator; without one, the memory is freed and [`BufferError::Unterminated`] returned.
    ///
    /// ```
    /// use ffiguard::owned::{BufferError, CText};
    ///
    /// // SAFETY: strdup returns null or a malloc'd copy; free releases it.
    /// let long = unsafe { CText::from_raw_bounded(libc::strdup(c"0123456789".as_ptr()), 4, libc::free) };
    /// assert_eq!(long.unwrap_err(), BufferError::Unterminated { max: 4 });
    /// ```
    ///
    /// # Safety
    ///
    /// `ptr` is null, or points to memory the library allocated, owned by nobody else,
    /// readable up to its first NUL or `max` bytes (whichever comes first), unchanged until
    /// `free` is called on it; `free` is the library's function that frees it.
    pub unsafe fn from_raw_bounded<P, F>(
        ptr: *mut P,
        max: usize,
        free: unsafe extern "C" fn(*mut F),
    ) -> Result<Self, BufferError> {
        let free = erase(free);
        let ptr = NonNull::new(ptr.cast::<c_char>()).ok_or(BufferError::NullString)?;
        // SAFETY: readable up to a NUL or `max` bytes (caller's contract); strnlen reads no
        // further.
        let len = unsafe { libc::strnlen(ptr.as_ptr(), max) };
        if len == max {
            // SAFETY: ownership was handed over and `free` frees it; this is the one release.
            unsafe { free(ptr.as_ptr().cast()) };
            return Err(BufferError::Unterminated { max });
        }
        Ok(CText { ptr, len, free })
    }

    /// The string.
    pub fn as_c_str(&self) -> &CStr {
        // SAFETY: `len + 1` bytes from `ptr` are the string and its NUL, unchanged while
        // `self` lives (constructor contract); `len` was measured up to the first NUL.
        unsafe { CStr::from_bytes_with_nul_unchecked(self.bytes_with_nul()) }
    }

    /// The bytes before the terminator.
    pub fn as_bytes(&self) -> &[u8] {
        let bytes = self.bytes_with_nul();
        &bytes[..bytes.len() - 1]
    }

    /// The string as UTF-8, or [`BufferError::NotUtf8`].
    pub fn to_str(&self) -> Result<&str, BufferError> {
        core::str::from_utf8(self.as_bytes()).map_err(BufferError::NotUtf8)
    }

    /// Length in bytes, without the terminator.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn bytes_with_nul(&self) -> &[u8] {
        // SAFETY: the constructor found a NUL `len` bytes from `ptr`, so `len + 1` bytes are
        // readable (an allocation, hence at most isize::MAX) and unchanged while `self` lives.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr().cast::<u8>(), self.len + 1) }
    }
}

impl fmt::Debug for CText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_c_str(), f)
    }
}

impl Drop for CText {
    fn drop(&mut self) {
        // SAFETY: `self` owns `ptr` and `free` is its library's free (constructor contract);
        // Drop runs once.
        unsafe { (self.free)(self.ptr.as_ptr().cast()) };
    }
}
