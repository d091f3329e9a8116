//! Exported functions called through the C ABI: panics never unwind into the caller, bad
//! pointer arguments become status codes, and the last error is copied out safely.

use core::ffi::{CStr, c_char, c_int};

use ffiguard::export::{self, ArgError, ExportError};

#[derive(Debug, thiserror::Error)]
enum DemoError {
    #[error(transparent)]
    Arg(#[from] ArgError),
    #[error("checksum mismatch")]
    Checksum(#[source] std::io::Error),
}

impl ExportError for DemoError {
    const PANIC: c_int = -99;

    fn status(&self) -> c_int {
        match self {
            DemoError::Arg(_) => -1,
            DemoError::Checksum(_) => -2,
        }
    }
}

/// Sums `len` bytes at `data` into `*out`; `len == 13` panics, `len == 14` panics with a
/// payload whose own `Drop` panics, `len == 15` fails with a sourced error.
///
/// # Safety
///
/// `data` is null or valid for `len` reads; `out` is null or valid for a write.
unsafe extern "C" fn demo_sum(data: *const u8, len: usize, out: *mut u64) -> c_int {
    export::status::<DemoError>(|| {
        // SAFETY: this function's contract.
        let data = unsafe { export::arg_slice(data, len, "data") }?;
        // SAFETY: this function's contract.
        let out = unsafe { export::arg_mut(out, "out") }?;
        match len {
            13 => panic!("thirteen is unlucky"),
            14 => std::panic::panic_any(PanicsOnDrop),
            15 => return Err(DemoError::Checksum(std::io::Error::other("disk said no"))),
            _ => {}
        }
        *out = data.iter().map(|&b| u64::from(b)).sum();
        Ok(())
    })
}

struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("the payload's drop panicked too");
    }
}

/// The function C would call to read the message.
///
/// # Safety
///
/// `buf` is null or valid for `capacity` writes.
unsafe extern "C" fn demo_last_error(buf: *mut c_char, capacity: usize) -> usize {
    // SAFETY: this function's contract.
    unsafe { export::write_last_error(buf, capacity) }
}

/// Called through a C-ABI function pointer, as C would call it.
fn call_sum(data: &[u8], len: usize) -> (c_int, u64) {
    let f: unsafe extern "C" fn(*const u8, usize, *mut u64) -> c_int = demo_sum;
    let mut out = 0;
    // SAFETY: `data` is valid for `len` reads whenever len <= data.len() (all callers).
    let rc = unsafe { f(data.as_ptr(), len, &mut out) };
    (rc, out)
}

fn last_error() -> String {
    let mut buf = vec![0 as c_char; 256];
    // SAFETY: `buf` is 256 writable bytes.
    unsafe { demo_last_error(buf.as_mut_ptr(), buf.len()) };
    // SAFETY: write_last_error NUL-terminates within the buffer.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

#[test]
fn success_returns_ok_and_clears_the_last_error() {
    export::set_last_error(&"old");
    assert_eq!(call_sum(&[1, 2, 3], 3), (0, 6));
    assert_eq!(last_error(), "");
}

/// Covers the panic guard: without `status` catching it, the panic would reach the C ABI
/// boundary and abort this test process.
#[test]
fn a_panic_becomes_the_panic_code_and_a_message() {
    let (rc, _) = call_sum(&[0; 13], 13);
    assert_eq!(rc, DemoError::PANIC);
    assert_eq!(
        last_error(),
        "panic in Rust code called from C: thirteen is unlucky"
    );
}

/// Covers the payload-drop defense: the payload's own panicking `Drop` is not run again
/// outside the guard (that second unwind would abort the process).
#[test]
fn a_panic_whose_payload_drop_panics_still_returns_a_code() {
    let (rc, _) = call_sum(&[0; 14], 14);
    assert_eq!(rc, DemoError::PANIC);
    assert!(last_error().contains("non-string panic payload"));
    // The guard keeps working afterwards.
    assert_eq!(call_sum(&[5], 1), (0, 5));
}

#[test]
fn null_arguments_become_the_argument_status_with_the_parameter_named() {
    let f: unsafe extern "C" fn(*const u8, usize, *mut u64) -> c_int = demo_sum;
    // SAFETY: null with a length is rejected before any read.
    let rc = unsafe { f(std::ptr::null(), 4, &mut 0) };
    assert_eq!(rc, -1);
    assert_eq!(last_error(), "argument `data` is null with length 4");

    // SAFETY: `(null, 0)` is the empty slice; the null `out` is rejected before any write.
    let rc = unsafe { f(std::ptr::null(), 0, std::ptr::null_mut()) };
    assert_eq!(rc, -1);
    assert_eq!(last_error(), "argument `out` is null");
}

#[test]
fn the_last_error_carries_the_source_chain() {
    let (rc, _) = call_sum(&[0; 15], 15);
    assert_eq!(rc, -2);
    assert_eq!(last_error(), "checksum mismatch: disk said no");
}

/// Covers the capacity bound: nothing is written past `capacity`, the result is terminated,
/// and the return value says how much was needed.
#[test]
fn huge_message_is_cut_to_capacity_and_reports_the_needed_length() {
    let huge = "x".repeat(1 << 20);
    export::set_last_error(&huge);
    let mut buf = vec![0x55 as c_char; 64];
    // SAFETY: only the first 32 of `buf`'s 64 bytes are offered.
    let needed = unsafe { demo_last_error(buf.as_mut_ptr(), 32) };
    assert_eq!(needed, 1 << 20);
    assert!(needed >= 32, "truncation is reported");
    assert!(
        buf[..31]
            .iter()
            .all(|&b| b == c_char::from_ne_bytes([b'x']))
    );
    assert_eq!(buf[31], 0);
    assert!(
        buf[32..].iter().all(|&b| b == 0x55),
        "nothing written past the capacity"
    );
}

#[test]
fn zero_capacity_and_null_buffer_write_nothing_and_report_the_length() {
    export::set_last_error(&"abc");
    let mut canary = [0x55 as c_char; 4];
    // SAFETY: capacity 0 permits no writes.
    assert_eq!(unsafe { demo_last_error(canary.as_mut_ptr(), 0) }, 3);
    assert_eq!(canary, [0x55; 4]);
    // SAFETY: a null buffer is never written, whatever the capacity claims.
    assert_eq!(unsafe { demo_last_error(std::ptr::null_mut(), 4096) }, 3);

    let mut one = [0x55 as c_char; 1];
    // SAFETY: one writable byte.
    assert_eq!(unsafe { demo_last_error(one.as_mut_ptr(), 1) }, 3);
    assert_eq!(one, [0], "capacity 1 holds only the terminator");
}

#[test]
fn guard_returns_the_fallback_for_pointer_returning_exports() {
    extern "C" fn make() -> *mut u32 {
        export::guard(std::ptr::null_mut(), || panic!("cannot make"))
    }
    assert!(make().is_null());
    assert!(last_error().ends_with("cannot make"));
}

#[test]
fn the_crate_error_wraps_export_errors() {
    let panic = export::catch_panic(|| -> () { panic!("p") }).unwrap_err();
    let top: ffiguard::Error = panic.into();
    assert!(matches!(top, ffiguard::Error::Panic(_)));
    // SAFETY: null is rejected before any read.
    let arg = unsafe { export::arg_ref::<u8>(std::ptr::null(), "x") }.unwrap_err();
    assert!(matches!(
        ffiguard::Error::from(arg),
        ffiguard::Error::Arg(_)
    ));
}

#[derive(Debug, thiserror::Error)]
#[error("mapped to success by mistake")]
struct MapsToOk;

impl ExportError for MapsToOk {
    const PANIC: c_int = -99;

    fn status(&self) -> c_int {
        0
    }
}

/// Covers the success-code guard: an error mapped to the OK status must not reach C as
/// success.
#[test]
fn an_error_mapped_to_the_success_code_is_not_reported_as_success() {
    let rc = export::status::<MapsToOk>(|| Err(MapsToOk));
    assert_eq!(rc, MapsToOk::PANIC);
    assert_eq!(last_error(), "mapped to success by mistake");
}
