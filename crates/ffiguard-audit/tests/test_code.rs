//! Errors in test-only code are reported as warnings (objc's `#[cfg(test)] mod test_utils;`,
//! backtrace's `tests/`), unless the configuration says `test-code = "same"`.

use ffiguard_audit::{Config, Level, audit_path, registry};
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A Rust struct without `repr(C)` returned from an `extern "C" fn`: FFI001, an error.
const BY_VALUE: &str = "pub struct Custom { pub a: u64, pub b: u8 }\n\
    pub extern \"C\" fn get() -> Custom {\n    Custom { a: 1, b: 2 }\n}\n";

fn levels(root: &Path, config: &Config) -> Vec<(String, Level)> {
    let outcome = audit_path(root, registry::rules(), config, 1).expect("runs");
    let mut out: Vec<(String, Level)> = outcome
        .findings
        .iter()
        .filter(|f| f.rule == "FFI001")
        .map(|f| (f.location.file.clone(), f.level))
        .collect();
    out.sort();
    out
}

#[test]
fn errors_in_test_code_are_warnings_unless_configured() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n",
    );
    write(
        root,
        "src/lib.rs",
        "mod shipped;\n#[cfg(test)]\nmod test_utils;\n#[cfg(test)]\nmod inline {\n    pub struct Inline { pub a: u64 }\n    pub extern \"C\" fn inline() -> Inline {\n        Inline { a: 1 }\n    }\n}\n",
    );
    write(root, "src/shipped.rs", BY_VALUE);
    write(
        root,
        "src/test_utils.rs",
        &format!("mod nested;\n{BY_VALUE}"),
    );
    write(root, "src/test_utils/nested.rs", BY_VALUE);
    write(root, "tests/it.rs", BY_VALUE);
    let lowered = levels(root, &Config::default());
    assert_eq!(
        lowered,
        [
            ("src/lib.rs".to_owned(), Level::Warning),
            ("src/shipped.rs".to_owned(), Level::Error),
            ("src/test_utils.rs".to_owned(), Level::Warning),
            ("src/test_utils/nested.rs".to_owned(), Level::Warning),
            ("tests/it.rs".to_owned(), Level::Warning),
        ]
    );
    write(
        root,
        "Cargo.toml",
        "[package]\nname = \"t\"\nversion = \"0.1.0\"\n[package.metadata.ffiguard]\ntest-code = \"same\"\n",
    );
    let config = Config::load(root).expect("config");
    assert!(
        levels(root, &config)
            .iter()
            .all(|(_, level)| *level == Level::Error)
    );
}
