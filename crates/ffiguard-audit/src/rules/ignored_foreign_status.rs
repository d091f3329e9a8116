//! FFI014 — an integer status returned by C is thrown away.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::analysis::int_width::int_width;
use crate::analysis::{functions, peel, text_last};
use crate::{Callee, Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI014: see [`META`].
pub(crate) struct IgnoredForeignStatus;

static META: RuleMeta = RuleMeta {
    id: "FFI014",
    name: "ignored-foreign-status",
    summary: "the integer returned by a foreign call is discarded",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI014.md")),
};

const COUNT_RESULTS: &[&str] = &[
    "printf", "fprintf", "sprintf", "snprintf", "dprintf", "puts", "fputs", "putchar", "fputc",
];

impl Rule for IgnoredForeignStatus {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            if f.trait_name.as_deref() == Some("Drop") {
                continue;
            }
            let mut v = Stmts { cx, out: &mut *out };
            v.visit_block(f.block);
        }
    }
}

struct Stmts<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
}

impl Stmts<'_, '_> {
    fn discarded(&mut self, e: &syn::Expr) {
        let e = peel(e);
        let Some(Callee::Declared(decl)) = self.cx.foreign_callee(e) else {
            return;
        };
        let integer = decl
            .ret
            .as_deref()
            .is_some_and(|r| !r.starts_with('*') && int_width(text_last(r)).is_some());
        if integer && !COUNT_RESULTS.contains(&decl.name.as_str()) {
            let f = self
                .cx
                .finding(
                    &META,
                    e.span(),
                    format!("status returned by `{}` is ignored", decl.name),
                )
                .help("check the value and return a typed error");
            self.out.push(f);
        }
    }
}

impl<'ast> Visit<'ast> for Stmts<'_, '_> {
    fn visit_stmt(&mut self, s: &'ast syn::Stmt) {
        match s {
            syn::Stmt::Expr(e, Some(_)) => self.discarded(e),
            syn::Stmt::Local(l) if matches!(l.pat, syn::Pat::Wild(_)) => {
                if let Some(init) = &l.init {
                    self.discarded(&init.expr);
                }
            }
            _ => {}
        }
        visit::visit_stmt(self, s);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
