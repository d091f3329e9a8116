//! The one cbindgen configuration for `include/legacy_export.h`, shared by the regeneration
//! example and the drift test.
//!
//! cbindgen reads the sources directly (`with_src`) instead of asking `cargo metadata`, so
//! generating the header never runs a nested cargo while the outer one holds its locks.

use std::path::{Path, PathBuf};

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Path of the committed header.
pub(crate) fn committed_header_path() -> PathBuf {
    crate_dir().join("include").join("legacy_export.h")
}

/// Runs cbindgen over the crate's sources and returns the header as text.
pub(crate) fn generate() -> Result<String, String> {
    let config_path = crate_dir().join("cbindgen.toml");
    let config = cbindgen::Config::from_file(&config_path)
        .map_err(|err| format!("cannot read {}: {err}", config_path.display()))?;
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(crate_dir().join("src").join("lib.rs"))
        .generate()
        .map_err(|err| format!("cbindgen failed: {err}"))?;
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).map_err(|err| format!("cbindgen wrote invalid UTF-8: {err}"))
}
