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
    docs: RuleDocs {
        what_it_does: "Flags a statement `foreign_fn(..);` or `let _ = foreign_fn(..);` (also \
wrapped in `unsafe { .. }`) where the function is declared in the crate to return an integer \
type (`c_int`, `i32`, `c_long`, ...). Calls inside `Drop::drop` are exempt, and so are the \
printf family and `puts`, whose result is a count.",
        why_is_this_bad: "In C the return value is usually the only error channel. Ignoring it \
turns a failed write, a refused lock or an invalid argument into silent data loss, and the \
next call then works on a broken state.",
        known_problems: "Functions whose integer result is not a status (a count, a previous \
value, a handle) are reported; suppress with that reason. Functions reached through `libc::` \
without a declaration in the crate are not checked (their return type is unknown).",
        example_bad: "unsafe { db_exec(db, sql) };",
        example_good: "let rc = unsafe { db_exec(db, sql) };\nif rc != 0 {\n    return Err(Error::from_code(rc));\n}",
        fix: "Check the value and map it to a typed error (`ffiguard::error`), or document why it \
can be ignored and suppress with that reason. In `Drop`, ignoring is acceptable; offer \
`close(self) -> Result` for callers who care.",
    },
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
