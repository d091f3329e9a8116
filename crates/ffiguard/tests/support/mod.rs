//! Shared by the test binaries that build small C fixtures.

use std::path::PathBuf;
use std::process::Command;

/// Compiles `source` with `$CC` (default `cc`) and `args` into a fresh file named after
/// `stem` and this process in the test's scratch directory; returns the output path. The
/// source file is removed again; the output is the caller's to use and remove.
pub(crate) fn compile_c(stem: &str, output_suffix: &str, source: &str, args: &[&str]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("ffiguard-c-fixtures");
    std::fs::create_dir_all(&dir).expect("fixture dir");
    let pid = std::process::id();
    let src = dir.join(format!("{stem}-{pid}.c"));
    let out = dir.join(format!("{stem}-{pid}{output_suffix}"));
    std::fs::write(&src, source).expect("write fixture");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let status = Command::new(&cc)
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .unwrap_or_else(|e| panic!("running the C compiler `{cc}`: {e}"));
    let _ = std::fs::remove_file(&src);
    assert!(status.success(), "compiling the C fixture {stem} failed");
    out
}
