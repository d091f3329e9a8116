//! The crate-level entry points behind `cargo ffiguard check` and `cargo ffiguard
//! layout-tests`: headers found through `build.rs` or `[package.metadata.ffiguard]`, binding
//! files read from `src/`, findings and generated assertions.
//!
//! Needs libclang (Debian `libclang-22-dev`, `LIBCLANG_PATH=/usr/lib/llvm-22/lib`) and the
//! targets' C headers (`libc6-dev-i386-cross`, `libc6-dev-arm64-cross`,
//! `mingw-w64-x86-64-dev`).

use ffiguard_audit::abi::crate_check::{
    CrateCheckError, LayoutTestsArgs, check_crate, layout_tests,
};
use std::path::Path;

const HEADER: &str = "#include <stddef.h>\n\
typedef struct pt { int x; long y; } pt;\n\
long pt_len(const pt *p, size_t n);\n";

const BINDINGS: &str = "use core::ffi::{c_int, c_long};\n\
#[repr(C)] pub struct pt { pub x: c_int, pub y: i64 }\n\
unsafe extern \"C\" { pub fn pt_len(p: *const pt, n: u32) -> c_long; }\n";

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn rules(dir: &Path) -> Vec<(&'static str, String)> {
    let report = match check_crate(dir) {
        Ok(Some((report, _headers))) => report,
        other => panic!("expected a report, got {other:?}"),
    };
    assert_eq!(report.checked_targets.len(), 4, "{:#?}", report.findings);
    report
        .findings
        .iter()
        .map(|f| (f.rule, f.location.file.clone()))
        .collect()
}

/// A `pt-sys` crate whose build script names `csrc/pt.h` to bindgen the way `build_rs` does.
fn bindgen_crate(build_rs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pt-sys\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "csrc/pt.h", HEADER);
    write(dir.path(), "build.rs", build_rs);
    write(dir.path(), "src/lib.rs", BINDINGS);
    dir
}

#[test]
fn headers_named_by_a_bindgen_build_script_are_found() {
    let dir = bindgen_crate(
        "fn main() { bindgen::Builder::default().header(\"csrc/pt.h\").clang_arg(\"-Icsrc\"); }",
    );
    let (report, _headers) = check_crate(dir.path())
        .expect("config")
        .expect("headers found");
    let subjects: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| {
            let end = f.message.find([':', '(']).unwrap_or(f.message.len());
            (
                f.rule,
                f.message[..end]
                    .trim_end_matches(" does not match C ")
                    .trim(),
            )
        })
        .collect();
    // `y: i64` for `long` (its type, then its offset and the size on Windows), `n: u32` for
    // `size_t`.
    assert_eq!(
        subjects,
        [
            ("ABI006", "field `y` of `pt`"),
            ("ABI006", "layout of `pt`"),
            ("ABI006", "offset of field `y` of `pt`"),
            ("ABI006", "parameter 2 `n` of `pt_len`"),
        ],
        "{:#?}",
        report.findings
    );
}

#[test]
fn headers_from_package_metadata_and_layout_tests() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pt-sys\"\nversion = \"0.1.0\"\n\n\
         [package.metadata.ffiguard]\nheaders = [\"include/pt.h\"]\ndefines = [\"PT_EXTRA=1\"]\n\
         targets = [\"x86_64-linux\", \"i686-linux\", \"aarch64-linux\", \"x86_64-windows\"]\n",
    );
    write(
        dir.path(),
        "include/pt.h",
        &format!("#if PT_EXTRA != 1\n#error defines not passed\n#endif\n{HEADER}"),
    );
    write(
        dir.path(),
        "src/lib.rs",
        &BINDINGS.replace("i64", "c_long").replace("u32", "usize"),
    );
    assert_eq!(rules(dir.path()), []);
    let generated = layout_tests(&LayoutTestsArgs {
        root: dir.path().to_path_buf(),
        type_prefix: "pt_sys::".to_owned(),
    })
    .expect("generates");
    assert!(
        generated.contains(
            "#[cfg(all(target_arch = \"x86\", target_os = \"linux\"))] pt_sys::pt { size: 8, align: 4, fields: { x: 0, y: 4 } }"
        ),
        "{generated}"
    );
    assert!(generated.contains("pt_sys::pt { size: 16, align: 8, fields: { x: 0, y: 8 } }"));
}

#[test]
fn a_crate_without_headers_has_nothing_to_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"plain\"\nversion = \"0.1.0\"\n",
    );
    write(dir.path(), "src/lib.rs", "pub fn f() {}\n");
    assert!(matches!(check_crate(dir.path()), Ok(None)));
    assert!(matches!(
        layout_tests(&LayoutTestsArgs {
            root: dir.path().to_path_buf(),
            type_prefix: String::new(),
        }),
        Err(CrateCheckError::NoHeaders(_))
    ));
}

#[test]
fn unknown_targets_are_configuration_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n[package.metadata.ffiguard]\nheaders = [\"a.h\"]\ntargets = [\"sparc-solaris\"]\n",
    );
    let err = check_crate(dir.path()).expect_err("unknown target");
    assert!(err.to_string().contains("sparc-solaris"), "{err}");
}

#[test]
fn check_adds_findings_at_configured_levels() {
    let dir = bindgen_crate("fn main() { bindgen::Builder::default().header(\"csrc/pt.h\"); }");
    let abi_findings = |config: &ffiguard_audit::Config| {
        let outcome =
            ffiguard_audit::audit_path(dir.path(), ffiguard_audit::registry::rules(), config, 1)
                .expect("runs");
        let abi: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| f.rule.starts_with("ABI"))
            .cloned()
            .collect();
        (outcome, abi)
    };
    let (outcome, abi) = abi_findings(&ffiguard_audit::Config::default());
    assert_eq!(abi.len(), 4, "{abi:#?}");
    assert!(
        outcome.sources.contains_key("src/lib.rs"),
        "snippets need the source"
    );
    let mut quiet = ffiguard_audit::Config::default();
    quiet.levels.insert(
        "target-dependent-width".to_owned(),
        ffiguard_audit::Level::Allow,
    );
    let (_, abi) = abi_findings(&quiet);
    assert!(abi.is_empty(), "{abi:#?}");
}

/// Suppression comments apply to the cross-check's findings like to any other: a reasoned
/// `allow(ABI…)` removes the finding and is not reported as unused.
#[test]
fn suppressions_apply_to_cross_check_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pt-sys\"\nversion = \"0.1.0\"\n\
         [package.metadata.ffiguard]\nheaders = [\"csrc/pt.h\"]\n",
    );
    write(dir.path(), "csrc/pt.h", HEADER);
    let suppressed = BINDINGS.replace(
        "unsafe extern",
        "// ffiguard: allow(target-dependent-width, ABI004, ABI005) -- length checked by the caller\nunsafe extern",
    );
    write(dir.path(), "src/lib.rs", &suppressed);
    let config = ffiguard_audit::Config::load(dir.path()).expect("config loads");
    let outcome =
        ffiguard_audit::audit_path(dir.path(), ffiguard_audit::registry::rules(), &config, 1)
            .expect("runs");
    let found: Vec<_> = outcome
        .findings
        .iter()
        .map(|f| (f.rule, f.location.line))
        .collect();
    // The struct's field (line 2) is not covered; the `extern` block (line 4) is, and the
    // comment (line 3) is used.
    assert!(
        found
            .iter()
            .any(|&(rule, line)| rule.starts_with("ABI") && line == 2),
        "{found:?}"
    );
    assert!(found.iter().all(|&(_, line)| line < 3), "{found:?}");
    std::fs::write(dir.path().join("src/lib.rs"), BINDINGS).expect("write");
    let outcome =
        ffiguard_audit::audit_path(dir.path(), ffiguard_audit::registry::rules(), &config, 1)
            .expect("runs");
    assert!(
        outcome
            .findings
            .iter()
            .any(|f| f.rule.starts_with("ABI") && f.location.line == 3),
        "{:#?}",
        outcome.findings
    );
}

/// A finding a rule reports below its default level keeps that level through `check`: a
/// function declared under a (default) feature that may select another header is info, not the rule's
/// error. Configuring the rule replaces its default, and does not raise such a finding.
#[test]
fn findings_a_rule_lowered_keep_their_level() {
    let gated = format!(
        "{BINDINGS}#[cfg(feature = \"v2\")]\nunsafe extern \"C\" {{ pub fn pt_reset(p: *mut pt); }}\n"
    );
    let dir = bindgen_crate("fn main() { bindgen::Builder::default().header(\"csrc/pt.h\"); }");
    write(dir.path(), "src/lib.rs", &gated);
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pt-sys\"\nversion = \"0.1.0\"\n[features]\ndefault = [\"v2\"]\nv2 = []\n",
    );
    let level_of_pt_reset = |config: &ffiguard_audit::Config| {
        let outcome =
            ffiguard_audit::audit_path(dir.path(), ffiguard_audit::registry::rules(), config, 1)
                .expect("runs");
        outcome
            .findings
            .iter()
            .find(|f| f.message.contains("`pt_reset`"))
            .map(|f| (f.rule, f.level))
    };
    let (rule, level) = level_of_pt_reset(&ffiguard_audit::Config::default()).expect("reported");
    assert_eq!(level, ffiguard_audit::Level::Info, "{rule}");
    let mut raised = ffiguard_audit::Config::default();
    raised
        .levels
        .insert(rule.to_owned(), ffiguard_audit::Level::Error);
    assert_eq!(
        level_of_pt_reset(&raised).map(|(_, level)| level),
        Some(ffiguard_audit::Level::Info)
    );
    let mut silenced = ffiguard_audit::Config::default();
    silenced
        .levels
        .insert(rule.to_owned(), ffiguard_audit::Level::Allow);
    assert_eq!(level_of_pt_reset(&silenced), None);
}

/// The header keys work in `ffiguard.toml` as in `[package.metadata.ffiguard]`: `Config`
/// accepts them there, so the cross-check must read them there too (and a key there replaces
/// the manifest's).
#[test]
fn header_keys_in_ffiguard_toml_are_used() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        dir.path(),
        "Cargo.toml",
        "[package]\nname = \"pt-sys\"\nversion = \"0.1.0\"\n\
         [package.metadata.ffiguard]\nheaders = [\"csrc/missing.h\"]\n",
    );
    write(dir.path(), "csrc/pt.h", HEADER);
    write(dir.path(), "src/lib.rs", BINDINGS);
    write(dir.path(), "ffiguard.toml", "headers = [\"csrc/pt.h\"]\n");
    let found = rules(dir.path());
    // The planted mismatches of the bindings are found in `src/lib.rs`, and the manifest's
    // missing header is not looked for.
    assert!(
        found
            .iter()
            .any(|(rule, file)| rule.starts_with("ABI") && file == "src/lib.rs"),
        "{found:?}"
    );
    assert!(
        found.iter().all(|(_, file)| !file.contains("missing")),
        "{found:?}"
    );
    write(dir.path(), "ffiguard.toml", "headers = \"csrc/pt.h\"\n");
    assert!(check_crate(dir.path()).is_err(), "not a list");
}
