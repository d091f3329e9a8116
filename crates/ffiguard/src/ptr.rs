//! Validation of pointers C returns, beyond null.
//!
//! A pointer from C can be null, a small integer, a pointer into freed or never-mapped
//! memory, a kernel address, or misaligned for the type it is read as (`0xdeadbeef` is all of
//! the last three). Dereferencing any of them is undefined behaviour and usually `SIGSEGV`.
//! This module checks in increasing cost, and every check returns a [`PtrError`]:
//!
//! | check | function | cost (median, reference machine) |
//! | --- | --- | --- |
//! | null, low range, user space, alignment | [`check`], [`AddrRules::check_range`] | ~1.4 ns (a null test alone: ~0.5 ns) |
//! | + length overflow, `isize::MAX`, range end | [`slice_from_c`] with [`Probe::Skip`] | ~1.6 ns |
//! | + mapped and readable | [`probe_readable`], [`Probe::Readable`] | ~1.3 µs per system call (up to 64 pages) + ~0.4 µs per page |
//!
//! The address checks belong on every pointer C returns. The probe is for pointers that are
//! suspect, or for long-lived buffers checked once; not for every call of a hot path. The
//! figures and the command that reproduces them are in `BENCHMARKS.md` under "Pointer
//! validation".
//!
//! ```
//! use ffiguard::ptr::{self, Probe};
//!
//! // What a wrapper does with a (pointer, length) pair C returned:
//! # let owned = vec![1_i32, 2, 3];
//! # let (c_ptr, c_len) = (owned.as_ptr(), owned.len());
//! // SAFETY: the library documents the buffer as valid and unchanging until it is freed.
//! let items: &[i32] = unsafe { ptr::slice_from_c(c_ptr, c_len, Probe::Readable) }?;
//! assert_eq!(items, &[1, 2, 3]);
//! # Ok::<(), ffiguard::ptr::PtrError>(())
//! ```
//!
//! What no check here can tell: whether readable memory holds what C promised, or whether C
//! frees it while Rust reads it. Those stay the `unsafe` contract of the caller.

mod addr;
mod error;
mod probe;
mod slice;

pub use addr::{AddrRules, check, check_mut};
pub use error::PtrError;
pub use probe::{PAGES_PER_CALL, Probe, probe_available, probe_readable};
pub use slice::{ref_from_c, slice_from_c, slice_from_c_mut};
