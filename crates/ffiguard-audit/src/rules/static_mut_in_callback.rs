//! FFI004 — `static mut` used from code C can call.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::analysis::{functions, segments};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI004: see [`META`].
pub(crate) struct StaticMutInCallback;

static META: RuleMeta = RuleMeta {
    id: "FFI004",
    name: "static-mut-in-callback",
    summary: "a `static mut` is read or written from an `extern \"C\"` function or a callback closure",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI004.md")),
};

impl Rule for StaticMutInCallback {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        // This file's own, and (through the model) every other file's.
        let statics = static_muts(cx.syntax);
        if statics.is_empty() && !cx.model.has_static_mut() {
            return;
        }
        for f in functions(cx.syntax) {
            let mut locals = HashSet::new();
            let mut finder = Finder {
                cx,
                out: &mut *out,
                statics: &statics,
                locals: &mut locals,
                in_callback: f.is_extern(),
            };
            if f.is_extern() {
                finder.collect_locals(f.block);
            }
            finder.visit_block(f.block);
        }
    }
}

fn static_muts(file: &syn::File) -> HashSet<String> {
    struct S(HashSet<String>);
    impl Visit<'_> for S {
        fn visit_item_static(&mut self, i: &syn::ItemStatic) {
            if matches!(i.mutability, syn::StaticMutability::Mut(_)) {
                self.0.insert(i.ident.to_string());
            }
        }
    }
    let mut s = S(HashSet::new());
    s.visit_file(file);
    s.0
}

struct Finder<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
    statics: &'c HashSet<String>,
    locals: &'c mut HashSet<String>,
    in_callback: bool,
}

const ONE_TIME_INIT: &[&str] = &[
    "call_once",
    "call_once_force",
    "get_or_init",
    "get_or_try_init",
];

impl Finder<'_, '_> {
    fn collect_locals(&mut self, block: &syn::Block) {
        struct L<'l>(&'l mut HashSet<String>);
        impl Visit<'_> for L<'_> {
            fn visit_pat_ident(&mut self, p: &syn::PatIdent) {
                self.0.insert(p.ident.to_string());
            }
        }
        L(self.locals).visit_block(block);
    }

    fn closure_args(&mut self, args: &syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>) {
        for a in args {
            if let syn::Expr::Closure(c) = a {
                let saved = std::mem::replace(&mut self.in_callback, true);
                self.visit_expr(&c.body);
                self.in_callback = saved;
            } else {
                self.visit_expr(a);
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Path(p)
                if self.in_callback && p.qself.is_none() && p.path.segments.len() == 1 =>
            {
                let name = p.path.segments[0].ident.to_string();
                let is_static = self.statics.contains(&name) || self.cx.model.is_static_mut(&name);
                if is_static && !self.locals.contains(&name) {
                    let f = self
                        .cx
                        .finding(
                            &META,
                            p.span(),
                            format!("`static mut {name}` used from code C can call"),
                        )
                        .help("use an atomic, a lock, or the callback's user-data pointer");
                    self.out.push(f);
                }
                return;
            }
            syn::Expr::Call(c) if !self.in_callback => {
                let one_time = matches!(&*c.func, syn::Expr::Path(p)
                    if segments(&p.path).last().is_some_and(|l| ONE_TIME_INIT.contains(&l.as_str())));
                if !one_time {
                    self.visit_expr(&c.func);
                    self.closure_args(&c.args);
                    return;
                }
            }
            syn::Expr::MethodCall(m) if !self.in_callback => {
                self.visit_expr(&m.receiver);
                if !ONE_TIME_INIT.contains(&m.method.to_string().as_str()) {
                    self.closure_args(&m.args);
                }
                return;
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
