//! The error of one failed C call: what it returned, the code that says why, and the
//! library's message when (and only when) that message is about this failure.

use core::any::TypeId;
use core::ffi::{c_char, c_int};
use core::fmt;

use super::code::ErrorCode;

/// How a call's return value said it failed.
///
/// ```
/// use ffiguard::error::{self, Returned};
///
/// let err = error::null_is_error("lg_open", std::ptr::null_mut::<u8>()).unwrap_err();
/// assert_eq!(err.returned(), Returned::Null);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Returned {
    /// The return value is the failure code itself (negative, or nonzero).
    Status(c_int),
    /// Zero, where zero means failure.
    Zero,
    /// A null pointer.
    Null,
    /// The function's failure sentinel (e.g. `-1`, `EOF`, `(size_t)-1`).
    Sentinel,
}

impl fmt::Display for Returned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Returned::Status(code) => write!(f, "returned {code}"),
            Returned::Zero => f.write_str("returned 0"),
            Returned::Null => f.write_str("returned null"),
            Returned::Sentinel => f.write_str("returned its failure value"),
        }
    }
}

/// A library's error code, type-erased so one error type can carry any library's codes.
///
/// Read it back as the typed enum with [`Code::get`]; the raw number is always available.
///
/// ```
/// use ffiguard::error::{Code, Errno, ErrorCode};
///
/// let code = Code::new(Errno(libc::EINVAL));
/// assert_eq!(code.raw(), libc::EINVAL);
/// assert_eq!(code.get::<Errno>(), Some(Errno(libc::EINVAL)));
/// ```
#[derive(Clone, Copy)]
pub struct Code {
    raw: c_int,
    space: TypeId,
    library: &'static str,
    describe: fn(c_int, &mut fmt::Formatter<'_>) -> fmt::Result,
}

impl Code {
    /// Erases a typed code.
    pub fn new<C: ErrorCode>(code: C) -> Self {
        Code {
            raw: code.to_raw(),
            space: TypeId::of::<C>(),
            library: C::LIBRARY,
            describe: |raw, f| fmt::Display::fmt(&C::from_raw(raw), f),
        }
    }

    /// The C value.
    pub fn raw(&self) -> c_int {
        self.raw
    }

    /// The typed code, if this code belongs to `C`'s code space; `None` for another library's
    /// code (a number means nothing without the library that gave it).
    pub fn get<C: ErrorCode>(&self) -> Option<C> {
        (self.space == TypeId::of::<C>()).then(|| C::from_raw(self.raw))
    }

    /// The name of the library whose code this is.
    pub fn library(&self) -> &'static str {
        self.library
    }

    fn is_same_space_as(&self, other: &Code) -> bool {
        self.space == other.space
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw && self.is_same_space_as(other)
    }
}

impl Eq for Code {}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.describe)(self.raw, f)
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Code")
            .field("raw", &self.raw)
            .field("library", &self.library)
            .field("meaning", &format_args!("{self}"))
            .finish()
    }
}

/// What the library's own message function says: the code it is reporting on and the text.
///
/// Built by a wrapper's hook around e.g. `sqlite3_extended_errcode` + `sqlite3_errmsg` or
/// `lg_last_code()` + `lg_last_error()`. The code is what makes the text trustworthy: see
/// [`CallError::with_library_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryMessage<C: ErrorCode> {
    code: C,
    text: String,
}

/// Longest library message copied; the rest is cut (a hostile or broken library must not be
/// able to make every error allocate megabytes).
pub const MAX_LIBRARY_MESSAGE: usize = crate::untrusted::MAX_UNTRUSTED_TEXT;

impl<C: ErrorCode> LibraryMessage<C> {
    /// A message about `code`, cut to [`MAX_LIBRARY_MESSAGE`] bytes on a character boundary.
    ///
    /// ```
    /// use ffiguard::error::{Errno, LibraryMessage};
    ///
    /// let m = LibraryMessage::new(Errno(5), "disk on fire");
    /// assert_eq!(m.text(), "disk on fire");
    /// ```
    pub fn new(code: C, text: impl Into<String>) -> Self {
        let mut text = text.into();
        if text.len() > MAX_LIBRARY_MESSAGE {
            let mut cut = MAX_LIBRARY_MESSAGE;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
        }
        LibraryMessage { code, text }
    }

    /// Copies a message the library returned as a C string. Null gives `None`; invalid UTF-8
    /// is replaced; at most [`MAX_LIBRARY_MESSAGE`] bytes are read, so a missing terminator
    /// costs a truncated message rather than a read off the end of a mapping.
    ///
    /// ```
    /// use ffiguard::error::{Errno, LibraryMessage};
    ///
    /// let c = c"bad input";
    /// // SAFETY: `c` is a valid C string that outlives the call.
    /// let m = unsafe { LibraryMessage::from_c_str(Errno(22), c.as_ptr()) }.unwrap();
    /// assert_eq!(m.text(), "bad input");
    /// // SAFETY: null is allowed.
    /// assert!(unsafe { LibraryMessage::from_c_str(Errno(22), std::ptr::null()) }.is_none());
    /// ```
    ///
    /// # Safety
    ///
    /// `text` is null, or points to memory readable up to its first NUL byte or
    /// [`MAX_LIBRARY_MESSAGE`] bytes, whichever comes first, and the library does not change
    /// it during the call.
    pub unsafe fn from_c_str(code: C, text: *const c_char) -> Option<Self> {
        if text.is_null() {
            return None;
        }
        // SAFETY: `text` is non-null and readable up to a NUL or MAX_LIBRARY_MESSAGE bytes
        // (caller's contract); strnlen reads no further than either.
        let len = unsafe { libc::strnlen(text, MAX_LIBRARY_MESSAGE) };
        // SAFETY: the `len` bytes from `text` were just found readable and, by the caller's
        // contract, are not changed while the slice lives (it dies in this function).
        let bytes = unsafe { core::slice::from_raw_parts(text.cast::<u8>(), len) };
        Some(Self::new(code, String::from_utf8_lossy(bytes).into_owned()))
    }

    /// The code the library reports.
    pub fn code(&self) -> C {
        self.code
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

/// A C call that failed: which function, what it returned, why (the library's code or
/// `errno`) and the library's message about it.
///
/// Made by the conventions in [`error`](crate::error) (`nonzero_is_error`, `null_is_error`,
/// …) so every call site reads the same way.
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// let err = error::nonzero_is_error::<Errno>("pthread_mutex_lock", libc::EDEADLK).unwrap_err();
/// assert_eq!(err.function(), "pthread_mutex_lock");
/// assert_eq!(err.code_as::<Errno>(), Some(Errno(libc::EDEADLK)));
/// assert!(err.to_string().starts_with("pthread_mutex_lock returned"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallError {
    function: &'static str,
    returned: Returned,
    code: Option<Code>,
    message: Option<String>,
}

impl CallError {
    /// A failure of `function`, for conventions this module does not name.
    pub fn new(function: &'static str, returned: Returned, code: Option<Code>) -> Self {
        CallError {
            function,
            returned,
            code,
            message: None,
        }
    }

    /// The C function that failed.
    pub fn function(&self) -> &'static str {
        self.function
    }

    /// What it returned.
    pub fn returned(&self) -> Returned {
        self.returned
    }

    /// The code that says why, if the call or the library gave one.
    pub fn code(&self) -> Option<Code> {
        self.code
    }

    /// The code as `C`, if there is one and it is `C`'s.
    pub fn code_as<C: ErrorCode>(&self) -> Option<C> {
        self.code.and_then(|code| code.get::<C>())
    }

    /// The library's message, if one was attached.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// Attaches the library's message if, and only if, it is about this failure.
    ///
    /// A library's "last error" is global or per-handle state: it can be left over from an
    /// earlier call, set by another thread, or simply wrong. Attaching it blindly turns
    /// "syntax error" into "out of memory" in the logs. So:
    ///
    /// - if this error has a code, the message is kept only when it reports the **same code
    ///   in the same library**;
    /// - if this error has no code (a null or zero return), the reported code becomes this
    ///   error's code, unless it is the library's success code — a library that says "OK"
    ///   after failing is not describing this failure;
    /// - otherwise the message is dropped, and the error still says what the call returned.
    ///
    /// ```
    /// use ffiguard::error::{self, Errno, LibraryMessage};
    ///
    /// let matching = LibraryMessage::new(Errno(libc::EINVAL), "bad flags");
    /// let stale = LibraryMessage::new(Errno(libc::ENOMEM), "old news");
    ///
    /// let e = error::nonzero_is_error::<Errno>("f", libc::EINVAL).unwrap_err();
    /// assert_eq!(e.clone().with_library_message(Some(matching)).message(), Some("bad flags"));
    /// assert_eq!(e.with_library_message(Some(stale)).message(), None);
    /// ```
    pub fn with_library_message<C: ErrorCode>(
        mut self,
        message: Option<LibraryMessage<C>>,
    ) -> Self {
        let Some(message) = message else { return self };
        let reported = Code::new(message.code);
        match self.code {
            Some(own) if own == reported => self.message = Some(message.text),
            Some(_) => {}
            None if reported.raw() != C::OK => {
                self.code = Some(reported);
                self.message = Some(message.text);
            }
            None => {}
        }
        self
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.function, self.returned)?;
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CallError {}

/// Attach the library's message to a failed call lazily: the hook runs only on failure, right
/// after the call, before anything else can overwrite the library's error state.
pub trait WithLibraryMessage: Sized {
    /// See [`CallError::with_library_message`]; `hook` is not called on success.
    ///
    /// ```
    /// use ffiguard::error::{self, Errno, LibraryMessage, WithLibraryMessage};
    ///
    /// let mut asked = false;
    /// let r = error::nonzero_is_error::<Errno>("f", 0)
    ///     .with_library_message(|| { asked = true; None::<LibraryMessage<Errno>> });
    /// assert!(r.is_ok() && !asked);
    /// ```
    fn with_library_message<C: ErrorCode>(
        self,
        hook: impl FnOnce() -> Option<LibraryMessage<C>>,
    ) -> Self;
}

impl<T> WithLibraryMessage for Result<T, CallError> {
    fn with_library_message<C: ErrorCode>(
        self,
        hook: impl FnOnce() -> Option<LibraryMessage<C>>,
    ) -> Self {
        self.map_err(|e| e.with_library_message(hook()))
    }
}
