//! Long-lived callbacks: a guard that unregisters before freeing, or ownership handed to the
//! library's destroy hook.

use std::ffi::c_void;
use std::marker::PhantomData;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Arc;

use super::outcome::{Outcome, discard};
use super::state::{State, release_boxed};
use super::{Callback, CallbackError, Handle, Kind};

/// A callback registered with a C library, unregistered and freed when dropped.
///
/// Drop order is the point: the library's unregister function runs first, and only then is
/// the closure freed, so C never holds a dangling `user_data`. Created by
/// [`Callback::register`].
#[must_use = "dropping the registration unregisters the callback at once"]
pub struct Registration<F, R, K, U: FnOnce()> {
    // A raw pointer rather than a `Box`: C holds an alias of it, and moving a `Box` would
    // assert uniqueness over memory C may be reading.
    state: NonNull<State<F, R>>,
    outcome: Arc<Outcome>,
    unregister: Option<U>,
    kind: PhantomData<fn() -> K>,
}

// SAFETY: moving the registration to another thread moves the closure (dropped there) and the
// unregister function (run there), hence `F: Send` and `U: Send`; `R` is dropped with the
// state. Which threads C may *call* on is unchanged: the owner recorded at registration.
unsafe impl<F: Send, R: Send, K, U: FnOnce() + Send> Send for Registration<F, R, K, U> {}
// SAFETY: `&Registration` reaches only the `Sync` outcome and pointer values; no method
// touches the closure, the refusal value or the unregister function through `&self`. So `F`,
// `R` and `U` need not be `Sync`: no `&F`, `&R` or `&U` is reachable from `&Registration`.
unsafe impl<F, R, K, U: FnOnce()> Sync for Registration<F, R, K, U> {}

impl<F: 'static, R: Copy + 'static, K: Kind> Callback<F, R, K> {
    /// Registers the callback through `register` and returns a guard.
    ///
    /// `register` makes the C registration call with the handle and, on success, returns the
    /// function that undoes it (capturing whatever id C returned). On `Err` the library is
    /// assumed not to hold the pointer and the closure is freed at once.
    ///
    /// ```
    /// use std::ffi::{c_int, c_void};
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use ffiguard::callback::Callback;
    ///
    /// // "C": one handler slot.
    /// type Handler = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
    /// static SLOT: std::sync::Mutex<Option<(Handler, usize)>> = std::sync::Mutex::new(None);
    /// fn fire(x: c_int) -> Option<c_int> {
    ///     let (f, ud) = (*SLOT.lock().unwrap())?;
    ///     // SAFETY: (of the pretend library) the pair was registered together.
    ///     Some(unsafe { f(ud as *mut c_void, x) })
    /// }
    ///
    /// let calls = AtomicUsize::new(0);
    /// let registration = Callback::any_thread(move |x: c_int| {
    ///     calls.fetch_add(1, Ordering::Relaxed);
    ///     x * 2
    /// }, -1)
    /// .register(|cb| {
    ///     *SLOT.lock().unwrap() = Some((cb.trampoline(), cb.user_data() as usize));
    ///     Ok::<_, ()>(|| *SLOT.lock().unwrap() = None)
    /// })
    /// .unwrap();
    /// assert_eq!(fire(21), Some(42));
    /// drop(registration); // unregisters, then frees
    /// assert_eq!(fire(21), None);
    /// ```
    pub fn register<U: FnOnce(), E>(
        self,
        register: impl FnOnce(&Handle<'_, F, R, K>) -> Result<U, E>,
    ) -> Result<Registration<F, R, K, U>, E> {
        let state = Box::new(self.into_state());
        let outcome = Arc::clone(&state.outcome);
        let state = NonNull::from(Box::leak(state));
        let handle = Handle {
            state,
            lifetime: PhantomData,
            kind: PhantomData,
        };
        match register(&handle) {
            Ok(unregister) => Ok(Registration {
                state,
                outcome,
                unregister: Some(unregister),
                kind: PhantomData,
            }),
            Err(e) => {
                // SAFETY: from `Box::leak` above; C does not hold it (the `Err` contract).
                drop(unsafe { Box::from_raw(state.as_ptr()) });
                Err(e)
            }
        }
    }
}

impl<F, R, K, U: FnOnce()> Registration<F, R, K, U> {
    /// The trampoline and `user_data`, e.g. to register the same closure a second time.
    pub fn handle(&self) -> Handle<'_, F, R, K> {
        // The state lives until `self` is dropped, which the handle's `'_` cannot outlive.
        Handle {
            state: self.state,
            lifetime: PhantomData,
            kind: PhantomData,
        }
    }

    /// Reports a panic or refusals since the last check (see [`OnPanic`](super::OnPanic)).
    pub fn check(&self) -> Result<(), CallbackError> {
        self.outcome.check()
    }

    /// Whether the closure panicked; a poisoned registration refuses every call.
    pub fn is_poisoned(&self) -> bool {
        self.outcome.is_poisoned()
    }

    /// Number of calls refused so far.
    pub fn refusals(&self) -> u64 {
        self.outcome.refusal_count()
    }

    /// Unregisters and frees now, and reports what happened since the last check.
    pub fn unregister(mut self) -> Result<(), CallbackError> {
        self.release();
        self.outcome.check()
    }

    fn release(&mut self) {
        let Some(unregister) = self.unregister.take() else {
            return;
        };
        match panic::catch_unwind(AssertUnwindSafe(unregister)) {
            // SAFETY: allocated by `Box` in `register`; C no longer calls it (unregister ran);
            // `unregister` was `Some`, so this is the only release. If the closure is running
            // on this thread (it dropped its own registration), the free waits for its return.
            Ok(()) => unsafe { release_boxed(self.state.as_ptr()) },
            // Unregistration did not complete, so C may still call: freeing would turn the
            // next call into a use-after-free. Keeping the state alive is the only sound choice.
            Err(payload) => discard(payload),
        }
    }
}

impl<F, R, K, U: FnOnce()> Drop for Registration<F, R, K, U> {
    fn drop(&mut self) {
        self.release();
    }
}

impl<F, R, K, U: FnOnce()> std::fmt::Debug for Registration<F, R, K, U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("user_data", &self.state)
            .field("outcome", &self.outcome)
            .finish_non_exhaustive()
    }
}

/// The handle plus the destroy hook, given to the registration call of
/// [`Callback::hand_over`].
#[derive(Debug)]
pub struct Handover<'s, F, R, K> {
    handle: Handle<'s, F, R, K>,
}

impl<'s, F, R, K> Deref for Handover<'s, F, R, K> {
    type Target = Handle<'s, F, R, K>;
    fn deref(&self) -> &Self::Target {
        &self.handle
    }
}

impl<F: Send + 'static, R: Copy + Send + 'static, K> Handover<'_, F, R, K> {
    /// The function C must call exactly once with `user_data` when it will call no more; it
    /// frees the closure (catching a panic in its destructor) and marks the monitor destroyed.
    pub fn destroy_hook(&self) -> unsafe extern "C" fn(*mut c_void) {
        destroy::<F, R>
    }
}

/// # Safety
/// `user_data` is null or the `user_data` of a [`Handover`] with these `F` and `R`, not yet
/// destroyed, and C makes no call with it afterwards.
unsafe extern "C" fn destroy<F: Send, R: Send>(user_data: *mut c_void) {
    let Some(state) = NonNull::new(user_data.cast::<State<F, R>>()) else {
        return;
    };
    // SAFETY: allocated by `Box` in `hand_over`; destroyed once and no longer called (caller).
    // `F: Send` and `R: Send`, so freeing on whichever thread C chose is sound; a destroy from
    // inside the closure's own call is deferred until that call returns.
    unsafe { release_boxed(state.as_ptr()) };
}

impl<F: Send + 'static, R: Copy + Send + 'static, K: Kind> Callback<F, R, K> {
    /// Gives ownership of the closure to the C library, which frees it through
    /// [`Handover::destroy_hook`] (rusqlite's `xDestroy` pattern). Returns `register`'s value and
    /// a [`Monitor`] that still sees panics and refusals.
    ///
    /// On `Err` the library is assumed to hold nothing and not to have called the hook, so the
    /// closure is freed here. (For a library that calls the hook even on failure, return `Ok`
    /// and carry the failure in `T`.) The closure must be `Send`: C may destroy on any thread.
    ///
    /// ```compile_fail
    /// use ffiguard::callback::Callback;
    /// let shared = std::rc::Rc::new(0);
    /// let _ = Callback::new(move |_: i32| *shared, -1).hand_over(|cb| Ok::<_, ()>(cb.user_data()));
    /// ```
    pub fn hand_over<T, E>(
        self,
        register: impl FnOnce(Handover<'_, F, R, K>) -> Result<T, E>,
    ) -> Result<(T, Monitor), E> {
        let state = Box::new(self.into_state());
        let outcome = Arc::clone(&state.outcome);
        let state = NonNull::from(Box::leak(state));
        let handover = Handover {
            handle: Handle {
                state,
                lifetime: PhantomData,
                kind: PhantomData,
            },
        };
        match register(handover) {
            Ok(value) => Ok((value, Monitor { outcome })),
            Err(e) => {
                // SAFETY: from `Box::leak` above; the `Err` contract says C neither holds it
                // nor destroyed it.
                drop(unsafe { Box::from_raw(state.as_ptr()) });
                Err(e)
            }
        }
    }
}

/// The Rust side's view of a callback whose closure the C library owns.
#[derive(Debug, Clone)]
pub struct Monitor {
    outcome: Arc<Outcome>,
}

impl Monitor {
    /// Reports a panic (also one in the closure's destructor) or refusals since the last check.
    pub fn check(&self) -> Result<(), CallbackError> {
        self.outcome.check()
    }

    /// Whether the closure panicked; a poisoned callback refuses every call.
    pub fn is_poisoned(&self) -> bool {
        self.outcome.is_poisoned()
    }

    /// Whether the library has called the destroy hook.
    pub fn is_destroyed(&self) -> bool {
        self.outcome.is_destroyed()
    }

    /// Number of calls refused so far.
    pub fn refusals(&self) -> u64 {
        self.outcome.refusal_count()
    }
}
