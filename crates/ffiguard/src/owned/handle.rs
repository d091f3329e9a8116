//! Owned and borrowed opaque C handles.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

/// A null pointer where a handle was expected.
///
/// ```
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     pub struct T(sys::t) release = sys::t_free;
/// }
/// // SAFETY: null is always accepted (and rejected with an error).
/// let err = unsafe { T::from_raw(std::ptr::null_mut()) }.unwrap_err();
/// assert_eq!(err.to_string(), "null handle where a `T` was expected");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("null handle where a `{type_name}` was expected")]
pub struct NullHandle {
    type_name: &'static str,
}

impl NullHandle {
    /// The error for a null `type_name`.
    pub fn new(type_name: &'static str) -> Self {
        NullHandle { type_name }
    }

    /// The owner type that was to be made.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

/// An owner of one C handle. Implemented by [`handle!`](crate::handle); the trait lets generic
/// code ([`HandleRef`]) work with any declared handle.
///
/// ```
/// use ffiguard::owned::Handle;
///
/// fn address<H: Handle>(handle: &H) -> usize {
///     handle.as_non_null().addr().get()
/// }
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// # ffiguard::handle! {
/// #     /// Demo.
/// #     pub struct T(sys::t) release = sys::t_free;
/// # }
/// # let mut x = 0_u8;
/// # // SAFETY: non-null; t_free ignores it.
/// # let t = unsafe { T::from_raw((&raw mut x).cast()) }.unwrap();
/// # assert_eq!(address(&t), t.as_ptr().addr());
/// ```
///
/// # Safety
///
/// An implementor owns the handle returned by [`as_non_null`](Handle::as_non_null) for as long
/// as it lives, and releases it at most once (in `Drop` or a consuming method).
pub unsafe trait Handle: Sized {
    /// The C type the handle points to (usually an opaque `enum` or `struct` of the -sys crate).
    type Raw;

    /// The handle.
    fn as_non_null(&self) -> NonNull<Self::Raw>;
}

/// The pointer inside a [`handle!`](crate::handle) owner.
///
/// Its constructor is `unsafe`, so even code in the module that declares a handle cannot
/// build an owner around an arbitrary pointer (which `Drop` would then release) without an
/// `unsafe` block. Like `NonNull`, it is neither `Send` nor `Sync`.
#[doc(hidden)]
pub struct OwnedPtr<T> {
    ptr: NonNull<T>,
}

impl<T> OwnedPtr<T> {
    /// # Safety
    ///
    /// `ptr` is a handle the caller owns and hands over.
    #[doc(hidden)]
    pub unsafe fn new(ptr: NonNull<T>) -> Self {
        OwnedPtr { ptr }
    }

    #[doc(hidden)]
    pub fn get(&self) -> NonNull<T> {
        self.ptr
    }
}

/// A borrowed handle: either lent by an owner ([`handle!`](crate::handle)'s `as_handle_ref`),
/// or lent by C (a handle owned by another object), valid for `'a`.
///
/// It never releases the handle. It is `Send`/`Sync` exactly when `&H` is, so lending does not
/// open a door that owning keeps shut.
///
/// A `HandleRef` cannot outlive the owner it was borrowed from:
///
/// ```compile_fail
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     pub struct T(sys::t) release = sys::t_free;
/// }
/// let mut leaked = None;
/// {
///     let mut x = 0_u8;
///     // SAFETY: the pointer is non-null; t_free ignores it.
///     let owner = unsafe { T::from_raw((&raw mut x).cast()) }.unwrap();
///     leaked = Some(owner.as_handle_ref());
/// } // owner released here while the borrow is still in `leaked`
/// drop(leaked);
/// ```
pub struct HandleRef<'a, H: Handle> {
    ptr: NonNull<H::Raw>,
    _owner: PhantomData<&'a H>,
}

impl<'a, H: Handle> HandleRef<'a, H> {
    /// Borrows the handle an owner holds (the same as the owner's `as_handle_ref()`).
    ///
    /// ```
    /// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
    /// # ffiguard::handle! {
    /// #     /// Demo.
    /// #     pub struct T(sys::t) release = sys::t_free;
    /// # }
    /// use ffiguard::owned::HandleRef;
    /// # let mut x = 0_u8;
    /// # // SAFETY: non-null; t_free ignores it.
    /// # let owner = unsafe { T::from_raw((&raw mut x).cast()) }.unwrap();
    /// let lent = HandleRef::new(&owner);
    /// assert_eq!(lent.as_ptr(), owner.as_ptr());
    /// ```
    pub fn new(owner: &'a H) -> Self {
        HandleRef {
            ptr: owner.as_non_null(),
            _owner: PhantomData,
        }
    }

    /// Wraps a handle C lends (for example one owned by a parent object), rejecting null.
    ///
    /// ```
    /// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
    /// ffiguard::handle! {
    ///     /// Demo.
    ///     pub struct T(sys::t) release = sys::t_free;
    /// }
    /// use ffiguard::owned::HandleRef;
    /// // SAFETY: null is accepted and rejected with an error.
    /// assert!(unsafe { HandleRef::<T>::from_raw(std::ptr::null_mut()) }.is_err());
    /// ```
    ///
    /// # Safety
    ///
    /// `ptr` is null, or a valid handle of `H::Raw` that stays valid (not released, not moved
    /// by C) for all of `'a`, and that the caller does not own.
    pub unsafe fn from_raw(ptr: *mut H::Raw) -> Result<Self, NullHandle> {
        NonNull::new(ptr)
            .map(|ptr| HandleRef {
                ptr,
                _owner: PhantomData,
            })
            .ok_or_else(|| NullHandle::new(short_type_name::<H>()))
    }

    /// The handle, to pass to C. The pointer is valid for `'a`.
    pub fn as_ptr(&self) -> *mut H::Raw {
        self.ptr.as_ptr()
    }
}

impl<'a, H: Handle> From<&'a H> for HandleRef<'a, H> {
    fn from(owner: &'a H) -> Self {
        HandleRef::new(owner)
    }
}

impl<H: Handle> Clone for HandleRef<'_, H> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<H: Handle> Copy for HandleRef<'_, H> {}

impl<H: Handle> fmt::Debug for HandleRef<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HandleRef<{}>({:p})", short_type_name::<H>(), self.ptr)
    }
}

// SAFETY: a HandleRef gives exactly the access a `&H` gives (it can only hand out the pointer
// for C calls that take the handle by shared reference), so it may cross threads when `&H`
// may, i.e. when `H: Sync`.
unsafe impl<H: Handle + Sync> Send for HandleRef<'_, H> {}
// SAFETY: as above; sharing a `&HandleRef` is sharing a `&H`.
unsafe impl<H: Handle + Sync> Sync for HandleRef<'_, H> {}

fn short_type_name<T>() -> &'static str {
    let full = core::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// Declares an owner type for an opaque C handle.
///
/// ```text
/// handle! {
///     /// docs
///     pub struct Name(sys::raw_type) release = sys::raw_free
///         [, close = error::convention::<Code>]      // release can fail: adds `close(self)`
///         [, unsafe impl Send = "why it is safe"]     // otherwise !Send
///         [, unsafe impl Sync = "why it is safe"];    // otherwise !Sync
/// }
/// ```
///
/// The type gets `unsafe fn from_raw(*mut Raw) -> Result<Self, NullHandle>` (null is rejected
/// in release builds too), `unsafe fn from_non_null`, `as_ptr`, `into_raw`, `as_handle_ref`,
/// and a `Drop` that calls `release` exactly once. With `close`, `close(self)` calls `release`
/// and checks its return value with the named convention; `Drop` calls `release` too but
/// ignores the result (a `Drop` cannot report failure and never panics).
///
/// ```
/// use ffiguard::error::{self, Errno};
///
/// #[allow(non_camel_case_types)]
/// mod sys {
///     pub enum lg_file {}
///     pub unsafe extern "C" fn lg_file_close(_: *mut lg_file) -> core::ffi::c_int { 5 }
/// }
///
/// ffiguard::handle! {
///     /// A file; closing flushes and can fail.
///     pub struct File(sys::lg_file) release = sys::lg_file_close,
///         close = error::nonzero_is_error::<Errno>,
///         unsafe impl Send = "liblegacy files carry no thread-local state (lg_file.h, THREADS)";
/// }
///
/// let mut storage = 0_u8;
/// // SAFETY: a non-null pointer owned by nobody else; the stand-in close never dereferences it.
/// let file = unsafe { File::from_raw((&raw mut storage).cast()) }.unwrap();
/// let err = file.close().unwrap_err();
/// assert_eq!(err.to_string(), "sys::lg_file_close returned 5: Input/output error (os error 5) (EIO)");
/// ```
///
/// Without `unsafe impl Send`, the owner cannot move to another thread:
///
/// ```compile_fail
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     pub struct T(sys::t) release = sys::t_free;
/// }
/// let mut x = 0_u8;
/// // SAFETY: non-null; t_free ignores it.
/// let t = unsafe { T::from_raw((&raw mut x).cast()) }.unwrap();
/// std::thread::spawn(move || drop(t));
/// ```
///
/// An owner cannot be cloned or copied (two owners would release one handle twice), not even
/// by a derive on the declaration:
///
/// ```compile_fail
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     #[derive(Clone)]
///     pub struct T(sys::t) release = sys::t_free;
/// }
/// ```
///
/// A reason is required, and it cannot be empty:
///
/// ```compile_fail
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     pub struct T(sys::t) release = sys::t_free, unsafe impl Send = "";
/// }
/// ```
///
/// and without `unsafe impl Sync` it cannot be shared:
///
/// ```compile_fail
/// # mod sys { pub enum t {} pub unsafe extern "C" fn t_free(_: *mut t) {} }
/// ffiguard::handle! {
///     /// Demo.
///     pub struct T(sys::t) release = sys::t_free, unsafe impl Send = "demo";
/// }
/// fn needs_sync<S: Sync>(_: &S) {}
/// let mut x = 0_u8;
/// // SAFETY: non-null; t_free ignores it.
/// let t = unsafe { T::from_raw((&raw mut x).cast()) }.unwrap();
/// needs_sync(&t);
/// ```
#[macro_export]
macro_rules! handle {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident($raw:ty) release = $release:path
        $(, close = $close:path)?
        $(, unsafe impl Send = $send_reason:literal)?
        $(, unsafe impl Sync = $sync_reason:literal)?
        $(,)?;
    ) => {
        $(#[$meta])*
        $vis struct $name {
            ptr: $crate::owned::OwnedPtr<$raw>,
        }

        #[allow(dead_code)]
        impl $name {
            /// Takes ownership of `ptr`, rejecting null.
            ///
            /// # Safety
            ///
            /// `ptr` is null, or a valid handle that nothing else owns or will release, and
            /// that the release function of this type frees.
            $vis unsafe fn from_raw(
                ptr: *mut $raw,
            ) -> ::core::result::Result<Self, $crate::owned::NullHandle> {
                ::core::ptr::NonNull::new(ptr)
                    // SAFETY: ownership of the non-null handle is passed on (this function's
                    // contract).
                    .map(|ptr| Self { ptr: unsafe { $crate::owned::OwnedPtr::new(ptr) } })
                    .ok_or_else(|| $crate::owned::NullHandle::new(::core::stringify!($name)))
            }

            /// Takes ownership of a handle already checked for null.
            ///
            /// # Safety
            ///
            /// As for `from_raw`: a valid handle that nothing else owns or will release.
            $vis unsafe fn from_non_null(ptr: ::core::ptr::NonNull<$raw>) -> Self {
                // SAFETY: ownership is passed on (this function's contract).
                Self { ptr: unsafe { $crate::owned::OwnedPtr::new(ptr) } }
            }

            /// The handle, to pass to C. Valid while `self` lives; do not release it.
            $vis fn as_ptr(&self) -> *mut $raw {
                self.ptr.get().as_ptr()
            }

            /// Gives up ownership without releasing; the caller must release the handle.
            $vis fn into_raw(self) -> *mut $raw {
                ::core::mem::ManuallyDrop::new(self).ptr.get().as_ptr()
            }

            /// Lends the handle to code that must not release it.
            $vis fn as_handle_ref(&self) -> $crate::owned::HandleRef<'_, Self> {
                $crate::owned::HandleRef::new(self)
            }

            $(
                /// Releases the handle and reports whether the library's release succeeded.
                /// Dropping instead releases too, but ignores the result.
                $vis fn close(self) -> ::core::result::Result<(), $crate::error::CallError> {
                    let ptr = self.into_raw();
                    // SAFETY: `ptr` was owned by `self`, which `into_raw` consumed without
                    // releasing, so this is the one release.
                    let rc = unsafe { $release(ptr) };
                    $close(::core::stringify!($release), rc).map(|_| ())
                }
            )?
        }

        // SAFETY: the handle is owned by this value (from_raw's contract) and released once.
        unsafe impl $crate::owned::Handle for $name {
            type Raw = $raw;

            fn as_non_null(&self) -> ::core::ptr::NonNull<$raw> {
                self.ptr.get()
            }
        }

        impl ::core::ops::Drop for $name {
            fn drop(&mut self) {
                // SAFETY: `self` owns the handle (from_raw's contract) and this is the only
                // release (`into_raw` and `close` skip Drop).
                let _ = unsafe { $release(self.ptr.get().as_ptr()) };
            }
        }

        impl ::core::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::write!(f, "{}({:p})", ::core::stringify!($name), self.ptr.get())
            }
        }

        $(
            const _: () = ::core::assert!(
                !::core::primitive::str::is_empty($send_reason),
                "`unsafe impl Send` needs a reason",
            );
            #[doc = ::core::concat!("Send: ", $send_reason)]
            // SAFETY: justified by the declaration's stated reason.
            unsafe impl ::core::marker::Send for $name {}
        )?
        $(
            const _: () = ::core::assert!(
                !::core::primitive::str::is_empty($sync_reason),
                "`unsafe impl Sync` needs a reason",
            );
            #[doc = ::core::concat!("Sync: ", $sync_reason)]
            // SAFETY: justified by the declaration's stated reason.
            unsafe impl ::core::marker::Sync for $name {}
        )?
    };
}
