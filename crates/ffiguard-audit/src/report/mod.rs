//! Rendering findings: rustc-style text, JSON, SARIF 2.1.0.

mod human;
mod json;
mod sarif;

pub use human::render_human;
pub use json::render_json;
pub use sarif::render_sarif;

use crate::{Finding, RuleMeta};

/// The metadata of a finding's rule, if known.
fn meta_of<'m>(known: &[&'m RuleMeta], finding: &Finding) -> Option<&'m RuleMeta> {
    known.iter().copied().find(|m| m.id == finding.rule)
}
