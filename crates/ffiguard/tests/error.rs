//! Return conventions, typed codes and library messages against hostile inputs: unknown
//! codes, a message function that lies about its code, stale `errno`, unterminated messages.

use core::ffi::{c_char, c_int};

use ffiguard::error::{
    self, Errno, ErrorCode, LibraryMessage, MAX_LIBRARY_MESSAGE, Returned, WithLibraryMessage,
};

ffiguard::error_codes! {
    /// Codes of the stand-in library.
    enum LgCode(ok = 0, library = "liblegacy") {
        /// Allocation failed.
        NoMemory = -1 => "out of memory",
        /// Bad syntax.
        Syntax = -2 => "syntax error",
    }
}

/// Covers unknown-code preservation: a code the declaration does not list survives every
/// layer (convention, crate error, display) as that number.
#[test]
fn unknown_codes_survive_every_layer() {
    for raw in [c_int::MIN, -3, -1000, c_int::MAX] {
        let err = if raw < 0 {
            error::negative_is_error::<LgCode>("lg_count", raw).unwrap_err()
        } else {
            error::nonzero_is_error::<LgCode>("lg_parse", raw).unwrap_err()
        };
        assert_eq!(err.code_as::<LgCode>(), Some(LgCode::Unknown(raw)));
        assert_eq!(err.code().unwrap().raw(), raw);
        let top: ffiguard::Error = err.into();
        assert!(
            top.to_string()
                .contains(&format!("unknown liblegacy code {raw}")),
            "{top}"
        );
    }
}

#[test]
fn known_codes_are_typed_and_success_values_pass_through() {
    let err = error::nonzero_is_error::<LgCode>("lg_parse", -2).unwrap_err();
    assert_eq!(err.code_as::<LgCode>(), Some(LgCode::Syntax));
    assert_eq!(err.returned(), Returned::Status(-2));
    assert_eq!(
        error::negative_is_error::<LgCode>("lg_count", c_int::MAX),
        Ok(c_int::MAX)
    );
    assert_eq!(error::negative_is_error::<LgCode>("lg_count", 0), Ok(0));
}

/// A code from one library is not a code of another: `code_as` refuses to reinterpret it.
#[test]
fn a_code_is_read_back_only_as_its_own_library() {
    let err = error::nonzero_is_error::<Errno>("pthread_join", 1).unwrap_err();
    assert_eq!(err.code_as::<LgCode>(), None);
    assert_eq!(err.code_as::<Errno>(), Some(Errno(1)));
}

/// Covers the message-ownership rule: a library message reporting a different code (stale,
/// from another call or thread) is dropped, not attached to this error.
#[test]
fn a_message_function_that_lies_about_its_code_is_ignored() {
    let lying = || {
        Some(LibraryMessage::new(
            LgCode::NoMemory,
            "out of memory (stale)",
        ))
    };
    let err = error::nonzero_is_error::<LgCode>("lg_parse", -2)
        .with_library_message(lying)
        .unwrap_err();
    assert_eq!(err.message(), None);
    assert_eq!(err.code_as::<LgCode>(), Some(LgCode::Syntax));
    assert!(!err.to_string().contains("stale"));
}

/// Same number, different library: an errno-based failure does not take liblegacy's message
/// for `-1` just because the numbers agree.
#[test]
fn a_message_about_the_same_number_in_another_library_is_ignored() {
    let err = error::nonzero_is_error::<Errno>("close", -1)
        .with_library_message(|| Some(LibraryMessage::new(LgCode::NoMemory, "liblegacy says")))
        .unwrap_err();
    assert_eq!(err.message(), None);
}

#[test]
fn a_matching_message_is_attached() {
    let err = error::nonzero_is_error::<LgCode>("lg_parse", -2)
        .with_library_message(|| Some(LibraryMessage::new(LgCode::Syntax, "line 1: '}'")))
        .unwrap_err();
    assert_eq!(err.message(), Some("line 1: '}'"));
    assert_eq!(
        err.to_string(),
        "lg_parse returned -2: syntax error (Syntax = -2): line 1: '}'"
    );
}

/// A null return has no code of its own: the library's report supplies one, unless the
/// library claims success, which cannot describe this failure.
#[test]
fn codeless_failures_adopt_a_reported_error_but_not_a_reported_success() {
    let null = || error::null_is_error("lg_new", std::ptr::null_mut::<u8>());

    let adopted = null()
        .with_library_message(|| Some(LibraryMessage::new(LgCode::NoMemory, "no memory")))
        .unwrap_err();
    assert_eq!(adopted.returned(), Returned::Null);
    assert_eq!(adopted.code_as::<LgCode>(), Some(LgCode::NoMemory));
    assert_eq!(adopted.message(), Some("no memory"));

    let says_ok = null()
        .with_library_message(|| Some(LibraryMessage::new(LgCode::from_raw(0), "all good")))
        .unwrap_err();
    assert_eq!(says_ok.code(), None);
    assert_eq!(says_ok.message(), None);
    assert_eq!(says_ok.to_string(), "lg_new returned null");
}

extern "C" fn fails_without_setting_errno() -> c_int {
    -1
}

/// Covers clearing `errno` before the call: a function that fails without setting `errno`
/// must not be blamed on a value left over from earlier.
#[test]
fn stale_errno_is_not_reported_as_the_cause() {
    // SAFETY: close(-1) touches no memory; it leaves EBADF in errno.
    let _ = unsafe { libc::close(-1) };
    let err = error::errno_sentinel("lg_write", -1, || fails_without_setting_errno()).unwrap_err();
    assert_eq!(err.code(), None, "stale EBADF must not be reported");
    assert_eq!(err.returned(), Returned::Sentinel);
}

#[test]
fn errno_from_a_real_failing_call_is_captured() {
    let err = error::errno_sentinel("open", -1, || {
        // SAFETY: a valid C string path; the file does not exist, so no descriptor leaks.
        unsafe { libc::open(c"/nonexistent/ffiguard".as_ptr(), libc::O_RDONLY) }
    })
    .unwrap_err();
    assert_eq!(err.code_as::<Errno>(), Some(Errno(libc::ENOENT)));
    let io: std::io::Error = err.code_as::<Errno>().unwrap().into();
    assert_eq!(io.kind(), std::io::ErrorKind::NotFound);
}

/// Covers the bounded message read: a message with no terminator before an unmapped page is
/// cut at `MAX_LIBRARY_MESSAGE` bytes instead of reading into the guard page (which would
/// crash this test process).
#[test]
fn unterminated_library_message_is_cut_before_a_guard_page() {
    let page = usize::try_from(
        // SAFETY: sysconf has no preconditions.
        unsafe { libc::sysconf(libc::_SC_PAGESIZE) },
    )
    .unwrap();
    let span = MAX_LIBRARY_MESSAGE.div_ceil(page) * page;
    // SAFETY: an anonymous private mapping; arguments are valid.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            span + page,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    assert_ne!(base, libc::MAP_FAILED);
    let bytes = base.cast::<u8>();
    // SAFETY: the first `span` bytes are mapped read-write.
    unsafe { bytes.write_bytes(b'x', span) };
    // SAFETY: `span` is inside the mapping; the range [span, span + page) is ours to protect.
    let guard = unsafe { bytes.add(span) };
    // SAFETY: `guard` is page-aligned and starts the last page of the mapping.
    let protected = unsafe { libc::mprotect(guard.cast(), page, libc::PROT_NONE) };
    assert_eq!(protected, 0);
    // The message ends exactly MAX_LIBRARY_MESSAGE bytes before the guard page, unterminated.
    // SAFETY: `span - MAX_LIBRARY_MESSAGE` is inside the mapping.
    let text = unsafe { bytes.add(span - MAX_LIBRARY_MESSAGE) }.cast::<c_char>();

    // SAFETY: readable for MAX_LIBRARY_MESSAGE bytes, which is all from_c_str may read.
    let message = unsafe { LibraryMessage::from_c_str(LgCode::Syntax, text) }.unwrap();
    assert_eq!(message.text().len(), MAX_LIBRARY_MESSAGE);

    // SAFETY: the mapping made above, unmapped once.
    assert_eq!(unsafe { libc::munmap(base, span + page) }, 0);
}

#[test]
fn huge_and_non_utf8_messages_are_bounded_and_never_panic() {
    let huge = "é".repeat(MAX_LIBRARY_MESSAGE);
    let m = LibraryMessage::new(LgCode::Syntax, huge);
    assert!(m.text().len() <= MAX_LIBRARY_MESSAGE);
    assert!(m.text().chars().all(|c| c == 'é'));

    let raw = c"\xff\xfeok";
    // SAFETY: a valid C string.
    let m = unsafe { LibraryMessage::from_c_str(LgCode::Syntax, raw.as_ptr()) }.unwrap();
    assert_eq!(m.text(), "\u{FFFD}\u{FFFD}ok");
}

#[test]
fn sentinel_zero_and_null_conventions() {
    assert_eq!(
        error::sentinel_is_error("lg_getc", usize::MAX, usize::MAX)
            .unwrap_err()
            .returned(),
        Returned::Sentinel
    );
    assert_eq!(
        error::zero_is_error("lg_ok", 0_i64).unwrap_err().returned(),
        Returned::Zero
    );
    assert_eq!(error::zero_is_error("lg_ok", -1_i64), Ok(-1));
    let mut x = 1_u8;
    assert_eq!(
        error::null_is_error("lg_get", &raw mut x).unwrap().as_ptr(),
        &raw mut x
    );
}
