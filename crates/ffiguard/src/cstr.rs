//! Strings across the boundary, validated both ways.
//!
//! Going into C, [`CStrArg`] refuses an interior NUL (C would silently see a shorter string:
//! `"user\0admin"` is `"user"`), enforces a caller-chosen maximum length, optionally requires
//! UTF-8, and avoids the heap for short strings:
//!
//! ```
//! use ffiguard::cstr::CStrArg;
//!
//! let name = CStrArg::new("eth0", 15)?;     // IFNAMSIZ - 1
//! # let _ = name.as_ptr();
//! # Ok::<(), ffiguard::cstr::CStrError>(())
//! ```
//!
//! Coming out of C, every reader is bounded: there is no unbounded `strlen` here.
//!
//! | the string is | reader | safe? |
//! | --- | --- | --- |
//! | in a Rust buffer C wrote into | [`read_buf`], [`read_c_char_buf`], [`read_buf_str`] | yes: the buffer is the bound |
//! | behind a pointer C returned | [`read_ptr`] | `unsafe`: the bound must be mapped up to the NUL |
//! | behind a pointer C returned, maybe bogus | [`read_ptr_probed`] | `unsafe` (lifetime), but a bad pointer is an error, not `SIGSEGV` |
//!
//! ```
//! use ffiguard::cstr;
//!
//! let mut out = [0_u8; 32];
//! out[..6].copy_from_slice(b"1.3.1\0");      // what e.g. snprintf left in the buffer
//! assert_eq!(cstr::read_buf_str(&out)?, "1.3.1");
//! # Ok::<(), ffiguard::cstr::CStrError>(())
//! ```

mod arg;
mod error;
mod read;

pub use arg::{CStrArg, INLINE_CAPACITY, Utf8, ptr_or_null};
pub use error::CStrError;
pub use read::{read_buf, read_buf_str, read_c_char_buf, read_ptr, read_ptr_probed, utf8};
