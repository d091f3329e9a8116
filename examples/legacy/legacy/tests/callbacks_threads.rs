//! Callbacks from threads liblegacy creates (`lg_run_workers`), and the global counter that
//! races without the library lock.
//!
//! Under ThreadSanitizer (command in the `ffiguard::sync` docs) the stress test must
//! be silent, and `tsan_reports_the_race_without_the_lock` proves the same C code is reported
//! when the lock is left out.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::panic;
use std::process::Command;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};

use ffiguard::sync::ThreadBound;
use legacy::callbacks::{Finished, WorkItem, bump_event, event_count, reset_events, run_workers};

const WORKERS: usize = 8;
const CALLS: usize = 10_000;

/// 8 liblegacy threads × 10,000 callbacks, each bumping liblegacy's global counter through the
/// wrapper. Covers: the library lock taken on C's threads. Without it updates are lost (and
/// TSan reports the race, see below).
#[test]
fn eight_threads_ten_thousand_calls_each_lose_nothing() {
    reset_events();
    let per_worker: Vec<AtomicUsize> = (0..WORKERS).map(|_| AtomicUsize::new(0)).collect();
    // All workers start together, so their calls overlap in time and a missing lock shows.
    let start = Barrier::new(WORKERS);
    let done = run_workers(WORKERS, CALLS, |item: WorkItem| {
        if item.iteration == 0 {
            start.wait();
        }
        per_worker[item.worker].fetch_add(1, Ordering::Relaxed);
        bump_event();
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(done, Finished::Completed);
    assert!(
        per_worker
            .iter()
            .all(|n| n.load(Ordering::Relaxed) == CALLS)
    );
    assert_eq!(event_count(), i64::try_from(WORKERS * CALLS).unwrap());
}

/// The panic happens on a thread liblegacy created; a thread-local panic stash would lose it.
/// Here it is resumed on the calling thread once `lg_run_workers` has joined its threads.
#[test]
fn panic_on_a_library_thread_reaches_the_caller() {
    let caught = panic::catch_unwind(|| {
        run_workers(4, 100, |item| {
            if item.worker == 2 && item.iteration == 50 {
                panic!("worker 2 failed");
            }
            ControlFlow::Continue(())
        })
    });
    let payload = caught.expect_err("resumed here");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"worker 2 failed"));
}

#[test]
fn break_stops_the_workers() {
    let calls = AtomicUsize::new(0);
    let done = run_workers(2, 1_000, |item| {
        calls.fetch_add(1, Ordering::Relaxed);
        if item.iteration == 9 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(done, Finished::Stopped);
    assert_eq!(calls.load(Ordering::Relaxed), 20);
}

/// A raw task that treats `user_data` as a `ThreadBound` counter, the way C smuggles a pointer
/// onto its own threads. Returns 0 when the owner check refused the access.
///
/// # Safety
/// `user_data` must point to a `ThreadBound<Cell<u32>>` that outlives the call.
unsafe extern "C" fn touch_bound(user_data: *mut std::ffi::c_void, _: i32, _: i32) -> i32 {
    // SAFETY: the test passes a `ThreadBound<Cell<u32>>` that outlives lg_run_workers.
    let bound = unsafe { &*user_data.cast::<ThreadBound<Cell<u32>>>() };
    match bound.get() {
        Ok(cell) => {
            cell.set(cell.get() + 1);
            1
        }
        Err(_) => 0,
    }
}

/// Covers: `ThreadBound`'s run-time owner check, the case types cannot see — liblegacy calling
/// with a pointer to a `!Send` value on threads it created. Every access is refused.
#[test]
fn thread_bound_value_is_refused_on_library_threads() {
    let bound = ThreadBound::new(Cell::new(0_u32));
    let user_data = std::ptr::from_ref(&bound).cast_mut().cast();
    // SAFETY: `touch_bound` matches lg_task_fn; `bound` outlives the call, which joins its
    // threads before returning.
    let rc = unsafe { legacy_sys::lg_run_workers(4, 100, Some(touch_bound), user_data) };
    assert_eq!(
        rc, 0,
        "every worker's access was refused (a nonzero return would stop it)"
    );
    assert_eq!(bound.get().unwrap().get(), 0);
}

/// The wrapper with its lock removed: the raw `lg_events_bump` from liblegacy's threads.
/// Only meaningful in a child process started by the test below.
///
/// # Safety
/// None for memory: the arguments are ignored. It races by design (the bug TSan must report).
unsafe extern "C" fn unlocked_bump(_: *mut std::ffi::c_void, _: i32, _: i32) -> i32 {
    // SAFETY: no arguments. Deliberately NOT serialized: this is the bug being demonstrated.
    unsafe { legacy_sys::lg_events_bump() };
    0
}

#[test]
#[ignore = "child of tsan_reports_the_race_without_the_lock"]
fn race_child() {
    if std::env::var_os("LEGACY_RACE_CHILD").is_none() {
        return;
    }
    // SAFETY: `unlocked_bump` matches lg_task_fn and ignores user_data.
    let rc =
        unsafe { legacy_sys::lg_run_workers(4, 1_000, Some(unlocked_bump), std::ptr::null_mut()) };
    assert_eq!(rc, 0);
}

/// Covers: that the TSan run can see this race at all. Run only under ThreadSanitizer
/// (`--ignored`): re-executes this binary on `race_child` and expects a data-race report in
/// `lg_events_bump`. If the C side were not instrumented, or the race not real, it fails.
#[test]
#[ignore = "needs ThreadSanitizer; run with the TSan command and --ignored"]
fn tsan_reports_the_race_without_the_lock() {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "race_child",
            "--ignored",
            "--test-threads=1",
            "--nocapture",
        ])
        .env("LEGACY_RACE_CHILD", "1")
        .env("TSAN_OPTIONS", "halt_on_error=0 exitcode=66")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("WARNING: ThreadSanitizer: data race"),
        "no report:\n{stderr}"
    );
    assert!(
        stderr.contains("lg_events_bump"),
        "report not in lg_events_bump:\n{stderr}"
    );
    assert_eq!(out.status.code(), Some(66), "TSan's exit code");
}
