//! One test per threat of the FFI threat model that an in-process wrapper can answer, run
//! against the real liblegacy. Each test's documentation names the defence it covers and
//! what happens without it; thread safety is in `tests/thread_safety.rs` (it needs the process
//! to itself).

use std::sync::mpsc;
use std::time::Duration;

use ffiguard::cstr::CStrError;
use ffiguard::error::ErrorCode;
use ffiguard::ptr::PtrError;
use legacy::{Error, LgCode, Store, StoreKind};

fn store(name: &str) -> Store {
    Store::new(name).unwrap_or_else(|err| panic!("Store::new({name:?}): {err}"))
}

/// **C violating its contract: a bogus non-null pointer.** `lg_store_peek` is documented to
/// return the value or NULL, but returns `0xdeadbeef` for virtual keys.
///
/// Defence: `ffiguard::cstr::read_ptr_probed` checks the address and probes every page before
/// reading. Without it (a plain `CStr::from_ptr`, or the unprobed `read_ptr`) the test process
/// dies with SIGSEGV.
#[test]
fn bogus_pointer_from_c_is_an_error_not_a_crash() {
    let mut s = store("contract");
    s.set("real", "value").unwrap();
    match s.peek("$anything") {
        Err(Error::BadString {
            function: "lg_store_peek",
            source: CStrError::Pointer(PtrError::Unreadable { .. }),
        }) => {}
        other => panic!("expected an unreadable-pointer error, got {other:?}"),
    }
    // The process, the library and the store are all still usable.
    assert_eq!(s.peek("real").unwrap(), "value");
}

/// **C violating its contract: an unterminated buffer.** `lg_store_get` promises a
/// NUL-terminated copy when `cap > 0` but leaves a truncated value unterminated.
///
/// Defence: the wrapper compares the length C returns with the capacity before reading the
/// buffer, and reports how much room is needed. Without the comparison the bounded reader
/// finds no terminator and the caller gets `BadString` instead of the size it must retry with.
#[test]
fn truncated_value_is_never_read_as_a_string() {
    let mut s = store("truncation");
    s.set("k", "12345678").unwrap();
    let mut exact = [0xAA_u8; 8]; // room for the value but not its NUL: C writes no NUL
    match s.get_into("k", &mut exact) {
        Err(Error::BufferTooSmall {
            needed: 9,
            capacity: 8,
        }) => {}
        other => panic!("expected BufferTooSmall, got {other:?}"),
    }
    let mut room = [0xAA_u8; 9];
    assert_eq!(s.get_into("k", &mut room).unwrap(), 8);
    assert_eq!(&room, b"12345678\0");
}

/// **Compromised library: a length that is a lie.** `lg_store_get("$blob")` reports
/// `LONG_MAX` bytes.
///
/// Defence: lengths from C are converted with `ffiguard::conv` and capped at
/// `MAX_VALUE_LEN` before anything is allocated. Without the cap the wrapper asks for a
/// 2⁶³-byte buffer and the process aborts on the allocation failure.
#[test]
fn absurd_length_from_c_is_refused_before_allocating() {
    let s = store("lying-length");
    match s.get("$blob") {
        Err(Error::Contract {
            function: "lg_store_get",
            what,
        }) => assert!(what.contains("over the 1048576-byte limit"), "{what}"),
        other => panic!("expected a contract error, got {other:?}"),
    }
}

/// **Compromised library: a value whose size never settles.** `$history` grows on every
/// read, so the "ask for the size, allocate, ask again" protocol never converges.
///
/// Defence: `Store::get` gives up after a bounded number of attempts. Without the bound it
/// loops forever; this test then fails on its 60-second deadline instead of hanging.
#[test]
fn size_protocol_gives_up_on_a_value_that_keeps_growing() {
    let (done, result) = mpsc::channel();
    std::thread::spawn(move || {
        let s = store("growing");
        // The first reads fit the first buffer; once the history outgrows it, every retry
        // sees a longer value than the buffer it was given.
        let outcome = (0..100).find_map(|_| s.get("$history").err());
        let _ = done.send(outcome.map(|err| err.to_string()));
    });
    let outcome = result
        .recv_timeout(Duration::from_secs(60))
        .expect("Store::get did not return within 60 s: the retry loop is unbounded");
    let message = outcome.expect("a value that grows on every read was read without error");
    assert!(message.contains("changed on each of"), "{message}");
}

/// **Integer truncation, Rust to C.** `lg_store_reserve` takes an `int`; `(1 << 32) + 1` cast
/// with `as` reaches C as 1 and "succeeds".
///
/// Defence: `ffiguard::conv::c_int` refuses the value. Without it the call returns `Ok`.
#[test]
fn count_that_does_not_fit_c_int_is_refused() {
    let mut s = store("truncate-in");
    for slots in [(1_usize << 32) + 1, 1 << 31, usize::MAX] {
        match s.reserve(slots) {
            Err(Error::Conversion(err)) => {
                assert!(err.to_string().contains("does not fit in C `int`"), "{err}");
            }
            other => panic!("reserve({slots}) should be refused, got {other:?}"),
        }
    }
}

/// **Integer truncation, a length.** `lg_checksum` takes an `unsigned int` length; a slice of
/// 2³² + 1 bytes cast with `as` would be checksummed as 1 byte.
///
/// Defence: `ffiguard::conv::slice_arg::<UInt, _>`. Without it the call returns the
/// checksum of one byte. (The 4 GiB buffer is zero pages from `calloc`: nothing is touched.)
#[cfg(target_pointer_width = "64")]
#[test]
fn slice_longer_than_c_uint_is_refused() {
    let huge = vec![0_u8; (1 << 32) + 1];
    match legacy::checksum(&huge) {
        Err(Error::Conversion(err)) => {
            assert!(err.to_string().contains("unsigned int"), "{err}");
        }
        other => panic!("expected a conversion error, got {other:?}"),
    }
}

/// **Integer overflow inside C.** `lg_add` computes `a + b` in `int`: signed overflow is
/// undefined behaviour in C.
///
/// Defence: the wrapper checks the sum before calling. Without the check the call returns a
/// wrapped (or worse) number instead of an error.
#[test]
fn sum_that_overflows_c_int_is_refused() {
    assert_eq!(legacy::add(i32::MAX, 0).unwrap(), i32::MAX);
    assert_eq!(legacy::add(i32::MIN, 0).unwrap(), i32::MIN);
    for (a, b) in [(i32::MAX, 1), (i32::MIN, -1), (1, i32::MAX)] {
        assert!(
            matches!(legacy::add(a, b), Err(Error::Overflow { .. })),
            "{a} + {b}"
        );
    }
}

/// **ABI mismatch.** `lg_stats` is `char, long, _Bool, long`: its offsets depend on the size
/// of `long`, and `_Bool` must be a valid Rust `bool` when read.
///
/// Defences: the layout is asserted at compile time for LP64 and ILP32/LLP64 targets
/// (`ffiguard::assert_layout!`, see the `compile_fail` example on `Stats`), and `dirty` is
/// read as a byte and checked. This test checks the values C writes land in the fields Rust
/// reads: with a binding that had `long` as `i32`, `entries` and `bytes` would read padding.
#[test]
fn struct_filled_by_c_reads_back_field_by_field() {
    let mut s = store("abi");
    s.set("alpha", "1").unwrap();
    s.set("beta", "22").unwrap();
    s.set("gamma", "333").unwrap();
    let stats = s.stats().unwrap();
    assert_eq!(stats.kind, StoreKind::Memory);
    assert_eq!(stats.entries, 3);
    assert!(stats.dirty);
    assert_eq!(stats.bytes, (5 + 1) + (4 + 2) + (5 + 3));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("abi.conf");
    std::fs::write(&path, "x = 1\n").unwrap();
    let mut loaded = store("abi-file");
    loaded.load(&path).unwrap();
    let stats = loaded.stats().unwrap();
    assert_eq!(
        (stats.kind, stats.entries, stats.dirty),
        (StoreKind::File, 1, false)
    );
}

/// **ABI mismatch: the library itself.** The bindings were generated for liblegacy 2.3; a
/// different major version (or a build without the features used) must be refused at run
/// time rather than called with the wrong ABI.
///
/// Defence: `legacy::check_version` (run before the first store is made) compares the
/// library's string and packed number with each other and with the header's.
#[test]
fn linked_library_version_is_checked() {
    let found = legacy::check_version().unwrap();
    assert_eq!((found.major, found.minor), (2, 3));
    let v = legacy::version().unwrap();
    assert_eq!(v, found);
}

/// **Errors that lose information.** liblegacy 2.3 returns -9 for a change to a sealed store,
/// a code its header never declared.
///
/// Defence: `ffiguard::error_codes!` keeps unknown codes as `Unknown(code)`, and the message
/// is attached because `lg_last_error_code()` says it is about -9. A wrapper that maps
/// unknown codes to "failure" fails the first assertion.
#[test]
fn unknown_error_code_from_c_is_preserved_with_its_message() {
    let mut s = store("sealed");
    s.seal().unwrap();
    let err = s.set("k", "v").unwrap_err();
    assert_eq!(err.code(), Some(LgCode::Unknown(-9)));
    assert_eq!(err.code().map(ErrorCode::to_raw), Some(-9));
    let text = err.to_string();
    assert!(text.contains("unknown liblegacy code -9"), "{text}");
    assert!(text.contains("store 'sealed' is sealed"), "{text}");
}

/// **errno lost.** `lg_store_load` reports `LG_ERR_IO` and leaves the reason in `errno`.
///
/// Defence: `ffiguard::error::capture_errno` reads `errno` right after the call, inside the
/// library lock. Without it the caller only learns "input/output error".
#[test]
fn errno_from_c_is_kept() {
    let mut s = store("errno");
    let dir = tempfile::tempdir().unwrap();
    match s.load(&dir.path().join("missing.conf")) {
        Err(Error::Io { call, source }) => {
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
            assert_eq!(call.code_as::<LgCode>(), Some(LgCode::Io));
            assert!(call.to_string().contains("cannot open"), "{call}");
        }
        other => panic!("expected an I/O error, got {other:?}"),
    }
    match s.save(&dir.path().join("no-such-dir").join("x.conf")) {
        Err(Error::Io { source, .. }) => assert_eq!(source.kind(), std::io::ErrorKind::NotFound),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

/// **Memory ownership.** `lg_store_dump` returns memory allocated with liblegacy's own
/// allocator, which `lg_free` checks: releasing it with `free` (or keeping Rust's allocator
/// in mind) is heap corruption; liblegacy aborts when `lg_free` gets a foreign pointer.
///
/// Defence: `ffiguard::owned::CText` owns the string and releases it with `lg_free`, once.
/// Releasing with the wrong function makes liblegacy abort the process.
#[test]
fn strings_from_c_are_released_with_the_library_free() {
    let mut s = store("ownership");
    for i in 0..50 {
        s.set(&format!("key{i:02}"), &"v".repeat(i)).unwrap();
    }
    for _ in 0..20 {
        let dump = s.dump().unwrap();
        assert_eq!(dump.lines().count(), 50);
        assert!(dump.starts_with("key00=\nkey01=v\n"));
    }
}
