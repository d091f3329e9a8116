//! Listeners through `legacy::callbacks::Listener`: the closure is owned by liblegacy's destroy
//! hook and freed exactly once; reentry and calls from other threads are refused or admitted by
//! the constructor's type; panics poison and are reported. The listener table is global, so the
//! tests in this binary run one at a time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ffiguard::callback::{CallbackError, Refusal};
use legacy::callbacks::{Listener, emit};

static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts drops of what a closure captures.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Covers: ownership handed to `lg_listener_remove`'s destroy hook. Without the hook the
/// closure would leak (count 0); freed by Rust while registered, emit would use freed memory.
#[test]
fn closure_lives_until_the_destroy_hook_and_is_freed_once() {
    let _serial = serial();
    let drops = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let seen = Arc::clone(&calls);
    let listener = Listener::on_change(move |_, _| {
        let _alive = &counter;
        seen.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    assert_eq!(emit("a", "1").unwrap(), 1);
    assert_eq!(emit("b", "2").unwrap(), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(listener);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(emit("c", "3").unwrap(), 0);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// Covers: the reentry check. The listener emits from inside itself; liblegacy calls it again
/// before it returns. For an `FnMut` closure that would be a second `&mut`; it is refused.
#[test]
fn reentry_is_refused_for_on_change() {
    let _serial = serial();
    let depth = Arc::new(AtomicUsize::new(0));
    let d = Arc::clone(&depth);
    let listener = Listener::on_change(move |key, _| {
        d.fetch_add(1, Ordering::SeqCst);
        if key == "outer" {
            emit("inner", "x").unwrap();
        }
    })
    .unwrap();
    emit("outer", "x").unwrap();
    assert_eq!(depth.load(Ordering::SeqCst), 1);
    assert_eq!(
        listener.check(),
        Err(CallbackError::Refused {
            first: Refusal::Reentrant,
            count: 1
        })
    );
}

#[test]
fn reentrant_listener_may_emit() {
    let _serial = serial();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let listener = Listener::on_change_reentrant(move |key, _| {
        sink.lock().unwrap().push(key.to_owned());
        if let Some(rest) = key.strip_prefix('x') {
            emit(rest, "").unwrap();
        }
    })
    .unwrap();
    emit("xxy", "").unwrap();
    assert_eq!(*seen.lock().unwrap(), ["xxy", "xy", "y"]);
    assert_eq!(listener.check(), Ok(()));
}

/// Covers: the owner-thread check, for the case types cannot see — liblegacy calling a
/// listener on whatever thread emits.
#[test]
fn emit_from_another_thread_is_refused_for_thread_bound_listeners() {
    let _serial = serial();
    let bound_calls = Arc::new(AtomicUsize::new(0));
    let any_calls = Arc::new(AtomicUsize::new(0));
    let b = Arc::clone(&bound_calls);
    let a = Arc::clone(&any_calls);
    let bound = Listener::on_change(move |_, _| {
        b.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    let any = Listener::on_change_any_thread(move |_, _| {
        a.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();
    std::thread::spawn(|| emit("k", "v").unwrap())
        .join()
        .unwrap();
    assert_eq!(bound_calls.load(Ordering::SeqCst), 0);
    assert_eq!(any_calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        bound.check(),
        Err(CallbackError::Refused {
            first: Refusal::ForeignThread,
            count: 1
        })
    );
    assert_eq!(any.check(), Ok(()));
    // A listener may be dropped on another thread: liblegacy's hook frees it there.
    std::thread::spawn(move || drop(any)).join().unwrap();
}

#[test]
fn panicking_listener_is_poisoned_and_reported() {
    let _serial = serial();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Arc::clone(&calls);
    let listener = Listener::on_change(move |key, _| {
        c.fetch_add(1, Ordering::SeqCst);
        if key == "bad" {
            panic!("listener rejects {key}");
        }
    })
    .unwrap();
    emit("bad", "").unwrap();
    emit("good", "").unwrap();
    assert!(listener.is_poisoned());
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "poisoned: not called again"
    );
    assert_eq!(
        listener.check(),
        Err(CallbackError::Panicked {
            message: "listener rejects bad".into()
        })
    );
}

/// liblegacy's table is full at 16: registration fails, the closure is freed by Rust (the hook
/// is not called on failure), and no listener is lost.
#[test]
fn full_table_is_an_error_and_frees_the_closure() {
    let _serial = serial();
    let drops = Arc::new(AtomicUsize::new(0));
    let max = usize::try_from(legacy_sys::LG_MAX_LISTENERS).unwrap();
    let mut held: Vec<Listener> = (0..max)
        .map(|_| Listener::on_change(|_, _| {}).unwrap())
        .collect();
    let counter = DropCounter(Arc::clone(&drops));
    let refused = Listener::on_change(move |_, _| {
        let _alive = &counter;
    });
    assert_eq!(refused.unwrap_err().code(), Some(legacy::LgCode::Full));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    held.clear();
    assert_eq!(emit("k", "v").unwrap(), 0);
}

/// A one-shot listener that removes itself while liblegacy is calling it: `lg_listener_remove`
/// runs the destroy hook from inside the call. Covers: ffiguard's deferred free — the closure's
/// captures stay alive until it returns, then are freed exactly once.
#[test]
fn one_shot_listener_removes_itself_while_running() {
    let _serial = serial();
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let slot: Arc<Mutex<Option<Listener>>> = Arc::new(Mutex::new(None));
    let own = Arc::clone(&slot);
    let probe = Arc::clone(&drops);
    let alive_after_removal = Arc::new(AtomicUsize::new(0));
    let alive = Arc::clone(&alive_after_removal);
    let listener = Listener::on_change(move |_, _| {
        let me = own.lock().unwrap().take();
        drop(me); // lg_listener_remove → destroy hook, while this call runs
        if probe.load(Ordering::SeqCst) == 0 {
            alive.fetch_add(1, Ordering::SeqCst);
        }
        let _captured = &counter;
    })
    .unwrap();
    *slot.lock().unwrap() = Some(listener);
    assert_eq!(emit("fire", "once").unwrap(), 1);
    assert_eq!(alive_after_removal.load(Ordering::SeqCst), 1);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(emit("fire", "again").unwrap(), 0);
}
