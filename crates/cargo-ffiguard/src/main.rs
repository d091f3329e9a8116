//! `cargo ffiguard`: audit FFI code without compiling it.
//!
//! Exit codes: 0 when clean, 1 when findings reach the deny level (or `docs --check` finds
//! drift), 2 on usage or internal errors and when the path holds nothing to audit.

mod check;
mod cli;
mod color;
mod deps;
mod info;
mod init;
mod layout;
mod merge;
mod paths;
mod progress;
mod sanitize;
mod target;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of the system allocator: an audit allocates and frees millions of small
/// syntax nodes, and on a large tree glibc's allocator spent a fifth of the run consolidating
/// free lists (BENCHMARKS.md, "Static audit at scale").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `cargo ffiguard ...` runs `cargo-ffiguard ffiguard ...`.
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "ffiguard") {
        args.remove(1);
    }
    let cli = cli::Cli::parse_from(args);
    let result = match cli.command {
        cli::Command::Check(args) => check::run(&args),
        cli::Command::Init(args) => init::run(&args),
        cli::Command::Explain { rule } => info::explain(&rule),
        cli::Command::Rules { format } => info::list(format),
        cli::Command::Docs { out, check } => info::docs(&out, check),
        cli::Command::LayoutTests(args) => layout::run(&args),
        cli::Command::Sanitize(args) => sanitize::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
