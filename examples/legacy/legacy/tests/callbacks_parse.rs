//! `lg_parse` through `legacy::callbacks::parse`: a scoped callback on the caller's thread that
//! borrows from the stack, calls back into liblegacy (re-entering the library lock), stops
//! early, and panics without unwinding into C.

use std::ops::ControlFlow;
use std::panic;

use legacy::Store;
use legacy::callbacks::{Entry, Finished, parse};

const TEXT: &str = "# demo\nserver.host = example.org\nserver.port = 8080\n\nname = demo\n";

#[test]
fn entries_arrive_in_order_with_depth() {
    let mut seen = Vec::new();
    let done = parse(TEXT, |e: Entry<'_>| {
        seen.push(format!("{}:{}={}", e.depth, e.key, e.value));
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(done, Finished::Completed);
    assert_eq!(
        seen,
        [
            "1:server.host=example.org",
            "1:server.port=8080",
            "0:name=demo"
        ]
    );
}

#[test]
fn break_stops_the_parse() {
    let mut n = 0;
    let done = parse(TEXT, |_| {
        n += 1;
        if n == 2 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!((done, n), (Finished::Stopped, 2));
}

#[test]
fn syntax_error_keeps_the_library_code() {
    let err = parse("ok = 1\nno equals sign\n", |_| ControlFlow::Continue(())).unwrap_err();
    assert_eq!(err.code(), Some(legacy::LgCode::Syntax));
}

/// Covers: the reentrant library lock. `parse` holds it around `lg_parse`; the callback calls
/// `Store::set` and a nested `parse`, which take it again on the same thread. A plain mutex
/// would deadlock here.
#[test]
fn callback_calls_back_into_the_library() {
    let mut store = Store::new("parsed").unwrap();
    let mut nested = 0;
    let done = parse("a = 1\nb = x.y = 2\n", |e| {
        store.set(e.key, e.value).unwrap();
        let inner = parse(&format!("inner.{} = {}", e.key, e.value), |_| {
            nested += 1;
            ControlFlow::Continue(())
        });
        assert_eq!(inner.unwrap(), Finished::Completed);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(done, Finished::Completed);
    assert_eq!(nested, 2);
    assert_eq!(store.get("a").unwrap(), "1");
    assert_eq!(store.get("b").unwrap(), "x.y = 2");
}

/// Covers: catch_unwind in the trampoline. Without it the panic would unwind into `lg_parse`
/// and abort the process; with it C sees a stop code and the panic resumes here.
#[test]
fn panic_in_the_callback_resumes_after_c_returns() {
    let mut after_panic = 0;
    let caught = panic::catch_unwind(panic::AssertUnwindSafe(|| {
        parse(TEXT, |e| {
            if e.key == "server.port" {
                panic!("bad port");
            }
            after_panic += 1;
            ControlFlow::Continue(())
        })
    }));
    let payload = caught.expect_err("panic resumed in the caller");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"bad port"));
    assert_eq!(after_panic, 1, "the parse stopped at the panic");
    // The library is still usable (the lock was released during unwinding).
    assert_eq!(
        parse("k = v", |_| ControlFlow::Continue(())).unwrap(),
        Finished::Completed
    );
}

#[test]
fn interior_nul_is_refused_before_c() {
    assert!(parse("a = 1\0b = 2", |_| ControlFlow::Continue(())).is_err());
}
