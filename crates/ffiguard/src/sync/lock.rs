//! A library-wide, reentrant serializing lock for C libraries that are not thread-safe.

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use super::thread_id::ThreadToken;

/// Serializes every call into one C library; the holding thread may re-enter.
///
/// Put one in a `static` next to the `-sys` crate and take a [`LibraryToken`] around every call
/// (or every sequence of calls that must not interleave). Another thread blocks until the token
/// and all its nested tokens are dropped.
///
/// **Reentry.** A callback running inside a library call may call the library again on the same
/// thread; [`lock`](Self::lock) then returns at once with a nested token instead of
/// deadlocking. This is exactly reentry in the C sense — the library is entered while one of its
/// own frames is still on the stack — and the lock can only make it race-free, not correct:
/// whether the library tolerates it (a tree walk that is told to insert into the tree it walks)
/// is a property of the library, documented or not. Where it does not, refuse reentry at the
/// callback instead ([`Reentry`](crate::callback::Reentry)).
///
/// Panics do not poison the lock: a panic cannot leave C's state half-written (C does not
/// unwind), and a caught callback panic returns to C normally.
///
/// ```
/// use ffiguard::sync::LibraryLock;
/// static LIB: LibraryLock = LibraryLock::new();
///
/// let outer = LIB.lock();
/// let inner = LIB.lock(); // same thread: nested, no deadlock
/// assert_eq!(LIB.depth(), 2);
/// drop(inner);
/// drop(outer);
/// assert!(std::thread::spawn(|| LIB.try_lock().is_some()).join().unwrap());
/// ```
///
/// A token is proof that this thread holds the lock, so it cannot be sent elsewhere:
///
/// ```compile_fail
/// use ffiguard::sync::LibraryLock;
/// static LIB: LibraryLock = LibraryLock::new();
/// let token = LIB.lock();
/// std::thread::spawn(move || drop(token));
/// ```
pub struct LibraryLock {
    holder: Mutex<Holder>,
    released: Condvar,
}

#[derive(Clone, Copy)]
struct Holder {
    thread: Option<ThreadToken>,
    depth: usize,
}

impl LibraryLock {
    /// An unlocked lock (usable in a `static`).
    pub const fn new() -> Self {
        Self {
            holder: Mutex::new(Holder {
                thread: None,
                depth: 0,
            }),
            released: Condvar::new(),
        }
    }

    /// Blocks until this thread holds the lock; returns at once if it already does.
    pub fn lock(&self) -> LibraryToken<'_> {
        let me = ThreadToken::current();
        let mut holder = self.state();
        loop {
            match holder.thread {
                None => break,
                Some(t) if t == me => break,
                Some(_) => {
                    holder = self
                        .released
                        .wait(holder)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
        }
        self.enter(&mut holder, me)
    }

    /// Takes the lock if it is free or already held by this thread.
    pub fn try_lock(&self) -> Option<LibraryToken<'_>> {
        let me = ThreadToken::current();
        let mut holder = self.state();
        match holder.thread {
            Some(t) if t != me => None,
            _ => Some(self.enter(&mut holder, me)),
        }
    }

    /// Whether the calling thread holds the lock.
    pub fn is_held_by_current_thread(&self) -> bool {
        self.state().thread == Some(ThreadToken::current())
    }

    /// Nesting depth of the current holder (0 when free).
    pub fn depth(&self) -> usize {
        self.state().depth
    }

    fn enter(&self, holder: &mut Holder, me: ThreadToken) -> LibraryToken<'_> {
        holder.thread = Some(me);
        // Each token is a live Rust value, so the count is bounded by memory long before usize.
        holder.depth = holder.depth.saturating_add(1);
        LibraryToken {
            lock: self,
            not_send: PhantomData,
        }
    }

    fn state(&self) -> MutexGuard<'_, Holder> {
        // The inner mutex is never held across user code, so poisoning cannot carry meaning.
        self.holder.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for LibraryLock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LibraryLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let holder = *self.state();
        f.debug_struct("LibraryLock")
            .field("holder", &holder.thread.map(ThreadToken::get))
            .field("depth", &holder.depth)
            .finish()
    }
}

/// Proof that the current thread holds a [`LibraryLock`]; released on drop.
///
/// `!Send` and `!Sync`: the lock belongs to the thread that took it. Wrapper functions can take
/// `&LibraryToken` to state in their signature that they expect the lock to be held.
#[must_use = "the lock is released as soon as the token is dropped"]
pub struct LibraryToken<'a> {
    lock: &'a LibraryLock,
    not_send: PhantomData<*const Cell<()>>,
}

impl LibraryToken<'_> {
    /// The lock this token holds.
    pub fn lock(&self) -> &LibraryLock {
        self.lock
    }
}

impl Drop for LibraryToken<'_> {
    fn drop(&mut self) {
        let mut holder = self.lock.state();
        holder.depth = holder.depth.saturating_sub(1);
        if holder.depth == 0 {
            holder.thread = None;
            drop(holder);
            self.lock.released.notify_one();
        }
    }
}

impl fmt::Debug for LibraryToken<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LibraryToken")
            .field("depth", &self.lock.depth())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::LibraryLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[test]
    fn other_threads_wait_for_every_nested_token() {
        static LIB: LibraryLock = LibraryLock::new();
        let outer = LIB.lock();
        let inner = LIB.lock();
        assert!(LIB.is_held_by_current_thread());
        std::thread::scope(|s| {
            assert!(s.spawn(|| LIB.try_lock().is_none()).join().unwrap());
            drop(inner);
            assert!(s.spawn(|| LIB.try_lock().is_none()).join().unwrap());
        });
        drop(outer);
        assert_eq!(LIB.depth(), 0);
        let got = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| got.store(LIB.try_lock().is_some(), Ordering::Relaxed));
        });
        assert!(got.load(Ordering::Relaxed));
    }
}
