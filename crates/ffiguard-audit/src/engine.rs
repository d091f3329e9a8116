//! Running rules over parsed files: the per-file pipeline shared by every entry point.

use crate::model::{FfiModel, extract};
use crate::parse::{ParseProblem, parse_file};
use crate::quiet_panic::{QuietPanics, catch};
use crate::test_code::TestCode;
use crate::{FileContext, Finding, Location, Rule, RuleMeta, SourceText, diagnostics, suppress};

/// A parsed file, or the finding that says why it could not be parsed.
pub(crate) type Parsed = Result<syn::File, Box<Finding>>;

/// One file after the first phase: text, syntax and its part of the model.
pub(crate) struct LoadedFile {
    pub(crate) path: String,
    pub(crate) source: SourceText,
    /// `None` once [`release_syntax`](Self::release_syntax) has dropped the tree to save
    /// memory; [`check`](Self::check) then parses the text again.
    pub(crate) syntax: Option<Parsed>,
    /// Findings about this file produced while loading it (missing modules, unreadable).
    pub(crate) extra: Vec<Finding>,
    /// Loaded through a module declared under `cfg(test)`.
    pub(crate) test_only: bool,
    /// The text was read (false: audited as empty, with a finding that says why).
    pub(crate) readable: bool,
}

impl LoadedFile {
    /// Indexes and parses a file's text (never panics: a parser panic becomes a finding).
    pub(crate) fn new(path: String, text: String) -> Self {
        let syntax = parse_guarded(&path, &text);
        LoadedFile {
            source: SourceText::new(text),
            syntax: Some(syntax),
            path,
            extra: Vec::new(),
            test_only: false,
            readable: true,
        }
    }

    /// This file's part of the crate model (empty when it did not parse, or once its tree is
    /// released: take the part before).
    pub(crate) fn model_part(&self) -> FfiModel {
        match &self.syntax {
            Some(Ok(syntax)) => catch(|| extract(&self.path, syntax)).unwrap_or_default(),
            _ => FfiModel::default(),
        }
    }

    /// Drops a parsed tree (a parse failure, small, stays): a tree takes some 40 times the
    /// memory of its text, and a large source tree cannot keep every file's until the model
    /// is complete. [`check`](Self::check) parses the text again.
    pub(crate) fn release_syntax(&mut self) {
        if matches!(self.syntax, Some(Ok(_))) {
            self.syntax = None;
        }
    }

    /// Second phase: every rule, then the file's suppressions, which also apply to `more`
    /// (findings about this file from outside the per-file rules: the header cross-check).
    pub(crate) fn check(
        &self,
        model: &FfiModel,
        rules: &[&dyn Rule],
        known: &[&'static RuleMeta],
        more: &[Finding],
    ) -> Vec<Finding> {
        let reparsed;
        let syntax = match &self.syntax {
            Some(parsed) => parsed,
            None => {
                reparsed = parse_guarded(&self.path, self.source.text());
                &reparsed
            }
        };
        let mut findings = match syntax {
            Ok(syntax) => {
                let mut raw = run_rules(&self.path, &self.source, syntax, model, rules);
                raw.extend(more.iter().cloned());
                suppress::apply(&self.path, &self.source, Some(syntax), known, raw)
            }
            Err(problem) => std::iter::once((**problem).clone())
                .chain(more.iter().cloned())
                .collect(),
        };
        findings.extend(self.extra.iter().cloned());
        TestCode::of(&self.path, self.test_only, syntax.as_ref().ok()).mark(&mut findings);
        findings
    }
}

/// Every rule id a suppression or the configuration may name: the rules, the header
/// cross-check's rules (their findings go through the same suppressions and levels) and the
/// engine diagnostics.
pub(crate) fn known_metas(rules: &[&dyn Rule]) -> Vec<&'static RuleMeta> {
    rules
        .iter()
        .map(|r| r.meta())
        .chain(crate::abi::rules::ALL.iter().copied())
        .chain(diagnostics::ALL.iter().copied())
        .collect()
}

/// Audits in-memory sources as one crate: every file feeds the model, then every rule runs on
/// every file and suppression comments are applied. Levels are the rules' defaults (no
/// configuration). Findings come sorted by file and position.
///
/// This is the entry point for rule tests and fuzzing; [`check_source`] is the one-file form.
pub fn check_sources(files: &[(&str, &str)], rules: &[&dyn Rule]) -> Vec<Finding> {
    let _quiet = QuietPanics::install();
    let loaded: Vec<LoadedFile> = files
        .iter()
        .map(|&(path, text)| LoadedFile::new(path.to_owned(), text.to_owned()))
        .collect();
    let model = FfiModel::merge(loaded.iter().map(LoadedFile::model_part));
    let known = known_metas(rules);
    let mut findings: Vec<Finding> = loaded
        .iter()
        .flat_map(|file| file.check(&model, rules, &known, &[]))
        .collect();
    for f in &mut findings {
        crate::test_code::lower(f, false);
    }
    findings.sort_by(|a, b| a.location.cmp(&b.location));
    findings
}

/// Audits one file as a crate of its own (see [`check_sources`]).
pub fn check_source(path: &str, text: &str, rules: &[&dyn Rule]) -> Vec<Finding> {
    check_sources(&[(path, text)], rules)
}

/// Parses with the [`parse`](crate::parse) guards; a refusal or panic becomes a finding.
fn parse_guarded(path: &str, text: &str) -> Parsed {
    match catch(|| parse_file(text)) {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(problem)) => Err(Box::new(unparsed(path, &problem))),
        Err(_) => Err(Box::new(Finding::of(
            &diagnostics::INTERNAL_ERROR,
            "the parser panicked on this file",
            file_start(path),
        ))),
    }
}

fn unparsed(path: &str, problem: &ParseProblem) -> Finding {
    let (line, column) = match problem {
        ParseProblem::Syntax { line, column, .. } => (*line, *column),
        ParseProblem::TooDeep { line } => (*line, 1),
        _ => (1, 1),
    };
    Finding::of(
        &diagnostics::UNPARSED_FILE,
        format!("file not audited: {problem}"),
        Location {
            file: path.to_owned(),
            line,
            column,
            end_line: line,
            end_column: column,
        },
    )
}

/// A zero-width location at the start of a file, for file-level diagnostics.
pub(crate) fn file_start(path: &str) -> Location {
    Location {
        file: path.to_owned(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    }
}

/// Runs every rule on one file; a panicking rule becomes an internal-error finding.
fn run_rules(
    path: &str,
    source: &SourceText,
    syntax: &syn::File,
    model: &FfiModel,
    rules: &[&dyn Rule],
) -> Vec<Finding> {
    let imports = crate::context::Imports::of(syntax);
    let cx = FileContext {
        path,
        source,
        syntax,
        model,
        imports: &imports,
    };
    let mut findings = Vec::new();
    for rule in rules {
        let mut out = Vec::new();
        match catch(|| rule.check(&cx, &mut out)) {
            Ok(()) => findings.extend(out),
            Err(_) => findings.push(Finding::of(
                &diagnostics::INTERNAL_ERROR,
                format!("rule {} panicked on this file", rule.meta().id),
                file_start(path),
            )),
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every rule, the model, suppressions and `Drop` follow a tree as deep as the nesting
    /// guard lets through, on the caller's (test) thread; one level deeper is a finding.
    #[test]
    fn chains_at_the_nesting_cap_are_audited_and_longer_ones_reported() {
        let chain = |n: usize, op: &str| {
            format!(
                "pub unsafe extern \"C\" fn f(p: *const u8) -> u32 {{ {} }}\n",
                vec!["*p as u32"; n].join(op)
            )
        };
        let rules = crate::registry::rules();
        for op in [" + ", " - ", " * ", " && ", " | "] {
            let findings = check_source("src/lib.rs", &chain(240, op), rules);
            assert!(
                findings.iter().all(|f| f.rule != "FG0001"),
                "{op}: {findings:?}"
            );
            let findings = check_source("src/lib.rs", &chain(150_000, op), rules);
            assert!(
                findings
                    .iter()
                    .any(|f| f.rule == "FG0001" && f.message.contains("nesting")),
                "{op}: {findings:?}"
            );
        }
        let methods = format!(
            "pub unsafe extern \"C\" fn f(p: *const u8) {{ let _ = (*p){}; }}\n",
            ".m()".repeat(990)
        );
        let findings = check_source("src/lib.rs", &methods, rules);
        assert!(findings.iter().all(|f| f.rule != "FG0001"), "{findings:?}");
        let branches = "else if *p == 1 { 1 } ".repeat(300);
        let else_if = format!(
            "pub unsafe extern \"C\" fn f(p: *const u8) -> u8 {{ if *p == 0 {{ 0 }} {branches} else {{ 2 }} }}\n"
        );
        let findings = check_source("src/lib.rs", &else_if, rules);
        assert!(findings.iter().all(|f| f.rule != "FG0001"), "{findings:?}");
    }
}
