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
