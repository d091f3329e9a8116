//! liblegacy's callbacks (`legacy_callbacks.h`) through [`ffiguard::callback`]: a parser that
//! calls back and may be re-entered, listeners owned by the library's destroy hook, worker
//! threads the library creates, and a global counter that races without the library lock.
//!
//! | C does | here |
//! | --- | --- |
//! | `lg_parse` calls back on the caller's thread; the callback may call the library again | [`parse`]: scoped `FnMut`, borrows from the stack; the library lock is held and re-entered by nested calls, never deadlocks |
//! | `lg_emit` calls every listener, recursively if a listener emits | [`Listener::on_change`] refuses reentry and calls from other threads; [`Listener::on_change_reentrant`] and [`Listener::on_change_any_thread`] admit them by type |
//! | `lg_listener_remove` frees `user_data` through a destroy hook | the closure is handed over and freed exactly once by that hook |
//! | `lg_run_workers` calls back from threads it creates | [`run_workers`] takes only `Fn + Send + Sync` closures |
//! | a callback panics | caught in the trampoline, never unwinds into C; resumed in the caller ([`parse`], [`run_workers`]) or reported by [`Listener::check`] |
//!
//! A closure that is not `Send` cannot be given to the library's threads:
//!
//! ```compile_fail
//! use std::ops::ControlFlow;
//! let hits = std::rc::Rc::new(std::cell::Cell::new(0));
//! legacy::callbacks::run_workers(2, 10, move |_| {
//!     hits.set(hits.get() + 1);
//!     ControlFlow::Continue(())
//! });
//! ```
//!
//! An entry lent to a [`parse`] callback cannot outlive the call:
//!
//! ```compile_fail
//! use std::ops::ControlFlow;
//! let mut kept = None;
//! legacy::callbacks::parse("a = 1", |entry| {
//!     kept = Some(entry);
//!     ControlFlow::Continue(())
//! });
//! ```
//!
//! A listener outlives the current scope, so it cannot borrow from it:
//!
//! ```compile_fail
//! let seen = String::new();
//! let listener = legacy::callbacks::Listener::on_change(|key, _| println!("{seen}{key}"));
//! ```

use std::ffi::{c_char, c_int};
use std::ops::ControlFlow;

use ffiguard::callback::{Callback, CallbackError};
use ffiguard::cstr::{self, CStrArg};
use ffiguard::error;
use legacy_sys as sys;

use crate::{Error, LIBRARY, LgCode, Result};

mod events;
pub use events::{bump_event, event_count, reset_events};

/// Longest text [`parse`] hands to liblegacy.
pub const MAX_PARSE_TEXT: usize = 16 << 20;

/// What a callback returns to C when ffiguard refused the call or the closure panicked; no
/// liblegacy code uses it, so it cannot be mistaken for a result of the library.
const REFUSED: c_int = -1000;
/// What a callback returns to C to stop early.
const STOP: c_int = 1;

/// One `key = value` line read by [`parse`], borrowed for the duration of the callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The key, trimmed.
    pub key: &'a str,
    /// The value, trimmed.
    pub value: &'a str,
    /// Number of dots in the key: its depth in the dotted hierarchy.
    pub depth: usize,
}

/// How a [`parse`] or [`run_workers`] call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    /// Every entry or iteration was visited.
    Completed,
    /// The callback returned [`ControlFlow::Break`].
    Stopped,
}

/// Reads a string C passed to a callback; `bound` is the longest it can legitimately be.
///
/// # Safety
/// `ptr` is null or points at a string that stays readable and unchanged during the callback.
unsafe fn borrowed<'a>(
    function: &'static str,
    ptr: *const c_char,
    bound: usize,
) -> Result<&'a str> {
    // SAFETY: the caller's contract; `read_ptr` stops at `bound`.
    let text = unsafe { cstr::read_ptr(ptr, bound) }
        .map_err(|source| Error::BadString { function, source })?;
    cstr::utf8(text).map_err(|source| Error::BadString { function, source })
}

/// Maps ffiguard's report on a scoped call into this crate's error: a refused call means the
/// library called back in a way its header rules out.
fn refused(function: &'static str, err: CallbackError) -> Error {
    Error::contract(function, err.to_string())
}

/// Parses liblegacy's `key = value` text, calling `on_entry` for each entry in order.
///
/// The callback may call into liblegacy again (a nested [`parse`], a [`Store`](crate::Store)
/// method): the library lock is already held by this thread and is re-entered. A panic in
/// `on_entry` stops the parse and is resumed here once liblegacy has returned.
///
/// ```
/// use std::ops::ControlFlow;
/// let mut keys = Vec::new();
/// let done = legacy::callbacks::parse("# settings\ncache.size = 64\nname = demo\n", |e| {
///     keys.push((e.key.to_owned(), e.depth));
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!(done, legacy::callbacks::Finished::Completed);
/// assert_eq!(keys, [("cache.size".to_owned(), 1), ("name".to_owned(), 0)]);
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn parse<F>(text: &str, mut on_entry: F) -> Result<Finished>
where
    F: FnMut(Entry<'_>) -> ControlFlow<()>,
{
    let arg = CStrArg::new(text, MAX_PARSE_TEXT).map_err(Error::argument("text"))?;
    let bound = text.len();
    let mut bad_string = None;
    let visit = |key: *const c_char, value: *const c_char, depth: c_int| -> c_int {
        // SAFETY: lg_parse passes pointers into its private copy, valid during the call.
        let entry = unsafe { borrowed("lg_parse", key, bound) }.and_then(|key| {
            // SAFETY: as above.
            let value = unsafe { borrowed("lg_parse", value, bound) }?;
            let depth = usize::try_from(depth)
                .map_err(|_| Error::contract("lg_parse", format!("negative depth {depth}")))?;
            Ok(Entry { key, value, depth })
        });
        match entry {
            Ok(entry) => match on_entry(entry) {
                ControlFlow::Continue(()) => 0,
                ControlFlow::Break(()) => STOP,
            },
            Err(err) => {
                bad_string = Some(err);
                STOP
            }
        }
    };
    let rc = Callback::new(visit, REFUSED)
        .scope(|cb| {
            // lg_parse is not documented as thread-safe, so it is serialized like the rest.
            let _lock = LIBRARY.lock();
            // SAFETY: `arg` is a NUL-terminated string alive for the call; lg_parse uses the
            // trampoline and user_data only before it returns, on this thread.
            unsafe { sys::lg_parse(arg.as_ptr(), Some(cb.trampoline()), cb.user_data()) }
        })
        .map_err(|err| refused("lg_parse", err))?;
    if let Some(err) = bad_string {
        return Err(err);
    }
    match rc {
        0 => Ok(Finished::Completed),
        STOP => Ok(Finished::Stopped),
        rc => Err(error::nonzero_is_error::<LgCode>("lg_parse", rc)
            .err()
            .map_or_else(|| Error::contract("lg_parse", "status lost"), Error::from)),
    }
}

/// Runs `task(worker, iteration)` on `workers` threads that liblegacy creates, `iterations`
/// times each, and waits for them. `task` must be `Send + Sync`: it runs on those threads,
/// concurrently. A panic in `task` stops its worker and is resumed here.
///
/// liblegacy documents `lg_run_workers` as thread-safe and the call does not hold the library
/// lock: `task` may call into the library, which takes the lock on the worker's thread
/// (holding it here would deadlock the workers).
///
/// ```
/// use std::ops::ControlFlow;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let calls = AtomicUsize::new(0);
/// legacy::callbacks::run_workers(4, 100, |_| {
///     calls.fetch_add(1, Ordering::Relaxed);
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!(calls.into_inner(), 400);
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn run_workers<F>(workers: usize, iterations: usize, task: F) -> Result<Finished>
where
    F: Fn(WorkItem) -> ControlFlow<()> + Send + Sync,
{
    let workers_c = c_int::try_from(workers)
        .map_err(|_| Error::contract("lg_run_workers", "too many workers"))?;
    let iterations_c = c_int::try_from(iterations)
        .map_err(|_| Error::contract("lg_run_workers", "too many iterations"))?;
    let visit = |worker: c_int, iteration: c_int| -> c_int {
        match (usize::try_from(worker), usize::try_from(iteration)) {
            (Ok(worker), Ok(iteration)) => match task(WorkItem { worker, iteration }) {
                ControlFlow::Continue(()) => 0,
                ControlFlow::Break(()) => STOP,
            },
            // Negative indices: the library is confused; stop this worker.
            _ => REFUSED,
        }
    };
    let rc = Callback::any_thread(visit, REFUSED)
        // SAFETY: lg_run_workers joins every thread it created before returning, so no call
        // with this user_data happens after the scope.
        .scope(|cb| unsafe {
            sys::lg_run_workers(
                workers_c,
                iterations_c,
                Some(cb.trampoline()),
                cb.user_data(),
            )
        })
        .map_err(|err| refused("lg_run_workers", err))?;
    match rc {
        0 => Ok(Finished::Completed),
        STOP => Ok(Finished::Stopped),
        REFUSED => Err(Error::contract(
            "lg_run_workers",
            "passed a negative worker or iteration",
        )),
        rc => Err(error::nonzero_is_error::<LgCode>("lg_run_workers", rc)
            .err()
            .map_or_else(
                || Error::contract("lg_run_workers", "status lost"),
                Error::from,
            )),
    }
}

/// Where a [`run_workers`] task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkItem {
    /// Index of the worker thread, `0..workers`.
    pub worker: usize,
    /// Iteration of this worker, `0..iterations`.
    pub iteration: usize,
}

mod listener;
pub use listener::{Listener, emit};
