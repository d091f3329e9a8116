//! Machine-readable JSON: every finding with its rule name and fingerprint, plus a summary.

use crate::baseline::fingerprints;
use crate::{AuditOutcome, RuleMeta};
use serde_json::{Value, json};

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
        .map(|(f, print)| {
            let meta = super::meta_of(known, f);
            json!({
                "rule": f.rule,
                "name": meta.map(|m| m.name),
                "level": f.level,
                "confidence": meta.map(|m| m.confidence),
                "message": f.message,
                "location": f.location,
                "labels": f.labels,
                "notes": f.notes,
                "help": f.help,
                "fingerprint": print,
            })
        })
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
            },
        },
        "notices": outcome.notices,
        "findings": findings,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
