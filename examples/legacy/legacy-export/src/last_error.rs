//! The per-thread last error message that `lgx_last_error_message` hands to C.

use std::cell::RefCell;
use std::ffi::CString;

thread_local! {
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

/// Records `message` as the calling thread's last error. Interior NULs (which C could not
/// read past) are replaced so that the whole message survives.
pub(crate) fn set(message: &str) {
    let text = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|slot| *slot.borrow_mut() = Some(text));
}

/// Forgets the calling thread's last error.
pub(crate) fn clear() {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = None);
}

/// Runs `read` on the calling thread's last error message (empty when there is none).
pub(crate) fn with<R>(read: impl FnOnce(&[u8]) -> R) -> R {
    LAST_ERROR.with(|slot| match slot.borrow().as_ref() {
        Some(message) => read(message.as_bytes()),
        None => read(b""),
    })
}
