//! Cross-checks `examples/legacy`'s committed bindings against `csrc/legacy.h` on every
//! target, and a drifted copy of them that must be caught.
//!
//! Needs libclang (Debian `libclang-22-dev`, `LIBCLANG_PATH=/usr/lib/llvm-22/lib`) and the
//! targets' C library headers (`libc6-dev-i386-cross`, `libc6-dev-arm64-cross`,
//! `mingw-w64-x86-64-dev`); without them the tests fail and say which package is missing.

use ffiguard_audit::abi::{self, ALL_TARGETS, HeaderSet};
use std::path::PathBuf;

fn legacy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/legacy/legacy-sys")
}

fn headers() -> HeaderSet {
    let csrc = legacy().join("csrc");
    let mut set = HeaderSet::new([csrc.join("wrapper.h")]);
    set.include_dirs.push(csrc);
    set
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn committed_legacy_bindings_are_clean_on_every_target() {
    let bindings = read(legacy().join("src/bindings.rs"));
    let report = abi::check_bindings(
        &[("src/bindings.rs".into(), bindings)],
        &headers(),
        &ALL_TARGETS,
    );
    for f in &report.findings {
        eprintln!(
            "{} {}:{} {}",
            f.rule, f.location.file, f.location.line, f.message
        );
        for n in &f.notes {
            eprintln!("   note: {n}");
        }
    }
    assert_eq!(report.checked_targets.len(), 4, "{:?}", report.findings);
    assert!(report.findings.is_empty());
}

/// The drifted copy's defects, each found once, with the targets where it is wrong.
#[test]
fn drifted_copy_is_caught_with_the_targets_where_it_is_wrong() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/abi/legacy_drifted.rs");
    let report = abi::check_bindings(
        &[("legacy_drifted.rs".into(), read(path))],
        &headers(),
        &ALL_TARGETS,
    );
    let found: Vec<(&str, usize)> = report
        .findings
        .iter()
        .filter(|f| f.rule != "ABI011")
        .map(|f| (f.rule, f.location.line))
        .collect();
    assert_eq!(
        found,
        [
            ("ABI007", 21), // lg_stats: missing field
            ("ABI007", 21), // lg_stats: size and alignment
            ("ABI010", 29), // LG_ERR_RANGE
            ("ABI006", 33), // unsigned long -> u64
            ("ABI003", 34), // int -> f64
            ("ABI002", 36), // missing parameter
            ("ABI006", 37), // size_t -> c_uint
            ("ABI006", 43), // long * -> *mut i64
            ("ABI005", 45), // *const for a written pointer
            ("ABI001", 46), // no such function
            ("ABI006", 47), // callback int -> c_long
            ("ABI004", 52), // int -> c_uint
        ],
        "{:#?}",
        report.findings
    );
    let message = |line: usize| {
        report
            .findings
            .iter()
            .find(|f| f.location.line == line)
            .map(|f| f.message.clone())
            .unwrap_or_default()
    };
    assert!(
        message(37).contains("on x86_64-linux, aarch64-linux, x86_64-windows; right on i686-linux"),
        "{}",
        message(37)
    );
    assert!(
        message(33).contains("on i686-linux, x86_64-windows; right on x86_64-linux, aarch64-linux"),
        "{}",
        message(33)
    );
    assert!(
        message(47).contains("callback parameter 4"),
        "{}",
        message(47)
    );
    // Functions of the header the copy does not bind are listed as information.
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "ABI011" && f.message.contains("lg_checksum"))
    );
}

/// `tests/abi_layout_legacy.rs` is the output of the layout-test generator for legacy-sys;
/// it compiles (as its own test target) only if every generated assertion holds on the
/// target being built, and this test fails when it is no longer what the generator writes.
#[test]
fn committed_layout_tests_are_what_the_generator_writes() {
    let bindings = read(legacy().join("src/bindings.rs"));
    let models: Vec<_> = ffiguard_cheader_models();
    let generated = abi::layout_tests::generate(
        &[("src/bindings.rs".into(), bindings)],
        &models,
        "legacy_sys::",
        &["csrc/wrapper.h".to_owned()],
    );
    let committed_path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/abi_layout_legacy.rs");
    if std::env::var_os("FFIGUARD_BLESS").is_some() {
        std::fs::write(&committed_path, &generated).expect("write");
    }
    assert!(
        generated.contains("legacy_sys::lg_stats { size: 32, align: 8"),
        "{generated}"
    );
    assert!(
        generated.contains("legacy_sys::lg_stats { size: 16, align: 4"),
        "{generated}"
    );
    assert_eq!(
        read(committed_path),
        generated,
        "regenerate with FFIGUARD_BLESS=1 cargo test -p ffiguard-audit --test abi_legacy"
    );
}

fn ffiguard_cheader_models() -> Vec<(abi::Target, abi::CModel)> {
    ALL_TARGETS
        .iter()
        .map(|t| match ffiguard_cheader::parse_headers(&headers(), t) {
            Ok(m) => (t.clone(), m),
            Err(e) => panic!("{e}"),
        })
        .collect()
}
