//! Compiles every `.c` file in `csrc/` into `liblegacy.a`.
//!
//! Adding a C file (and its header to `csrc/wrapper.h`) is all it takes to grow the library.

use std::fs;
use std::path::Path;

fn main() {
    let csrc = Path::new("csrc");
    println!("cargo:rerun-if-changed=csrc");
    let mut sources: Vec<_> = match fs::read_dir(csrc) {
        Ok(dir) => dir
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "c"))
            .collect(),
        Err(err) => {
            println!("cargo::error=cannot list {}: {err}", csrc.display());
            return;
        }
    };
    // A stable order keeps the archive (and therefore builds) reproducible.
    sources.sort();
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
    }
    cc::Build::new()
        .files(&sources)
        .include(csrc)
        .std("c99")
        .warnings(true)
        .extra_warnings(true)
        .compile("legacy");
    // Lets dependents (`DEP_LEGACY_INCLUDE`) find the headers, e.g. to build C test programs.
    let include = fs::canonicalize(csrc).unwrap_or_else(|_| csrc.to_path_buf());
    println!("cargo:include={}", include.display());
}
