//! Listeners: long-lived callbacks whose closure liblegacy owns and frees through its destroy
//! hook.

use std::ffi::{c_char, c_int, c_void};
use std::fmt;

use ffiguard::callback::{Callback, CallbackError, DataFirst, Kind, Monitor, OnPanic};
use ffiguard::cstr::CStrArg;
use ffiguard::error;
use legacy_sys as sys;

use super::borrowed;
use crate::{Error, LIBRARY, LgCode, MAX_KEY_LEN, MAX_VALUE_LEN, Result};

/// The C signature of a listener (`lg_change_fn` without its `Option`).
type ChangeFn = unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char);

/// A closure registered with `lg_listener_add`, removed (and freed by liblegacy's destroy hook)
/// when dropped.
///
/// The three constructors are the three answers to "what may C do with this closure":
///
/// | constructor | closure | [`emit`] from another thread | a listener that emits (reentry) |
/// | --- | --- | --- | --- |
/// | [`on_change`](Self::on_change) | `FnMut + Send` | refused | refused |
/// | [`on_change_reentrant`](Self::on_change_reentrant) | `Fn + Send` | refused | allowed |
/// | [`on_change_any_thread`](Self::on_change_any_thread) | `Fn + Send + Sync` | allowed | allowed |
///
/// Refused calls and panics never reach C as unwinding; they are reported by [`check`](Self::check).
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = Arc::clone(&seen);
/// let listener = legacy::callbacks::Listener::on_change(move |key, value| {
///     sink.lock().unwrap().push(format!("{key}={value}"));
/// })?;
/// legacy::callbacks::emit("cache.size", "64")?;
/// drop(listener); // removed; liblegacy's destroy hook frees the closure
/// legacy::callbacks::emit("cache.size", "128")?;
/// assert_eq!(*seen.lock().unwrap(), ["cache.size=64"]);
/// # Ok::<(), legacy::Error>(())
/// ```
pub struct Listener {
    id: c_int,
    monitor: Monitor,
}

impl Listener {
    /// Registers `on_change(key, value)`, called only on this thread and never re-entered.
    pub fn on_change<F>(mut on_change: F) -> Result<Listener>
    where
        F: FnMut(&str, &str) + Send + 'static,
    {
        Self::add(Callback::new(
            move |key: *const c_char, value: *const c_char| {
                // SAFETY: lg_emit passes its caller's strings, alive during the call.
                if let Some((key, value)) = unsafe { strings(key, value) } {
                    on_change(key, value);
                }
            },
            (),
        ))
    }

    /// Registers `on_change(key, value)`, called only on this thread; a listener that emits
    /// may be called again before it returns, so it is `Fn` (keep state in `Cell`s or locks).
    pub fn on_change_reentrant<F>(on_change: F) -> Result<Listener>
    where
        F: Fn(&str, &str) + Send + 'static,
    {
        Self::add(Callback::reentrant(
            move |key: *const c_char, value: *const c_char| {
                // SAFETY: as in `on_change`.
                if let Some((key, value)) = unsafe { strings(key, value) } {
                    on_change(key, value);
                }
            },
            (),
        ))
    }

    /// Registers `on_change(key, value)` for [`emit`] calls on any thread, concurrently.
    pub fn on_change_any_thread<F>(on_change: F) -> Result<Listener>
    where
        F: Fn(&str, &str) + Send + Sync + 'static,
    {
        Self::add(Callback::any_thread(
            move |key: *const c_char, value: *const c_char| {
                // SAFETY: as in `on_change`.
                if let Some((key, value)) = unsafe { strings(key, value) } {
                    on_change(key, value);
                }
            },
            (),
        ))
    }

    fn add<F, K>(callback: Callback<F, (), K>) -> Result<Listener>
    where
        F: Send + 'static,
        K: Kind,
        ChangeFn: DataFirst<F, K>,
    {
        let (id, monitor) = callback.on_panic(OnPanic::Report).hand_over(|cb| {
            let _lock = LIBRARY.lock();
            // SAFETY: the trampoline matches `lg_change_fn`; liblegacy keeps user_data until
            // lg_listener_remove, which calls the destroy hook exactly once, and does not call
            // the hook when registration fails (legacy_callbacks.h).
            let rc = unsafe {
                sys::lg_listener_add(
                    Some(cb.trampoline()),
                    cb.user_data(),
                    Some(cb.destroy_hook()),
                )
            };
            error::negative_is_error::<LgCode>("lg_listener_add", rc)
        })?;
        Ok(Listener { id, monitor })
    }

    /// Reports a panic in the closure, or calls liblegacy made that were refused, since the
    /// last check. After a panic the listener is poisoned and ignores every later change.
    pub fn check(&self) -> std::result::Result<(), CallbackError> {
        self.monitor.check()
    }

    /// Whether the closure panicked.
    pub fn is_poisoned(&self) -> bool {
        self.monitor.is_poisoned()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _lock = LIBRARY.lock();
        // SAFETY: `id` came from lg_listener_add and is removed once, here; liblegacy calls
        // the destroy hook, which frees the closure, after unregistering it. A failure
        // (unknown id) would be liblegacy losing the listener: nothing else can be done.
        let _ = unsafe { sys::lg_listener_remove(self.id) };
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("id", &self.id)
            .field("poisoned", &self.is_poisoned())
            .finish()
    }
}

/// Reads the two strings of a listener call; `None` drops a call with unusable strings.
///
/// # Safety
/// Each pointer is null or a string readable and unchanged during the callback.
unsafe fn strings<'a>(key: *const c_char, value: *const c_char) -> Option<(&'a str, &'a str)> {
    // SAFETY: the caller's contract.
    let key = unsafe { borrowed("lg_emit", key, MAX_KEY_LEN) }.ok()?;
    // SAFETY: the caller's contract.
    let value = unsafe { borrowed("lg_emit", value, MAX_VALUE_LEN) }.ok()?;
    Some((key, value))
}

/// Announces a change to every listener (`lg_emit`), on this thread; returns how many were
/// called. Listeners may emit again: the library lock is re-entered, not deadlocked.
///
/// ```
/// let n = legacy::callbacks::emit("k", "v")?;
/// assert!(n <= 16);
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn emit(key: &str, value: &str) -> Result<usize> {
    let key = CStrArg::new(key, MAX_KEY_LEN).map_err(Error::argument("key"))?;
    let value = CStrArg::new(value, MAX_VALUE_LEN).map_err(Error::argument("value"))?;
    let _lock = LIBRARY.lock();
    // SAFETY: both strings are NUL-terminated and alive for the call; the listener table is
    // global state, serialized by the library lock.
    let called = unsafe { sys::lg_emit(key.as_ptr(), value.as_ptr()) };
    usize::try_from(called).map_err(|_| Error::contract("lg_emit", format!("returned {called}")))
}
