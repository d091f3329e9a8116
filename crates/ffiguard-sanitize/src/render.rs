//! Summaries of outcomes for people and for machines.

use crate::Outcome;
use std::fmt::Write;

/// Frames shown per finding in the human summary.
const SHOWN_FRAMES: usize = 4;

/// A summary per mode: findings with kind, location and top frames, or why the run failed.
pub fn render_human(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let name = outcome.sanitizer.name();
        let findings = &outcome.report.findings;
        let status = match (outcome.has_findings(), outcome.exit_code) {
            (true, _) => format!("{} finding(s)", findings.len() + outcome.report.dropped),
            (false, Some(0)) => "clean".to_owned(),
            (false, Some(code)) => format!("cargo failed (exit {code}) with no sanitizer report"),
            (false, None) => "cargo was killed by a signal, with no sanitizer report".to_owned(),
        };
        let _ = writeln!(out, "{name}: {status} ({:.1} s)", outcome.seconds);
        for finding in findings {
            let times = match finding.occurrences {
                1 => String::new(),
                n => format!(" (×{n})"),
            };
            let at = finding
                .location
                .as_ref()
                .map(|frame| format!(" in {frame}"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {:?}: {}{at}{times}", finding.tool, finding.kind);
            // The program's own frames; the allocator and std say little.
            let own = finding
                .frames
                .iter()
                .enumerate()
                .filter(|(_, f)| f.is_user_code());
            for (index, frame) in own.take(SHOWN_FRAMES) {
                let _ = writeln!(out, "      #{index} {frame}");
            }
        }
        if outcome.report.dropped > 0 {
            let _ = writeln!(out, "  … and {} more", outcome.report.dropped);
        }
        if outcome.failed() {
            let _ = writeln!(out, "  reproduce: {}", outcome.command);
        }
    }
    out
}

/// All outcomes as one JSON document: `{"runs": [...], "failed": bool}`.
pub fn render_json(outcomes: &[Outcome]) -> String {
    let document = serde_json::json!({
        "runs": outcomes,
        "failed": outcomes.iter().any(Outcome::failed),
    });
    serde_json::to_string_pretty(&document).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}
