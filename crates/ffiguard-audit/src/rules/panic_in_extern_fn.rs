//! FFI003 — an `extern "C"` function can panic and has no `catch_unwind`.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use std::collections::BTreeSet;

use crate::analysis::macro_bodies::macro_arms;
use crate::analysis::{FnItem, functions, macro_exprs, segments};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

mod conditional_catcher;
mod user_closure;

use user_closure::{CallbackValues, ClosureFields};

/// FFI003: see [`META`].
pub(crate) struct PanicInExternFn;

static META: RuleMeta = RuleMeta {
    id: "FFI003",
    name: "panic-in-extern-fn",
    summary: "a Rust `extern \"C\"` function can panic outside `catch_unwind`",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI003.md")),
};

impl Rule for PanicInExternFn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let all = functions(cx.syntax);
        // `extern "C"` functions a `macro_rules!` of the file generates (openvpn-plugin's
        // `openvpn_plugin!`): their metavariables are what the macro's caller passes.
        let arms = macro_arms(cx.syntax, cx.source.text());
        let generated: Vec<(FnItem<'_>, &BTreeSet<String>)> = arms
            .iter()
            .flat_map(|arm| {
                functions(&arm.items)
                    .into_iter()
                    .map(move |f| (f, &arm.metavariables))
            })
            .collect();
        // Helpers of this file that run their closure under `catch_unwind` (`fn guard(..)`).
        let local_catchers: Vec<String> = all
            .iter()
            .chain(generated.iter().map(|(f, _)| f))
            .filter(|f| !f.is_extern() && crate::analysis::mentions(f.block, "catch_unwind"))
            .map(|f| f.sig.ident.to_string())
            .collect();
        let fields = ClosureFields::of(cx.syntax);
        let none = BTreeSet::new();
        let all = all.into_iter().map(|f| (f, &none));
        for (f, metavariables) in all.chain(generated) {
            let unwinds = f
                .sig
                .abi
                .as_ref()
                .and_then(|a| a.name.as_ref())
                .is_some_and(|n| n.value().ends_with("-unwind"));
            if !f.is_extern() || unwinds {
                continue;
            }
            let is_catcher_call = |segs: &[String]| {
                (segs.len() == 1 && local_catchers.contains(&segs[0])) || is_catcher(segs)
            };
            let mut v = PanicFinder {
                cx,
                out: &mut *out,
                local_catchers: &local_catchers,
                values: CallbackValues::of(&f, &fields),
                conditional: conditional_catcher::find(f.block, &is_catcher_call),
                metavariables,
            };
            v.visit_block(f.block);
        }
    }
}

struct PanicFinder<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
    local_catchers: &'c [String],
    /// Types and origins of the function's local names, to tell user closures apart.
    values: CallbackValues<'c>,
    /// The `cfg` of a panic catcher in this function that is compiled only under it.
    conditional: Option<String>,
    /// For a function a `macro_rules!` generates, the macro's metavariables: a call of one
    /// (`$open_fn(..)`) runs a function the macro's caller wrote.
    metavariables: &'c BTreeSet<String>,
}

const PANIC_MACROS: &[&str] = &[
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "assert",
    "assert_eq",
    "assert_ne",
];

/// Calls whose closure arguments run under a panic catcher.
fn is_catcher(segs: &[String]) -> bool {
    let Some(last) = segs.last() else {
        return false;
    };
    last.contains("catch_unwind")
        || last.contains("catch_panic")
        || matches!(
            last.as_str(),
            "abort_on_panic" | "guard" | "ffi_guard" | "catch"
        )
        || segs
            .iter()
            .rev()
            .skip(1)
            .any(|s| matches!(s.as_str(), "panic" | "export" | "trampoline"))
}

impl PanicFinder<'_, '_> {
    fn report(&mut self, span: proc_macro2::Span, what: &str) {
        let message =
            format!("{what} in an `extern \"C\"` function: a panic here aborts the process");
        self.push(span, message);
    }

    fn report_closure(&mut self, span: proc_macro2::Span, name: &str) {
        let message = format!(
            "call of the user-supplied closure `{name}` in an `extern \"C\"` function: a panic \
in it unwinds into the C frame and aborts the process"
        );
        self.push(span, message);
    }

    fn push(&mut self, span: proc_macro2::Span, mut message: String) {
        if let Some(cfg) = &self.conditional {
            message.push_str(&format!(
                "; the function's panic catcher is conditional (`#[{cfg}]`) and absent from \
builds where that is off"
            ));
        }
        let f = self
            .cx
            .finding(&META, span, message)
            .help("catch panics with `std::panic::catch_unwind` and return an error code");
        self.out.push(f);
    }

    fn mac(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if PANIC_MACROS.contains(&name.as_str()) {
            self.report(m.path.span(), &format!("`{name}!`"));
            return;
        }
        for e in macro_exprs(m) {
            self.visit_expr(&e);
        }
    }
}

impl<'ast> Visit<'ast> for PanicFinder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = segments(&p.path);
                    let local = segs.len() == 1 && self.local_catchers.contains(&segs[0]);
                    if local || is_catcher(&segs) {
                        return;
                    }
                }
                if let Some(name) = self.values.user_closure(&c.func) {
                    self.report_closure(c.func.span(), &name);
                } else if let syn::Expr::Path(p) = &*c.func
                    && let Some(name) = p.path.get_ident().map(ToString::to_string)
                    && self.metavariables.contains(&name)
                {
                    let message = format!(
                        "call of `${name}`, a function the macro's caller supplies, in an \
`extern \"C\"` function: a panic in it unwinds into the C frame and aborts the process"
                    );
                    self.push(c.func.span(), message);
                }
            }
            syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                self.report(m.method.span(), &format!("`.{}()`", m.method));
            }
            syn::Expr::Index(i) => self.report(i.bracket_token.span.join(), "indexing"),
            syn::Expr::Macro(m) => {
                self.mac(&m.mac);
                return;
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.mac(&m.mac);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
