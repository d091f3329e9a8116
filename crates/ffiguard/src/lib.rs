//! Boundary primitives for calling C from Rust without trusting it.
//!
//! Rust's guarantees stop at `extern "C"`. This crate turns the rules that careful FFI authors
//! follow by hand into small, composable pieces:
//!
//! | module | what crosses the boundary | what it checks |
//! | --- | --- | --- |
//! | [`conv`] | Rust integers into C integer types and back; (pointer, length) pairs | range, sign, width per target |
//! | [`cstr`] | strings into C; strings C returns or writes into buffers | interior NUL, length bound, termination within a bound, UTF-8 |
//! | [`owned`] | handles and buffers C allocates | null on construction, release with the library's own function, exactly once |
//! | [`ptr`] | pointers C returns | null, alignment, canonical user-space range, zero page, mapped and readable |
//! | [`error`] | status codes, `errno`, the library's message | every convention named once; unknown codes preserved |
//! | [`layout`] | `#[repr(C)]` types | size, alignment and offsets at compile time, per target |
//! | [`version`] | the loaded library | version and feature requirements at run time |
//! | [`trace`] | every crossing | one span per call (feature `tracing`) |
//! | [`callback`] | closures C calls back | panics, reentrancy, foreign threads, lifetime |
//! | [`sync`] | libraries that are not thread-safe | one caller at a time, thread binding |
//! | [`export`] | Rust functions called by C | panics caught into codes, null arguments, a last-error message |
//! | [`untrusted`] | text from the other side | one bound, escaping of layout controls, panic payloads as messages |
#![deny(missing_docs)]

pub mod callback;
pub mod conv;
pub mod cstr;
pub mod error;
pub mod export;
pub mod layout;
pub mod owned;
pub mod ptr;
pub mod sync;
pub mod trace;
pub mod untrusted;
pub mod version;

pub use error::Error;
