//! Closure arities and the C function-pointer shapes a trampoline can take.
//!
//! A closure of `n` arguments is called with an `n`-tuple ([`CallMut`], [`CallRef`]). The
//! trampolines are generic `unsafe extern "C" fn`s, one per arity and `user_data` position;
//! [`DataFirst`] and [`DataLast`] pick the right one from the function-pointer type C expects,
//! so `Some(handle.trampoline())` type-checks against a bindgen signature directly.

use std::ffi::c_void;

use super::state::Dispatch;

/// A closure callable through `&mut self` with its arguments as a tuple.
///
/// Implemented for every `FnMut` of up to six arguments.
pub trait CallMut<Args> {
    /// The closure's return type, which is also the trampoline's.
    type Output;
    /// Calls the closure.
    fn call_mut(&mut self, args: Args) -> Self::Output;
}

/// A closure callable through `&self` (so reentrantly, or from several threads at once).
///
/// Implemented for every `Fn` of up to six arguments.
pub trait CallRef<Args>: CallMut<Args> {
    /// Calls the closure.
    fn call_ref(&self, args: Args) -> Self::Output;
}

/// A C function-pointer type `unsafe extern "C" fn(*mut c_void, A, B, ..) -> R` whose
/// trampoline enters a closure of kind `K`.
///
/// # Safety
/// `TRAMPOLINE` must pass its `user_data` argument and the other arguments unchanged to
/// [`Dispatch::dispatch`] of `K`.
pub unsafe trait DataFirst<F, K>: Copy {
    /// The trampoline for closure type `F`.
    const TRAMPOLINE: Self;
}

/// A C function-pointer type `unsafe extern "C" fn(A, B, .., *mut c_void) -> R` (the
/// `qsort_r`/`bsearch`-style position of `user_data`).
///
/// # Safety
/// As for [`DataFirst`].
pub unsafe trait DataLast<F, K>: Copy {
    /// The trampoline for closure type `F`.
    const TRAMPOLINE: Self;
}

macro_rules! arity {
    ($first:ident, $last:ident; $($arg:ident: $ty:ident),*) => {
        impl<Func, Ret, $($ty),*> CallMut<($($ty,)*)> for Func
        where
            Func: FnMut($($ty),*) -> Ret,
        {
            type Output = Ret;
            #[inline(always)]
            fn call_mut(&mut self, ($($arg,)*): ($($ty,)*)) -> Ret {
                self($($arg),*)
            }
        }

        impl<Func, Ret, $($ty),*> CallRef<($($ty,)*)> for Func
        where
            Func: Fn($($ty),*) -> Ret,
        {
            #[inline(always)]
            fn call_ref(&self, ($($arg,)*): ($($ty,)*)) -> Ret {
                self($($arg),*)
            }
        }

        /// Trampoline with `user_data` first.
        ///
        /// # Safety
        /// `user_data` satisfies [`Dispatch::dispatch`] for `K`, `F` and `Ret`.
        unsafe extern "C" fn $first<Func, K, Ret, $($ty),*>(
            user_data: *mut c_void,
            $($arg: $ty),*
        ) -> Ret
        where
            K: Dispatch<Func, ($($ty,)*), Ret>,
        {
            // SAFETY: forwarded unchanged from C, which got `user_data` from the same handle as
            // this trampoline (the caller's contract).
            unsafe { K::dispatch(user_data, ($($arg,)*)) }
        }

        /// Trampoline with `user_data` last.
        ///
        /// # Safety
        /// `user_data` satisfies [`Dispatch::dispatch`] for `K`, `F` and `Ret`.
        unsafe extern "C" fn $last<Func, K, Ret, $($ty),*>(
            $($arg: $ty,)*
            user_data: *mut c_void,
        ) -> Ret
        where
            K: Dispatch<Func, ($($ty,)*), Ret>,
        {
            // SAFETY: as in the `user_data`-first trampoline.
            unsafe { K::dispatch(user_data, ($($arg,)*)) }
        }

        // SAFETY: the trampoline forwards `user_data` and the arguments unchanged to `K`.
        unsafe impl<Func, K, Ret, $($ty),*> DataFirst<Func, K>
            for unsafe extern "C" fn(*mut c_void $(, $ty)*) -> Ret
        where
            K: Dispatch<Func, ($($ty,)*), Ret>,
        {
            const TRAMPOLINE: Self = $first::<Func, K, Ret $(, $ty)*>;
        }

        // SAFETY: the trampoline forwards `user_data` and the arguments unchanged to `K`.
        unsafe impl<Func, K, Ret, $($ty),*> DataLast<Func, K>
            for unsafe extern "C" fn($($ty,)* *mut c_void) -> Ret
        where
            K: Dispatch<Func, ($($ty,)*), Ret>,
        {
            const TRAMPOLINE: Self = $last::<Func, K, Ret $(, $ty)*>;
        }
    };
}

arity!(first0, last0;);
arity!(first1, last1; a: A);
arity!(first2, last2; a: A, b: B);
arity!(first3, last3; a: A, b: B, c: C);
arity!(first4, last4; a: A, b: B, c: C, d: D);
arity!(first5, last5; a: A, b: B, c: C, d: D, e: E);
arity!(first6, last6; a: A, b: B, c: C, d: D, e: E, g: G);
