//! Static audit of Rust FFI code: finds FFI pitfalls in any crate without compiling it.
//!
//! The pipeline: source files → [`parse`] (guarded `syn`) → crate-wide [`FfiModel`] → every
//! [`Rule`] on every file with a [`FileContext`] → [`Finding`]s → suppressions, configuration
//! and baseline → a reporter (human, JSON, SARIF).
//!
//! Rules live in [`rules`], one file each; their contract is [`Rule`].
//!
//! ```
//! use ffiguard_audit::{check_source, Rule};
//! let rules: Vec<&dyn Rule> = Vec::new();
//! assert!(check_source("src/lib.rs", "fn main() {}", &rules).is_empty());
//! ```

pub mod abi;
mod analysis;
pub mod baseline;
mod config;
mod context;
pub mod diagnostics;
mod discover;
pub mod docs;
mod engine;
mod finding;
mod level;
pub mod model;
mod modules;
mod outcome;
pub mod parse;
mod quiet_panic;
pub mod registry;
mod report;
mod rule;
mod rule_docs;
pub mod rules;
mod run;
mod source;
mod span;
mod suppress;
mod test_code;

pub use config::{Config, ConfigError, IgnoredPaths, TestCodeLevel};
pub use context::{Callee, FileContext, Imports};
pub use engine::{check_source, check_sources};
pub use finding::{Finding, Label, Location};
pub use level::{Confidence, Level, UnknownLevel};
pub use model::{FfiModel, type_text};
pub use outcome::{
    AuditOutcome, DEFAULT_FOLD, FfiSurface, HeaderCheck, HeaderChoice, LevelCounts, PackageHeaders,
};
pub use report::{
    finding_json, render_github, render_human, render_json, render_sarif, render_short,
};
pub use rule::{Rule, RuleDocs, RuleMeta};
pub use run::{AuditError, Progress, audit_path, audit_path_with_progress};
pub use source::{Comment, SourceText};
