//! Putting audits of several crates into one report: paths moved under a prefix, outcomes
//! added up.

use ffiguard_audit::AuditOutcome;
use std::path::Path;

/// Puts every path of `outcome` under `prefix` (a directory, relative or absolute; `""`
/// leaves them as they are). Absolute paths are left alone.
pub(crate) fn rebase(outcome: &mut AuditOutcome, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let join = |file: &mut String| {
        if !Path::new(file.as_str()).is_absolute() {
            *file = format!("{prefix}/{file}");
        }
    };
    for finding in &mut outcome.findings {
        join(&mut finding.location.file);
        for label in &mut finding.labels {
            join(&mut label.location.file);
        }
    }
    outcome.sources = std::mem::take(&mut outcome.sources)
        .into_iter()
        .map(|(mut file, text)| {
            join(&mut file);
            (file, text)
        })
        .collect();
    outcome.surface = std::mem::take(&mut outcome.surface)
        .into_iter()
        .map(|(mut file, surface)| {
            join(&mut file);
            (file, surface)
        })
        .collect();
}

/// Adds `part` to `total`: findings, counts, sources, notices, surface, and what the header
/// cross-check did (the first reason it did not run is kept while none ran).
pub(crate) fn absorb(total: &mut AuditOutcome, mut part: AuditOutcome) {
    total.findings.append(&mut part.findings);
    total.files += part.files;
    total.unreadable += part.unreadable;
    total.ignored += part.ignored;
    total.lines += part.lines;
    total.bytes += part.bytes;
    total.sources.extend(part.sources);
    total.hidden.errors += part.hidden.errors;
    total.hidden.warnings += part.hidden.warnings;
    total.hidden.infos += part.hidden.infos;
    total.notices.append(&mut part.notices);
    total.surface.extend(part.surface);
    if total.headers.headers == 0 && part.headers.headers > 0 {
        total.headers.not_run = part.headers.not_run;
    }
    total.headers.headers += part.headers.headers;
    total.headers.packages.append(&mut part.headers.packages);
    for target in part.headers.targets {
        if !total.headers.targets.contains(&target) {
            total.headers.targets.push(target);
        }
    }
}
