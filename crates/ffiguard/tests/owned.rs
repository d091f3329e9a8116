//! Ownership of C handles and C-allocated memory: released by the library's own function,
//! exactly once, on every path (drop, close, failed construction), and never for null.

use core::ffi::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use ffiguard::error::{Errno, ErrorCode};
use ffiguard::owned::{BufferError, CBuffer, CText, HandleRef};

/// Stand-in for a C library: handles are real `malloc` allocations, released with `free`,
/// each release counted per handle type so parallel tests do not share counters.
mod sys {
    use super::*;

    #[allow(non_camel_case_types)]
    pub(crate) enum lg_node {}

    pub(crate) fn new_node() -> *mut lg_node {
        // SAFETY: malloc has no preconditions; null is handled by the callers.
        unsafe { libc::malloc(16) }.cast()
    }

    macro_rules! counted_release {
        ($counter:ident, $name:ident, $ret:ty, $value:expr) => {
            pub(crate) static $counter: AtomicUsize = AtomicUsize::new(0);
            pub(crate) unsafe extern "C" fn $name(node: *mut lg_node) -> $ret {
                $counter.fetch_add(1, Ordering::SeqCst);
                // SAFETY: every handle in these tests is a malloc'd block released once.
                unsafe { libc::free(node.cast()) };
                $value
            }
        };
    }

    counted_release!(DROPS, release_drop, (), ());
    counted_release!(RAW, release_raw, (), ());
    counted_release!(CLOSE_OK, close_ok, c_int, 0);
    counted_release!(CLOSE_FAIL, close_fail, c_int, libc::EIO);
    counted_release!(SENT, release_sent, (), ());
    counted_release!(NULLS, release_null, (), ());
    counted_release!(LENT, release_lent, (), ());
}

ffiguard::handle! {
    /// Dropped normally.
    struct Dropped(sys::lg_node) release = sys::release_drop;
}

ffiguard::handle! {
    /// Taken apart with into_raw.
    struct Raw(sys::lg_node) release = sys::release_raw;
}

ffiguard::handle! {
    /// Closed successfully.
    struct ClosesOk(sys::lg_node) release = sys::close_ok,
        close = ffiguard::error::nonzero_is_error::<Errno>;
}

ffiguard::handle! {
    /// Whose close fails.
    struct ClosesBadly(sys::lg_node) release = sys::close_fail,
        close = ffiguard::error::nonzero_is_error::<Errno>;
}

ffiguard::handle! {
    /// Moved to another thread.
    struct Sent(sys::lg_node) release = sys::release_sent,
        unsafe impl Send = "the stand-in keeps no per-thread state";
}

ffiguard::handle! {
    /// Never constructed: every attempt passes null.
    struct NeverBuilt(sys::lg_node) release = sys::release_null;
}

/// Covers exactly-once release on drop.
#[test]
fn drop_releases_exactly_once() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { Dropped::from_raw(sys::new_node()) }.unwrap();
    assert_eq!(sys::DROPS.load(Ordering::SeqCst), 0);
    drop(node);
    assert_eq!(sys::DROPS.load(Ordering::SeqCst), 1);
}

/// Covers the null check in release builds: null becomes an error and nothing is released.
#[test]
fn null_is_an_error_in_every_profile_and_nothing_is_released() {
    // SAFETY: null is accepted by contract.
    let err = unsafe { NeverBuilt::from_raw(std::ptr::null_mut()) }.unwrap_err();
    assert_eq!(err.type_name(), "NeverBuilt");
    let top: ffiguard::Error = err.into();
    assert!(matches!(top, ffiguard::Error::NullHandle(_)));
    assert_eq!(sys::NULLS.load(Ordering::SeqCst), 0);
}

#[test]
fn into_raw_gives_up_ownership() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { Raw::from_raw(sys::new_node()) }.unwrap();
    let ptr = node.as_ptr();
    let raw = node.into_raw();
    assert_eq!(raw, ptr);
    assert_eq!(
        sys::RAW.load(Ordering::SeqCst),
        0,
        "into_raw must not release"
    );
    // SAFETY: `raw` is owned again by this new owner, which releases it once.
    drop(unsafe { Raw::from_raw(raw) }.unwrap());
    assert_eq!(sys::RAW.load(Ordering::SeqCst), 1);
}

#[test]
fn close_releases_once_and_drop_does_not_release_again() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { ClosesOk::from_raw(sys::new_node()) }.unwrap();
    node.close().unwrap();
    assert_eq!(sys::CLOSE_OK.load(Ordering::SeqCst), 1);
}

/// A failing close is reported with the library's code, and the handle is still released
/// exactly once (it must not be released again, nor leaked).
#[test]
fn failing_close_reports_the_code_and_still_releases_once() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { ClosesBadly::from_raw(sys::new_node()) }.unwrap();
    let err = node.close().unwrap_err();
    assert_eq!(err.code_as::<Errno>(), Some(Errno::from_raw(libc::EIO)));
    assert_eq!(err.function(), "sys::close_fail");
    assert_eq!(sys::CLOSE_FAIL.load(Ordering::SeqCst), 1);

    // Dropping instead of closing ignores the failure and never panics.
    // SAFETY: a fresh malloc'd block owned by nobody else.
    drop(unsafe { ClosesBadly::from_raw(sys::new_node()) }.unwrap());
    assert_eq!(sys::CLOSE_FAIL.load(Ordering::SeqCst), 2);
}

#[test]
fn a_handle_declared_send_is_released_once_on_the_other_thread() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { Sent::from_raw(sys::new_node()) }.unwrap();
    std::thread::spawn(move || drop(node)).join().unwrap();
    assert_eq!(sys::SENT.load(Ordering::SeqCst), 1);
}

ffiguard::handle! {
    /// Lent out through HandleRef.
    struct Lent(sys::lg_node) release = sys::release_lent;
}

fn address_of(handle: HandleRef<'_, Lent>) -> usize {
    handle.as_ptr().addr()
}

#[test]
fn handle_ref_lends_the_same_handle_without_releasing() {
    // SAFETY: a fresh malloc'd block owned by nobody else.
    let node = unsafe { Lent::from_raw(sys::new_node()) }.unwrap();
    let lent = node.as_handle_ref();
    let copy = lent;
    assert_eq!(address_of(lent), node.as_ptr().addr());
    assert_eq!(address_of(copy), node.as_ptr().addr());
    // SAFETY: the owner outlives this borrowed view and is not released through it.
    let from_c = unsafe { HandleRef::<Lent>::from_raw(node.as_ptr()) }.unwrap();
    assert_eq!(address_of(from_c), node.as_ptr().addr());
    assert_eq!(
        sys::LENT.load(Ordering::SeqCst),
        0,
        "a borrow never releases"
    );
    drop(node);
    assert_eq!(sys::LENT.load(Ordering::SeqCst), 1);
    // SAFETY: null is rejected.
    assert!(unsafe { HandleRef::<Lent>::from_raw(std::ptr::null_mut()) }.is_err());
}

static C_FREES: AtomicUsize = AtomicUsize::new(0);
static C_FREES_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `free`, counted: the test proves which paths release C memory.
///
/// # Safety
/// As `free`: `ptr` is null or a live block from `malloc`, freed once.
unsafe extern "C" fn counting_free(ptr: *mut c_void) {
    C_FREES.fetch_add(1, Ordering::SeqCst);
    // SAFETY: only ever given malloc'd blocks, once each.
    unsafe { libc::free(ptr) };
}

fn frees_during(body: impl FnOnce()) -> usize {
    let _serial = C_FREES_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let before = C_FREES.load(Ordering::SeqCst);
    body();
    C_FREES.load(Ordering::SeqCst) - before
}

/// A malloc'd copy of `bytes`.
fn malloc_copy(bytes: &[u8]) -> *mut u8 {
    // SAFETY: malloc has no preconditions.
    let p = unsafe { libc::malloc(bytes.len()) }.cast::<u8>();
    assert!(!p.is_null());
    // SAFETY: `p` is a fresh block of `bytes.len()` bytes, disjoint from `bytes`.
    unsafe { p.copy_from_nonoverlapping(bytes.as_ptr(), bytes.len()) };
    p
}

fn c_strdup(s: &core::ffi::CStr) -> *mut c_char {
    // SAFETY: `s` is a valid C string.
    let p = unsafe { libc::strdup(s.as_ptr()) };
    assert!(!p.is_null());
    p
}

#[test]
fn c_text_from_strdup_is_freed_once_with_the_c_free() {
    let frees = frees_during(|| {
        // SAFETY: strdup'd, freed by `free`.
        let text = unsafe { CText::from_raw(c_strdup(c"héllo"), counting_free) }.unwrap();
        assert_eq!(text.to_str().unwrap(), "héllo");
        assert_eq!(text.len(), 6);
        assert_eq!(text.as_c_str(), c"héllo");
    });
    assert_eq!(frees, 1);
}

#[test]
fn c_text_that_is_not_utf8_is_an_error_but_its_bytes_are_readable() {
    let frees = frees_during(|| {
        // SAFETY: strdup'd, freed by `free`.
        let text = unsafe { CText::from_raw(c_strdup(c"\xff\xfe"), counting_free) }.unwrap();
        let err = text.to_str().unwrap_err();
        assert!(matches!(err, BufferError::NotUtf8(_)));
        let top: ffiguard::Error = err.into();
        assert!(
            std::error::Error::source(&top).is_some(),
            "the Utf8Error stays in the chain"
        );
        assert_eq!(text.as_bytes(), b"\xff\xfe");
    });
    assert_eq!(frees, 1);
}

/// Covers the bounded read: an unterminated string is rejected, and because ownership was
/// handed over, it is freed rather than leaked.
#[test]
fn unterminated_c_text_is_rejected_and_still_freed() {
    let frees = frees_during(|| {
        // SAFETY: strdup'd block of 11 bytes; the bound 10 stops before its NUL.
        let r = unsafe { CText::from_raw_bounded(c_strdup(c"0123456789"), 10, counting_free) };
        assert_eq!(r.unwrap_err(), BufferError::Unterminated { max: 10 });
    });
    assert_eq!(frees, 1);
}

#[test]
fn null_c_text_is_an_error_and_nothing_is_freed() {
    let frees = frees_during(|| {
        // SAFETY: null is accepted by contract.
        let r = unsafe { CText::from_raw(std::ptr::null_mut::<c_char>(), counting_free) };
        assert_eq!(r.unwrap_err(), BufferError::NullString);
    });
    assert_eq!(frees, 0);
}

/// Covers the null-with-length check: C claiming bytes behind a null pointer is an error,
/// never a slice over address 0.
#[test]
fn null_buffer_with_length_is_an_error_and_null_empty_is_empty() {
    let frees = frees_during(|| {
        // SAFETY: null is accepted by contract.
        let r = unsafe { CBuffer::from_raw_parts(std::ptr::null_mut::<u8>(), 4, counting_free) };
        assert_eq!(r.unwrap_err(), BufferError::NullWithLength { len: 4 });
        // SAFETY: null is accepted by contract.
        let empty =
            unsafe { CBuffer::from_raw_parts(std::ptr::null_mut::<u8>(), 0, counting_free) };
        assert!(empty.unwrap().is_empty());
    });
    assert_eq!(frees, 0);
}

#[test]
fn buffer_with_impossible_length_is_rejected_and_freed() {
    let frees = frees_during(|| {
        // SAFETY: a malloc'd block; the length is rejected before any read.
        let p = unsafe { libc::malloc(8) }.cast::<u8>();
        assert!(!p.is_null());
        // SAFETY: as above; ownership passes to from_raw_parts, which frees on this error.
        let r = unsafe { CBuffer::from_raw_parts(p, usize::MAX, counting_free) };
        assert_eq!(r.unwrap_err(), BufferError::TooLong { len: usize::MAX });
    });
    assert_eq!(frees, 1);
}

#[test]
fn buffer_bytes_are_the_c_bytes_and_freed_once() {
    let frees = frees_during(|| {
        let p = malloc_copy(&[1, 2, 3, 4]);
        // SAFETY: a malloc'd, initialised block of 4 bytes, freed by `free`.
        let buf = unsafe { CBuffer::from_raw_parts(p, 4, counting_free) }.unwrap();
        assert_eq!(&*buf, &[1, 2, 3, 4]);
        assert_eq!(buf.len(), 4);
    });
    assert_eq!(frees, 1);
}
