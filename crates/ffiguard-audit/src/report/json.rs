//! Machine-readable JSON: every finding with its rule name and fingerprint, plus a summary.

use crate::baseline::fingerprints;
use crate::{AuditOutcome, Finding, RuleMeta};
use serde_json::{Value, json};

/// One finding as the JSON reports write it: `{"rule", "name", "level", "confidence",
/// "message", "location", "labels", "notes", "help", "fingerprint"}` (`name` and `confidence`
/// are null for a rule not in `known`).
pub fn finding_json(finding: &Finding, known: &[&RuleMeta], fingerprint: &str) -> Value {
    let meta = super::meta_of(known, finding);
    json!({
        "rule": finding.rule,
        "name": meta.map(|m| m.name),
        "level": finding.level,
        "confidence": meta.map(|m| m.confidence),
        "message": finding.message,
        "location": finding.location,
        "labels": finding.labels,
        "notes": finding.notes,
        "help": finding.help,
        "fingerprint": fingerprint,
    })
}

/// Renders the outcome as one JSON document (format version 1).
///
/// Shape: `{"version": 1, "summary": {..}, "notices": [..], "findings": [{"rule", "name",
/// "level", "confidence", "message", "location", "labels", "notes", "help", "fingerprint"}]}`.
///
/// In the summary, `findings`, `errors`, `warnings` and `infos` count every finding, also
/// those folded or hidden by a minimum level; `listed` is the length of `findings`. `headers`
/// says how many C headers were cross-checked, for which targets, and why none when none.
pub fn render_json(outcome: &AuditOutcome, known: &[&RuleMeta]) -> String {
    let prints = fingerprints(outcome);
    let findings: Vec<Value> = outcome
        .findings
        .iter()
        .zip(&prints)
        .map(|(f, print)| finding_json(f, known, print))
        .collect();
    let counts = outcome.counts();
    let doc = json!({
        "version": 1,
        "summary": {
            "files": outcome.files,
            "unreadable_files": outcome.unreadable,
            "ignored_files": outcome.ignored,
            "lines": outcome.lines,
            "findings": counts.total(),
            "listed": outcome.findings.len(),
            "errors": counts.errors,
            "warnings": counts.warnings,
            "infos": counts.infos,
            "headers": {
                "cross_checked": outcome.headers.headers,
                "targets": outcome.headers.targets,
                "not_run": outcome.headers.not_run,
                "packages": outcome.headers.packages.iter().map(|p| json!({
                    "package": p.package,
                    "headers": p.headers.iter().map(|h| json!({
                        "path": h.path,
                        "reason": h.reason,
                    })).collect::<Vec<_>>(),
                    "inferred_include_dirs": p.inferred_include_dirs,
                    "targets": p.targets,
                    "none_found": p.none_found,
                })).collect::<Vec<_>>(),
            },
        },
        "notices": outcome.notices,
        "findings": findings,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
