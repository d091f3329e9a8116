//! Compiles the C test program `c/test_export.c` against the committed `legacy_export.h`.
//!
//! The program keeps its own `main`; `src/main.rs` is `#![no_main]`, so the executable cargo
//! links is the C program plus the Rust library it calls, linked by cargo itself (no nested
//! cargo, no guessing where a static archive landed).

fn main() {
    println!("cargo:rerun-if-changed=c/test_export.c");
    println!("cargo:rerun-if-changed=../legacy-export/include/legacy_export.h");
    cc::Build::new()
        .file("c/test_export.c")
        .include("../legacy-export/include")
        .std("c99")
        .warnings(true)
        .extra_warnings(true)
        .compile("legacy_export_ctest");
    // The C program uses POSIX threads to check that last errors are per thread.
    println!("cargo:rustc-link-lib=pthread");
}
