//! Runs every rule on its fixtures in `tests/fixtures/rules/`.
//!
//! Each rule `FFInnn` has `ffinnn_positive.rs`, where every line that must be flagged ends
//! with a `//~ FFInnn` marker, and `ffinnn_negative.rs` (the fixed code and look-alikes), which
//! must produce no finding of that rule. A rule that stops matching its pattern, or starts
//! matching the fixed code, fails here with the exact lines.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ffiguard_audit::{Rule, check_source, rules};

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules")
}

/// Lines (1-based) carrying a `//~` marker that names `id`.
fn marked_lines(text: &str, id: &str) -> BTreeSet<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.split_once("//~")
                .is_some_and(|(_, ids)| ids.split_whitespace().any(|m| m == id))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Lines where `rule` reports on `text`, after checking the fixture parsed.
fn flagged_lines(
    rule: &'static dyn Rule,
    path: &str,
    text: &str,
) -> Result<BTreeSet<usize>, String> {
    let findings = check_source(path, text, &[rule]);
    if let Some(f) = findings.iter().find(|f| f.rule != rule.meta().id) {
        return Err(format!(
            "{path}: {} at line {}: {}",
            f.rule, f.location.line, f.message
        ));
    }
    Ok(findings.iter().map(|f| f.location.line).collect())
}

fn check_rule(rule: &'static dyn Rule) -> Vec<String> {
    let id = rule.meta().id;
    let mut problems = Vec::new();
    for (kind, must_flag) in [("positive", true), ("negative", false)] {
        let name = format!("{}_{kind}.rs", id.to_ascii_lowercase());
        let path = fixture_dir().join(&name);
        let Ok(text) = std::fs::read_to_string(&path) else {
            problems.push(format!("{id}: missing fixture {name}"));
            continue;
        };
        let expected = marked_lines(&text, id);
        if must_flag && expected.is_empty() {
            problems.push(format!("{name}: no `//~ {id}` marker"));
        }
        if !must_flag && !expected.is_empty() {
            problems.push(format!(
                "{name}: negative fixture carries markers on lines {expected:?}"
            ));
        }
        match flagged_lines(rule, &name, &text) {
            Err(e) => problems.push(e),
            Ok(actual) => {
                let missed: Vec<_> = expected.difference(&actual).collect();
                let extra: Vec<_> = actual.difference(&expected).collect();
                if !missed.is_empty() {
                    problems.push(format!("{name}: {id} missed lines {missed:?}"));
                }
                if !extra.is_empty() {
                    problems.push(format!("{name}: {id} wrongly flagged lines {extra:?}"));
                }
            }
        }
    }
    problems
}

#[test]
fn every_rule_flags_its_positives_and_spares_its_negatives() {
    let problems: Vec<String> = rules::all().iter().flat_map(|r| check_rule(*r)).collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_fixture_belongs_to_a_rule() {
    let ids: BTreeSet<String> = rules::all()
        .iter()
        .map(|r| r.meta().id.to_ascii_lowercase())
        .collect();
    for entry in std::fs::read_dir(fixture_dir()).expect("fixture directory") {
        let name = entry
            .expect("directory entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let id = name.split('_').next().unwrap_or_default();
        assert!(ids.contains(id), "fixture {name} names no rule");
    }
}

#[test]
fn markers_are_read_exactly() {
    let text = "a(); //~ FFI001\nb(); //~ FFI0011 FFI002\nc(); // FFI001\n";
    assert_eq!(marked_lines(text, "FFI001"), BTreeSet::from([1]));
    assert_eq!(marked_lines(text, "FFI002"), BTreeSet::from([2]));
}

/// Rules that need facts from other files of the crate get them from the model: a `Drop` in
/// another file (FFI016), a `static mut` declared elsewhere (FFI004), a layout assertion kept
/// in a test module (FFI020).
#[test]
fn facts_from_other_files_reach_the_rules() {
    let types = "#[derive(Clone)]\npub struct Handle { raw: *mut u8 }\n\
                 pub static mut HITS: u32 = 0;\n\
                 #[repr(C)]\npub struct Stats { pub n: u64 }\n\
                 unsafe extern \"C\" { fn h_free(h: *mut u8); fn stats(s: *mut Stats); }\n";
    let other = "impl Drop for Handle {\n    fn drop(&mut self) {\n        \
                 // SAFETY: owned.\n        unsafe { h_free(self.raw) }\n    }\n}\n\
                 extern \"C\" fn on_hit() {\n    // SAFETY: none.\n    unsafe { HITS += 1 };\n}\n\
                 const _: () = assert!(std::mem::size_of::<Stats>() == 8);\n";
    let files = [("src/types.rs", types), ("src/other.rs", other)];
    let found = |id: &str| -> Vec<(String, usize)> {
        let rule = rules::all()
            .iter()
            .copied()
            .find(|r| r.meta().id == id)
            .expect("rule");
        ffiguard_audit::check_sources(&files, &[rule])
            .into_iter()
            .map(|f| (f.location.file, f.location.line))
            .collect()
    };
    assert_eq!(found("FFI016"), [("src/types.rs".to_owned(), 1)]);
    assert_eq!(found("FFI004"), [("src/other.rs".to_owned(), 9)]);
    assert!(found("FFI020").is_empty(), "asserted in another file");
}

/// Crates audited together: a bare call names another crate's `extern` declaration only
/// through a `use` (region's `page::floor(address)` is not a libm binding of another crate).
#[test]
fn bare_calls_reach_other_crates_only_through_imports() {
    let sys = "unsafe extern \"C\" { pub fn floor(p: *const u8) -> *const u8; }\n";
    let region = "pub fn ceil(address: *const u8) -> *const u8 {\n    floor(address)\n}\n\
                  fn floor(address: *const u8) -> *const u8 {\n    address\n}\n\
                  #[cfg(test)]\nmod tests {\n    use super::*;\n}\n";
    let imported = format!(
        "use libm_sys::floor;\n{}",
        &region[..region.find("fn floor").unwrap_or(0)]
    );
    let rule = rules::all()
        .iter()
        .copied()
        .find(|r| r.meta().id == "FFI009")
        .expect("rule");
    let run = |text: &str| {
        ffiguard_audit::check_sources(
            &[("libm-sys/src/lib.rs", sys), ("region/src/page.rs", text)],
            &[rule],
        )
        .len()
    };
    assert_eq!(run(region), 0, "the crate's own floor");
    let qualified =
        "mod page;\npub fn ceil(address: *const u8) -> *const u8 {\n    page::floor(address)\n}\n";
    assert_eq!(run(qualified), 0, "a function of the crate's own module");
    // rust-htslib's `htslib` module is `pub use hts_sys::*`: its paths reach the bindings.
    let reexported = ("region/src/page.rs", "pub use libm_sys::*;\n");
    let through = (
        "region/src/lib.rs",
        "mod page;\npub fn ceil(address: *const u8) -> *const u8 {\n    page::floor(address)\n}\n",
    );
    let found = ffiguard_audit::check_sources(
        &[("libm-sys/src/lib.rs", sys), reexported, through],
        &[rule],
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(run(&imported), 1, "the imported binding");
}
