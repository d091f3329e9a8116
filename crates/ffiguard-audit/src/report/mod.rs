//! Rendering findings: rustc-style text, one line per finding, GitHub Actions workflow
//! commands, JSON, SARIF 2.1.0.

mod github;
mod human;
mod json;
mod sarif;
mod short;

pub use github::render_github;
pub use human::render_human;
pub use json::{finding_json, render_json};
pub use sarif::render_sarif;
pub use short::render_short;

use crate::{Finding, RuleMeta};

/// The metadata of a finding's rule, if known.
fn meta_of<'m>(known: &[&'m RuleMeta], finding: &Finding) -> Option<&'m RuleMeta> {
    known.iter().copied().find(|m| m.id == finding.rule)
}

/// The path of `file` (relative to the audited `root`) as the user should see it, as in the
/// human report: relative to the current directory when below it, else absolute.
fn shown_path(shown_root: &std::path::Path, file: &str) -> String {
    shown_root.join(file).to_string_lossy().replace('\\', "/")
}
