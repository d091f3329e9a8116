//! rustc-style text output with source snippets, rendered by `annotate-snippets`.

use crate::{AuditOutcome, Finding, Level, Location, RuleMeta};
use annotate_snippets::{AnnotationKind, Group, Renderer, Snippet};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Renders every finding like rustc does — errors first, then warnings, then the rest, each
/// group in file order — then the run's notices and a summary line. `color` adds ANSI styles.
///
/// The first finding of each rule ends with a pointer to `cargo ffiguard explain ID`. The
/// summary counts hidden findings too ([`AuditOutcome::hidden`]) and says whether the C
/// headers were cross-checked.
///
/// `root` is the directory the findings' paths are relative to (the audited one). Paths are
/// printed relative to the current directory when the file is below it, else absolute, so a
/// terminal or editor can open them from where the command ran.
pub fn render_human(
    outcome: &AuditOutcome,
    known: &[&RuleMeta],
    color: bool,
    root: &Path,
) -> String {
    let shown_root = shown_root(root);
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    // Line starts of each file, found once: finding the lines of each finding by scanning from
    // the top made a file with thousands of findings quadratic.
    let mut line_starts: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut explained: HashSet<&str> = HashSet::new();
    let mut order: Vec<&Finding> = outcome.findings.iter().collect();
    // Stable: within a level, the outcome's file order stays.
    order.sort_by_key(|f| std::cmp::Reverse(f.level));
    for finding in order {
        let text = outcome
            .sources
            .get(&finding.location.file)
            .map(|s| &**s)
            .unwrap_or("");
        let starts = line_starts
            .entry(finding.location.file.as_str())
            .or_insert_with(|| line_starts_of(text));
        let name = super::meta_of(known, finding).map_or("", |m| m.name);
        let shown = |file: &str| shown_root.join(file).to_string_lossy().replace('\\', "/");
        let mut groups = report(finding, text, starts, name, &shown);
        if explained.insert(finding.rule) {
            let hint = format!(
                "`cargo ffiguard explain {}` describes this rule and how to fix it",
                finding.rule
            );
            if let Some(group) = groups.pop() {
                groups.push(group.element(annotate_snippets::Level::NOTE.message(hint)));
            }
        }
        let _ = writeln!(out, "{}", renderer.render(&groups));
        out.push('\n');
    }
    for notice in &outcome.notices {
        let _ = writeln!(out, "note: {notice}");
    }
    let counts = outcome.counts();
    let mut files = format!("{} file(s)", outcome.files);
    if outcome.unreadable > 0 {
        let _ = write!(files, " ({} unreadable)", outcome.unreadable);
    }
    if outcome.ignored > 0 {
        let _ = write!(files, " ({} ignored by configuration)", outcome.ignored);
    }
    let hidden = outcome.hidden.total();
    let not_listed = if hidden > 0 {
        format!(" ({hidden} not listed)")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "ffiguard: {} error(s), {} warning(s), {} info{not_listed} in {files}, {} line(s); {}",
        counts.errors,
        counts.warnings,
        counts.infos,
        outcome.lines,
        outcome.headers.summary()
    );
    out
}

/// `root` as the user should see it: relative to the current directory when below it
/// (empty for the directory itself), else absolute.
pub(super) fn shown_root(root: &Path) -> PathBuf {
    let real = |p: &Path| {
        p.canonicalize()
            .or_else(|_| std::path::absolute(p))
            .unwrap_or_else(|_| p.to_path_buf())
    };
    let root = real(root);
    match std::env::current_dir() {
        Ok(cwd) => root
            .strip_prefix(real(&cwd))
            .map_or_else(|_| root.clone(), Path::to_path_buf),
        Err(_) => root,
    }
}

fn level(level: Level) -> annotate_snippets::Level<'static> {
    match level {
        Level::Error => annotate_snippets::Level::ERROR,
        Level::Warning => annotate_snippets::Level::WARNING,
        Level::Info | Level::Allow => annotate_snippets::Level::INFO,
    }
}

/// One finding as an annotate-snippets report: the lines it covers (plus same-file labels),
/// notes and help.
fn report<'a>(
    finding: &'a Finding,
    text: &'a str,
    line_starts: &[usize],
    name: &str,
    shown: &dyn Fn(&str) -> String,
) -> Vec<Group<'a>> {
    let loc = &finding.location;
    let same_file: Vec<_> = finding
        .labels
        .iter()
        .filter(|l| l.location.file == loc.file)
        .collect();
    let first = same_file
        .iter()
        .map(|l| l.location.line)
        .fold(loc.line, usize::min);
    let last = same_file
        .iter()
        .map(|l| l.location.end_line)
        .fold(loc.end_line, usize::max);
    let lines = LineSlice::new(text, line_starts, first, last);
    let id = if name.is_empty() {
        finding.rule.to_owned()
    } else {
        format!("{}: {name}", finding.rule)
    };
    let mut snippet = Snippet::source(lines.text)
        .line_start(first)
        .path(shown(&loc.file))
        .annotation(AnnotationKind::Primary.span(lines.range(loc)));
    for label in same_file {
        snippet = snippet.annotation(
            AnnotationKind::Context
                .span(lines.range(&label.location))
                .label(label.message.as_str()),
        );
    }
    let mut group = level(finding.level)
        .primary_title(finding.message.as_str())
        .id(id)
        .element(snippet);
    for label in finding
        .labels
        .iter()
        .filter(|l| l.location.file != loc.file)
    {
        group = group.element(annotate_snippets::Level::NOTE.message(format!(
            "{}:{}:{}: {}",
            shown(&label.location.file),
            label.location.line,
            label.location.column,
            label.message
        )));
    }
    for note in &finding.notes {
        group = group.element(annotate_snippets::Level::NOTE.message(note.as_str()));
    }
    if let Some(help) = &finding.help {
        group = group.element(annotate_snippets::Level::HELP.message(help.as_str()));
    }
    vec![group]
}

/// Lines `first..=last` of a text, and conversion of locations into byte ranges within them.
struct LineSlice<'a> {
    text: &'a str,
    first: usize,
}

impl<'a> LineSlice<'a> {
    /// Lines `first..=last` (1-based) of `text`, whose line starts are `line_starts`.
    fn new(text: &'a str, line_starts: &[usize], first: usize, last: usize) -> Self {
        let start = line_starts
            .get(first.saturating_sub(1))
            .copied()
            .unwrap_or(text.len());
        // The end excludes the newline that ends `last`.
        let end = line_starts
            .get(last)
            .map_or(text.len(), |&next| next.saturating_sub(1));
        LineSlice {
            text: text.get(start..end.max(start)).unwrap_or(""),
            first,
        }
    }

    /// Byte offset of (line, column) in the slice, clamped to it.
    fn offset(&self, line: usize, column: usize) -> usize {
        let mut offset = 0;
        for (n, text) in self.text.split_inclusive('\n').enumerate() {
            if self.first + n == line {
                let within = text
                    .char_indices()
                    .nth(column.saturating_sub(1))
                    .map_or(text.trim_end_matches('\n').len(), |(i, _)| i);
                return offset + within;
            }
            offset += text.len();
        }
        self.text.len()
    }

    fn range(&self, loc: &Location) -> Range<usize> {
        let start = self.offset(loc.line, loc.column);
        let end = self.offset(loc.end_line, loc.end_column).max(start);
        start..end
    }
}

/// Byte offset where each line starts (the first line at 0).
fn line_starts_of(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_ranges_point_at_the_span() {
        let text = "a\nlet x = f(p);\nb\n";
        let slice = LineSlice::new(text, &line_starts_of(text), 2, 2);
        assert_eq!(slice.text, "let x = f(p);");
        let loc = Location {
            file: "f.rs".into(),
            line: 2,
            column: 9,
            end_line: 2,
            end_column: 13,
        };
        assert_eq!(&slice.text[slice.range(&loc)], "f(p)");
    }
}
