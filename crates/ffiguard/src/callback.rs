//! Closures that C calls back: panics, reentrancy, foreign threads and lifetime, handled.
//!
//! C calls back into Rust with assumptions Rust cannot see. A [`Callback`] turns a closure into
//! an `unsafe extern "C"` trampoline plus a `user_data` pointer, and every call through them is
//! checked before the closure is touched:
//!
//! | C does this | what happens |
//! | --- | --- |
//! | the closure panics | the panic is caught and stored *in the registration* (not a thread-local, so it survives C's own threads); C gets the refusal value; the registration is poisoned and refuses later calls; the Rust side resumes the panic or gets [`CallbackError::Panicked`] ([`OnPanic`]) |
//! | calls back while a Rust panic is unwinding (a destructor called into C) | the closure runs; if it panics too, that panic is caught and stored like any other — it never meets the first one, so nothing aborts |
//! | calls again while the closure runs (reentry) | [`Exclusive`] (`FnMut`): refused with the refusal value, or abort ([`Reentry`]) — never two `&mut`; [`Reentrant`] and [`AnyThread`] (`Fn`): allowed, only `&` is ever formed |
//! | calls from a thread other than the registering one | [`AnyThread`] (`Fn + Send + Sync`): allowed, also concurrently; the other kinds: refused without touching the closure ([`Refusal::ForeignThread`]) |
//! | calls after the state is gone | prevented by construction: [`Callback::scope`] frees after C's call returns; a [`Registration`] runs the library's unregister *before* freeing; [`Callback::hand_over`] lets the library's destroy hook free it. A closure released from inside its own call (a one-shot handler that unregisters itself) is freed when that call returns, not under its feet |
//!
//! Refused calls are counted and reported by the next `check` as [`CallbackError::Refused`].
//!
//! What stays the C library's promise: not to call after unregistering or destroying, and
//! for [`AnyThread`] callbacks, that unregister/destroy waits for calls running on *other*
//! threads (ffiguard defers a free only for calls on the releasing thread).
//!
//! # Forms
//!
//! * **Scoped** — [`Callback::scope`]: valid during one C call; the closure may borrow from the
//!   stack. The handle cannot leave the scope:
//!
//! ```compile_fail
//! use ffiguard::callback::Callback;
//! let escaped = Callback::new(|x: i32| x, -1).scope(|handle| handle);
//! ```
//! * **Registered** — [`Callback::register`] (a guard that unregisters, then frees) or
//!   [`Callback::hand_over`] (the library's destroy hook frees). The closure is `'static`.
//!
//! # Example
//!
//! The C side is played here by a Rust `extern "C"` function; the wrapper's code is the same
//! against a real library.
//!
//! ```
//! use std::ffi::{c_int, c_void};
//! use ffiguard::callback::{Callback, CallbackError};
//!
//! type Visit = Option<unsafe extern "C" fn(*mut c_void, c_int) -> c_int>;
//! /// "C": calls `visit` for 1..=n, stops at the first nonzero return.
//! unsafe extern "C" fn count_up(n: c_int, visit: Visit, user_data: *mut c_void) -> c_int {
//!     for i in 1..=n {
//!         // SAFETY: (of the pretend C library) `visit` and `user_data` come as a pair.
//!         let rc = unsafe { visit.unwrap()(user_data, i) };
//!         if rc != 0 { return rc; }
//!     }
//!     0
//! }
//!
//! let mut seen = Vec::new(); // borrowed by the scoped closure
//! let rc = Callback::new(|i: c_int| { seen.push(i); 0 }, -1).scope(|cb| {
//!     // SAFETY: `count_up` calls the trampoline only with this user_data, only before
//!     // returning, and on this thread.
//!     unsafe { count_up(3, Some(cb.trampoline()), cb.user_data()) }
//! });
//! assert_eq!(rc, Ok(0));
//! assert_eq!(seen, [1, 2, 3]);
//!
//! // A panic never crosses into C: C sees -1, the Rust caller gets the error.
//! let rc = Callback::new(|i: c_int| if i == 2 { panic!("no twos") } else { 0 }, -1)
//!     .on_panic(ffiguard::callback::OnPanic::Report)
//!     // SAFETY: as above.
//!     .scope(|cb| unsafe { count_up(3, Some(cb.trampoline()), cb.user_data()) });
//! assert!(matches!(rc, Err(CallbackError::Panicked { message }) if message == "no twos"));
//! ```
//!
//! # A trampoline for an unusual signature
//!
//! [`Handle::trampoline`] covers `fn(*mut c_void, A..) -> R` and
//! [`Handle::trampoline_data_last`] covers `fn(A.., *mut c_void) -> R`, up to six arguments.
//! For any other shape, write a generic `unsafe extern "C" fn` that forwards to [`invoke`] —
//! all checks live there, so the guarantees are the same:
//!
//! ```
//! use std::ffi::{c_int, c_void};
//! use ffiguard::callback::{invoke, Callback, Dispatch, Handle};
//!
//! /// C calls `cmp(a, user_data, b)`.
//! type Cmp = unsafe extern "C" fn(c_int, *mut c_void, c_int) -> c_int;
//!
//! unsafe extern "C" fn cmp_trampoline<F, K>(a: c_int, user_data: *mut c_void, b: c_int) -> c_int
//! where
//!     K: Dispatch<F, (c_int, c_int), c_int>,
//! {
//!     // SAFETY: C passes back the user_data it was given with this trampoline.
//!     unsafe { invoke::<F, K, _, _>(user_data, (a, b)) }
//! }
//!
//! /// Names the closure type, which the caller cannot spell.
//! fn cmp_for<F, K>(_: &Handle<'_, F, c_int, K>) -> Cmp
//! where
//!     K: Dispatch<F, (c_int, c_int), c_int>,
//! {
//!     cmp_trampoline::<F, K>
//! }
//!
//! let rc = Callback::new(|a: c_int, b: c_int| a - b, c_int::MIN).scope(|cb| {
//!     // SAFETY: called during the scope, on this thread, with the handle's user_data.
//!     unsafe { cmp_for(cb)(7, cb.user_data(), 5) }
//! });
//! assert_eq!(rc, Ok(2));
//! ```

mod active;
mod outcome;
mod registered;
mod signature;
mod state;

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ptr::NonNull;
use std::sync::Arc;

pub use registered::{Handover, Monitor, Registration};
pub use signature::{CallMut, CallRef, DataFirst, DataLast};
pub use state::Dispatch;

use crate::sync::thread_id::ThreadToken;
use outcome::Outcome;
use state::State;

/// `FnMut` closure, called only on the registering thread, never reentered.
#[derive(Debug)]
pub enum Exclusive {}

/// `Fn` closure, called only on the registering thread, reentry allowed (declared safe to
/// re-enter by being `Fn`: its shared state lives in `Cell`s, `RefCell`s or atomics).
#[derive(Debug)]
pub enum Reentrant {}

/// `Fn + Send + Sync` closure, callable from any thread, concurrently and reentrantly.
///
/// A closure that is not `Send` cannot be declared callable from other threads:
///
/// ```compile_fail
/// use ffiguard::callback::Callback;
/// let counter = std::rc::Rc::new(std::cell::Cell::new(0));
/// let cb = Callback::any_thread(move |_: i32| counter.set(counter.get() + 1), ());
/// ```
#[derive(Debug)]
pub enum AnyThread {}

/// What to do when C re-enters an [`Exclusive`] closure while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Reentry {
    /// Return the refusal value to C and report [`Refusal::Reentrant`].
    #[default]
    Refuse,
    /// Abort the process: for libraries where a refused call would leave C itself corrupted.
    Abort,
}

/// What the Rust side does with a panic caught in the closure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnPanic {
    /// Resume the panic in the Rust caller once C has returned (or at the next `check`).
    #[default]
    Resume,
    /// Return [`CallbackError::Panicked`] instead.
    Report,
}

/// Why a call from C was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// C re-entered an [`Exclusive`] closure while it was running.
    #[error("C re-entered a callback that is not reentrant")]
    Reentrant,
    /// C called from a thread other than the registering one.
    #[error("C called from a thread other than the one that registered the callback")]
    ForeignThread,
    /// The closure had panicked earlier.
    #[error("the callback had panicked earlier and is poisoned")]
    Poisoned,
}

/// What went wrong while C held a callback.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// The closure panicked; C received the refusal value.
    #[error("callback panicked: {message}")]
    Panicked {
        /// The panic message (or a note that the payload was not a string).
        message: String,
    },
    /// C made calls that were refused.
    #[error("{count} callback call(s) refused; the first because {first}")]
    Refused {
        /// Reason for the first refusal since the last check.
        first: Refusal,
        /// Number of refusals since the last check.
        count: u64,
    },
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Exclusive {}
    impl Sealed for super::Reentrant {}
    impl Sealed for super::AnyThread {}
}

/// One of [`Exclusive`], [`Reentrant`], [`AnyThread`] (sealed): lets wrapper code be generic
/// over the kind of callback it registers.
pub trait Kind: sealed::Sealed {
    /// Whether calls from any thread are admitted.
    #[doc(hidden)]
    const ANY_THREAD: bool;
}
impl Kind for Exclusive {
    const ANY_THREAD: bool = false;
}
impl Kind for Reentrant {
    const ANY_THREAD: bool = false;
}
impl Kind for AnyThread {
    const ANY_THREAD: bool = true;
}

/// A closure, the value C gets when a call is refused, and the policies; not yet given to C.
///
/// `F` is the closure, `R` its return type (and the trampoline's), `K` one of [`Exclusive`],
/// [`Reentrant`], [`AnyThread`]. Closure parameters need type annotations, since the
/// trampoline is chosen later from the C signature.
#[derive(Debug)]
#[must_use = "a callback does nothing until scoped, registered or handed over"]
pub struct Callback<F, R, K> {
    closure: F,
    refusal: R,
    reentry: Reentry,
    on_panic: OnPanic,
    kind: PhantomData<fn() -> K>,
}

impl<F, R: Copy> Callback<F, R, Exclusive> {
    /// An `FnMut` closure, called only on the registering thread; reentry is refused.
    /// `refusal` is returned to C whenever a call is refused or the closure panics.
    pub fn new(closure: F, refusal: R) -> Self {
        Self::with_kind(closure, refusal)
    }

    /// Chooses what happens on reentry (default: [`Reentry::Refuse`]).
    pub fn on_reentry(mut self, reentry: Reentry) -> Self {
        self.reentry = reentry;
        self
    }
}

impl<F, R: Copy> Callback<F, R, Reentrant> {
    /// An `Fn` closure that C may re-enter, called only on the registering thread.
    pub fn reentrant(closure: F, refusal: R) -> Self {
        Self::with_kind(closure, refusal)
    }
}

impl<F: Send + Sync, R: Copy> Callback<F, R, AnyThread> {
    /// An `Fn + Send + Sync` closure that C may call from any thread, concurrently.
    pub fn any_thread(closure: F, refusal: R) -> Self {
        Self::with_kind(closure, refusal)
    }
}

impl<F, R: Copy, K: Kind> Callback<F, R, K> {
    fn with_kind(closure: F, refusal: R) -> Self {
        Self {
            closure,
            refusal,
            reentry: Reentry::default(),
            on_panic: OnPanic::default(),
            kind: PhantomData,
        }
    }

    /// Chooses what the Rust side does with a caught panic (default: [`OnPanic::Resume`]).
    pub fn on_panic(mut self, on_panic: OnPanic) -> Self {
        self.on_panic = on_panic;
        self
    }

    fn into_state(self) -> State<F, R> {
        // The registering thread is the caller of scope/register/hand_over, not the builder.
        let owner = (!K::ANY_THREAD).then(ThreadToken::current);
        let outcome = Arc::new(Outcome::new(self.on_panic));
        State::new(self.closure, self.refusal, self.reentry, owner, outcome)
    }

    /// Lends the callback to C for the duration of `body`, then reports what happened.
    ///
    /// `body` makes the C call with [`Handle::trampoline`] and [`Handle::user_data`]; the C
    /// function must not keep them past its return (that is the `SAFETY` argument of the C call
    /// inside `body`). Returns `body`'s value, or the first panic (resumed or reported as
    /// [`OnPanic`] says), or [`CallbackError::Refused`] if C made calls that were refused.
    pub fn scope<T>(
        self,
        body: impl for<'s> FnOnce(&'s Handle<'s, F, R, K>) -> T,
    ) -> Result<T, CallbackError> {
        let state = self.into_state();
        // Mutation through this pointer only happens inside `UnsafeCell`s and atomics.
        let handle = Handle {
            state: NonNull::from(&state),
            lifetime: PhantomData,
            kind: PhantomData,
        };
        let value = body(&handle);
        state.outcome.check().map(|()| value)
    }
}

/// The pair C needs: a trampoline for the closure's type and the `user_data` pointer.
pub struct Handle<'s, F, R, K> {
    // A pointer with the provenance of the allocation (a `Box` for registered forms), so that
    // the destroy hook may free through the `user_data` derived from it.
    state: NonNull<State<F, R>>,
    lifetime: PhantomData<&'s State<F, R>>,
    kind: PhantomData<fn() -> K>,
}

impl<F, R, K> Handle<'_, F, R, K> {
    /// The trampoline for a C signature `unsafe extern "C" fn(*mut c_void, A..) -> R`, chosen
    /// from the expected type (e.g. `Some(handle.trampoline())` for a bindgen field).
    pub fn trampoline<S: DataFirst<F, K>>(&self) -> S {
        S::TRAMPOLINE
    }

    /// The trampoline for a C signature `unsafe extern "C" fn(A.., *mut c_void) -> R`.
    pub fn trampoline_data_last<S: DataLast<F, K>>(&self) -> S {
        S::TRAMPOLINE
    }

    /// The pointer C passes back to the trampoline. Valid as long as the handle's form says:
    /// the scope, the [`Registration`], or until the destroy hook runs.
    pub fn user_data(&self) -> *mut c_void {
        self.state.as_ptr().cast()
    }
}

impl<F, R, K> std::fmt::Debug for Handle<'_, F, R, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("user_data", &self.user_data())
            .finish_non_exhaustive()
    }
}

/// Calls the closure behind `user_data` with every check of kind `K`: the building block for a
/// trampoline of an unusual signature (see the [module docs](self)).
///
/// Never unwinds: a panic in the closure is caught and the refusal value returned.
///
/// # Safety
/// `user_data` was obtained from [`Handle::user_data`] of a callback of kind `K` whose closure
/// type is `F` and return type `R`, and the scope, registration or hand-over it belongs to is
/// still alive.
#[inline(always)]
pub unsafe fn invoke<F, K, Args, R>(user_data: *mut c_void, args: Args) -> R
where
    K: Dispatch<F, Args, R>,
{
    // SAFETY: forwarded from the caller's contract, which is `dispatch`'s.
    unsafe { K::dispatch(user_data, args) }
}
