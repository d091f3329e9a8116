//! Scoped callbacks against a "C side" written as Rust `extern "C"` functions: panics,
//! reentrancy and foreign threads, each test naming the defense it covers.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use ffiguard::callback::{Callback, CallbackError, OnPanic, Refusal};

type Visit = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;

/// "C": calls `visit(user_data, i)` for `i` in `0..n`, returns the sum of the results (-1
/// for a null `visit`, as a C library would refuse it).
///
/// # Safety
/// `visit` and `user_data` must be a matching pair, valid until this returns.
unsafe extern "C" fn each(n: c_int, visit: Option<Visit>, user_data: *mut c_void) -> c_int {
    let Some(visit) = visit else { return -1 };
    let mut sum = 0;
    for i in 0..n {
        // SAFETY: the pretend library's contract: the pair is used only before returning.
        sum += unsafe { visit(user_data, i) };
    }
    sum
}

thread_local! {
    /// "C" with a handler installed for the duration of a call and an entry point that fires
    /// it, so a callback that calls `fire` re-enters itself through "C" (what a tree walk that
    /// calls back does). Per thread, so tests running in parallel do not share it.
    static CURRENT: Cell<Option<(Visit, usize)>> = const { Cell::new(None) };
}

/// # Safety
/// `visit` and `user_data` must be a matching pair, valid until this returns.
unsafe extern "C" fn with_handler(visit: Option<Visit>, user_data: *mut c_void, x: c_int) -> c_int {
    let Some(visit) = visit else { return -1 };
    CURRENT.set(Some((visit, user_data as usize)));
    let rc = fire(x);
    CURRENT.set(None);
    rc
}

extern "C" fn fire(x: c_int) -> c_int {
    let Some((visit, user_data)) = CURRENT.get() else {
        return -100;
    };
    // SAFETY: set by `with_handler`, which is still on the stack.
    unsafe { visit(user_data as *mut c_void, x) }
}

/// "C" that calls back from a thread it creates, `calls` times per thread, then joins.
///
/// # Safety
/// `visit` and `ud` must be a matching pair, callable from any thread until this returns.
unsafe extern "C" fn from_threads(
    threads: c_int,
    calls: c_int,
    visit: Option<Visit>,
    ud: *mut c_void,
) -> c_int {
    let ud = ud as usize;
    let Some(visit) = visit else { return -1 };
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut sum = 0;
                    for i in 0..calls {
                        // SAFETY: the caller keeps `ud` alive until this function returns.
                        sum += unsafe { visit(ud as *mut c_void, t * calls + i) };
                    }
                    sum
                })
            })
            .collect();
        // A panicked thread counts as a wrong sum, which the test's assertion reports.
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(-1_000_000))
            .sum()
    })
}

#[test]
fn scoped_closure_borrows_from_the_stack() {
    let mut seen = Vec::new();
    let sum = Callback::new(
        |i: c_int| {
            seen.push(i);
            i * 10
        },
        -1,
    )
    // SAFETY: `each` uses the pair only before returning, on this thread.
    .scope(|cb| unsafe { each(4, Some(cb.trampoline()), cb.user_data()) });
    assert_eq!(sum, Ok(60));
    assert_eq!(seen, [0, 1, 2, 3]);
}

/// Covers: catch_unwind in the trampoline and the poison flag. Without them the panic would
/// unwind into `extern "C"` and abort the test process.
#[test]
fn panic_becomes_refusal_value_then_error_and_later_calls_are_refused() {
    let calls = Cell::new(0);
    let sum = Callback::new(
        |i: c_int| {
            calls.set(calls.get() + 1);
            if i == 1 { panic!("boom at {i}") } else { 1 }
        },
        -1000,
    )
    .on_panic(OnPanic::Report)
    // SAFETY: as above.
    .scope(|cb| unsafe { each(4, Some(cb.trampoline()), cb.user_data()) });
    assert_eq!(
        sum,
        Err(CallbackError::Panicked {
            message: "boom at 1".into()
        })
    );
    assert_eq!(
        calls.get(),
        2,
        "calls after the panic never reach the closure"
    );
}

#[test]
fn panic_is_resumed_in_the_rust_caller_after_c_returns() {
    let c_saw = Cell::new(0);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        Callback::new(|_: c_int| -> c_int { panic!("resume me") }, -7).scope(|cb| {
            // SAFETY: as above.
            c_saw.set(unsafe { each(3, Some(cb.trampoline()), cb.user_data()) });
        })
    }));
    let payload = caught.expect_err("the panic is resumed");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"resume me"));
    assert_eq!(
        c_saw.get(),
        -21,
        "C ran to completion and saw the refusal value each time"
    );
}

/// Covers: the `busy` flag of `Exclusive`. Without it the inner call would form a second
/// `&mut` to the closure state.
#[test]
fn reentry_into_an_exclusive_closure_is_refused() {
    let mut depth_seen = Vec::new();
    let rc = Callback::new(
        |x: c_int| {
            depth_seen.push(x);
            if x < 3 { fire(x + 1) } else { 0 }
        },
        -1,
    )
    // SAFETY: `with_handler` clears the handler before returning; all calls on this thread.
    .scope(|cb| unsafe { with_handler(Some(cb.trampoline()), cb.user_data(), 0) });
    assert_eq!(
        rc,
        Err(CallbackError::Refused {
            first: Refusal::Reentrant,
            count: 1
        })
    );
    assert_eq!(depth_seen, [0]);
}

#[test]
fn reentrant_closure_may_reenter() {
    let depth = Cell::new(0);
    let max = Cell::new(0);
    let rc = Callback::reentrant(
        |x: c_int| {
            depth.set(depth.get() + 1);
            max.set(max.get().max(depth.get()));
            let r = if x < 5 { fire(x + 1) + 1 } else { 0 };
            depth.set(depth.get() - 1);
            r
        },
        -1,
    )
    // SAFETY: as above.
    .scope(|cb| unsafe { with_handler(Some(cb.trampoline()), cb.user_data(), 0) });
    assert_eq!(rc, Ok(5));
    assert_eq!(max.get(), 6);
}

/// Covers: the owner-thread check. Without it the `Rc` below would be touched from C's thread.
#[test]
fn call_from_a_c_thread_is_refused_for_a_thread_bound_closure() {
    let shared = Rc::new(Cell::new(0));
    let inner = Rc::clone(&shared);
    let rc = Callback::new(
        move |_: c_int| {
            inner.set(inner.get() + 1);
            1
        },
        -1,
    )
    // SAFETY: `from_threads` joins its threads before returning.
    .scope(|cb| unsafe { from_threads(2, 3, Some(cb.trampoline()), cb.user_data()) });
    assert_eq!(
        rc,
        Err(CallbackError::Refused {
            first: Refusal::ForeignThread,
            count: 6
        })
    );
    assert_eq!(shared.get(), 0);
}

/// 8 threads × 10,000 calls into one `AnyThread` closure, concurrently.
#[test]
fn any_thread_closure_is_called_concurrently_from_c_threads() {
    let calls = AtomicU64::new(0);
    let rc = Callback::any_thread(
        |i: c_int| {
            calls.fetch_add(1, Ordering::Relaxed);
            i % 2
        },
        -1,
    )
    // SAFETY: `from_threads` joins its threads before returning.
    .scope(|cb| unsafe { from_threads(8, 10_000, Some(cb.trampoline()), cb.user_data()) });
    assert_eq!(rc, Ok(40_000));
    assert_eq!(calls.load(Ordering::Relaxed), 80_000);
}

/// The case a thread-local panic stash gets wrong: the panic happens on C's thread, and the
/// Rust caller — on another thread — still receives it.
#[test]
fn panic_on_a_c_thread_reaches_the_rust_caller() {
    let caught = panic::catch_unwind(|| {
        Callback::any_thread(
            |i: c_int| if i == 5 { panic!("on C's thread") } else { 0 },
            -1,
        )
        // SAFETY: `from_threads` joins its threads before returning.
        .scope(|cb| unsafe { from_threads(1, 10, Some(cb.trampoline()), cb.user_data()) })
    });
    let payload = caught.expect_err("resumed on the calling thread");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"on C's thread"));
}

#[test]
fn user_data_last_and_no_argument_shapes() {
    type Last = unsafe extern "C" fn(c_int, c_int, *mut c_void) -> c_int;
    type Nullary = unsafe extern "C" fn(*mut c_void);
    let rc = Callback::new(|a: c_int, b: c_int| a * b, 0).scope(|cb| {
        let f: Last = cb.trampoline_data_last();
        // SAFETY: called during the scope on this thread.
        unsafe { f(6, 7, cb.user_data()) }
    });
    assert_eq!(rc, Ok(42));
    let mut hits = 0;
    let rc = Callback::new(|| hits += 1, ()).scope(|cb| {
        let f: Nullary = cb.trampoline();
        // SAFETY: called during the scope on this thread.
        unsafe { f(cb.user_data()) };
        // SAFETY: as above.
        unsafe { f(cb.user_data()) };
    });
    assert_eq!(rc, Ok(()));
    assert_eq!(hits, 2);
}
