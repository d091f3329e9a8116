//! Panics the engine catches are reported as findings (FG0004), so Rust's default panic
//! message on stderr would be a second, unformatted report of the same event.
//!
//! The panic hook is process-wide while audits run in parallel on several threads (and several
//! audits may run at once in one process), so the hook is installed once for as long as any
//! audit runs, and stays silent only on a thread that is inside [`catch`]: a panic anywhere
//! else still reaches the hook that was there before, which is put back when the last audit
//! ends.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, PanicHookInfo, catch_unwind};
use std::sync::{Arc, Mutex, PoisonError};

type Hook = Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync + 'static>;

thread_local! {
    /// Whether a panic on this thread is caught by [`catch`] and reported as a finding.
    static CAUGHT_HERE: Cell<bool> = const { Cell::new(false) };
}

/// Audits running now, and the hook that was installed before the first of them.
static INSTALLED: Mutex<(usize, Option<Arc<Hook>>)> = Mutex::new((0, None));

/// Keeps the quiet hook installed while alive (one per running audit).
pub(crate) struct QuietPanics(());

impl QuietPanics {
    /// Installs the quiet hook unless another audit already has.
    pub(crate) fn install() -> Self {
        let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
        if installed.0 == 0 && !std::thread::panicking() {
            let previous = Arc::new(std::panic::take_hook());
            let inner = Arc::clone(&previous);
            std::panic::set_hook(Box::new(move |info| {
                if !CAUGHT_HERE.with(Cell::get) {
                    inner(info);
                }
            }));
            installed.1 = Some(previous);
        }
        installed.0 += 1;
        QuietPanics(())
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
        installed.0 = installed.0.saturating_sub(1);
        // Changing the hook from a panicking thread is itself a panic: leave it then.
        if installed.0 > 0 || std::thread::panicking() {
            return;
        }
        if let Some(previous) = installed.1.take() {
            // Dropping the quiet hook releases its share of the previous one.
            drop(std::panic::take_hook());
            match Arc::try_unwrap(previous) {
                Ok(hook) => std::panic::set_hook(hook),
                Err(shared) => std::panic::set_hook(Box::new(move |info| shared(info))),
            }
        }
    }
}

/// `catch_unwind` whose panic, if any, is not printed while a [`QuietPanics`] is alive: the
/// caller reports it as a finding.
pub(crate) fn catch<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let outer = CAUGHT_HERE.with(|c| c.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    CAUGHT_HERE.with(|c| c.set(outer));
    result
}
