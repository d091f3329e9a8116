//! The state behind `user_data` and the checks every trampoline runs before touching it.

use std::cell::UnsafeCell;
use std::ffi::c_void;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::active;
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
    /// Set when the state was released from inside one of its own calls: the outermost of
    /// those calls frees it on return. Only ever set on boxed states.
    free_on_return: AtomicBool,
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
            free_on_return: AtomicBool::new(false),
            closure: UnsafeCell::new(closure),
        }
    }
}

/// Frees a boxed state now, or — if one of its calls is running on this thread (the closure
/// released itself) — marks it to be freed when the outermost such call returns.
///
/// # Safety
/// `state` was allocated by `Box`, is released once, and C will make no further call with it
/// (it has been unregistered, or C is running its destroy hook).
pub(super) unsafe fn release_boxed<F, R>(state: *mut State<F, R>) {
    if active::contains(state.cast_const().cast()) {
        // SAFETY: alive (caller); an atomic store through a shared place.
        unsafe { (*state).free_on_return.store(true, Ordering::Release) };
    } else {
        // SAFETY: forwarded from the caller; no call of it runs on this thread, and calls on
        // other threads after release are excluded by the caller's contract.
        unsafe { free_boxed(state) };
    }
}

/// Drops a boxed state, catching a panic in the closure's destructor (this may run inside a
/// trampoline or a destroy hook, where unwinding would abort), and marks it destroyed.
///
/// # Safety
/// As for [`release_boxed`], and no call of it is running on any thread.
unsafe fn free_boxed<F, R>(state: *mut State<F, R>) {
    // SAFETY: allocated by `Box` and freed once (caller).
    let state = unsafe { Box::from_raw(state) };
    let outcome = Arc::clone(&state.outcome);
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(move || drop(state))) {
        outcome.record_panic(payload);
    }
    outcome.mark_destroyed();
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

/// Runs `call` with the checks common to every kind: the running-frame list, `busy` for
/// [`Exclusive`], panic capture, and the deferred free of a state released from inside.
///
/// # Safety
/// `state` is alive and admitted for this thread (see `admit`); for `exclusive`, `busy` was clear.
#[inline(always)]
unsafe fn run<F, R: Copy>(
    state: *const State<F, R>,
    exclusive: bool,
    call: impl FnOnce(&State<F, R>) -> R,
) -> R {
    // SAFETY: alive (caller). A local reference, not an argument: the state may be freed at
    // the end of this function, after its last use.
    let shared = unsafe { &*state };
    let mut frame = active::Frame::new(state.cast());
    // SAFETY: `frame` stays on this stack until `leave` below, which runs on every path because
    // nothing in between unwinds (the closure runs inside `catch_unwind`).
    unsafe { active::enter(&mut frame) };
    if exclusive {
        // Relaxed: only the owner thread (this one) ever reads or writes `busy`.
        shared.busy.store(true, Ordering::Relaxed);
    }
    let value = match panic::catch_unwind(AssertUnwindSafe(|| call(shared))) {
        Ok(value) => value,
        Err(payload) => {
            shared.outcome.record_panic(payload);
            shared.refusal
        }
    };
    if exclusive {
        shared.busy.store(false, Ordering::Relaxed);
    }
    active::leave(&frame);
    if shared.free_on_return.load(Ordering::Acquire) && !active::contains(state.cast()) {
        // SAFETY: the flag is set only by `release_boxed`, on a boxed state that C no longer
        // calls; this was its outermost running call on this thread, and `shared` is not used
        // again.
        unsafe { free_boxed(state.cast_mut()) };
    }
    value
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
        let ptr: *const State<F, R> = user_data.cast_const().cast();
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        let state = match unsafe { admit(ptr) } {
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
        let call = |state: &State<F, R>| {
            // SAFETY: owner thread, and `run` sets `busy` for the duration of this call: no
            // other `&mut` or `&` to the closure exists until it is cleared.
            let closure = unsafe { &mut *state.closure.get() };
            closure.call_mut(args)
        };
        // SAFETY: admitted for this thread, `busy` clear (checked above).
        unsafe { run(ptr, true, call) }
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
        let ptr: *const State<F, R> = user_data.cast_const().cast();
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        if let Err(refusal) = unsafe { admit(ptr) } {
            return refusal;
        }
        let call = |state: &State<F, R>| {
            // SAFETY: nothing creates `&mut` to a `Reentrant` closure.
            let closure = unsafe { &*state.closure.get() };
            closure.call_ref(args)
        };
        // SAFETY: admitted for this thread (checked above).
        unsafe { run(ptr, false, call) }
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
        let ptr: *const State<F, R> = user_data.cast_const().cast();
        // SAFETY: caller guarantees `user_data` is a live `State<F, R>`.
        if let Err(refusal) = unsafe { admit(ptr) } {
            return refusal;
        }
        let call = |state: &State<F, R>| {
            // SAFETY: nothing creates `&mut` to an `AnyThread` closure; `F: Sync`.
            let closure = unsafe { &*state.closure.get() };
            closure.call_ref(args)
        };
        // SAFETY: admitted (any thread may call).
        unsafe { run(ptr, false, call) }
    }
}
