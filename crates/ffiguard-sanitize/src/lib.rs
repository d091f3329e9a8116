//! Run a crate's tests under the sanitizers with the C side instrumented to match.
//!
//! Sanitizing FFI code takes, today: nightly flags (or `RUSTC_BOOTSTRAP=1`), `--target`,
//! `-Zbuild-std` with `rust-src` for ThreadSanitizer and MemorySanitizer, a C compiler
//! whose instrumentation matches rustc's LLVM, UBSan's runtime for C, and the runtime
//! options that make a finding fail the run. This crate puts that together:
//!
//! 1. [`Environment::detect`] finds the toolchain (nightly if installed, else stable with
//!    `RUSTC_BOOTSTRAP=1`), the host triple, rustc's LLVM major, `rust-src`, and a
//!    `clang-N` of the same major;
//! 2. [`plan`] turns a [`Sanitizer`] and [`Options`] into the exact `cargo test` command
//!    and environment (a separate target directory per sanitizer);
//! 3. [`run`] executes it with progress on a terminal, parses the reports
//!    ([`parse_report`]) and returns an [`Outcome`] that [`render_human`]/[`render_json`]
//!    summarise.
//!
//! The `cargo ffiguard sanitize` subcommand is a thin layer over these.

mod env;
mod kind;
mod plan;
mod progress;
mod render;
mod report;
mod run;

pub use env::{Environment, ToolchainChoice};
pub use kind::Sanitizer;
pub use plan::{Options, Plan, plan};
pub use progress::ProgressMode;
pub use render::{render_human, render_json};
pub use report::{
    Finding, Frame, MAX_FINDINGS, MAX_FRAMES, MAX_LINE, Report, ReportParser, Tool, parse_report,
};
pub use run::{Outcome, run};

use std::path::PathBuf;

/// Why a sanitizer run could not be set up or executed (findings are not errors: they are
/// in the [`Outcome`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Not one of `address`, `leak`, `thread`, `memory`, `undefined`, `valgrind`, `all`.
    #[error(
        "unknown sanitizer `{0}` (expected address, leak, thread, memory, undefined, valgrind or all)"
    )]
    UnknownSanitizer(String),
    /// A tool could not be started.
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A tool ran but said something unexpected.
    #[error("`{program}` failed: {detail}")]
    Tool {
        /// The program.
        program: String,
        /// Its exit status and stderr, or what could not be understood.
        detail: String,
    },
    /// The requested toolchain is not installed.
    #[error("toolchain `{0}` is not installed (rustup toolchain install {0})")]
    MissingToolchain(String),
    /// `-Zbuild-std` needs the standard library's sources.
    #[error(
        "{sanitizer} rebuilds std with -Zbuild-std, which needs the rust-src component: \
         rustup component add rust-src --toolchain {toolchain}"
    )]
    MissingRustSrc {
        /// The mode that needs it.
        sanitizer: Sanitizer,
        /// The toolchain to add it to.
        toolchain: String,
    },
    /// No clang whose LLVM major matches rustc's.
    #[error(
        "{sanitizer} needs clang {llvm_major} to match rustc's LLVM {llvm_major} \
         (apt-get install clang-{llvm_major}), or try `valgrind`"
    )]
    MissingClang {
        /// The mode that needs it.
        sanitizer: Sanitizer,
        /// rustc's LLVM major version.
        llvm_major: u32,
    },
    /// Valgrind mode without `valgrind` on `PATH`.
    #[error("valgrind is not installed (apt-get install valgrind)")]
    MissingValgrind,
    /// The target directory could not be determined or created.
    #[error("target directory {path}: {source}")]
    TargetDir {
        /// The directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}
