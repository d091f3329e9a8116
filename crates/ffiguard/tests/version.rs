//! Version checks against a real library: the C library this test runs on (glibc), read both
//! from the string it returns and from the buffer `confstr` writes.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use core::ffi::c_char;

use ffiguard::cstr;
use ffiguard::version::{Requirement, Version, VersionError};

unsafe extern "C" {
    /// glibc's `const char *gnu_get_libc_version(void)`, from `<gnu/libc-version.h>`.
    fn gnu_get_libc_version() -> *const c_char;
}

fn glibc_from_pointer() -> Version {
    // SAFETY: gnu_get_libc_version has no preconditions and returns a static string.
    let p = unsafe { gnu_get_libc_version() };
    // SAFETY: the string is static and never written.
    let s = unsafe { cstr::read_ptr_probed(p, 32) }.expect("glibc version string");
    Version::from_c_str(s).expect("glibc version parses")
}

#[test]
fn glibc_version_string_meets_a_minimum() {
    let found = glibc_from_pointer();
    assert_eq!(found.major, 2);
    Requirement::at_least(2, 17, 0)
        .check("glibc", found)
        .expect("any supported glibc is >= 2.17");
}

/// The same version, read from a buffer C writes (`confstr(_CS_GNU_LIBC_VERSION)` gives
/// "glibc 2.36"): bounded buffer read, then a prefix-tolerant parse.
#[test]
fn glibc_version_from_a_buffer_c_fills() {
    let mut buf = [0_u8; 64];
    // SAFETY: buf has 64 writable bytes and its length is passed.
    let needed = unsafe {
        libc::confstr(
            libc::_CS_GNU_LIBC_VERSION,
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    assert!(needed > 0 && needed <= buf.len());
    let text = cstr::read_buf_str(&buf).expect("terminated UTF-8");
    let number = text.strip_prefix("glibc ").expect("confstr format");
    let (from_buffer, _) = Version::parse_prefix(number).expect("parses");
    assert_eq!(from_buffer, glibc_from_pointer());
}

/// A requirement the running library cannot meet is an error naming both versions.
#[test]
fn unmet_requirement_names_found_and_required() {
    let found = glibc_from_pointer();
    let required = Requirement::compatible(found.major + 1, 0, 0);
    let err = required.check("glibc", found).unwrap_err();
    assert_eq!(
        err,
        VersionError::Unsatisfied {
            library: "glibc",
            found,
            required,
        }
    );
    assert_eq!(
        err.to_string(),
        format!(
            "glibc {found} found, >= {}.0.0, < {}.0.0 required",
            found.major + 1,
            found.major + 2
        )
    );
}
