//! The thread-local last error, and copying it out to C.

use core::ffi::c_char;
use core::fmt::Display;
use std::cell::RefCell;

thread_local! {
    static LAST_ERROR: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records `message` (with interior NUL bytes replaced, so C sees all of it) as this thread's
/// last error. Never panics, even during thread teardown.
///
/// ```
/// ffiguard::export::set_last_error(&format_args!("bad key {:?}", "a\0b"));
/// assert_eq!(ffiguard::export::last_error_message().unwrap(), "bad key \"a\\0b\"");
/// ```
pub fn set_last_error(message: &dyn Display) {
    let mut text = message.to_string();
    if text.contains('\0') {
        text = text.replace('\0', "\u{FFFD}");
    }
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some(text);
        }
    });
}

/// Clears this thread's last error.
///
/// ```
/// ffiguard::export::set_last_error(&"x");
/// ffiguard::export::clear_last_error();
/// assert!(ffiguard::export::last_error_message().is_none());
/// ```
pub fn clear_last_error() {
    let _ = LAST_ERROR.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = None;
        }
    });
}

/// This thread's last error, for Rust callers and tests.
///
/// ```
/// use ffiguard::export;
///
/// export::set_last_error(&"disk full");
/// assert_eq!(export::last_error_message().as_deref(), Some("disk full"));
/// export::clear_last_error();
/// assert_eq!(export::last_error_message(), None);
/// ```
pub fn last_error_message() -> Option<String> {
    LAST_ERROR
        .try_with(|slot| slot.try_borrow().ok().and_then(|m| m.clone()))
        .ok()
        .flatten()
}

/// Copies this thread's last error into C's buffer, the way `snprintf` does: writes at most
/// `capacity` bytes, always NUL-terminated when `capacity > 0`, and returns the length of the
/// whole message (without the NUL). A return value `>= capacity` means the copy was cut;
/// call again with `return + 1` bytes. With no error recorded, writes `""` and returns 0.
///
/// The message is copied, never lent: C gets no pointer into Rust memory it could keep after
/// the next call replaces the message. A cut falls on a UTF-8 character boundary, so what C
/// receives is still valid UTF-8. A null `buf` (with any capacity) only asks for the length.
///
/// ```
/// use core::ffi::{CStr, c_char};
/// use ffiguard::export;
///
/// export::set_last_error(&"parse failed at line 3");
/// let mut small = [1 as c_char; 6];
/// // SAFETY: `small` is 6 writable bytes.
/// let needed = unsafe { export::write_last_error(small.as_mut_ptr(), small.len()) };
/// assert_eq!(needed, 22);
/// // SAFETY: NUL-terminated within the buffer.
/// assert_eq!(unsafe { CStr::from_ptr(small.as_ptr()) }, c"parse");
/// // SAFETY: null buffer asks for the length only.
/// assert_eq!(unsafe { export::write_last_error(std::ptr::null_mut(), 0) }, 22);
/// ```
///
/// # Safety
///
/// `buf` is null, or valid for writes of `capacity` bytes.
pub unsafe fn write_last_error(buf: *mut c_char, capacity: usize) -> usize {
    let message = last_error_message().unwrap_or_default();
    let needed = message.len();
    if buf.is_null() || capacity == 0 {
        return needed;
    }
    let mut take = needed.min(capacity - 1);
    while !message.is_char_boundary(take) {
        take -= 1;
    }
    // SAFETY: `buf` is valid for `capacity` bytes of writes (caller's contract) and
    // `take < capacity`; the source is a live Rust string of at least `take` bytes, which
    // cannot overlap memory C owns.
    unsafe { core::ptr::copy_nonoverlapping(message.as_ptr(), buf.cast::<u8>(), take) };
    // SAFETY: `take < capacity`, so the offset stays inside the caller's buffer.
    let end = unsafe { buf.add(take) };
    // SAFETY: `end` is inside the buffer, which is valid for writes.
    unsafe { end.write(0) };
    needed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_never_splits_a_character() {
        set_last_error(&"ééé");
        let mut buf = [0x7f as c_char; 5];
        // SAFETY: `buf` is 5 writable bytes.
        let needed = unsafe { write_last_error(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(needed, 6);
        let bytes: Vec<u8> = buf.iter().map(|&b| b.to_ne_bytes()[0]).collect();
        assert_eq!(&bytes, &[0xc3, 0xa9, 0xc3, 0xa9, 0]);
    }

    /// Every capacity from 0 to past the end, for messages with 1- to 4-byte characters: the
    /// return is the full length, nothing is written at or past `capacity`, the copy is
    /// terminated, and what precedes the terminator is a UTF-8 prefix of the message.
    #[test]
    fn every_capacity_keeps_the_contract() {
        const CANARY: u8 = 0xA5;
        for message in ["", "a", "hello", "é", "aé€𝄞", "€€€", "𝄞𝄞"] {
            set_last_error(&message);
            for capacity in 0..message.len() + 3 {
                let mut buf = vec![CANARY; capacity + 8];
                // SAFETY: `buf` has at least `capacity` writable bytes.
                let needed = unsafe { write_last_error(buf.as_mut_ptr().cast(), capacity) };
                assert_eq!(needed, message.len());
                assert!(
                    buf[capacity..].iter().all(|&b| b == CANARY),
                    "{message:?} {capacity}"
                );
                if capacity == 0 {
                    continue;
                }
                let nul = buf.iter().position(|&b| b == 0).expect("terminated");
                assert!(nul < capacity);
                let copied = core::str::from_utf8(&buf[..nul]).expect("valid UTF-8");
                assert!(message.starts_with(copied));
                if let Some(next) = message[copied.len()..].chars().next() {
                    assert!(
                        copied.len() + next.len_utf8() > capacity - 1,
                        "cut too early"
                    );
                }
            }
        }
    }

    #[test]
    fn interior_nul_does_not_hide_the_rest() {
        set_last_error(&"a\0b");
        assert_eq!(last_error_message().as_deref(), Some("a\u{FFFD}b"));
    }

    #[test]
    fn messages_are_per_thread() {
        set_last_error(&"here");
        let there = std::thread::spawn(last_error_message).join().unwrap();
        assert_eq!(there, None);
        assert_eq!(last_error_message().as_deref(), Some("here"));
    }
}
