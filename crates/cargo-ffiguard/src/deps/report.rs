//! The dependency audit as a table (human) and as one JSON document.

use super::{CrateAudit, Origin, Report};
use ffiguard_audit::baseline::fingerprints;
use ffiguard_audit::{FfiSurface, Level, LevelCounts, RuleMeta};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// One line per crate: members first, then dependencies by name; then a summary of the
/// dependencies.
pub(super) fn table(crates: &[CrateAudit], deny: Option<Level>) -> String {
    let header = [
        "crate",
        "version",
        "source",
        "extern",
        "exported",
        "callbacks",
        "send/sync",
        "headers",
        "errors",
        "warnings",
        "infos",
    ];
    let rows: Vec<[String; 11]> = crates
        .iter()
        .map(|c| {
            let n = |v: usize| v.to_string();
            let headers = if c.headers.headers > 0 {
                n(c.headers.headers)
            } else {
                "-".to_owned()
            };
            if c.error.is_some() {
                let none = || "?".to_owned();
                return [
                    c.name.clone(),
                    c.version.clone(),
                    c.origin.as_str().to_owned(),
                    none(),
                    none(),
                    none(),
                    none(),
                    none(),
                    none(),
                    none(),
                    none(),
                ];
            }
            [
                c.name.clone(),
                c.version.clone(),
                c.origin.as_str().to_owned(),
                n(c.surface.extern_fns),
                n(c.surface.exported_fns),
                n(c.surface.callbacks),
                n(c.surface.send_sync_impls),
                headers,
                n(c.counts.errors),
                n(c.counts.warnings),
                n(c.counts.infos),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            // Names left, numbers right.
            if i < 3 {
                let _ = write!(text, "{cell:<width$}  ");
            } else {
                let _ = write!(text, "{cell:>width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(&mut out, &header);
    for row in &rows {
        line(&mut out, &row.each_ref().map(String::as_str));
    }
    out.push('\n');
    for c in crates {
        if let Some(why) = &c.error {
            let _ = writeln!(out, "note: {} {} not audited: {why}", c.name, c.version);
        }
    }
    let dependencies: Vec<&CrateAudit> = crates
        .iter()
        .filter(|c| c.origin != Origin::Member)
        .collect();
    let audited = dependencies.iter().filter(|c| c.error.is_none()).count();
    let mut surface = FfiSurface::default();
    let mut counts = LevelCounts::default();
    for c in &dependencies {
        surface.add(&c.surface);
        add_counts(&mut counts, &c.counts);
    }
    let with_ffi = dependencies
        .iter()
        .filter(|c| !c.surface.is_empty())
        .count();
    let _ = writeln!(
        out,
        "dependencies: {audited} of {} audited, {with_ffi} with an FFI surface; {} error(s), \
         {} warning(s), {} info(s)",
        dependencies.len(),
        counts.errors,
        counts.warnings,
        counts.infos
    );
    let _ = writeln!(
        out,
        "{}; `--format json` or `--format sarif` lists their findings",
        match deny {
            Some(level) => format!(
                "dependencies' findings at {} or above fail the run (--deny-dependencies)",
                level.as_str()
            ),
            None =>
                "dependencies' findings do not fail the run (see --deny-dependencies)".to_owned(),
        }
    );
    out
}

fn add_counts(total: &mut LevelCounts, more: &LevelCounts) {
    total.errors += more.errors;
    total.warnings += more.warnings;
    total.infos += more.infos;
}

fn surface_json(s: &FfiSurface) -> Value {
    json!({
        "extern_fns": s.extern_fns,
        "exported_fns": s.exported_fns,
        "callbacks": s.callbacks,
        "send_sync_impls": s.send_sync_impls,
    })
}

fn counts_json(c: &LevelCounts) -> Value {
    json!({ "errors": c.errors, "warnings": c.warnings, "infos": c.infos })
}

/// The dependency audit as one JSON document (`"kind": "dependencies"`, format version 1);
/// the shape is documented in `docs/ci.md`.
pub(super) fn json(report: &Report, known: &[&RuleMeta]) -> String {
    let crates: Vec<Value> = report
        .crates
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "version": c.version,
                "source": c.origin.as_str(),
                "member": c.origin == Origin::Member,
                "dir": c.dir.to_string_lossy(),
                "audited": c.error.is_none(),
                "error": c.error,
                "files": c.files,
                "lines": c.lines,
                "surface": surface_json(&c.surface),
                "headers": {
                    "cross_checked": c.headers.headers,
                    "targets": c.headers.targets,
                    "not_run": c.headers.not_run,
                },
                "findings": counts_json(&c.counts),
            })
        })
        .collect();
    let prints = fingerprints(&report.outcome);
    let findings: Vec<Value> = report
        .outcome
        .findings
        .iter()
        .zip(&prints)
        .zip(&report.crate_of)
        .map(|((f, print), owner)| {
            let mut finding = ffiguard_audit::finding_json(f, known, print);
            finding["crate"] = json!(owner.map(|i| &report.crates[i].name));
            finding["version"] = json!(owner.map(|i| &report.crates[i].version));
            finding
        })
        .collect();
    let mut members = LevelCounts::default();
    let mut dependencies = LevelCounts::default();
    let mut surface = FfiSurface::default();
    for c in &report.crates {
        if c.origin == Origin::Member {
            add_counts(&mut members, &c.counts);
        } else {
            add_counts(&mut dependencies, &c.counts);
            surface.add(&c.surface);
        }
    }
    let count = |member: bool| {
        report
            .crates
            .iter()
            .filter(|c| (c.origin == Origin::Member) == member)
            .count()
    };
    let doc = json!({
        "version": 1,
        "kind": "dependencies",
        "summary": {
            "crates": report.crates.len(),
            "members": count(true),
            "dependencies": count(false),
            "not_audited": report.crates.iter().filter(|c| c.error.is_some()).count(),
            "member_findings": counts_json(&members),
            "dependency_findings": counts_json(&dependencies),
            "dependency_surface": surface_json(&surface),
        },
        "crates": crates,
        "notices": report.outcome.notices,
        "findings": findings,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
