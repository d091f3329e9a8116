//! Thread confinement with real OS threads: the library lock serializes a non-thread-safe
//! "C side", lets a callback re-enter on the same thread, and `ThreadBound` refuses a value
//! smuggled to another thread.

use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ffiguard::callback::Callback;
use ffiguard::sync::{LibraryLock, ThreadBound};

/// "C": a global counter updated with a non-atomic read-modify-write, as legacy code does.
struct Global(UnsafeCell<u64>);
// SAFETY: not actually thread-safe — every access below happens under `LIB`, which is what the
// test demonstrates.
unsafe impl Sync for Global {}
static COUNTER: Global = Global(UnsafeCell::new(0));
static LIB: LibraryLock = LibraryLock::new();

extern "C" fn bump() -> u64 {
    let p = COUNTER.0.get();
    // SAFETY: callers hold `LIB` (the "library's" undocumented precondition).
    let old = unsafe { p.read_volatile() };
    std::hint::spin_loop();
    // SAFETY: as above.
    unsafe { p.write_volatile(old + 1) };
    old
}

/// Covers: `LibraryLock` mutual exclusion. Without the lock, increments are lost (and TSan
/// reports the race).
#[test]
fn library_lock_serializes_eight_threads() {
    const THREADS: u64 = 8;
    const CALLS: u64 = 10_000;
    let before = {
        let _t = LIB.lock();
        bump()
    };
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..CALLS {
                    let _token = LIB.lock();
                    bump();
                }
            });
        }
    });
    let _t = LIB.lock();
    assert_eq!(bump(), before + 1 + THREADS * CALLS);
}

type Visit = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;

/// "C": calls `visit` while it is itself inside the library (so it "holds the lock").
///
/// # Safety
/// `visit` and `ud` must be a matching pair, valid until this returns.
unsafe extern "C" fn walk(visit: Visit, ud: *mut c_void) -> c_int {
    let _inside = LIB.lock();
    // SAFETY: the pair is valid for the duration of this call (pretend library contract).
    unsafe { visit(ud, 1) }
}

/// Covers: reentrancy of `LibraryLock`. A non-reentrant lock would deadlock when the callback
/// calls back into the library on the same thread.
#[test]
fn callback_reentering_the_library_does_not_deadlock() {
    let rc = Callback::new(
        |x: c_int| {
            let _again = LIB.lock();
            assert!(LIB.depth() >= 2);
            x + 1
        },
        -1,
    )
    .scope(|cb| {
        let _outer = LIB.lock();
        // SAFETY: `walk` uses the pair only before returning, on this thread.
        unsafe { walk(cb.trampoline(), cb.user_data()) }
    });
    assert_eq!(rc, Ok(2));
    assert!(!LIB.is_held_by_current_thread());
}

/// Counts drops.
struct Probe(Arc<AtomicUsize>);
impl Drop for Probe {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Covers: the run-time owner check of `ThreadBound`, the case types cannot see (a pointer C
/// hands to another thread).
#[test]
fn thread_bound_refuses_access_and_drop_from_a_smuggled_thread() {
    let drops = Arc::new(AtomicUsize::new(0));
    let bound = Box::new(ThreadBound::new(Probe(Arc::clone(&drops))));
    assert!(bound.get().is_ok());
    let smuggled = Box::into_raw(bound) as usize;
    let (access, owner_check) = std::thread::spawn(move || {
        // SAFETY: the box is alive; the owner thread does not touch it until joined.
        let bound = unsafe { &*(smuggled as *const ThreadBound<Probe>) };
        (bound.get().is_err(), bound.is_owner_thread())
    })
    .join()
    .unwrap();
    assert!(access);
    assert!(!owner_check);
    // Dropped on the wrong thread: the destructor must not run there.
    std::thread::spawn(move || {
        // SAFETY: reclaiming the box leaked above, once.
        drop(unsafe { Box::from_raw(smuggled as *mut ThreadBound<Probe>) });
    })
    .join()
    .unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0);

    let here = ThreadBound::new(Probe(Arc::clone(&drops)));
    drop(here);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}
