//! `Store`, the owner of one `lg_store`, and every call made on it.

use std::ffi::{CStr, c_int, c_long};
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::OnceLock;

use ffiguard::conv::{self, EmptySlice, Long, SizeT};
use ffiguard::cstr::{self, CStrArg, Utf8};
use ffiguard::error::{self, ErrorCode, WithLibraryMessage};
use ffiguard::owned::CText;
use legacy_sys as sys;

use crate::error::last_error;
use crate::stats::Stats;
use crate::{Error, LIBRARY, LgCode, Result, check_version};

/// Longest key (and store name) in bytes, as liblegacy's `LG_KEY_MAX`.
pub const MAX_KEY_LEN: usize = 63;
const _: () = assert!(sys::LG_KEY_MAX == 63, "MAX_KEY_LEN must follow LG_KEY_MAX");

/// Longest value this crate writes or reads, in bytes. liblegacy has no limit of its own; a
/// bound means a length C reports is checked against something before memory is allocated.
pub const MAX_VALUE_LEN: usize = 1 << 20;

/// Longest `lg_store_dump` output read.
const MAX_DUMP_LEN: usize = 64 << 20;

/// Longest path passed to liblegacy (Linux `PATH_MAX` minus the terminator).
const MAX_PATH_LEN: usize = 4095;

/// How often `get` re-asks for a value whose size changed between two calls before giving up.
const MAX_GET_ATTEMPTS: usize = 4;

/// First buffer `get` tries: most values fit, so most reads are one call.
const FIRST_GET_BUFFER: usize = 64;

ffiguard::handle! {
    /// Owner of one `lg_store`, released with `lg_store_free` under the library lock.
    struct StoreHandle(sys::lg_store) release = release_store;
}

/// Releases a store while holding the library lock: `lg_store_free` also updates the global
/// registry, so an unlocked release would race with other threads' stores.
///
/// # Safety
///
/// `store` came from `lg_store_new` and is released exactly once.
unsafe fn release_store(store: *mut sys::lg_store) {
    let _lock = LIBRARY.lock();
    // SAFETY: `store` is a live handle released once (this function's contract); the library
    // lock serializes the registry update.
    unsafe { sys::lg_store_free(store) }
}

/// A liblegacy store: string keys to string values.
///
/// Every method validates its inputs before calling C, holds the library lock around calls
/// that touch liblegacy's global state, and checks what C returns before turning it into Rust
/// values. The store is released (with `lg_store_free`) when dropped.
///
/// liblegacy promises nothing about using a store from another thread, so `Store` is neither
/// `Send` nor `Sync`:
///
/// ```compile_fail
/// fn needs_send<T: Send>(_: T) {}
/// needs_send(legacy::Store::new("s").unwrap());
/// ```
///
/// ```compile_fail
/// fn needs_sync<T: Sync>(_: &T) {}
/// needs_sync(&legacy::Store::new("s").unwrap());
/// ```
#[derive(Debug)]
pub struct Store {
    handle: StoreHandle,
}

fn key_arg(key: &str) -> Result<CStrArg<'static>> {
    CStrArg::new(key, MAX_KEY_LEN).map_err(Error::argument("key"))
}

fn value_arg(value: &str) -> Result<CStrArg<'static>> {
    CStrArg::new(value, MAX_VALUE_LEN).map_err(Error::argument("value"))
}

fn path_arg(path: &Path) -> Result<CStrArg<'static>> {
    CStrArg::from_bytes(path.as_os_str().as_bytes(), MAX_PATH_LEN, Utf8::Any)
        .map_err(Error::argument("path"))
}

/// `LG_OK` or a negative `LG_ERR_*`, with liblegacy's message attached when it is about
/// this failure. Call with the library lock held, right after the C call.
fn status(function: &'static str, rc: c_int) -> Result<()> {
    Ok(error::nonzero_is_error::<LgCode>(function, rc).with_library_message(last_error)?)
}

/// Checks the linked library once per process before the first store is made.
fn ensure_compatible() -> Result<()> {
    static CHECKED: OnceLock<()> = OnceLock::new();
    if CHECKED.get().is_none() {
        check_version()?;
        let _ = CHECKED.set(());
    }
    Ok(())
}

impl Store {
    /// Creates an empty store called `name` (at most [`MAX_KEY_LEN`] bytes, no NUL).
    ///
    /// ```
    /// let store = legacy::Store::new("settings")?;
    /// assert!(legacy::Store::new("bad\0name").is_err());
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn new(name: &str) -> Result<Store> {
        ensure_compatible()?;
        let name = CStrArg::new(name, MAX_KEY_LEN).map_err(Error::argument("store name"))?;
        let _lock = LIBRARY.lock();
        // SAFETY: `name` is a NUL-terminated string that outlives the call; lg_store_new copies
        // it. The library lock serializes the registry and id counter it updates.
        let raw = unsafe { sys::lg_store_new(name.as_ptr()) };
        let raw = error::null_is_error("lg_store_new", raw).with_library_message(last_error)?;
        // SAFETY: a fresh, non-null store owned by nobody else; release_store frees it once.
        let handle = unsafe { StoreHandle::from_non_null(raw) };
        Ok(Store { handle })
    }

    /// The store's identifier, unique among the stores open in the process.
    pub fn id(&self) -> u32 {
        // SAFETY: the handle is live while `self` is; lg_store_id only reads the store, which
        // no other thread can reach (`Store` is neither Send nor Sync).
        unsafe { sys::lg_store_id(self.handle.as_ptr()) }
    }

    /// Sets `key` to `value`.
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("colour", "blue")?;
    /// assert!(store.set("bad key", "x").is_err());      // liblegacy refuses spaces
    /// assert!(store.set("k", "a\0b").is_err());         // refused before C sees "a"
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key = key_arg(key)?;
        let value = value_arg(value)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle, exclusively borrowed; `key` and `value` are NUL-terminated and
        // outlive the call (liblegacy copies both). The lock covers the last-error globals.
        let rc = unsafe { sys::lg_store_set(self.handle.as_ptr(), key.as_ptr(), value.as_ptr()) };
        status("lg_store_set", rc)
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) -> Result<()> {
        let key = key_arg(key)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle, exclusively borrowed; `key` is NUL-terminated and outlives the
        // call. The lock covers the last-error globals.
        let rc = unsafe { sys::lg_store_remove(self.handle.as_ptr(), key.as_ptr()) };
        status("lg_store_remove", rc)
    }

    /// Reserves room for `additional` more entries.
    ///
    /// `lg_store_reserve` takes an `int`: a count that does not fit is refused here instead of
    /// wrapping (`1 << 32` would reach C as 0, `(1 << 32) + 1` as 1).
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.reserve(16)?;
    /// assert!(matches!(store.reserve(1 << 32), Err(legacy::Error::Conversion(_))));
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn reserve(&mut self, additional: usize) -> Result<()> {
        let slots = conv::c_int(additional)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle, exclusively borrowed; `slots` is an in-range int. The lock
        // covers the last-error globals.
        let rc = unsafe { sys::lg_store_reserve(self.handle.as_ptr(), slots) };
        status("lg_store_reserve", rc)
    }

    /// Marks the store read-only: later changes fail (with liblegacy's undeclared code -9).
    pub fn seal(&mut self) -> Result<()> {
        let _lock = LIBRARY.lock();
        // SAFETY: live handle, exclusively borrowed. The lock covers the last-error globals.
        let rc = unsafe { sys::lg_store_seal(self.handle.as_ptr()) };
        status("lg_store_seal", rc)
    }

    /// The value of `key`.
    ///
    /// Uses liblegacy's snprintf-style protocol (call, and if the value did not fit, call
    /// again with the size it reported), with the lengths C reports checked: a size over
    /// [`MAX_VALUE_LEN`] is refused before anything is allocated, and a value that keeps
    /// changing size is given up after a few attempts instead of looping forever.
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("greeting", &"hello ".repeat(100))?;
    /// assert_eq!(store.get("greeting")?.len(), 600);
    /// assert_eq!(store.get("$name")?, "s");
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn get(&self, key: &str) -> Result<String> {
        let key_c = key_arg(key)?;
        let _lock = LIBRARY.lock();
        let mut buf = vec![0_u8; FIRST_GET_BUFFER];
        for _ in 0..MAX_GET_ATTEMPTS {
            let len = self.get_raw(&key_c, &mut buf)?;
            if len < buf.len() {
                return Ok(text_in(&buf, len)?.to_owned());
            }
            // `len <= MAX_VALUE_LEN` (checked in get_raw), so this cannot overflow.
            buf = vec![0_u8; len + 1];
        }
        Err(Error::contract(
            "lg_store_get",
            format!("the size of `{key}` changed on each of {MAX_GET_ATTEMPTS} calls"),
        ))
    }

    /// Copies the value of `key` into the caller's `buf`, NUL-terminated, and returns its
    /// length (terminator excluded). The bytes are returned as liblegacy stores them, UTF-8
    /// or not.
    ///
    /// A value that does not fit with its terminator is [`Error::BufferTooSmall`], which says
    /// how many bytes are needed; an empty `buf` asks only for the size. liblegacy leaves a
    /// truncated value unterminated; this method never reads one.
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("k", "value")?;
    /// let mut buf = [0_u8; 16];
    /// assert_eq!(store.get_into("k", &mut buf)?, 5);
    /// assert_eq!(&buf[..6], b"value\0");
    /// match store.get_into("k", &mut []) {
    ///     Err(legacy::Error::BufferTooSmall { needed: 6, capacity: 0 }) => {}
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn get_into(&self, key: &str, buf: &mut [u8]) -> Result<usize> {
        let key = key_arg(key)?;
        let _lock = LIBRARY.lock();
        let len = self.get_raw(&key, buf)?;
        if len >= buf.len() {
            return Err(Error::BufferTooSmall {
                needed: len + 1,
                capacity: buf.len(),
            });
        }
        value_in(buf, len)?;
        Ok(len)
    }

    /// One `lg_store_get` call into `buf`; returns the length C reports, checked. Call with
    /// the library lock held.
    fn get_raw(&self, key: &CStrArg<'_>, buf: &mut [u8]) -> Result<usize> {
        const FUNCTION: &str = "lg_store_get";
        // liblegacy allows NULL only with capacity 0, which is what EmptySlice::Null gives.
        let (ptr, cap) = conv::slice_arg_mut::<SizeT, u8>(buf, EmptySlice::Null)?;
        // SAFETY: live handle (the store is only read, or its virtual keys updated, and no
        // other thread can reach it); `key` is NUL-terminated and outlives the call; `ptr` is
        // valid for writes of `cap` bytes (it is `buf`, or null with cap 0).
        let rc: c_long =
            unsafe { sys::lg_store_get(self.handle.as_ptr(), key.as_ptr(), ptr.cast(), cap) };
        if rc < 0 {
            let code = c_int::try_from(rc).map_err(|_| {
                Error::contract(FUNCTION, format!("returned {rc}, not an LG_ERR_* code"))
            })?;
            status(FUNCTION, code)?;
        }
        let len = conv::from_c::<Long, usize>(rc)?;
        if len > MAX_VALUE_LEN {
            return Err(Error::contract(
                FUNCTION,
                format!("reported a value of {len} bytes, over the {MAX_VALUE_LEN}-byte limit"),
            ));
        }
        Ok(len)
    }

    /// The value of `key` as an integer, parsed by liblegacy (`long` on every target).
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("max", "9223372036854775807")?;
    /// assert_eq!(store.get_i64("max")?, i64::MAX);
    /// store.set("over", "9223372036854775808")?;
    /// assert_eq!(store.get_i64("over").unwrap_err().code(), Some(legacy::LgCode::Range));
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn get_i64(&self, key: &str) -> Result<i64> {
        let key = key_arg(key)?;
        let mut out: c_long = 0;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle; `key` is NUL-terminated and outlives the call; `out` is a
        // valid, initialised `long` that C may overwrite. The lock covers the error globals.
        let rc = unsafe { sys::lg_store_get_long(self.handle.as_ptr(), key.as_ptr(), &mut out) };
        status("lg_store_get_long", rc)?;
        Ok(conv::from_c::<Long, i64>(out)?)
    }

    /// Statistics about the store.
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("a", "bc")?;
    /// let stats = store.stats()?;
    /// assert_eq!((stats.entries, stats.bytes, stats.dirty), (1, 3, true));
    /// assert_eq!(stats.kind, legacy::StoreKind::Memory);
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn stats(&self) -> Result<Stats> {
        // Zeroed, not uninitialised: if C returns LG_OK without writing a field, Rust still
        // reads defined bytes.
        let mut raw = MaybeUninit::<sys::lg_stats>::zeroed();
        let _lock = LIBRARY.lock();
        // SAFETY: live handle; `raw` is valid for writes of one lg_stats, whose layout is
        // asserted against the header for this target (stats.rs).
        let rc = unsafe { sys::lg_store_stats(self.handle.as_ptr(), raw.as_mut_ptr()) };
        status("lg_store_stats", rc)?;
        // SAFETY: `raw` was zeroed and C wrote only within it; nothing else touches it.
        unsafe { Stats::from_c(&raw) }
    }

    /// The value of `key`, read through the borrowed pointer `lg_store_peek` returns.
    ///
    /// The pointer is checked (address range, then every page probed for readability) before
    /// a byte is read, so liblegacy's `0xdeadbeef` for virtual keys is an error, not `SIGSEGV`.
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("k", "v")?;
    /// assert_eq!(store.peek("k")?, "v");
    /// assert!(matches!(store.peek("$name"), Err(legacy::Error::BadString { .. })));
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn peek(&self, key: &str) -> Result<String> {
        const FUNCTION: &str = "lg_store_peek";
        let key = key_arg(key)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle; `key` is NUL-terminated and outlives the call. The lock covers
        // the error globals.
        let value = unsafe { sys::lg_store_peek(self.handle.as_ptr(), key.as_ptr()) };
        let value =
            error::null_is_error(FUNCTION, value.cast_mut()).with_library_message(last_error)?;
        // SAFETY: every page is probed before it is read, so a bogus pointer is an error; the
        // value is borrowed from the store, which cannot change while `&self` is held and the
        // lock keeps other threads out of the library; it is copied before either is released.
        let value = unsafe { cstr::read_ptr_probed(value.as_ptr(), MAX_VALUE_LEN) }
            .and_then(|text| Ok(cstr::utf8(text)?.to_owned()))
            .map_err(|source| Error::BadString {
                function: FUNCTION,
                source,
            })?;
        Ok(value)
    }

    /// Every entry as `key=value` lines, sorted by key (liblegacy allocates the text; it is
    /// released with `lg_free`).
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// store.set("b", "2")?;
    /// store.set("a", "1")?;
    /// assert_eq!(store.dump()?, "a=1\nb=2\n");
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn dump(&self) -> Result<String> {
        const FUNCTION: &str = "lg_store_dump";
        let _lock = LIBRARY.lock();
        // SAFETY: live handle. lg_store_dump reorders entries in place but keeps them; no
        // pointer into the store is held anywhere.
        let raw = unsafe { sys::lg_store_dump(self.handle.as_ptr()) };
        let raw = error::null_is_error(FUNCTION, raw).with_library_message(last_error)?;
        // Probe before taking ownership: a pointer that fails is neither read nor freed.
        // SAFETY: probed page by page before reading; nothing else holds the fresh allocation.
        unsafe { cstr::read_ptr_probed(raw.as_ptr(), MAX_DUMP_LEN) }.map_err(|source| {
            Error::BadString {
                function: FUNCTION,
                source,
            }
        })?;
        // SAFETY: an lg_alloc'd string owned by the caller (liblegacy's contract), just found
        // readable and terminated within MAX_DUMP_LEN bytes; lg_free is its release function.
        let text = unsafe { CText::from_raw_bounded(raw.as_ptr(), MAX_DUMP_LEN + 1, sys::lg_free) }
            .map_err(|source| Error::Buffer {
                function: FUNCTION,
                source,
            })?;
        let text = text.to_str().map_err(|source| Error::Buffer {
            function: FUNCTION,
            source,
        })?;
        Ok(text.to_owned())
    }

    /// Loads `key = value` lines from the file at `path`.
    ///
    /// A file that cannot be opened is [`Error::Io`] carrying the `errno` liblegacy left:
    ///
    /// ```
    /// let mut store = legacy::Store::new("s")?;
    /// match store.load("/nonexistent/legacy.conf".as_ref()) {
    ///     Err(legacy::Error::Io { source, .. }) => {
    ///         assert_eq!(source.kind(), std::io::ErrorKind::NotFound)
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), legacy::Error>(())
    /// ```
    pub fn load(&mut self, path: &Path) -> Result<()> {
        let path = path_arg(path)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle, exclusively borrowed; `path` is NUL-terminated and outlives the
        // call. errno is read right after the call, before anything else can change it.
        let (rc, errno) = error::capture_errno(|| unsafe {
            sys::lg_store_load(self.handle.as_ptr(), path.as_ptr())
        });
        io_status("lg_store_load", rc, errno)
    }

    /// Saves the store to the file at `path`, one `key = value` line per entry.
    pub fn save(&self, path: &Path) -> Result<()> {
        let path = path_arg(path)?;
        let _lock = LIBRARY.lock();
        // SAFETY: live handle; `path` is NUL-terminated and outlives the call. errno is read
        // right after the call.
        let (rc, errno) = error::capture_errno(|| unsafe {
            sys::lg_store_save(self.handle.as_ptr(), path.as_ptr())
        });
        io_status("lg_store_save", rc, errno)
    }
}

/// `status`, with `LG_ERR_IO` turned into [`Error::Io`] carrying `errno`.
fn io_status(function: &'static str, rc: c_int, errno: error::Errno) -> Result<()> {
    match status(function, rc) {
        Err(Error::Call(call)) if LgCode::from_raw(rc) == LgCode::Io => Err(Error::Io {
            call,
            source: errno.into(),
        }),
        other => other,
    }
}

/// The value C wrote into `buf`: `len` bytes then a NUL, as liblegacy promises when
/// `len < buf.len()`. Anything else (an earlier NUL, no NUL) is a contract violation.
fn value_in(buf: &[u8], len: usize) -> Result<&CStr> {
    let text = cstr::read_buf(&buf[..=len]).map_err(|source| Error::BadString {
        function: "lg_store_get",
        source,
    })?;
    if text.to_bytes().len() != len {
        return Err(Error::contract(
            "lg_store_get",
            format!(
                "reported {len} bytes but wrote a NUL after {}",
                text.to_bytes().len()
            ),
        ));
    }
    Ok(text)
}

/// [`value_in`] as UTF-8 text.
fn text_in(buf: &[u8], len: usize) -> Result<&str> {
    cstr::utf8(value_in(buf, len)?).map_err(|source| Error::BadString {
        function: "lg_store_get",
        source,
    })
}
