//! One line per finding, `path:line:col: level[ID]: message`: the shape compilers print with
//! `--message-format short`, which editors' quickfix lists and `grep` read.

use crate::{AuditOutcome, Level};
use std::fmt::Write as _;
use std::path::Path;

/// Renders each listed finding as `path:line:col: level[ID]: message`, in file order.
///
/// Paths are those of the human report: relative to the current directory when below it,
/// else absolute (`root` is the audited directory the findings' paths are relative to).
/// Levels are `error`, `warning` and `info`. A line break in a message becomes a space, so
/// one finding is always one line. Nothing else is printed: no summary, no notices.
pub fn render_short(outcome: &AuditOutcome, root: &Path) -> String {
    let shown_root = super::human::shown_root(root);
    let mut out = String::new();
    for f in &outcome.findings {
        let level = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info | Level::Allow => "info",
        };
        let message = one_line(&f.message);
        let _ = writeln!(
            out,
            "{}:{}:{}: {level}[{}]: {message}",
            super::shown_path(&shown_root, &f.location.file),
            f.location.line,
            f.location.column,
            f.rule
        );
    }
    out
}

fn one_line(text: &str) -> String {
    text.split(['\r', '\n'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finding, Location};

    #[test]
    fn one_line_per_finding() {
        let mut outcome = AuditOutcome::default();
        let at = Location {
            file: "src/lib.rs".to_owned(),
            line: 3,
            column: 13,
            end_line: 3,
            end_column: 20,
        };
        outcome.findings.push(Finding::new(
            "FFI011",
            Level::Error,
            "pointer into a\ntemporary",
            at,
        ));
        let dir = tempfile::tempdir().unwrap();
        let text = render_short(&outcome, dir.path());
        let line = text.trim_end();
        assert!(
            line.ends_with("src/lib.rs:3:13: error[FFI011]: pointer into a temporary"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1);
    }
}
