//! Long-lived callbacks: the closure lives exactly as long as "C" may call it (drop counters),
//! unregister runs before free, the destroy hook frees once, and the abort policy aborts.

use std::ffi::{c_int, c_void};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ffiguard::callback::{Callback, CallbackError, OnPanic, Reentry, Refusal};

type Handler = unsafe extern "C" fn(*mut c_void, c_int) -> c_int;
type Destroy = unsafe extern "C" fn(*mut c_void);

/// "C": a table of handlers, each with an optional destroy hook, like a library's event bus.
#[derive(Default)]
struct Bus {
    slots: Vec<Option<(Handler, usize, Option<Destroy>)>>,
}

impl Bus {
    fn add(&mut self, h: Handler, ud: *mut c_void, destroy: Option<Destroy>) -> usize {
        self.slots.push(Some((h, ud as usize, destroy)));
        self.slots.len() - 1
    }

    fn remove(&mut self, id: usize) {
        if let Some((_, ud, Some(destroy))) = self.slots[id].take() {
            // SAFETY: the pretend library calls the hook once, after the last call.
            unsafe { destroy(ud as *mut c_void) };
        }
    }

    fn emit(&self, x: c_int) -> Vec<c_int> {
        self.slots
            .iter()
            .flatten()
            // SAFETY: every live slot's pair was registered together and not yet removed.
            .map(|&(h, ud, _)| unsafe { h(ud as *mut c_void, x) })
            .collect()
    }
}

/// Counts drops of the value a closure captures.
struct DropCounter(Arc<AtomicUsize>);
impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn guard_unregisters_before_freeing_and_frees_exactly_once() {
    let bus = Arc::new(Mutex::new(Bus::default()));
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let unregister_saw_drops = Arc::new(AtomicUsize::new(usize::MAX));
    let registration = {
        let bus2 = Arc::clone(&bus);
        let seen = Arc::clone(&unregister_saw_drops);
        let drops2 = Arc::clone(&drops);
        Callback::new(
            move |x: c_int| {
                let _keep = &counter;
                x + 1
            },
            -1,
        )
        .register(|cb| {
            let id = bus
                .lock()
                .unwrap()
                .add(cb.trampoline(), cb.user_data(), None);
            Ok::<_, ()>(move || {
                seen.store(drops2.load(Ordering::SeqCst), Ordering::SeqCst);
                bus2.lock().unwrap().remove(id);
            })
        })
        .unwrap()
    };
    assert_eq!(bus.lock().unwrap().emit(1), [2]);
    assert_eq!(registration.check(), Ok(()));
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    assert_eq!(registration.unregister(), Ok(()));
    assert_eq!(
        unregister_saw_drops.load(Ordering::SeqCst),
        0,
        "closure alive while C unregisters"
    );
    assert_eq!(drops.load(Ordering::SeqCst), 1, "freed exactly once");
    assert!(bus.lock().unwrap().emit(1).is_empty());
}

#[test]
fn failed_registration_frees_the_closure() {
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let result = Callback::new(move |_: c_int| -> c_int { (&counter, 0).1 }, -1)
        .register(|_| Err::<fn(), _>("library refused"));
    assert_eq!(result.err(), Some("library refused"));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

#[test]
fn destroy_hook_owns_the_closure_and_frees_it_once() {
    let mut bus = Bus::default();
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let (id, monitor) = Callback::any_thread(move |x: c_int| (&counter, x * 3).1, -1)
        .hand_over(|cb| {
            Ok::<_, ()>(bus.add(cb.trampoline(), cb.user_data(), Some(cb.destroy_hook())))
        })
        .unwrap();
    assert_eq!(bus.emit(5), [15]);
    assert!(!monitor.is_destroyed());
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    bus.remove(id);
    assert!(monitor.is_destroyed());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(monitor.check(), Ok(()));
}

/// A panic in a long-lived closure poisons it: later events get the refusal value, and the
/// Rust side learns of it at its next check.
#[test]
fn registered_closure_poisons_after_a_panic() {
    let bus = Arc::new(Mutex::new(Bus::default()));
    let bus2 = Arc::clone(&bus);
    let registration = Callback::new(
        |x: c_int| if x > 1 { panic!("too big: {x}") } else { x },
        -9,
    )
    .on_panic(OnPanic::Report)
    .register(|cb| {
        let id = bus
            .lock()
            .unwrap()
            .add(cb.trampoline(), cb.user_data(), None);
        Ok::<_, ()>(move || bus2.lock().unwrap().remove(id))
    })
    .unwrap();
    assert_eq!(bus.lock().unwrap().emit(1), [1]);
    assert_eq!(bus.lock().unwrap().emit(2), [-9]);
    assert_eq!(bus.lock().unwrap().emit(1), [-9], "poisoned: refused");
    assert!(registration.is_poisoned());
    assert_eq!(
        registration.check(),
        Err(CallbackError::Panicked {
            message: "too big: 2".into()
        })
    );
    assert_eq!(
        registration.check(),
        Err(CallbackError::Refused {
            first: Refusal::Poisoned,
            count: 1
        })
    );
    assert_eq!(registration.check(), Ok(()));
}

/// Reentry with `Reentry::Abort` must take the process down (SIGABRT) rather than run the
/// closure twice. Runs in a child process: the test binary re-executed on one test.
#[test]
fn abort_policy_aborts_on_reentry() {
    if std::env::var_os("FFIGUARD_ABORT_CHILD").is_some() {
        thread_local!(static SELF_CALL: std::cell::Cell<Option<(Handler, usize)>> = const { std::cell::Cell::new(None) });
        let rc = Callback::new(
            |x: c_int| match SELF_CALL.get() {
                // SAFETY: the pair is alive for the whole scope below.
                Some((h, ud)) if x == 0 => unsafe { h(ud as *mut c_void, 1) },
                _ => 0,
            },
            -1,
        )
        .on_reentry(Reentry::Abort)
        .scope(|cb| {
            SELF_CALL.set(Some((cb.trampoline(), cb.user_data() as usize)));
            let h: Handler = cb.trampoline();
            // SAFETY: during the scope, on this thread.
            unsafe { h(cb.user_data(), 0) }
        });
        unreachable!("reentry returned {rc:?} instead of aborting");
    }
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "abort_policy_aborts_on_reentry",
            "--test-threads=1",
        ])
        .env("FFIGUARD_ABORT_CHILD", "1")
        .output()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGABRT), "{out:?}");
}

/// A one-shot handler that drops its own registration while running. Covers: the deferred
/// free. Without it the closure's captures would be freed under its feet (the check inside the
/// closure sees the drop counter move, and its last statement reads freed memory).
#[test]
fn registration_dropped_from_inside_its_own_closure_is_freed_after_return() {
    use std::cell::RefCell;
    use std::rc::Rc;

    let bus = Arc::new(Mutex::new(Bus::default()));
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let own: Rc<RefCell<Option<Box<dyn std::any::Any>>>> = Rc::new(RefCell::new(None));
    let inner = Rc::clone(&own);
    let drops_seen_inside = Rc::new(std::cell::Cell::new(usize::MAX));
    let seen = Rc::clone(&drops_seen_inside);
    let probe = Arc::clone(&drops);
    let bus2 = Arc::clone(&bus);
    let registration = Callback::new(
        move |x: c_int| {
            let registration = inner.borrow_mut().take();
            drop(registration); // unregisters and releases this very closure
            seen.set(probe.load(Ordering::SeqCst));
            let _still_alive = &counter;
            x + 1
        },
        -1,
    )
    .register(|cb| {
        let id = bus
            .lock()
            .unwrap()
            .add(cb.trampoline(), cb.user_data(), None);
        Ok::<_, ()>(move || bus2.lock().unwrap().remove(id))
    })
    .unwrap();
    *own.borrow_mut() = Some(Box::new(registration));
    // "C" calls the handler without holding its table lock (as liblegacy does).
    let (h, ud, _) = bus.lock().unwrap().slots[0].unwrap();
    // SAFETY: the pair is registered; the call is the test.
    let rc = unsafe { h(ud as *mut c_void, 41) };
    assert_eq!(rc, 42);
    assert_eq!(drops_seen_inside.get(), 0, "not freed while running");
    assert_eq!(drops.load(Ordering::SeqCst), 1, "freed once it returned");
    assert!(bus.lock().unwrap().emit(1).is_empty());
}

/// The same through a destroy hook that C runs from inside the callback (a library that
/// removes a one-shot handler when it fires).
#[test]
fn destroy_hook_called_from_inside_the_callback_is_deferred() {
    let drops = Arc::new(AtomicUsize::new(0));
    let counter = DropCounter(Arc::clone(&drops));
    let hook: Arc<Mutex<Option<(Destroy, usize)>>> = Arc::new(Mutex::new(None));
    let inside = Arc::clone(&hook);
    let probe = Arc::clone(&drops);
    let (pair, monitor) = Callback::any_thread(
        move |x: c_int| {
            let (destroy, ud) = inside.lock().unwrap().take().unwrap();
            // SAFETY: the pretend library destroys the handler while it runs, once.
            unsafe { destroy(ud as *mut c_void) };
            let alive = probe.load(Ordering::SeqCst) == 0;
            let _still_alive = &counter;
            if alive { x * 2 } else { -2 }
        },
        -1,
    )
    .hand_over(|cb| {
        *hook.lock().unwrap() = Some((cb.destroy_hook(), cb.user_data() as usize));
        Ok::<_, ()>((cb.trampoline(), cb.user_data() as usize))
    })
    .unwrap();
    let (h, ud): (Handler, usize) = pair;
    // SAFETY: registered pair; the hook runs inside the call, and no call follows.
    assert_eq!(unsafe { h(ud as *mut c_void, 21) }, 42);
    assert!(monitor.is_destroyed());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// C calls back while a Rust panic is unwinding (a destructor run by the unwind calls into the
/// library, which fires the handler), and the handler panics too. The inner panic is caught in
/// the trampoline and stored; the outer one keeps unwinding; nothing aborts.
#[test]
fn callback_panicking_during_an_unwind_is_caught_and_stored() {
    let bus = Arc::new(Mutex::new(Bus::default()));
    let bus2 = Arc::clone(&bus);
    let registration = Callback::new(|_: c_int| -> c_int { panic!("inner") }, -1)
        .on_panic(OnPanic::Report)
        .register(|cb| {
            let id = bus
                .lock()
                .unwrap()
                .add(cb.trampoline(), cb.user_data(), None);
            Ok::<_, ()>(move || bus2.lock().unwrap().remove(id))
        })
        .unwrap();

    struct FiresOnDrop(Arc<Mutex<Bus>>, Arc<Mutex<Vec<c_int>>>);
    impl Drop for FiresOnDrop {
        fn drop(&mut self) {
            let got = self.0.lock().unwrap().emit(7);
            self.1.lock().unwrap().extend(got);
        }
    }
    // std prints a full backtrace for a panic raised during an unwind; symbolizing it is slow
    // under sanitizers and says nothing here. Messages are still printed.
    std::panic::set_hook(Box::new(|info| eprintln!("{info}")));
    let c_saw = Arc::new(Mutex::new(Vec::new()));
    let outer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _fires = FiresOnDrop(Arc::clone(&bus), Arc::clone(&c_saw));
        panic!("outer");
    }));
    let payload = outer.expect_err("the outer panic is the one that propagates");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"outer"));
    assert_eq!(*c_saw.lock().unwrap(), [-1]);
    assert_eq!(
        registration.check(),
        Err(CallbackError::Panicked {
            message: "inner".into()
        })
    );
}

/// The Rust-side handles can move where the wrapper needs them: a registration of a `Send`
/// closure and a monitor are `Send + Sync`, so a wrapper type holding them can be too.
#[test]
fn handles_of_send_closures_are_send_and_sync() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    let registration = Callback::any_thread(|x: c_int| x, -1)
        .register(|_| Ok::<_, ()>(|| {}))
        .unwrap();
    send_sync(&registration);
    let ((), monitor) = Callback::new(|x: c_int| x, -1)
        .hand_over(|cb| {
            // SAFETY: "C" destroys right away without calling: the hand-over is the test.
            unsafe { cb.destroy_hook()(cb.user_data()) };
            Ok::<_, ()>(())
        })
        .unwrap();
    send_sync(&monitor);
    assert!(monitor.is_destroyed());
}
