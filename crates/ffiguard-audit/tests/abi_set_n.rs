//! The false-positive classes of held-out set n, each on a small fixture modelled on the
//! real crate that showed it (`fixtures/abi/<class>/`): the cross-check must find nothing
//! wrong in bindings that are right where they are compiled.
//!
//! Needs libclang and the targets' C headers, as `abi_checks.rs` does.

mod support;

use ffiguard_audit::Finding;
use ffiguard_audit::abi;
use support::{check, errors};

#[test]
fn a_file_generated_on_windows_is_compared_on_windows_only() {
    let f = check("platform", "curses.h", &["curses_msvc.rs"]);
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
    let note = f
        .iter()
        .find(|f| f.rule == "ABI013")
        .unwrap_or_else(|| panic!("no ABI013 in {f:#?}"));
    assert!(
        note.message.contains("Windows, 64-bit")
            && note.message.contains("compared on x86_64-windows only"),
        "{}",
        note.message
    );
}

#[test]
fn fields_under_a_feature_are_compared_as_the_default_features_build_them() {
    // The fixture becomes a crate only in a scratch directory, so the workspace's own audit
    // does not take it for one of its crates.
    let scratch = tempfile::tempdir().expect("scratch directory");
    let root = scratch.path();
    for f in ["decode.h", "decode.rs"] {
        std::fs::copy(support::fixture_dir("features").join(f), root.join(f))
            .expect("copy fixture");
    }
    std::fs::copy(
        support::fixture_dir("features").join("Cargo.toml.fixture"),
        root.join("Cargo.toml"),
    )
    .expect("copy manifest");
    let config = abi::config::load(root)
        .expect("configuration")
        .expect("headers configured");
    let files: Vec<(String, String)> = config
        .bindings
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("fixture");
            (
                p.strip_prefix(root).unwrap_or(p).display().to_string(),
                text,
            )
        })
        .collect();
    let report = abi::check_config(&files, &config);
    assert_eq!(report.checked_targets.len(), 4);
    let errors = errors(&report.findings);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn types_are_paired_by_use_and_their_layout_compared_through_the_pair() {
    let good = check("by_use", "ctx.h", &["good.rs"]);
    assert!(errors(&good).is_empty(), "{:#?}", errors(&good));
    // The renamed type's real layout is compared with the C type it stands for.
    let bad = check("by_use", "ctx.h", &["bad.rs"]);
    assert!(
        bad.iter().any(|f| f.level == ffiguard_audit::Level::Error
            && f.message.contains("field `total` of `FooCtx`")),
        "{bad:#?}"
    );
}

#[test]
fn an_unnamed_union_member_matches_the_named_rust_union_that_stands_for_it() {
    let f = check("unnamed", "decode.h", &["decode.rs"]);
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
}

#[test]
fn types_that_never_cross_the_boundary_are_not_compared() {
    let f = check("reach", "lib.h", &["bindings.rs"]);
    let compared: Vec<&Finding> = f
        .iter()
        .filter(|f| f.message.contains("max_align_t"))
        .collect();
    assert!(compared.is_empty(), "{compared:#?}");
}

#[test]
fn a_returned_char_pointer_read_as_const_is_no_constness_finding() {
    let f = check("const_result", "version.h", &["version.rs"]);
    let constness: Vec<&Finding> = f.iter().filter(|f| f.rule == "ABI005").collect();
    assert!(constness.is_empty(), "{constness:#?}");
}

#[test]
fn fields_named_or_grouped_differently_with_the_same_layout_are_info() {
    let good = check("renamed", "lib.h", &["good.rs"]);
    assert!(errors(&good).is_empty(), "{:#?}", errors(&good));
    let renamed = good
        .iter()
        .find(|f| f.rule == "ABI014" && f.message.contains("fields of `lzma_stream`"))
        .unwrap_or_else(|| panic!("no info about lzma_stream in {good:#?}"));
    assert_eq!(renamed.level, ffiguard_audit::Level::Info);
    // Fields in another order are a real difference.
    let bad = check("renamed", "lib.h", &["bad.rs"]);
    assert!(
        errors(&bad).iter().any(|f| f.message.contains("`swapped`")),
        "{bad:#?}"
    );
}

// Set o (held out until measured) showed these; fixed after it was measured.

#[test]
fn an_alias_from_a_file_made_for_another_target_is_not_this_targets() {
    let f = check(
        "set_o",
        "aubio.h",
        &["mips-linux-gnu_double.rs", "x86_64-linux-gnu_single.rs"],
    );
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
}

#[test]
fn a_parameter_of_function_type_is_a_function_pointer() {
    let f = check("set_o", "lpsolve.h", &["lpsolve.rs"]);
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
}

#[test]
fn an_alias_two_files_for_one_target_define_differently_is_not_guessed() {
    // aubio-sys's build script picks `_single` or `_double` from a feature, through an
    // environment variable the audit cannot read.
    let f = check(
        "set_o",
        "aubio.h",
        // The `_double` file first, as aubio-sys's directory lists it.
        &["x86_64-linux-gnu_double.rs", "x86_64-linux-gnu_single.rs"],
    );
    assert!(errors(&f).is_empty(), "{:#?}", errors(&f));
}
