//! Regenerates `src/bindings.rs` from the headers in `csrc/` (run through `../regenerate.sh`).

#[path = "../tools/bindgen_config.rs"]
mod bindgen_config;

use std::process::ExitCode;

fn main() -> ExitCode {
    let text = match bindgen_config::generate() {
        Ok(text) => text,
        Err(err) => {
            eprintln!("regenerate_bindings: {err}");
            return ExitCode::FAILURE;
        }
    };
    let path = bindgen_config::committed_bindings_path();
    if let Err(err) = std::fs::write(&path, text) {
        eprintln!(
            "regenerate_bindings: cannot write {}: {err}",
            path.display()
        );
        return ExitCode::FAILURE;
    }
    println!("wrote {}", path.display());
    ExitCode::SUCCESS
}
