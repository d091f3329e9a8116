//! Owners for what C allocates: handles released by the library's own function, and buffers
//! and strings freed by the library's own `free`.
//!
//! - [`handle!`](crate::handle) declares an owner type for an opaque C handle in a few lines.
//!   The constructor rejects null in every build profile, `Drop` releases exactly once, and
//!   the type is neither `Send` nor `Sync` unless the declaration states why it may be.
//! - [`HandleRef`] lends a handle without giving up ownership, or wraps a handle C lends you
//!   (one owned by another object), tied to a lifetime.
//! - [`CBuffer`] and [`CText`] own bytes and strings the library allocated and must free; they
//!   never hand C memory to Rust's allocator (`Vec::from_raw_parts` / `CString::from_raw` on
//!   C memory is an allocator mismatch).
//!
//! ```
//! use ffiguard::owned::HandleRef;
//!
//! // Stand-in for a -sys crate: an opaque type and its constructor/destructor.
//! #[allow(non_camel_case_types)]
//! mod sys {
//!     pub enum lg_parser {}
//!     pub unsafe extern "C" fn lg_parser_new() -> *mut lg_parser {
//!         Box::into_raw(Box::new(0_u64)).cast()
//!     }
//!     pub unsafe extern "C" fn lg_parser_free(p: *mut lg_parser) {
//!         // SAFETY: `p` came from `lg_parser_new` and is freed once.
//!         drop(unsafe { Box::from_raw(p.cast::<u64>()) });
//!     }
//! }
//!
//! ffiguard::handle! {
//!     /// A parser from liblegacy.
//!     pub struct Parser(sys::lg_parser) release = sys::lg_parser_free;
//! }
//!
//! fn uses_a_parser(parser: HandleRef<'_, Parser>) -> bool {
//!     !parser.as_ptr().is_null()
//! }
//!
//! # fn main() -> Result<(), ffiguard::Error> {
//! // SAFETY: lg_parser_new returns null or a parser this code now owns.
//! let parser = unsafe { Parser::from_raw(sys::lg_parser_new()) }?;
//! assert!(uses_a_parser(parser.as_handle_ref()));
//! # Ok(()) }
//! // `parser` is released by `lg_parser_free` here, once.
//! ```

mod buffer;
mod handle;

pub use buffer::{BufferError, CBuffer, CText};
pub use handle::{Handle, HandleRef, NullHandle, OwnedPtr};
