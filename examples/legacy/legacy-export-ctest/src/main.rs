//! The C test program of `legacy-export`, linked as an executable.
//!
//! Its entry point is `main` in `c/test_export.c` (compiled by `build.rs`); this file only makes
//! cargo link that C code with the Rust library it exercises.
#![no_main]

use legacy_export as _;
