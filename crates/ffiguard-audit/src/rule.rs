//! The contract every audit rule implements.
//!
//! A rule is a stateless value: it reads one parsed file through a [`FileContext`] (which also
//! carries the crate-wide [`FfiModel`](crate::FfiModel)) and pushes [`Finding`]s. Rules never
//! decide suppression, levels or output: the engine applies `// ffiguard: allow(..)` comments,
//! configuration and the deny threshold afterwards, the same way for every rule.

use crate::{Confidence, FileContext, Finding, Level};

/// A rule's identity and documentation, in clippy's shape.
///
/// The docs are Markdown: each of the crate's rules reads them from its page in
/// `src/rules/docs/ID.md` when the crate compiles. `cargo ffiguard explain ID` prints them
/// and `cargo ffiguard docs` turns them into `docs/rules/ID.md`.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable identifier, `FFI` and three digits (`FFI001`). Used in suppressions and baselines.
    pub id: &'static str,
    /// Kebab-case name (`cstring-temporary-pointer`); also accepted in suppressions and config.
    pub name: &'static str,
    /// One line shown in `cargo ffiguard rules` and as SARIF `shortDescription`.
    pub summary: &'static str,
    /// Level used unless configuration says otherwise.
    pub default_level: Level,
    /// How often a match is a real problem.
    pub confidence: Confidence,
    /// The long-form documentation.
    pub docs: RuleDocs,
}

/// Long-form documentation of a rule, one Markdown string per section.
#[derive(Debug)]
pub struct RuleDocs {
    /// *What it does*: the pattern the rule matches.
    pub what_it_does: &'static str,
    /// *Why is this bad*: the failure it leads to (UB, leak, crash, wrong value, ...).
    pub why_is_this_bad: &'static str,
    /// *Known problems*: false positives and negatives that come from syntax-only analysis.
    pub known_problems: &'static str,
    /// *Example*: Rust code that triggers the rule (without the surrounding fence).
    pub example_bad: &'static str,
    /// *Use instead*: the corrected code (without the surrounding fence).
    pub example_good: &'static str,
    /// *Fix*: how to fix it in prose, and when suppressing with a reason is right.
    pub fix: &'static str,
}

/// One audit rule.
///
/// ```
/// use ffiguard_audit::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};
/// use syn::visit::Visit;
///
/// struct NoStaticMut;
///
/// static META: RuleMeta = RuleMeta {
///     id: "FFI999",
///     name: "example-static-mut",
///     summary: "`static mut` items",
///     default_level: Level::Warning,
///     confidence: Confidence::High,
///     docs: RuleDocs {
///         what_it_does: "Flags `static mut`.",
///         why_is_this_bad: "Any access is a data race waiting to happen.",
///         known_problems: "None.",
///         example_bad: "static mut N: i32 = 0;",
///         example_good: "static N: AtomicI32 = AtomicI32::new(0);",
///         fix: "Use an atomic or a lock.",
///     },
/// };
///
/// impl Rule for NoStaticMut {
///     fn meta(&self) -> &'static RuleMeta {
///         &META
///     }
///     fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
///         struct V<'c, 'a> { cx: &'c FileContext<'a>, out: &'c mut Vec<Finding> }
///         impl<'ast> Visit<'ast> for V<'_, '_> {
///             fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
///                 if matches!(item.mutability, syn::StaticMutability::Mut(_)) {
///                     self.out.push(self.cx.finding(&META, item.ident.span(), "`static mut`"));
///                 }
///             }
///         }
///         V { cx, out }.visit_file(cx.syntax);
///     }
/// }
///
/// let findings = ffiguard_audit::check_source("lib.rs", "static mut N: i32 = 0;", &[&NoStaticMut]);
/// assert_eq!(findings.len(), 1);
/// assert_eq!(findings[0].location.line, 1);
/// assert_eq!(findings[0].location.column, 12);
/// ```
pub trait Rule: Send + Sync {
    /// Identity and documentation.
    fn meta(&self) -> &'static RuleMeta;

    /// Inspect one file and push findings. Must not panic on any syntax `syn` accepts; the
    /// engine still catches a panic and reports it as an internal error for that file.
    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>);
}
