//! Stopping panics at the boundary.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use super::last_error::set_last_error;

/// Rust code called from C panicked; the panic was caught before reaching C.
///
/// ```
/// let err = ffiguard::export::catch_panic(|| -> u8 { panic!("boom") }).unwrap_err();
/// assert_eq!(err.message(), "boom");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("panic in Rust code called from C: {message}")]
pub struct PanicError {
    message: String,
}

impl PanicError {
    /// The panic message (`"non-string panic payload"` when the payload was not a string).
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Runs `body`, returning its value, or the panic as an error. Never unwinds, even when the
/// panic payload's own `Drop` panics (the payload of that panic is dropped in turn, and only a
/// payload that keeps panicking on drop is finally leaked).
///
/// The closure is treated as unwind-safe: after a panic its captured state is dropped or
/// abandoned, never observed again by this function. If you keep shared state that a panic
/// could leave half-updated, check it before reuse.
///
/// ```
/// use ffiguard::export::catch_panic;
///
/// assert_eq!(catch_panic(|| 2 + 2), Ok(4));
/// let v: Vec<u8> = Vec::new();
/// # #[allow(unconditional_panic)]
/// assert!(catch_panic(|| v[3]).is_err());
/// ```
pub fn catch_panic<R>(body: impl FnOnce() -> R) -> Result<R, PanicError> {
    catch_unwind(AssertUnwindSafe(body)).map_err(|payload| PanicError {
        message: take_message(payload),
    })
}

/// Runs the body of an exported function that does not return a status code (e.g. it
/// returns a pointer, a count or `void`): on panic, returns `on_panic` and records the message
/// as the last error. Never unwinds.
///
/// ```
/// use ffiguard::export;
///
/// #[unsafe(no_mangle)]
/// pub extern "C" fn my_new_thing() -> *mut u64 {
///     export::guard(std::ptr::null_mut(), || Box::into_raw(Box::new(7)))
/// }
///
/// let p = my_new_thing();
/// // SAFETY: `p` came from Box::into_raw above.
/// drop(unsafe { Box::from_raw(p) });
/// assert!(export::guard(0_usize, || panic!("no")) == 0);
/// assert!(export::last_error_message().unwrap().contains("no"));
/// ```
pub fn guard<R>(on_panic: R, body: impl FnOnce() -> R) -> R {
    match catch_panic(body) {
        Ok(value) => value,
        Err(panic) => {
            set_last_error(&panic);
            on_panic
        }
    }
}

/// The panic message, with the payload disposed of without unwinding.
fn take_message(payload: Box<dyn Any + Send>) -> String {
    let message = crate::untrusted::panic_message(payload.as_ref());
    drop_without_unwinding(payload);
    message
}

/// Drops a panic payload without letting its `Drop` unwind. A `Drop` that panics yields a new
/// payload, which is dropped the same way; after a few rounds (a payload whose every drop
/// panics again) the last one is leaked rather than looping without end.
fn drop_without_unwinding(payload: Box<dyn Any + Send>) {
    const ROUNDS: usize = 4;
    let mut payload = payload;
    for _ in 0..ROUNDS {
        match catch_unwind(AssertUnwindSafe(move || drop(payload))) {
            Ok(()) => return,
            Err(next) => payload = next,
        }
    }
    core::mem::forget(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static ENDLESS_DROPS: AtomicUsize = AtomicUsize::new(0);

    /// Every drop panics with another value of the same kind.
    struct PanicsForever;

    impl Drop for PanicsForever {
        fn drop(&mut self) {
            ENDLESS_DROPS.fetch_add(1, Ordering::SeqCst);
            std::panic::panic_any(PanicsForever);
        }
    }

    /// Covers the bound on payload drops: a payload whose drop always panics again ends in a
    /// leak after a few rounds instead of an endless loop or an escaping unwind.
    #[test]
    fn a_payload_that_panics_on_every_drop_is_bounded() {
        let result = catch_panic(|| -> u8 { std::panic::panic_any(PanicsForever) });
        assert!(result.is_err());
        assert_eq!(ENDLESS_DROPS.load(Ordering::SeqCst), 4);
    }

    struct PanicsOnDrop;

    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("payload drop panicked");
        }
    }

    /// Covers the payload-drop defense: without `drop_without_unwinding` the payload's own
    /// panic would escape `catch_panic` and this test would fail with that panic.
    #[test]
    fn payload_whose_drop_panics_does_not_escape() {
        let result = catch_panic(|| -> u8 { std::panic::panic_any(PanicsOnDrop) });
        assert_eq!(result.unwrap_err().message(), "non-string panic payload");
    }

    #[test]
    fn string_and_str_payloads_keep_their_text() {
        assert_eq!(
            catch_panic(|| -> u8 { panic!("a {}", 1) })
                .unwrap_err()
                .message(),
            "a 1"
        );
        assert_eq!(
            catch_panic(|| -> u8 { panic!("lit") })
                .unwrap_err()
                .message(),
            "lit"
        );
    }
}
