//! liblegacy's global event counter: unsynchronized read-modify-write in C, serialized here.

use legacy_sys as sys;

use crate::LIBRARY;

/// Counts one event (`lg_events_bump`). Safe from any thread, including liblegacy's workers:
/// the library lock serializes the C code's plain read-modify-write of a global.
///
/// ```
/// legacy::callbacks::bump_event();
/// assert!(legacy::callbacks::event_count() >= 1);
/// ```
pub fn bump_event() {
    let _lock = LIBRARY.lock();
    // SAFETY: no arguments; the global it updates is only touched under the library lock.
    unsafe { sys::lg_events_bump() }
}

/// The event counter (`lg_events_count`).
#[allow(
    clippy::useless_conversion,
    reason = "`c_long` is `i64` here but `i32` on 32-bit targets"
)]
pub fn event_count() -> i64 {
    let _lock = LIBRARY.lock();
    // SAFETY: no arguments; reads a global under the library lock.
    i64::from(unsafe { sys::lg_events_count() })
}

/// Resets the event counter to 0 (`lg_events_reset`).
pub fn reset_events() {
    let _lock = LIBRARY.lock();
    // SAFETY: no arguments; writes a global under the library lock.
    unsafe { sys::lg_events_reset() }
}
