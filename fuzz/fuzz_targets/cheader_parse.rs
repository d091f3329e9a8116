//! Fuzzes `ffiguard-cheader` with arbitrary header text: the macro value parser on its
//! tokens, and libclang plus the model translation on the text as a header file. Every input
//! must give a model or a typed error — never a panic. Needs libclang (`LIBCLANG_PATH`).

#![no_main]

use ffiguard_cheader::{HeaderSet, X86_64_LINUX, parse_headers, parse_macro_value};
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One header file per fuzzing process, rewritten for each input.
fn header_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("cheader-fuzz-{}.h", std::process::id())))
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let tokens: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    let _ = parse_macro_value(&tokens);
    // libclang parses are slow; large inputs add little over small ones.
    if input.len() > 4096 || std::fs::write(header_path(), input).is_err() {
        return;
    }
    if let Ok(model) = parse_headers(&HeaderSet::new([header_path()]), &X86_64_LINUX) {
        for record in model.records.values() {
            for field in &record.fields {
                let _ = (&field.name, field.offset_bits);
            }
        }
    }
});
