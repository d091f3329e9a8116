//! A planted memory-safety bug, for the tests (feature `planted-bugs`): the SQL function
//! `planted_fault()` writes through a wild pointer, standing for a bug in the library that a
//! hostile database file can reach — a view or trigger in the file calls it.

use std::ffi::c_int;

use libsqlite3_sys as ffi;

/// The planted bug: faults on every call.
///
/// # Safety
/// Called by SQLite as a scalar SQL function; it never returns normally.
unsafe extern "C" fn fault(
    _context: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // An aligned, non-null address in the never-mapped first page: a genuine invalid write.
    let address = std::hint::black_box(16usize) as *mut u64;
    // SAFETY: deliberately violated — this write faults, which is the planted bug.
    unsafe { address.write_volatile(1) };
}

/// Registers `planted_fault()` on a connection.
pub(crate) fn register(db: *mut ffi::sqlite3) {
    // SAFETY: `db` is a live connection; the name is NUL-terminated; `fault` matches
    // SQLite's scalar-function signature; no user data and no destructor.
    unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"planted_fault".as_ptr(),
            0,
            ffi::SQLITE_UTF8,
            std::ptr::null_mut(),
            Some(fault),
            None,
            None,
            None,
        );
    }
}
