//! The false-positive classes of held-out set p, each on a small fixture modelled on the
//! real crate that showed it (`fixtures/abi/set_p/`): what is right must come out clean, and
//! the real mismatches of those crates must still be found.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

mod support;

use ffiguard_audit::Finding;
use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet};
use support::errors;

/// The findings for the Rust file `rust` against `header`, both in `fixtures/abi/set_p/`.
fn check(header: &str, rust: &str) -> Vec<Finding> {
    support::check("set_p", header, &[rust])
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

#[test]
fn anonymous_union_members_generic_lists_and_transparent_pointers_match_c() {
    let f = check("wrappers.h", "wrappers.rs");
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
}

#[test]
fn a_member_of_an_anonymous_union_is_still_compared() {
    // ufbx's `Vec3` with a field of the wrong width: found through the anonymous members.
    let headers = HeaderSet::new([support::fixture_dir("set_p").join("wrappers.h")]);
    let text = std::fs::read_to_string(support::fixture_dir("set_p").join("wrappers.rs"))
        .expect("fixture")
        .replace(
            "pub struct Vec3 { pub x: Real",
            "pub struct Vec3 { pub x: f32",
        );
    let report = abi::check_bindings(
        &[("src/wrappers.rs".to_owned(), text)],
        &headers,
        &ALL_TARGETS,
    );
    let errors = errors(&report.findings);
    assert!(
        errors
            .iter()
            .any(|f| f.message.contains("field `x` of `Vec3`")),
        "{errors:#?}"
    );
}

#[test]
fn bindgen_union_storage_fields_are_no_fields_of_c() {
    let f = check("unions.h", "unions.rs");
    let errors = errors(&f);
    // nsvg's 64-bit dump is wrong on i686 only (its storage field is 8 bytes where C's union
    // is 4), and that is all.
    assert!(!errors.is_empty(), "the i686 size difference must be found");
    assert!(
        errors
            .iter()
            .all(|f| f.message.contains("(on i686-linux;") && !f.message.contains("not in C")),
        "{errors:#?}"
    );
}
