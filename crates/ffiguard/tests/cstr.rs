//! Strings across the boundary with real C (libc) and real page mappings: interior NULs
//! refused before C sees them, buffers C leaves unterminated, and strings that run into a
//! guard page.

#![cfg(target_os = "linux")]

use core::ffi::c_char;

use ffiguard::cstr::{self, CStrArg, CStrError, Utf8};
use ffiguard::ptr::PtrError;

/// Two pages, the second `PROT_NONE`: the first page's last bytes are where a string that
/// runs off its mapping ends.
struct Guarded {
    base: *mut u8,
    page: usize,
}

impl Guarded {
    fn new() -> Self {
        // SAFETY: sysconf has no preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).expect("page");
        // SAFETY: an anonymous private mapping at an address the kernel chooses.
        let base = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                2 * page,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(base, libc::MAP_FAILED);
        let base = base.cast::<u8>();
        // SAFETY: the second page belongs to the mapping just made.
        let rc = unsafe { libc::mprotect(base.wrapping_add(page).cast(), page, libc::PROT_NONE) };
        assert_eq!(rc, 0);
        Guarded { base, page }
    }

    /// Writes `bytes` so they end exactly at the guard page; returns their start.
    fn place_at_end(&self, bytes: &[u8]) -> *const c_char {
        assert!(bytes.len() <= self.page);
        let start = self.base.wrapping_add(self.page - bytes.len());
        // SAFETY: [start, start + len) lies in the first, writable page of this mapping,
        // which no one else uses, and does not overlap `bytes`.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), start, bytes.len()) };
        start.cast_const().cast()
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        // SAFETY: the mapping was made by Guarded::new and nothing borrows it any more.
        unsafe { libc::munmap(self.base.cast(), 2 * self.page) };
    }
}

/// Covers the bounded search with a probe per page: a string whose NUL is the last readable
/// byte reads fine with a bound far larger than the mapping (the search stops at the NUL and
/// never touches the guard page).
#[test]
fn string_ending_at_the_guard_page_reads_with_a_large_bound() {
    let g = Guarded::new();
    let p = g.place_at_end(b"edge\0");
    // SAFETY: the string is terminated inside readable memory that stays mapped.
    assert_eq!(unsafe { cstr::read_ptr(p, 1 << 20) }, Ok(c"edge"));
    // SAFETY: as above.
    assert_eq!(unsafe { cstr::read_ptr_probed(p, 1 << 20) }, Ok(c"edge"));
}

/// Covers the probe in `read_ptr_probed`: without a NUL before the guard page, a large bound
/// is an error, not `SIGSEGV` (with the probe removed this test crashes).
#[test]
fn unterminated_string_running_into_the_guard_page_is_an_error() {
    let g = Guarded::new();
    let p = g.place_at_end(b"no terminator here");
    // SAFETY: the probe refuses the guard page before the search reaches it.
    let r = unsafe { cstr::read_ptr_probed(p, 1 << 20) };
    assert_eq!(
        r,
        Err(CStrError::Pointer(PtrError::Unreadable {
            addr: p.addr() + 18,
            len: 4096,
            fault_addr: p.addr() + 18,
        }))
    );
    // Within the mapping, the same string is just "not terminated within the bound".
    // SAFETY: the 18-byte bound lies in readable memory.
    let r = unsafe { cstr::read_ptr(p, 17) };
    assert_eq!(r, Err(CStrError::NotTerminated { bound: 18 }));
}

/// A string that crosses from one readable page into the next is read whole.
#[test]
fn strings_crossing_page_boundaries_are_read_whole() {
    // SAFETY: sysconf has no preconditions.
    let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).expect("page");
    let mut buf = vec![b'z'; 3 * page];
    // Three bytes before the second page boundary inside `buf`.
    let start = (page - buf.as_ptr().addr() % page) + page - 3;
    buf[start + 10] = 0;
    let p = buf[start..].as_ptr().cast::<c_char>();
    // SAFETY: `buf` is live and unchanged; the string is terminated inside it.
    let s = unsafe { cstr::read_ptr_probed(p, 64) }.expect("read");
    assert_eq!(s.to_bytes(), b"zzzzzzzzzz");
}

/// Covers the interior-NUL check against a real C call: `"/\0/etc/shadow"` would reach
/// `access(2)` as `"/"`; the argument is refused before the call.
#[test]
fn interior_nul_never_reaches_c() {
    let err = CStrArg::new("/\0/etc/shadow", 4096).unwrap_err();
    assert_eq!(err, CStrError::InteriorNul { position: 1 });
    let path = CStrArg::new("/", 4096).expect("valid path");
    // SAFETY: `path` is a live NUL-terminated string; access only reads it.
    assert_eq!(unsafe { libc::access(path.as_ptr(), libc::F_OK) }, 0);
}

/// What C sees is exactly what was validated, for the inline and heap forms.
#[test]
fn c_sees_the_validated_length() {
    for len in [
        0,
        1,
        cstr::INLINE_CAPACITY,
        cstr::INLINE_CAPACITY + 1,
        10_000,
    ] {
        let s = "q".repeat(len);
        let arg = CStrArg::from_bytes(s.as_bytes(), 10_000, Utf8::Require).expect("valid");
        // SAFETY: `arg` is live and terminated.
        assert_eq!(unsafe { libc::strlen(arg.as_ptr()) }, len);
    }
}

/// `strncpy` does not terminate when the source fills the buffer: the bounded buffer reader
/// reports it instead of reading past the buffer.
#[test]
fn buffer_c_left_unterminated_is_an_error() {
    let mut buf: [c_char; 8] = [0; 8];
    let src = c"0123456789";
    // SAFETY: buf has 8 writable bytes and src is terminated; strncpy writes exactly 8.
    unsafe { libc::strncpy(buf.as_mut_ptr(), src.as_ptr(), buf.len()) };
    assert_eq!(
        cstr::read_c_char_buf(&buf),
        Err(CStrError::NotTerminated { bound: 8 })
    );
    // With room for the NUL, the same call terminates and the reader returns the string.
    let mut roomy: [c_char; 16] = [0; 16];
    // SAFETY: roomy has 16 writable bytes, more than src's 11.
    unsafe { libc::strncpy(roomy.as_mut_ptr(), src.as_ptr(), roomy.len()) };
    assert_eq!(cstr::read_c_char_buf(&roomy), Ok(src));
}

/// A string C returns (`strerror`) read through the probed reader and as UTF-8.
#[test]
fn string_returned_by_libc_reads_through_the_probe() {
    // SAFETY: strerror returns a pointer to a static or thread-local message.
    let p = unsafe { libc::strerror(libc::ENOENT) };
    // SAFETY: the message stays valid until the next strerror call on this thread.
    let msg = unsafe { cstr::read_ptr_probed(p, 256) }.expect("strerror message");
    assert_eq!(cstr::utf8(msg), Ok("No such file or directory"));
}
