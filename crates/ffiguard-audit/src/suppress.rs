//! `// ffiguard: allow(ID, ..) -- reason` comments, applied the same way for every rule.
//!
//! A comment on a line of its own covers the next line of code, or the whole item, statement,
//! field or arm that starts there; a comment after code covers its own line. The reason after
//! `--` is mandatory: a suppression without one, or naming an unknown rule, suppresses nothing
//! and is itself reported ([`BAD_SUPPRESSION`](crate::diagnostics::BAD_SUPPRESSION)).

use crate::{Comment, Finding, Location, RuleMeta, SourceText, diagnostics};
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// One parsed suppression comment.
#[derive(Debug)]
struct Suppression {
    /// Rule ids it names (names already resolved to ids).
    ids: Vec<&'static str>,
    /// Lines covered, inclusive.
    first: usize,
    last: usize,
    /// Where the comment is, for diagnostics about it.
    at: Location,
    used: bool,
}

const MARKER: &str = "ffiguard:";

/// Applies the file's suppressions to `findings` (all from this file) and returns what
/// remains plus diagnostics about malformed and unused suppressions.
pub(crate) fn apply(
    path: &str,
    source: &SourceText,
    syntax: Option<&syn::File>,
    known: &[&'static RuleMeta],
    findings: Vec<Finding>,
) -> Vec<Finding> {
    // Spans of syntax nodes cost a walk over their tokens: only files with suppressions pay it.
    if !source
        .comments()
        .iter()
        .any(|c| directive(source, c).is_some())
    {
        return findings;
    }
    let ranges = syntax.map(node_ranges).unwrap_or_default();
    let mut out = Vec::new();
    let mut suppressions = Vec::new();
    for comment in source.comments() {
        let Some(rest) = directive(source, comment) else {
            continue;
        };
        let at = Location {
            file: path.to_owned(),
            line: comment.line,
            column: comment.column,
            end_line: comment.line,
            end_column: comment.column + comment.text.chars().count() + 2,
        };
        match parse_directive(rest.trim(), known) {
            Ok(ids) => {
                let (first, last) = if comment.own_line {
                    scope_below(source, &ranges, comment.end_line)
                } else {
                    (comment.line, comment.line)
                };
                suppressions.push(Suppression {
                    ids,
                    first,
                    last,
                    at,
                    used: false,
                });
            }
            Err(problem) => out.push(Finding::of(&diagnostics::BAD_SUPPRESSION, problem, at)),
        }
    }
    for finding in findings {
        let line = finding.location.line;
        let covering = suppressions
            .iter_mut()
            .find(|s| s.first <= line && line <= s.last && s.ids.contains(&finding.rule));
        match covering {
            Some(s) if !finding.rule.starts_with("FG") => s.used = true,
            _ => out.push(finding),
        }
    }
    for s in suppressions.into_iter().filter(|s| !s.used) {
        out.push(Finding::of(
            &diagnostics::UNUSED_SUPPRESSION,
            format!("suppression of {} matches no finding", s.ids.join(", ")),
            s.at,
        ));
    }
    out
}

/// The text after `ffiguard:` when `comment` is a directive: a plain `//` comment (doc
/// comments are documentation, and may well show `ffiguard::` paths) whose text starts with
/// `ffiguard:` but not with the path separator `ffiguard::`.
fn directive<'c>(source: &SourceText, comment: &'c Comment) -> Option<&'c str> {
    let rest = comment.text.strip_prefix(MARKER)?;
    if comment.doc || rest.starts_with(':') {
        return None;
    }
    let line_comment = source.line(comment.line).is_some_and(|l| {
        l.chars()
            .skip(comment.column.saturating_sub(1))
            .take(2)
            .eq("//".chars())
    });
    line_comment.then_some(rest)
}

/// Parses `allow(A, b-name) -- reason` into rule ids, or says what is wrong.
fn parse_directive(text: &str, known: &[&'static RuleMeta]) -> Result<Vec<&'static str>, String> {
    let Some(rest) = text.strip_prefix("allow") else {
        return Err(format!(
            "unknown ffiguard directive `{text}` (expected `allow(ID) -- reason`)"
        ));
    };
    let rest = rest.trim_start();
    let (Some(open), Some(close)) = (rest.strip_prefix('('), rest.find(')')) else {
        return Err("expected `allow(ID, ..) -- reason`".to_owned());
    };
    let list = &open[..close - 1];
    let after = rest[close + 1..].trim();
    let reason = after.strip_prefix("--").map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err("suppression without a reason: write `-- why this is fine here`".to_owned());
    }
    let mut ids = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let meta = known
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(name) || m.name == name)
            .ok_or_else(|| format!("suppression names unknown rule `{name}`"))?;
        ids.push(meta.id);
    }
    if ids.is_empty() {
        return Err("suppression names no rule".to_owned());
    }
    Ok(ids)
}

/// The lines covered by an own-line comment ending on `comment_end`: the next code line, or
/// the largest syntax node starting on it.
fn scope_below(
    source: &SourceText,
    ranges: &[(usize, usize)],
    comment_end: usize,
) -> (usize, usize) {
    let mut target = comment_end + 1;
    while target <= source.line_count() {
        let blank = source.line(target).is_none_or(|l| l.trim().is_empty());
        if !blank && !source.is_comment_only_line(target) {
            break;
        }
        target += 1;
    }
    let first = ranges.partition_point(|&(start, _)| start < target);
    let last = ranges[first..]
        .iter()
        .take_while(|&&(start, _)| start == target)
        .map(|&(_, end)| end)
        .max()
        .unwrap_or(target);
    (target, last)
}

/// Line ranges of items, statements, fields, variants and match arms, sorted by start.
fn node_ranges(file: &syn::File) -> Vec<(usize, usize)> {
    struct Ranges(Vec<(usize, usize)>);
    impl Ranges {
        fn add(&mut self, node: &impl Spanned) {
            let span = node.span();
            self.0.push((span.start().line, span.end().line));
        }
    }
    impl<'ast> Visit<'ast> for Ranges {
        fn visit_item(&mut self, i: &'ast syn::Item) {
            self.add(i);
            visit::visit_item(self, i);
        }
        fn visit_impl_item(&mut self, i: &'ast syn::ImplItem) {
            self.add(i);
            visit::visit_impl_item(self, i);
        }
        fn visit_trait_item(&mut self, i: &'ast syn::TraitItem) {
            self.add(i);
            visit::visit_trait_item(self, i);
        }
        fn visit_foreign_item(&mut self, i: &'ast syn::ForeignItem) {
            self.add(i);
            visit::visit_foreign_item(self, i);
        }
        fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
            self.add(s);
            visit::visit_stmt(self, s);
        }
        fn visit_field(&mut self, f: &'ast syn::Field) {
            self.add(f);
            visit::visit_field(self, f);
        }
        fn visit_variant(&mut self, v: &'ast syn::Variant) {
            self.add(v);
            visit::visit_variant(self, v);
        }
        fn visit_arm(&mut self, a: &'ast syn::Arm) {
            self.add(a);
            visit::visit_arm(self, a);
        }
    }
    let mut ranges = Ranges(Vec::new());
    ranges.visit_file(file);
    ranges.0.sort_unstable();
    ranges.0
}

#[cfg(test)]
mod tests {
    use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta, check_source};
    use syn::visit::Visit;

    /// Flags every call to a function named `bad`: enough to exercise suppression scopes.
    struct BadCall;

    static META: RuleMeta = RuleMeta {
        id: "FFI900",
        name: "test-bad-call",
        summary: "calls to `bad`",
        default_level: Level::Warning,
        confidence: Confidence::High,
        docs: RuleDocs {
            what_it_does: "test",
            why_is_this_bad: "test",
            known_problems: "",
            example_bad: "",
            example_good: "",
            fix: "",
        },
    };

    impl Rule for BadCall {
        fn meta(&self) -> &'static RuleMeta {
            &META
        }
        fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
            struct V<'c, 'a>(&'c FileContext<'a>, &'c mut Vec<Finding>);
            impl<'ast> Visit<'ast> for V<'_, '_> {
                fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
                    if let syn::Expr::Path(p) = &*c.func
                        && p.path.is_ident("bad")
                    {
                        self.1.push(
                            self.0
                                .finding(&META, p.path.segments[0].ident.span(), "bad"),
                        );
                    }
                    syn::visit::visit_expr_call(self, c);
                }
            }
            V(cx, out).visit_file(cx.syntax);
        }
    }

    fn ids(src: &str) -> Vec<(&'static str, usize)> {
        check_source("t.rs", src, &[&BadCall])
            .into_iter()
            .map(|f| (f.rule, f.location.line))
            .collect()
    }

    #[test]
    fn line_above_and_end_of_line() {
        assert_eq!(ids("fn f() {\n    bad();\n}"), [("FFI900", 2)]);
        assert!(
            ids("fn f() {\n    // ffiguard: allow(FFI900) -- checked\n    bad();\n}").is_empty()
        );
        assert!(
            ids("fn f() {\n    bad(); // ffiguard: allow(test-bad-call) -- checked\n}").is_empty()
        );
        // only the next line
        assert_eq!(
            ids("fn f() {\n    // ffiguard: allow(FFI900) -- checked\n    bad();\n    bad();\n}"),
            [("FFI900", 4)]
        );
    }

    #[test]
    fn item_level_covers_the_whole_item() {
        let src = "// ffiguard: allow(FFI900) -- whole fn reviewed\n#[inline]\nfn f() {\n    bad();\n    bad();\n}\nfn g() { bad(); }";
        assert_eq!(ids(src), [("FFI900", 7)]);
    }

    #[test]
    fn missing_reason_or_unknown_rule_is_reported_and_suppresses_nothing() {
        assert_eq!(
            ids("fn f() {\n    // ffiguard: allow(FFI900)\n    bad();\n}"),
            [("FG0002", 2), ("FFI900", 3)]
        );
        assert_eq!(
            ids("fn f() {\n    // ffiguard: allow(FFI999) -- typo\n    bad();\n}"),
            [("FG0002", 2), ("FFI900", 3)]
        );
    }

    #[test]
    fn unused_suppression_is_reported() {
        assert_eq!(
            ids("// ffiguard: allow(FFI900) -- stale\nfn f() {}"),
            [("FG0003", 1)]
        );
    }

    #[test]
    fn only_plain_line_comments_are_directives() {
        // A doc example naming a `ffiguard::` macro, as in examples/legacy's stats.rs.
        let doc = "/// ```\n/// ffiguard::assert_layout!(\n///     T { size: 4 }\n/// );\n/// ```\nfn f() { bad(); }";
        assert_eq!(ids(doc), [("FFI900", 6)]);
        assert_eq!(
            ids("//! ffiguard: allow(FFI900) -- in a doc comment\nfn f() { bad(); }"),
            [("FFI900", 2)]
        );
        assert_eq!(
            ids("/* ffiguard: allow(FFI900) -- block */\nfn f() { bad(); }"),
            [("FFI900", 2)]
        );
        assert_eq!(
            ids(
                "// see ffiguard::assert_layout!\n// ffiguard::assert_layout!(T)\nfn f() { bad(); }"
            ),
            [("FFI900", 3)]
        );
    }

    #[test]
    fn text_in_strings_is_not_a_suppression() {
        assert_eq!(
            ids("fn f() {\n    let s = \"// ffiguard: allow(FFI900) -- no\"; bad();\n}"),
            [("FFI900", 2)]
        );
    }
}
