//! What happened to a registration while C held it: panics, refusals, poisoning.
//!
//! This lives in the registration's own state (shared through an `Arc` with the Rust side), not
//! in a thread-local: a panic caught on a thread C created is still seen by the Rust caller.

use std::any::Any;
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::{CallbackError, OnPanic, Refusal};

type Payload = Box<dyn Any + Send + 'static>;

/// Shared record of a registration's failures.
#[derive(Debug)]
pub(crate) struct Outcome {
    on_panic: OnPanic,
    poisoned: AtomicBool,
    destroyed: AtomicBool,
    refusals: AtomicU64,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    panic: Option<Payload>,
    first_refusal: Option<Refusal>,
    refusals_reported: u64,
}

impl Outcome {
    pub(crate) fn new(on_panic: OnPanic) -> Self {
        Self {
            on_panic,
            poisoned: AtomicBool::new(false),
            destroyed: AtomicBool::new(false),
            refusals: AtomicU64::new(0),
            pending: Mutex::new(Pending::default()),
        }
    }

    #[inline]
    pub(crate) fn is_poisoned(&self) -> bool {
        // Acquire pairs with the Release in `record_panic`: a thread that sees the flag also
        // sees the stored payload.
        self.poisoned.load(Ordering::Acquire)
    }

    pub(crate) fn is_destroyed(&self) -> bool {
        self.destroyed.load(Ordering::Acquire)
    }

    pub(crate) fn mark_destroyed(&self) {
        self.destroyed.store(true, Ordering::Release);
    }

    pub(crate) fn refusal_count(&self) -> u64 {
        self.refusals.load(Ordering::Relaxed)
    }

    /// Keeps the first panic; later ones (concurrent calls on other threads) are discarded.
    #[cold]
    pub(crate) fn record_panic(&self, payload: Payload) {
        let extra = {
            let mut pending = self.lock();
            if pending.panic.is_none() {
                pending.panic = Some(payload);
                None
            } else {
                Some(payload)
            }
        };
        self.poisoned.store(true, Ordering::Release);
        if let Some(extra) = extra {
            discard(extra);
        }
    }

    #[cold]
    pub(crate) fn record_refusal(&self, why: Refusal) {
        // Counted under the lock so that `check` sees the count and the first reason together.
        let mut pending = self.lock();
        self.refusals.fetch_add(1, Ordering::Relaxed);
        if pending.first_refusal.is_none() {
            pending.first_refusal = Some(why);
        }
    }

    /// Reports (and clears) what happened since the last check. A stored panic comes first and
    /// is resumed or returned as the registration's [`OnPanic`] says.
    pub(crate) fn check(&self) -> Result<(), CallbackError> {
        let (panic, refused) = {
            let mut pending = self.lock();
            match pending.panic.take() {
                // Refusals stay pending for the next check.
                Some(payload) => (Some(payload), None),
                None => {
                    let total = self.refusals.load(Ordering::Relaxed);
                    let new = total.saturating_sub(pending.refusals_reported);
                    pending.refusals_reported = total;
                    let first = pending.first_refusal.take();
                    (None, first.filter(|_| new > 0).map(|r| (r, new)))
                }
            }
        };
        if let Some(payload) = panic {
            return match self.on_panic {
                OnPanic::Resume => panic::resume_unwind(payload),
                OnPanic::Report => {
                    let message = message_of(&*payload);
                    discard(payload);
                    Err(CallbackError::Panicked { message })
                }
            };
        }
        match refused {
            Some((first, count)) => Err(CallbackError::Refused { first, count }),
            None => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pending> {
        // Nothing panics while the lock is held, but a poisoned flag must not turn a report
        // into a second panic.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The text of a panic payload (`panic!("...")` yields `&str` or `String`).
pub(crate) fn message_of(payload: &(dyn Any + Send)) -> String {
    crate::untrusted::panic_message(payload)
}

/// Drops a payload without letting its destructor unwind into C.
pub(crate) fn discard(payload: Payload) {
    if let Err(second) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // A payload whose destructor panics, twice in a row: dropping it again could unwind
        // through `extern "C"` and abort. Keeping those few bytes is the only sound choice.
        let _kept = ManuallyDrop::new(second);
    }
}
