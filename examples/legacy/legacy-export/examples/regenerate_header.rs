//! Regenerates `include/legacy_export.h` from the Rust sources (run through `../regenerate.sh`).

#[path = "../tools/cbindgen_config.rs"]
mod cbindgen_config;

use std::process::ExitCode;

fn main() -> ExitCode {
    let text = match cbindgen_config::generate() {
        Ok(text) => text,
        Err(err) => {
            eprintln!("regenerate_header: {err}");
            return ExitCode::FAILURE;
        }
    };
    let path = cbindgen_config::committed_header_path();
    if let Err(err) = std::fs::write(&path, text) {
        eprintln!("regenerate_header: cannot write {}: {err}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
