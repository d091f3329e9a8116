//! Findings the engine itself emits: files it could not audit and malformed suppressions.
//!
//! They have `FG` ids so they never collide with rule ids, appear in `cargo ffiguard rules`,
//! SARIF and the docs like rules, and can be configured (but not suppressed in source).

use crate::{Confidence, Level, RuleDocs, RuleMeta};

/// A file could not be read or parsed; it was not audited.
pub static UNPARSED_FILE: RuleMeta = RuleMeta {
    id: "FG0001",
    name: "unparsed-file",
    summary: "a source file could not be read or parsed, so it was not audited",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("rules/docs/FG0001.md")),
};

/// `// ffiguard: allow(..)` without `-- reason`, or naming no known rule.
pub static BAD_SUPPRESSION: RuleMeta = RuleMeta {
    id: "FG0002",
    name: "bad-suppression",
    summary: "a suppression comment has no reason or names an unknown rule",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("rules/docs/FG0002.md")),
};

/// A suppression that matched no finding.
pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    id: "FG0003",
    name: "unused-suppression",
    summary: "a suppression comment matches no finding",
    default_level: Level::Info,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("rules/docs/FG0003.md")),
};

/// A rule or the engine panicked on a file.
pub static INTERNAL_ERROR: RuleMeta = RuleMeta {
    id: "FG0004",
    name: "internal-error",
    summary: "the audit hit an internal error on a file; results for it are incomplete",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("rules/docs/FG0004.md")),
};

/// All engine diagnostics.
pub static ALL: [&RuleMeta; 4] = [
    &UNPARSED_FILE,
    &BAD_SUPPRESSION,
    &UNUSED_SUPPRESSION,
    &INTERNAL_ERROR,
];
