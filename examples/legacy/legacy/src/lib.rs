//! A safe wrapper of liblegacy, a configuration store written in 2000s C, built only from
//! [`ffiguard`] primitives.
//!
//! liblegacy is the kind of library Rust programs inherit: opaque handles, strings the caller
//! frees with the library's own `lg_free`, snprintf-style buffers, `errno`, a global
//! last-error message, a process-wide registry with no locking, and a few contract violations
//! kept "for compatibility" (see `legacy-sys/csrc/legacy.c`). This crate shows each defence
//! of the FFI threat model applied to it:
//!
//! | threat | defence here | ffiguard piece |
//! | --- | --- | --- |
//! | C violating its contract | returned pointers probed before reading (`0xdeadbeef` is an error, not `SIGSEGV`); written lengths and terminators checked; `_Bool` read as a byte | [`ptr`](ffiguard::ptr), [`cstr`](ffiguard::cstr) |
//! | compromised library | no length from C is trusted: sizes capped, retries bounded, outputs copied | [`conv`](ffiguard::conv), [`cstr`](ffiguard::cstr) |
//! | integer truncation | every integer crossing is checked for the C type of this target | [`conv`](ffiguard::conv) |
//! | ABI mismatch | `lg_stats` layout asserted at compile time for 64- and 32-bit targets; version checked | [`layout`](ffiguard::layout) |
//! | thread-safety violations | every call that touches liblegacy's globals holds one [`LibraryLock`](ffiguard::sync::LibraryLock); handles are `!Send` | [`sync`](ffiguard::sync) |
//! | errors lost | typed codes that keep unknown ones, `errno` and the library's message | [`error`](ffiguard::error) |
//! | leaks, double frees | handles and strings owned, released once with liblegacy's functions | [`owned`](ffiguard::owned) |
//!
//! ```
//! # fn main() -> Result<(), legacy::Error> {
//! let mut store = legacy::Store::new("app")?;
//! store.set("cache.size", "64")?;
//! assert_eq!(store.get("cache.size")?, "64");
//! assert_eq!(store.get_i64("cache.size")?, 64);
//! assert!(store.get("missing").is_err());
//! # Ok(()) }
//! ```
//!
//! A store cannot move to another thread (liblegacy promises nothing about it):
//!
//! ```compile_fail
//! let store = legacy::Store::new("app").unwrap();
//! std::thread::spawn(move || drop(store));
//! ```

pub mod callbacks;
mod error;
mod library;
mod math;
mod stats;
mod store;

pub use error::{Error, LgCode};
pub use library::{Features, Version, check_version, features, misuse_count, open_stores, version};
pub use math::{add, checksum};
pub use stats::{Stats, StoreKind};
pub use store::{MAX_KEY_LEN, MAX_VALUE_LEN, Store};

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Serializes every call that reads or writes liblegacy's global state (the registry of open
/// stores, the id counter, the last error). Pure functions ([`add`], [`checksum`]) skip it.
static LIBRARY: ffiguard::sync::LibraryLock = ffiguard::sync::LibraryLock::new();
