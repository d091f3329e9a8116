//! The cross-check of a fixture, shared by the ABI fixture suites (`abi_set_n.rs`,
//! `abi_set_p.rs`, `abi_set_q.rs`, `abi_known_bugs_5.rs`). Needs libclang and the targets' C
//! headers, as `abi_checks.rs` does.

use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet};
use ffiguard_audit::{Finding, Level};
use std::path::PathBuf;

/// The findings for the Rust files `rust` against `header`, all in `tests/fixtures/abi/<dir>`,
/// checked for every target (each file seen as `src/<name>`). The header must read on all
/// four targets.
pub(crate) fn check(dir: &str, header: &str, rust: &[&str]) -> Vec<Finding> {
    let dir = fixture_dir(dir);
    let headers = HeaderSet::new([dir.join(header)]);
    for t in &ALL_TARGETS {
        if let Err(e) = ffiguard_cheader::parse_headers(&headers, t) {
            panic!("{e}");
        }
    }
    let files: Vec<(String, String)> = rust
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("fixture");
            (format!("src/{f}"), text)
        })
        .collect();
    let report = abi::check_bindings(&files, &headers, &ALL_TARGETS);
    assert_eq!(report.checked_targets.len(), 4);
    report.findings
}

/// `tests/fixtures/abi/<dir>`.
pub(crate) fn fixture_dir(dir: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/abi")
        .join(dir)
}

/// The error-level ones among `findings`.
#[allow(dead_code)] // not every suite looks at levels
pub(crate) fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.level == Level::Error)
        .collect()
}
