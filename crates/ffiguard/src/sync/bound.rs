//! A value that belongs to the thread that created it, checked at run time too.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;

use super::thread_id::ThreadToken;

/// The wrapped value may be touched only on the thread that created it.
///
/// The type is `!Send` and `!Sync`, so safe Rust cannot move it or share it. What types cannot
/// stop is C smuggling a pointer to it onto another thread (as `user_data` of a callback fired
/// from a worker, say): every access therefore also compares the calling thread with the owner
/// and refuses with [`WrongThread`] instead of racing.
///
/// Use it for handles of libraries with thread-local state (an `errno`-like context, an
/// OpenGL-style current context, an interpreter bound to a thread).
///
/// ```
/// use ffiguard::sync::ThreadBound;
/// let ctx = ThreadBound::new(vec![1, 2, 3]);
/// assert_eq!(ctx.get().unwrap().len(), 3);
///
/// // What C could do with a pointer it was given: use it from a thread of its own.
/// let smuggled = &ctx as *const ThreadBound<Vec<i32>> as usize;
/// let verdict = std::thread::spawn(move || {
///     // SAFETY: `ctx` outlives the join below; `get` is the checked access under test.
///     let ctx = unsafe { &*(smuggled as *const ThreadBound<Vec<i32>>) };
///     ctx.get().map(|v| v.len())
/// }).join().unwrap();
/// assert!(verdict.is_err());
/// ```
///
/// ```compile_fail
/// use ffiguard::sync::ThreadBound;
/// let ctx = ThreadBound::new(0u8);
/// std::thread::spawn(move || drop(ctx));
/// ```
pub struct ThreadBound<T> {
    owner: ThreadToken,
    // Dropped by hand so a drop on a foreign thread (possible only after unsafe smuggling) can
    // decline to run `T`'s destructor there.
    value: ManuallyDrop<T>,
    not_send: PhantomData<*const Cell<()>>,
}

/// A [`ThreadBound`] value was accessed from a thread other than its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("value bound to thread #{owner} accessed from thread #{caller}")]
#[non_exhaustive]
pub struct WrongThread {
    /// Process-unique number of the owner thread.
    pub owner: u64,
    /// Process-unique number of the calling thread.
    pub caller: u64,
}

impl<T> ThreadBound<T> {
    /// Binds `value` to the calling thread.
    pub fn new(value: T) -> Self {
        Self {
            owner: ThreadToken::current(),
            value: ManuallyDrop::new(value),
            not_send: PhantomData,
        }
    }

    /// Whether the calling thread is the owner.
    pub fn is_owner_thread(&self) -> bool {
        self.owner == ThreadToken::current()
    }

    /// Shared access, on the owner thread only.
    pub fn get(&self) -> Result<&T, WrongThread> {
        self.admit().map(|()| &*self.value)
    }

    /// Exclusive access, on the owner thread only.
    pub fn get_mut(&mut self) -> Result<&mut T, WrongThread> {
        self.admit().map(|()| &mut *self.value)
    }

    /// The value back, on the owner thread only (otherwise `self` is returned unchanged).
    pub fn into_inner(self) -> Result<T, Self> {
        if !self.is_owner_thread() {
            return Err(self);
        }
        let mut this = ManuallyDrop::new(self);
        // SAFETY: `this` is never dropped (ManuallyDrop), so the value is taken exactly once.
        Ok(unsafe { ManuallyDrop::take(&mut this.value) })
    }

    fn admit(&self) -> Result<(), WrongThread> {
        let caller = ThreadToken::current();
        if caller == self.owner {
            Ok(())
        } else {
            Err(WrongThread {
                owner: self.owner.get(),
                caller: caller.get(),
            })
        }
    }
}

impl<T> Drop for ThreadBound<T> {
    fn drop(&mut self) {
        if self.is_owner_thread() {
            // SAFETY: dropped once, here, on the owner thread.
            unsafe { ManuallyDrop::drop(&mut self.value) }
        }
        // Otherwise the value was smuggled across threads by unsafe code: running a non-`Send`
        // destructor here would be the very bug this type exists to stop, so it is not run.
    }
}

impl<T> fmt::Debug for ThreadBound<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadBound")
            .field("owner", &self.owner.get())
            .finish_non_exhaustive()
    }
}
