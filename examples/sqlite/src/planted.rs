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

/// A lie the worker tells about the rows of its next replies: the host's decoder must refuse
/// each with a typed error (`tests/sqlite.rs`, `a_worker_that_lies_about_its_rows_is_refused`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Lie {
    /// Tells the truth.
    None,
    /// Claims one row more than it sends.
    MoreRows,
    /// Claims one row fewer than it sends.
    FewerRows,
    /// Sends a value whose text claims a megabyte and holds three bytes.
    LongText,
    /// Cuts the last byte off the rows.
    CutShort,
    /// Sends a value of a type that does not exist.
    UnknownTag,
}

static LIE: std::sync::Mutex<Lie> = std::sync::Mutex::new(Lie::None);

/// Sets the lie of the replies that follow.
pub(crate) fn plant(lie: Lie) {
    *LIE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = lie;
}

/// Tells the planted lie about `rows` rows whose encoding ends with `block`.
pub(crate) fn tell(rows: u64, block: &mut Vec<u8>) -> u64 {
    match *LIE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
    {
        Lie::None => rows,
        Lie::MoreRows => rows + 1,
        Lie::FewerRows => rows.saturating_sub(1),
        Lie::LongText => {
            block.extend_from_slice(&[3, 0x80, 0x80, 0x40, b'a', b'b', b'c']);
            rows + 1
        }
        Lie::CutShort => {
            block.truncate(block.len().saturating_sub(1));
            rows
        }
        Lie::UnknownTag => {
            block.extend_from_slice(&[9]);
            rows + 1
        }
    }
}
