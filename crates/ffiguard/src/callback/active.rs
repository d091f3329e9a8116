//! Which callbacks are running on this thread, so that freeing one from inside itself (a
//! one-shot handler that unregisters itself) is deferred until its last frame returns.
//!
//! A singly linked list through the trampolines' stack frames, headed by a thread-local: two
//! TLS accesses per call, and a walk only on the cold path that frees a state.

use std::cell::Cell;
use std::ptr;

thread_local! {
    // `const` and no destructor: usable on any thread, C's included, at any point of its life.
    static INNERMOST: Cell<*const Frame> = const { Cell::new(ptr::null()) };
}

/// One running call of the callback whose state is at `key`.
pub(super) struct Frame {
    key: *const (),
    prev: *const Frame,
}

impl Frame {
    #[inline(always)]
    pub(super) fn new(key: *const ()) -> Self {
        Self {
            key,
            prev: ptr::null(),
        }
    }
}

/// Pushes `frame`.
///
/// # Safety
/// `frame` stays where it is and alive until [`leave`] is called with it, and frames are left in
/// the reverse order of entering (the trampolines never unwind, so this holds for them).
#[inline(always)]
pub(super) unsafe fn enter(frame: &mut Frame) {
    frame.prev = INNERMOST.get();
    INNERMOST.set(ptr::from_ref(frame));
}

/// Pops `frame` (the innermost one).
#[inline(always)]
pub(super) fn leave(frame: &Frame) {
    INNERMOST.set(frame.prev);
}

/// Whether a call of the state at `key` is running on this thread.
pub(super) fn contains(key: *const ()) -> bool {
    let mut frame = INNERMOST.get();
    while !frame.is_null() {
        // SAFETY: every frame in the list is alive: it was pushed by a call still on this
        // thread's stack (the contract of `enter`).
        let current = unsafe { &*frame };
        if current.key == key {
            return true;
        }
        frame = current.prev;
    }
    false
}
