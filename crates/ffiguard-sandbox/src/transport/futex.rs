//! Doorbells: sleep on a shared futex (after spinning, see `spin`); and the robust-futex
//! registration that makes the kernel ring the host's doorbell when a worker dies.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use rustix::thread::futex;

/// Set by the kernel in a robust futex word when its owner thread dies.
pub(crate) const OWNER_DIED: u32 = futex::OWNER_DIED;
/// Set by a waiter before it sleeps, so the owner (and the kernel) know to wake it.
pub(crate) const WAITERS: u32 = futex::WAITERS;
/// The thread-id bits of a robust futex word.
pub(crate) const TID_MASK: u32 = !(OWNER_DIED | WAITERS);

/// Sleeps while `word == expected`, at most `timeout` (forever if `None`). Spurious and early
/// returns are fine: every caller re-checks its condition in a bounded loop.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) {
    let timespec = timeout.map(|t| rustix::time::Timespec {
        tv_sec: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(t.subsec_nanos()),
    });
    // Shared (not PRIVATE): the word lives in a memfd mapped by two processes.
    let _ = futex::wait(word, futex::Flags::empty(), expected, timespec.as_ref());
}

/// As [`wait`] with a timeout; says whether the sleep ran out its timeout, as opposed to ending
/// early (a wake-up, a changed word, a signal).
pub(crate) fn wait_timed_out(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
    let timespec = rustix::time::Timespec {
        tv_sec: i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX),
        tv_nsec: i64::from(timeout.subsec_nanos()),
    };
    matches!(
        futex::wait(word, futex::Flags::empty(), expected, Some(&timespec)),
        Err(rustix::io::Errno::TIMEDOUT)
    )
}

/// Wakes one sleeper on `word`.
pub(crate) fn wake_one(word: &AtomicU32) {
    let _ = futex::wake(word, futex::Flags::empty(), 1);
}

/// The kernel's `struct robust_list_head` with its single entry, laid out as the ABI expects.
#[repr(C)]
struct RobustHead {
    /// `head.list.next`: points at `entry`.
    next: *const RobustEntry,
    /// Offset from an entry to its futex word.
    futex_offset: isize,
    list_op_pending: *const RobustEntry,
    entry: RobustEntry,
}

#[repr(C)]
struct RobustEntry {
    /// Points back at the head: the list is circular.
    next: *const RobustEntry,
}

/// Registers `word` as this thread's only robust futex and stores our thread id in it: when the
/// thread dies for any reason (signal, abort, exit), the kernel sets [`OWNER_DIED`] in the word
/// and wakes one waiter, so the host learns of the death without polling.
///
/// Replaces the C library's own robust list for this thread (used by process-shared robust
/// mutexes, which a worker does not use across its death anyway).
pub(crate) fn register_robust(word: &'static AtomicU32) -> std::io::Result<()> {
    let tid = u32::try_from(rustix::thread::gettid().as_raw_nonzero().get())
        .map_err(std::io::Error::other)?;
    word.store(tid & TID_MASK, Ordering::SeqCst);
    // Leaked: the kernel reads the list at thread exit, i.e. for the rest of the process.
    let head: &'static mut RobustHead = Box::leak(Box::new(RobustHead {
        next: std::ptr::null(),
        futex_offset: 0,
        list_op_pending: std::ptr::null(),
        entry: RobustEntry {
            next: std::ptr::null(),
        },
    }));
    let head_ptr: *const RobustHead = head;
    let entry_ptr: *const RobustEntry = &head.entry;
    head.next = entry_ptr;
    head.entry.next = head_ptr.cast::<RobustEntry>();
    // The word is in another mapping; the kernel only needs `entry + offset == word`, which
    // wrapping arithmetic on addresses expresses without forming an out-of-bounds pointer.
    #[allow(clippy::cast_possible_wrap)] // address difference: two's complement is the ABI
    let offset = (word as *const AtomicU32 as usize).wrapping_sub(entry_ptr as usize) as isize;
    head.futex_offset = offset;
    // SAFETY: set_robust_list reads `head` (a leaked, hence forever valid, RobustHead whose
    // layout is the kernel's `struct robust_list_head`) at thread exit; `len` is that struct's
    // size (three pointer-sized fields), as the syscall requires.
    let result =
        unsafe { libc::syscall(libc::SYS_set_robust_list, head_ptr, 3 * size_of::<usize>()) };
    if result == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
