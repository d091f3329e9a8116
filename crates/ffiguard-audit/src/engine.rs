//! Running rules over parsed files.

use crate::model::{FfiModel, extract};
use crate::parse::{ParseProblem, parse_file};
use crate::{FileContext, Finding, Location, Rule, SourceText, diagnostics};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// A parsed file, or the finding that says why it could not be parsed.
pub(crate) type Parsed = Result<syn::File, Box<Finding>>;

/// Audits in-memory sources as one crate: every file feeds the model, then every rule runs on
/// every file and suppression comments are applied. Findings come sorted by file and position.
///
/// This is the entry point for rule tests and fuzzing; [`check_source`] is the one-file form.
pub fn check_sources(files: &[(&str, &str)], rules: &[&dyn Rule]) -> Vec<Finding> {
    let parsed: Vec<(&str, SourceText, Parsed)> = files
        .iter()
        .map(|&(path, text)| {
            let source = SourceText::new(text.to_owned());
            let syntax = parse_guarded(path, text);
            (path, source, syntax)
        })
        .collect();
    let model = FfiModel::merge(
        parsed
            .iter()
            .filter_map(|(path, _, syntax)| syntax.as_ref().ok().map(|s| extract(path, s))),
    );
    let mut findings = Vec::new();
    for (path, source, syntax) in &parsed {
        match syntax {
            Ok(syntax) => findings.extend(run_rules(path, source, syntax, &model, rules)),
            Err(problem) => findings.push((**problem).clone()),
        }
    }
    findings.sort_by(|a, b| a.location.cmp(&b.location));
    findings
}

/// Audits one file as a crate of its own (see [`check_sources`]).
pub fn check_source(path: &str, text: &str, rules: &[&dyn Rule]) -> Vec<Finding> {
    check_sources(&[(path, text)], rules)
}

/// Parses with the [`parse`](crate::parse) guards; a refusal or panic becomes a finding.
pub(crate) fn parse_guarded(path: &str, text: &str) -> Parsed {
    match catch_unwind(|| parse_file(text)) {
        Ok(Ok(file)) => Ok(file),
        Ok(Err(problem)) => Err(Box::new(unparsed(path, &problem))),
        Err(_) => Err(Box::new(Finding::new(
            diagnostics::INTERNAL_ERROR.id,
            diagnostics::INTERNAL_ERROR.default_level,
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
    Finding::new(
        diagnostics::UNPARSED_FILE.id,
        diagnostics::UNPARSED_FILE.default_level,
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
pub(crate) fn run_rules(
    path: &str,
    source: &SourceText,
    syntax: &syn::File,
    model: &FfiModel,
    rules: &[&dyn Rule],
) -> Vec<Finding> {
    let cx = FileContext {
        path,
        source,
        syntax,
        model,
    };
    let mut findings = Vec::new();
    for rule in rules {
        let mut out = Vec::new();
        match catch_unwind(AssertUnwindSafe(|| rule.check(&cx, &mut out))) {
            Ok(()) => findings.extend(out),
            Err(_) => findings.push(Finding::new(
                diagnostics::INTERNAL_ERROR.id,
                diagnostics::INTERNAL_ERROR.default_level,
                format!("rule {} panicked on this file", rule.meta().id),
                file_start(path),
            )),
        }
    }
    findings
}
