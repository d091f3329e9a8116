//! Thread confinement for C libraries: one caller at a time, values bound to a thread, markers.
//!
//! # Choosing `Send` and `Sync` for a wrapper handle
//!
//! Rust derives `Send`/`Sync` from fields; a raw pointer field makes a handle neither, and an
//! `unsafe impl` is a claim about the C library. Decide per row, from documentation *and* a run
//! under ThreadSanitizer (libraries that say "thread-safe" often mean "for distinct objects"):
//!
//! | the C library… | handle `Send` | handle `Sync` | why |
//! | --- | --- | --- | --- |
//! | is thread-safe, including concurrent calls on one object | yes | yes | It synchronises internally, so moving a handle and sharing `&handle` across threads are both what it promises to support. |
//! | is thread-safe for distinct objects only (the common case) | yes | no | Any thread may use an object, one at a time: moving is fine, sharing `&` would allow two threads on one object. Use [`NotSync`]; add a `Mutex` for sharing. |
//! | keeps thread-local state tied to the handle (a "current context", a per-thread interpreter) | no | no | The handle means something only on its creating thread; moved, its calls would see another thread's context. Use [`ThreadBound`] or [`NotSendSync`]. (State that is only per-call scratch, like an `errno` read right after the call in the same wrapper function, does not count.) |
//! | has unsynchronised global state | no | no | Per-handle markers are not enough here: two *different* handles on two threads still race on the globals, and even a `static fn` wrapper with no handle at all does. Every call must go through one [`LibraryLock`] (next row). |
//! | has unknown thread safety | no | no | Assume the previous row until proven otherwise; that also means the library-wide lock, since `!Send` handles alone do not stop calls from several threads. |
//! | is serialised by a Rust-side [`LibraryLock`] held around every call | yes | yes | No two calls run at once, so any thread may hold or share a handle — unless the library *also* keeps thread-local state (third row), which a lock cannot fix. |
//!
//! # Checking it under ThreadSanitizer
//!
//! A lock that is missing somewhere is invisible in ordinary tests. Run the tests with both the
//! Rust and the C side instrumented (nightly features through `RUSTC_BOOTSTRAP`, `rust-src`
//! for `-Zbuild-std`, clang matching rustc's LLVM):
//!
//! ```sh
//! RUST_BACKTRACE=0 RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zsanitizer=thread" \
//! CC=clang-22 CFLAGS="-fsanitize=thread" CARGO_TARGET_DIR=target/tsan \
//! cargo test -Zbuild-std --target x86_64-unknown-linux-gnu -p ffiguard -p legacy \
//!   --test callback_scoped --test callback_registered --test sync_confinement \
//!   --test callbacks_parse --test callbacks_listeners --test callbacks_threads \
//!   -- --include-ignored
//! ```
//!
//! `--include-ignored` adds `tsan_reports_the_race_without_the_lock` (in
//! `examples/legacy/legacy/tests/callbacks_threads.rs`), which calls liblegacy's global counter
//! from its own threads without the lock and passes only if TSan reports that race: proof that
//! the silence of the other tests means something.
//!
//! Callbacks follow the same reasoning for the closure: see [`callback`](crate::callback),
//! whose kinds make "C calls back from its own thread" a type-level decision.

mod bound;
mod lock;
mod markers;
pub(crate) mod thread_id;

pub use bound::{ThreadBound, WrongThread};
pub use lock::{LibraryLock, LibraryToken};
pub use markers::{NotSendSync, NotSync};
