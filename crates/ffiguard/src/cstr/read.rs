//! Bounded readers for strings C returns or writes into buffers.
//!
//! No reader here calls an unbounded `strlen`: each one searches for the NUL within a bound
//! the caller chose, and a missing terminator is [`CStrError::NotTerminated`].

use core::ffi::{CStr, c_char};

use super::CStrError;
use crate::ptr;

/// Reads the C string C wrote into a Rust-owned byte buffer: the bytes up to the first NUL.
///
/// The buffer is the bound: a buffer C filled without terminating is an error, never a read
/// past its end.
///
/// ```
/// use ffiguard::cstr::{self, CStrError};
///
/// let mut buf = [0_u8; 16];
/// buf[..5].copy_from_slice(b"hello");
/// assert_eq!(cstr::read_buf(&buf)?, c"hello");
///
/// let full = [b'x'; 16];
/// assert_eq!(cstr::read_buf(&full), Err(CStrError::NotTerminated { bound: 16 }));
/// # Ok::<(), CStrError>(())
/// ```
#[inline]
pub fn read_buf(buf: &[u8]) -> Result<&CStr, CStrError> {
    CStr::from_bytes_until_nul(buf).map_err(|_| CStrError::NotTerminated { bound: buf.len() })
}

/// [`read_buf`] for a `c_char` buffer (`char name[64]` in a C struct or an out-parameter).
///
/// ```
/// use core::ffi::c_char;
/// use ffiguard::cstr;
///
/// let mut name: [c_char; 8] = [0; 8];
/// for (dst, src) in name.iter_mut().zip(b"eth0") {
///     *dst = *src as c_char;
/// }
/// assert_eq!(cstr::read_c_char_buf(&name)?.to_str(), Ok("eth0"));
/// # Ok::<(), ffiguard::cstr::CStrError>(())
/// ```
#[inline]
pub fn read_c_char_buf(buf: &[c_char]) -> Result<&CStr, CStrError> {
    let bytes: *const [c_char] = buf;
    // SAFETY: c_char is i8 or u8: same size and alignment as u8, every bit pattern valid in
    // both, so the same memory may be viewed as bytes. The new slice has `buf`'s length and
    // borrows `buf` for the same lifetime.
    let bytes = unsafe { &*(bytes as *const [u8]) };
    read_buf(bytes)
}

/// [`read_buf`] followed by [`utf8`]: the string C wrote, as `&str`.
///
/// ```
/// use ffiguard::cstr::{self, CStrError};
///
/// assert_eq!(cstr::read_buf_str(b"ok\0junk")?, "ok");
/// assert_eq!(
///     cstr::read_buf_str(b"o\xffk\0"),
///     Err(CStrError::InvalidUtf8 { valid_up_to: 1, error_len: Some(1) }),
/// );
/// # Ok::<(), CStrError>(())
/// ```
#[inline]
pub fn read_buf_str(buf: &[u8]) -> Result<&str, CStrError> {
    utf8(read_buf(buf)?)
}

/// The string as UTF-8, or [`CStrError::InvalidUtf8`] with the position of the first bad
/// byte.
///
/// ```
/// use ffiguard::cstr;
///
/// assert_eq!(cstr::utf8(c"zlib"), Ok("zlib"));
/// ```
#[inline]
pub fn utf8(s: &CStr) -> Result<&str, CStrError> {
    Ok(s.to_str()?)
}

/// Reads a string C returned through a pointer, searching for the NUL in at most
/// `max_len + 1` bytes (a string of up to `max_len` bytes and its terminator).
///
/// Null is [`CStrError::Null`]; an address no process can map (low range, outside user
/// space) is [`CStrError::Pointer`]; no NUL within the bound is [`CStrError::NotTerminated`].
///
/// ```
/// use ffiguard::cstr::{self, CStrError};
///
/// let s = c"from C";
/// // SAFETY: `s` is a live, unchanging C string for the borrow.
/// assert_eq!(unsafe { cstr::read_ptr(s.as_ptr(), 64) }?, c"from C");
/// // SAFETY: nothing is read past the 3-byte bound.
/// assert_eq!(unsafe { cstr::read_ptr(s.as_ptr(), 2) }, Err(CStrError::NotTerminated { bound: 3 }));
/// // SAFETY: null is refused before any read.
/// assert_eq!(unsafe { cstr::read_ptr(core::ptr::null(), 64) }, Err(CStrError::Null));
/// # Ok::<(), CStrError>(())
/// ```
///
/// # Safety
///
/// The bound limits how far the search goes, not whether the memory it covers exists. The
/// caller guarantees that the bytes from `ptr` up to the first NUL, or up to the bound if
/// there is none, are mapped readable: a string that is unterminated up to the end of its
/// mapping faults even with a larger bound. [`read_ptr_probed`] asks the kernel first and
/// closes that gap. In both cases the caller also guarantees that, for `'a`, nothing writes
/// to or frees the string.
pub unsafe fn read_ptr<'a>(ptr: *const c_char, max_len: usize) -> Result<&'a CStr, CStrError> {
    let bound = checked_bound(ptr, max_len)?;
    // SAFETY: ptr is non-null (checked_bound); readability of the bytes strnlen visits
    // (up to the NUL or `bound`) is the caller's contract.
    let len = unsafe { bounded_strlen(ptr, bound) };
    // SAFETY: bounded_strlen returned the index of a NUL it read, or `bound`; lifetime and
    // absence of writers are this function's caller's contract.
    unsafe { found(ptr, len, bound) }
}

/// [`read_ptr`] that probes every page with [`ptr::probe_readable`] before searching it, so a
/// bogus or unterminated pointer is an error instead of `SIGSEGV`.
///
/// Costs one `process_vm_readv` per page searched (a short string: one, ~1.3 µs against ~6 ns
/// for [`read_ptr`]; see `BENCHMARKS.md`). If the probe is unavailable (seccomp, non-Linux)
/// the result is [`CStrError::Pointer`] with
/// [`PtrError::ProbeUnavailable`](crate::ptr::PtrError::ProbeUnavailable) and nothing is read.
///
/// ```
/// use ffiguard::cstr::CStrError;
/// use ffiguard::ptr::PtrError;
///
/// let bogus = 0xdead_beef_usize as *const core::ffi::c_char;
/// // SAFETY: the probe refuses the address before anything reads it.
/// match unsafe { ffiguard::cstr::read_ptr_probed(bogus, 256) } {
///     Err(CStrError::Pointer(PtrError::Unreadable { .. } | PtrError::ProbeUnavailable { .. })) => {}
///     other => panic!("{other:?}"),
/// }
/// ```
///
/// # Safety
///
/// For `'a`, nothing writes to, frees or unmaps the string (the probe is a snapshot: memory
/// unmapped by another thread after it can still fault).
pub unsafe fn read_ptr_probed<'a>(
    ptr: *const c_char,
    max_len: usize,
) -> Result<&'a CStr, CStrError> {
    let bound = checked_bound(ptr, max_len)?;
    let page = probe_page_size();
    let mut scanned = 0;
    while scanned < bound {
        let at = ptr.wrapping_add(scanned);
        // Up to the next page boundary, so each probe covers exactly what is searched next.
        let to_page_end = page - (at.addr() % page);
        let chunk = to_page_end.min(bound - scanned);
        ptr::probe_readable(at, chunk)?;
        // SAFETY: `at` is inside the range checked by checked_bound, non-null, and the probe
        // just found all `chunk` bytes readable; strnlen reads no further than `chunk`.
        let len = unsafe { bounded_strlen(at, chunk) };
        if len < chunk {
            // SAFETY: the NUL is at ptr + scanned + len and every byte before it was in a
            // probed, readable chunk; lifetime and absence of writers are the caller's
            // contract.
            return unsafe { found(ptr, scanned + len, bound) };
        }
        scanned += chunk;
    }
    Err(CStrError::NotTerminated { bound })
}

/// The page size probing steps by: 4 KiB divides every page size Linux uses, so a chunk never
/// straddles two real pages.
fn probe_page_size() -> usize {
    4096
}

fn checked_bound(ptr: *const c_char, max_len: usize) -> Result<usize, CStrError> {
    if ptr.is_null() {
        return Err(CStrError::Null);
    }
    // The bound may not extend past isize::MAX bytes (a CStr is a slice) or wrap.
    let bound = max_len.saturating_add(1).min(isize::MAX.unsigned_abs());
    let limit = crate::ptr::AddrRules::TARGET;
    let addr = ptr.addr();
    // Clip the bound at the end of user space instead of refusing it: a large bound is a
    // limit, not a claim that the memory exists.
    let room = limit.user_space_end.saturating_sub(addr);
    limit.check_range(addr, bound.min(room).max(1))?;
    Ok(bound.min(room))
}

/// The string at `ptr` if its NUL (at `len`) lies inside the bound.
///
/// # Safety
///
/// If `len < bound`, the byte at `ptr + len` is a NUL, the bytes before it are readable and
/// not NUL, and nothing writes to or frees them for `'a`.
unsafe fn found<'a>(ptr: *const c_char, len: usize, bound: usize) -> Result<&'a CStr, CStrError> {
    if len >= bound {
        return Err(CStrError::NotTerminated { bound });
    }
    // Built from the known length: no second scan, and no unbounded strlen even here.
    // SAFETY: len < bound, so by this function's contract the len + 1 bytes at ptr are
    // readable, initialized (C wrote them; u8 has no invalid values) and unchanged for 'a;
    // len + 1 <= bound <= isize::MAX (checked_bound) and u8 needs no alignment.
    let with_nul = unsafe { core::slice::from_raw_parts(ptr.cast::<u8>(), len + 1) };
    // SAFETY: the last byte is the NUL the search stopped at, and the search passed every
    // byte before it, so none of them is NUL (this skips a second scan).
    Ok(unsafe { CStr::from_bytes_with_nul_unchecked(with_nul) })
}

/// The index of the first NUL in `[ptr, ptr + bound)`, or `bound` if there is none.
///
/// # Safety
///
/// `ptr` is non-null and the bytes up to the first NUL, or `bound` bytes if there is none,
/// are readable.
unsafe fn bounded_strlen(ptr: *const c_char, bound: usize) -> usize {
    #[cfg(unix)]
    {
        // SAFETY: strnlen reads at most `bound` bytes and stops at the first NUL; the caller
        // guarantees those bytes are readable.
        unsafe { libc::strnlen(ptr, bound) }
    }
    #[cfg(not(unix))]
    {
        let mut len = 0;
        // SAFETY: each byte read is before the first NUL or at it, within `bound`: readable
        // by the caller's contract.
        while len < bound && unsafe { ptr.add(len).read() } != 0 {
            len += 1;
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unterminated_buffers_are_refused_at_every_length() {
        for len in 0..80 {
            let buf = vec![b'a'; len];
            assert_eq!(read_buf(&buf), Err(CStrError::NotTerminated { bound: len }));
        }
    }

    #[test]
    fn buffer_reads_stop_at_the_first_nul() {
        assert_eq!(read_buf(b"\0"), Ok(c""));
        assert_eq!(read_buf(b"ab\0cd\0"), Ok(c"ab"));
        let chars: [c_char; 3] = [0x41, 0, 0x42];
        assert_eq!(read_c_char_buf(&chars), Ok(c"A"));
        assert_eq!(
            read_c_char_buf(&chars[2..]),
            Err(CStrError::NotTerminated { bound: 1 })
        );
    }

    #[test]
    fn invalid_utf8_reports_its_position() {
        assert_eq!(
            read_buf_str(b"abc\xe2\x82\0"),
            Err(CStrError::InvalidUtf8 {
                valid_up_to: 3,
                error_len: None
            })
        );
        assert_eq!(
            read_buf_str(b"\x80\0"),
            Err(CStrError::InvalidUtf8 {
                valid_up_to: 0,
                error_len: Some(1)
            })
        );
    }

    #[test]
    fn pointer_reads_respect_the_bound_exactly() {
        let s = c"12345";
        for max in 0..5 {
            // SAFETY: `s` is live; reads stay within its 6 bytes.
            let r = unsafe { read_ptr(s.as_ptr(), max) };
            assert_eq!(r, Err(CStrError::NotTerminated { bound: max + 1 }));
            // SAFETY: as above; the probe checks each page first.
            let r = unsafe { read_ptr_probed(s.as_ptr(), max) };
            assert!(r.is_err(), "{max}");
        }
        // SAFETY: as above.
        assert_eq!(unsafe { read_ptr(s.as_ptr(), 5) }, Ok(s));
        // SAFETY: as above.
        assert_eq!(unsafe { read_ptr(s.as_ptr(), usize::MAX) }, Ok(s));
    }

    #[test]
    fn low_and_null_pointers_are_refused_before_reading() {
        // SAFETY: refused by the null check before any read.
        let null = unsafe { read_ptr(core::ptr::null(), 8) };
        assert_eq!(null, Err(CStrError::Null));
        // SAFETY: refused by the address checks before any read.
        let low = unsafe { read_ptr(core::ptr::without_provenance(0x10), 8) };
        assert!(matches!(
            low,
            Err(CStrError::Pointer(ptr::PtrError::LowAddress { .. }))
        ));
    }
}
