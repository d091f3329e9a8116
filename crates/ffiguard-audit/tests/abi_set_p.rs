//! The false-positive classes of held-out set p, each on a small fixture modelled on the
//! real crate that showed it (`fixtures/abi/set_p/`): what is right must come out clean, and
//! the real mismatches of those crates must still be found.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

use ffiguard_audit::Finding;
use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/abi/set_p")
}

/// The findings for the Rust file `rust` against `header`, both in the fixture directory.
fn check(header: &str, rust: &str) -> Vec<Finding> {
    let headers = HeaderSet::new([dir().join(header)]);
    for t in &ALL_TARGETS {
        if let Err(e) = ffiguard_cheader::parse_headers(&headers, t) {
            panic!("{e}");
        }
    }
    let text = std::fs::read_to_string(dir().join(rust)).expect("fixture");
    let report = abi::check_bindings(&[(format!("src/{rust}"), text)], &headers, &ALL_TARGETS);
    assert_eq!(report.checked_targets.len(), 4);
    report.findings
}

fn errors(findings: &[Finding]) -> Vec<&Finding> {
    findings
        .iter()
        .filter(|f| f.level == ffiguard_audit::Level::Error)
        .collect()
}

#[test]
fn renamed_enumerators_are_matched_by_their_spelling_and_value() {
    let f = check("enums.h", "enums.rs");
    let errors = errors(&f);
    // Only hoedown's two real mismatches are left, each named against C's enumerator.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .any(|f| f.message.contains("`Mask` is 4 in Rust")
                && f.message.contains("`HOEDOWN_TABLE_ALIGNMASK` is 3")),
        "{errors:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|f| f.message.contains("`Header` is 5 in Rust")
                && f.message.contains("`HOEDOWN_TABLE_HEADER` is 4")),
        "{errors:#?}"
    );
}
