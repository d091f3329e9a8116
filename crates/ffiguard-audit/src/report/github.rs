//! GitHub Actions workflow commands: each finding becomes an `::error`, `::warning` or
//! `::notice` line, which the runner turns into an annotation on the file and line of the
//! pull request or commit.
//!
//! The format and its escaping are GitHub's ("Workflow commands for GitHub Actions", and
//! `escapeData`/`escapeProperty` in `@actions/core`'s `command.ts`): in the message `%`,
//! `\r` and `\n` are percent-encoded; in property values `:` and `,` are too.

use crate::{AuditOutcome, Level, RuleMeta};
use std::fmt::Write as _;
use std::path::Path;

/// Renders each listed finding as a workflow command, then one plain summary line:
///
/// ```text
/// ::error file=src/lib.rs,line=3,col=13,endLine=3,endColumn=20,title=FFI011::message
/// ```
///
/// Levels map to `error`, `warning` and `notice` (for `info`). The title is the rule's id;
/// the message carries the finding's notes and help on lines of their own. Paths are those
/// of the human report (relative to the current directory when below it): run the audit from
/// the repository root, which is where GitHub resolves annotation paths.
pub fn render_github(outcome: &AuditOutcome, known: &[&RuleMeta], root: &Path) -> String {
    let shown_root = super::human::shown_root(root);
    let mut out = String::new();
    for f in &outcome.findings {
        let command = match f.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info | Level::Allow => "notice",
        };
        let mut message = f.message.clone();
        if let Some(meta) = super::meta_of(known, f) {
            let _ = write!(message, " ({})", meta.name);
        }
        for note in &f.notes {
            let _ = write!(message, "\nnote: {note}");
        }
        if let Some(help) = &f.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        let at = &f.location;
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&super::shown_path(&shown_root, &at.file)),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            escape_property(f.rule),
            escape_data(&message)
        );
    }
    let counts = outcome.counts();
    let _ = writeln!(
        out,
        "ffiguard: {} error(s), {} warning(s), {} info in {} file(s)",
        counts.errors, counts.warnings, counts.infos, outcome.files
    );
    out
}

/// A command's message: `%`, carriage return and line feed percent-encoded.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as [`escape_data`], and `:` and `,` too, which would end the
/// value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_actions_core() {
        assert_eq!(
            escape_data("50% done\r\nnext: a,b"),
            "50%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }
}
