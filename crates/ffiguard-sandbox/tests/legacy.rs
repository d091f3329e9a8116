//! liblegacy (the project's 2000s C library) run isolated: its safe wrapper's functions work
//! through the sandbox, and a naive binding that trusts `lg_store_peek`'s bogus `0xdeadbeef`
//! pointer crashes only its worker — the host gets an error naming SIGSEGV and the function,
//! and the next call is served by a fresh worker.

mod support;

use std::ffi::{CStr, CString};

use ffiguard_sandbox::{ByteBuf, Sandbox, SandboxError, isolated};

#[isolated]
fn store_round_trip(
    entries: Vec<(String, String)>,
    key: String,
) -> Result<(String, String), String> {
    let mut store = legacy::Store::new("sandboxed").map_err(|e| e.to_string())?;
    for (k, v) in &entries {
        store.set(k, v).map_err(|e| e.to_string())?;
    }
    let value = store.get(&key).map_err(|e| e.to_string())?;
    let dump = store.dump().map_err(|e| e.to_string())?;
    Ok((value, dump))
}

#[isolated]
fn legacy_checksum(data: ByteBuf) -> Result<u32, String> {
    legacy::checksum(&data).map_err(|e| e.to_string())
}

/// The safe wrapper probes the pointer: the bogus one becomes an error value.
#[isolated]
fn safe_peek(key: String) -> Result<String, String> {
    let mut store = legacy::Store::new("peek").map_err(|e| e.to_string())?;
    store.set("name", "value").map_err(|e| e.to_string())?;
    store.peek(&key).map_err(|e| e.to_string())
}

/// A naive binding: reads whatever `lg_store_peek` returns.
#[isolated]
fn naive_peek(key: String) -> String {
    let name = CString::new("naive").unwrap_or_default();
    let key = CString::new(key).unwrap_or_default();
    // SAFETY: `name` is NUL-terminated; lg_store_new copies it. (The store is leaked: this
    // worker dies in the next statement for the keys the test passes.)
    let store = unsafe { legacy_sys::lg_store_new(name.as_ptr()) };
    // SAFETY: `store` comes from lg_store_new (null is rejected by liblegacy itself) and `key`
    // is NUL-terminated.
    let value = unsafe { legacy_sys::lg_store_peek(store, key.as_ptr()) };
    if value.is_null() {
        return String::new();
    }
    // SAFETY: deliberately NOT upheld — this trusts liblegacy's pointer the way a naive
    // binding does; for `$` keys it is 0xdeadbeef and the read faults. That fault is what the
    // sandbox exists to contain.
    unsafe { CStr::from_ptr(value) }
        .to_string_lossy()
        .into_owned()
}

fn legacy_functions_work_isolated() {
    let sandbox = Sandbox::new().expect("sandbox");
    let entries = vec![
        ("b".to_owned(), "2".to_owned()),
        ("a".to_owned(), "1".to_owned()),
    ];
    let (value, dump) = store_round_trip::call(&sandbox, entries, "b".into())
        .expect("call")
        .trust_unverified("compared below")
        .expect("liblegacy");
    assert_eq!(value, "2");
    assert_eq!(dump, "a=1\nb=2\n");
    let data = b"the quick brown fox".to_vec();
    let in_process = legacy::checksum(&data).expect("in-process checksum");
    let isolated = legacy_checksum::call(&sandbox, ByteBuf::from(data))
        .expect("call")
        .verify(|sum| {
            sum.and_then(|s| {
                if s != 0 {
                    Ok(s)
                } else {
                    Err("zero checksum".to_owned())
                }
            })
        })
        .expect("checksum");
    assert_eq!(isolated, in_process);
}

fn bogus_pointer_is_an_error_through_the_safe_wrapper() {
    let sandbox = Sandbox::new().expect("sandbox");
    let result = safe_peek::call(&sandbox, "$name".into())
        .expect("call")
        .trust_unverified("displayed");
    assert!(result.is_err(), "{result:?}");
    let ok = safe_peek::call(&sandbox, "name".into())
        .expect("call")
        .trust_unverified("compared");
    assert_eq!(ok.as_deref(), Ok("value"));
}

/// Covers process isolation itself: in-process, this call would kill the test binary.
fn bogus_pointer_crashes_only_the_worker() {
    let sandbox = Sandbox::new().expect("sandbox");
    let error = naive_peek::call(&sandbox, "$name".into()).expect_err("the worker must crash");
    match &error {
        SandboxError::Crashed {
            function, signal, ..
        } => {
            assert!(function.ends_with("naive_peek"), "{function}");
            assert_eq!(*signal, libc::SIGSEGV, "{error}");
        }
        other => panic!("expected a crash, got {other}"),
    }
    assert!(error.to_string().contains("SIGSEGV"));
    // A fresh worker serves the next call.
    let (value, _) = store_round_trip::call(&sandbox, vec![("k".into(), "v".into())], "k".into())
        .expect("next call")
        .trust_unverified("compared")
        .expect("liblegacy");
    assert_eq!(value, "v");
}

fn main() {
    support::run(ffiguard_sandbox::tests![
        legacy_functions_work_isolated,
        bogus_pointer_is_an_error_through_the_safe_wrapper,
        bogus_pointer_crashes_only_the_worker,
    ]);
}
