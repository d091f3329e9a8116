//! The state behind `user_data` and the checks every trampoline runs before touching it.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::outcome::Outcome;
use super::signature::{CallMut, CallRef};
use super::{AnyThread, Exclusive, Kind, Reentrant, Reentry, Refusal};
use crate::sync::thread_id::ThreadToken;

/// What `user_data` points at.
///
/// A thread that is not the owner reads only `owner`, `refusal` and `outcome` (all immutable or
/// thread-safe) through the raw pointer, so a non-`Send` closure is never touched off its thread.
pub(crate) struct State<F, R> {
    /// `None`: any thread may call (only for [`AnyThread`], whose closure is `Send + Sync`).
    pub(super) owner: Option<ThreadToken>,
    /// Value handed back to C when a call is refused or panics.
    pub(super) refusal: R,
    pub(super) reentry: Reentry,
    pub(super) outcome: Arc<Outcome>,
    /// Set while an [`Exclusive`] closure runs; read and written only on the owner thread.
    busy: AtomicBool,
    closure: UnsafeCell<F>,
}

impl<F, R> State<F, R> {
    pub(super) fn new(
        closure: F,
        refusal: R,
        reentry: Reentry,
        owner: Option<ThreadToken>,
        outcome: Arc<Outcome>,
    ) -> Self {
        Self {
            owner,
            refusal,
            reentry,
            outcome,
            busy: AtomicBool::new(false),
            closure: UnsafeCell::new(closure),
        }
    }
}

/// Runs checks common to all kinds on a possibly foreign thread; `Err` is the value for C.
///
/// # Safety
/// `state` points at a live `State<F, R>`.
#[inline(always)]
unsafe fn admit<'a, F, R: Copy>(state: *const State<F, R>) -> Result<&'a State<F, R>, R> {
    // SAFETY: `state` is live (caller). Only the `owner` field is read, by value, so no
    // reference to the (possibly non-`Sync`) whole is created on a thread that may not own it.
    let owner = unsafe { (*state).owner };
    if owner.is_some_and(|owner| owner != ThreadToken::current()) {
        // SAFETY: live (caller); `refusal` is immutable after construction and copied out, so
        // reading it from this thread is race-free.
        let refusal = unsafe { (*state).refusal };
        // SAFETY: live (caller); `outcome` is an `Arc` of a `Sync` type, never reassigned.
        let outcome = unsafe { &(*state).outcome };
        outcome.record_refusal(Refusal::ForeignThread);
        return Err(refusal);
    }
    // SAFETY: live (caller); either this is the owner thread, or `owner` is `None`, which only
    // `AnyThread` constructs and which requires the closure to be `Send + Sync`.
    let state = unsafe { &*state };
    if state.outcome.is_poisoned() {
        state.outcome.record_refusal(Refusal::Poisoned);
        return Err(state.refusal);
    }
    Ok(state)
}

#[inline(always)]
fn run<R: Copy>(state_refusal: R, outcome: &Outcome, call: impl FnOnce() -> R) -> R {
    match panic::catch_unwind(AssertUnwindSafe(call)) {
        Ok(value) => value,
        Err(payload) => {
            outcome.record_panic(payload);
            state_refusal
        }
    }
}

/// How a kind of callback ([`Exclusive`], [`Reentrant`], [`AnyThread`]) enters its closure.
///
/// Sealed (through [`Kind`]): the three kinds are the only ones, and each implementation is the whole set of
/// checks that makes calling the closure sound. Use it through [`invoke`](super::invoke).
///
/// # Safety
/// Implementations must call the closure only when that cannot create aliasing `&mut`, cannot
/// touch a non-`Send` closure off its thread, and must never let a panic escape.
pub unsafe trait Dispatch<F, Args, R>: Kind {
    /// Enters the closure behind `user_data` with `args`, or returns the refusal value.
    ///
    /// # Safety
    /// `user_data` comes from a [`Handle`](super::Handle) of a callback of this kind with this
    /// closure type `F` and return type `R`, and its registration is still alive.
    #[doc(hidden)]
    unsafe fn dispatch(user_data: *mut c_void, args: Args) -> R;
}

// SAFETY: the closure runs only on the owner thread (checked in `admit`), and only while `busy`
// is clear; `busy` is set for the duration of the call, so a reentrant call is refused or
// aborted before it could form a second `&mut`. Panics are caught by `run`.
unsafe impl<F, Args, R: Copy> Dispatch<F, Args, R> for Exclusive
where
    F: CallMut<Args, Output = R>,
{
    #[inline]
    unsafe fn dispatch(user_data: *mut c_void, args: Args) -> R {
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        let state = match unsafe { admit::<F, R>(user_data.cast_const().cast()) } {
            Ok(state) => state,
            Err(refusal) => return refusal,
        };
        // Relaxed suffices: only the owner thread (this one) ever reads or writes `busy`.
        if state.busy.load(Ordering::Relaxed) {
            match state.reentry {
                Reentry::Refuse => {
                    state.outcome.record_refusal(Refusal::Reentrant);
                    return state.refusal;
                }
                Reentry::Abort => std::process::abort(),
            }
        }
        state.busy.store(true, Ordering::Relaxed);
        let value = run(state.refusal, &state.outcome, || {
            // SAFETY: owner thread, `busy` was clear and is now set: no other `&mut` or `&`
            // to the closure exists until it is cleared below.
            let closure = unsafe { &mut *state.closure.get() };
            closure.call_mut(args)
        });
        state.busy.store(false, Ordering::Relaxed);
        value
    }
}

// SAFETY: owner thread only (checked in `admit`); the closure is `Fn`, so reentrant calls only
// ever create shared references. Panics are caught by `run`.
unsafe impl<F, Args, R: Copy> Dispatch<F, Args, R> for Reentrant
where
    F: CallRef<Args, Output = R>,
{
    #[inline]
    unsafe fn dispatch(user_data: *mut c_void, args: Args) -> R {
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        let state = match unsafe { admit::<F, R>(user_data.cast_const().cast()) } {
            Ok(state) => state,
            Err(refusal) => return refusal,
        };
        run(state.refusal, &state.outcome, || {
            // SAFETY: nothing creates `&mut` to the closure while the state is alive.
            let closure = unsafe { &*state.closure.get() };
            closure.call_ref(args)
        })
    }
}

// SAFETY: the closure is `Fn + Send + Sync`, so shared references from any number of threads,
// concurrently and reentrantly, are sound. Panics are caught by `run`.
unsafe impl<F, Args, R: Copy> Dispatch<F, Args, R> for AnyThread
where
    F: CallRef<Args, Output = R> + Send + Sync,
{
    #[inline]
    unsafe fn dispatch(user_data: *mut c_void, args: Args) -> R {
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        let state = match unsafe { admit::<F, R>(user_data.cast_const().cast()) } {
            Ok(state) => state,
            Err(refusal) => return refusal,
        };
        run(state.refusal, &state.outcome, || {
            // SAFETY: nothing creates `&mut` to the closure while the state is alive; `F: Sync`.
            let closure = unsafe { &*state.closure.get() };
            closure.call_ref(args)
        })
    }
}
