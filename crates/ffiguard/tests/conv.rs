//! Integer conversions around real C calls: lengths into `size_t`, `ssize_t` results back,
//! `long` results that do not fit the Rust type a wrapper wants.

#![cfg(unix)]

use core::ffi::c_long;

use ffiguard::conv::{self, ConvError, EmptySlice, FromC, IntValue, Long, SSizeT, SizeT};

fn pipe() -> (i32, i32) {
    let mut fds = [0; 2];
    // SAFETY: fds has room for the two descriptors pipe writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    (fds[0], fds[1])
}

/// A slice crosses as (pointer, size_t); the `ssize_t` result comes back as a count.
#[test]
fn write_and_read_through_a_pipe() {
    let (rd, wr) = pipe();
    let data = b"through the boundary";
    let (ptr, len) = conv::slice_arg::<SizeT, _>(data, EmptySlice::Null).expect("len");
    // SAFETY: ptr/len describe `data`, live for the call; wr is our pipe's write end.
    let wrote = unsafe { libc::write(wr, ptr.cast(), len) };
    assert_eq!(usize::from_c::<SSizeT>(wrote), Ok(data.len()));

    let mut out = [0_u8; 64];
    let (ptr, len) = conv::slice_arg_mut::<SizeT, _>(&mut out, EmptySlice::Null).expect("len");
    // SAFETY: ptr/len describe `out`, live and exclusively borrowed for the call.
    let got = unsafe { libc::read(rd, ptr.cast(), len) };
    let got = usize::from_c::<SSizeT>(got).expect("read count");
    assert_eq!(&out[..got], data);

    // An empty slice as (NULL, 0): accepted by write(2), which writes nothing.
    let (ptr, len) = conv::slice_arg::<SizeT, u8>(&[], EmptySlice::Null).expect("len");
    assert!(ptr.is_null());
    // SAFETY: a zero-length write reads nothing through ptr.
    assert_eq!(unsafe { libc::write(wr, ptr.cast(), len) }, 0);

    // SAFETY: both descriptors are ours and closed once.
    unsafe {
        libc::close(rd);
    }
    // SAFETY: as above.
    unsafe {
        libc::close(wr);
    }
}

/// Covers the sign check on results: C's -1 error return is not a huge count.
#[test]
fn negative_ssize_t_is_not_a_length() {
    // SAFETY: writing to an invalid descriptor fails with EBADF and reads nothing.
    let ret = unsafe { libc::write(-1, b"x".as_ptr().cast(), 1) };
    assert_eq!(ret, -1);
    assert_eq!(
        usize::from_c::<SSizeT>(ret),
        Err(ConvError::FromC {
            value: IntValue::Signed(-1),
            rust_type: "usize",
            c_type: "ssize_t",
        })
    );
}

/// `strtol` returns C `long`: on LP64 targets 2^32 fits in it but not in `i32`, and the error
/// says so in C's terms; on LLP64/ILP32 C clamps to LONG_MAX itself.
#[test]
fn long_results_narrowed_with_a_named_error() {
    // SAFETY: the input is NUL-terminated; a null end pointer is allowed.
    let v: c_long = unsafe { libc::strtol(c"4294967296".as_ptr(), core::ptr::null_mut(), 10) };
    let narrowed = i32::from_c::<Long>(v);
    if size_of::<c_long>() == 8 {
        assert_eq!(
            narrowed.unwrap_err().to_string(),
            "4294967296 does not fit in `i32` (from C `long`)"
        );
    } else {
        assert_eq!(narrowed, Ok(i32::MAX));
    }
    // Going in, a Rust u64 length is checked against this target's `long`.
    assert_eq!(conv::c_long(v), Ok(v));
    assert_eq!(
        conv::c_long(u64::MAX).unwrap_err().value(),
        IntValue::Unsigned(u64::MAX.into())
    );
}
