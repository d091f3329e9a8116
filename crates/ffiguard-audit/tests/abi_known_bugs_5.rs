//! A recall gap of known-bug set 5 (special-fun#13), on a small fixture modelled on the crate
//! (`fixtures/abi/known_bugs_5/`): a Rust declaration without the result C returns.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

mod support;

use ffiguard_audit::{Finding, Level};

fn findings() -> Vec<Finding> {
    support::check("known_bugs_5", "cephes.h", &["cephes.rs"])
}

fn about<'a>(findings: &'a [Finding], function: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.message.contains(&format!("`{function}`")))
        .collect()
}

#[test]
fn a_declaration_without_the_int_c_returns_is_a_warning() {
    let f = findings();
    let shichif = about(&f, "shichif");
    assert_eq!(shichif.len(), 1, "{f:#?}");
    assert_eq!(shichif[0].rule, "ABI003");
    // The `int` is left unread in its register: harmless on the usual ABIs, still wrong.
    assert_eq!(shichif[0].level, Level::Warning);
    assert!(
        shichif[0].message.contains("Rust declares no result"),
        "{f:#?}"
    );
    assert!(about(&f, "sicif").is_empty(), "{f:#?}");
}

#[test]
fn a_dropped_float_on_x87_and_a_dropped_struct_are_errors() {
    let f = findings();
    let ellpkf = about(&f, "ellpkf");
    assert_eq!(ellpkf.len(), 1, "{f:#?}");
    assert_eq!(ellpkf[0].level, Level::Error, "{f:#?}");
    assert!(
        ellpkf[0]
            .notes
            .iter()
            .any(|n| n.contains("on i686-linux") && n.contains("x87")),
        "{f:#?}"
    );
    let pairf = about(&f, "pairf");
    assert_eq!(pairf.len(), 1, "{f:#?}");
    assert_eq!(pairf[0].level, Level::Error, "{f:#?}");
}
