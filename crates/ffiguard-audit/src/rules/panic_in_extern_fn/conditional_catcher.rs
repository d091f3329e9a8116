//! Panic catchers that exist only in some builds: a statement or expression under
//! `#[cfg(..)]` (or an `if cfg!(..)` branch) that calls `catch_unwind`. When the `cfg` is off
//! (`debug_assertions` in release builds) the catcher is gone and whatever else the function
//! runs in its place is unprotected.

use syn::visit::{self, Visit};

use crate::analysis::{macro_exprs, segments, text, walk_expr};

/// The first `cfg` predicate (`cfg(debug_assertions)`) under which `block` calls a panic
/// catcher, as judged by `is_catcher` on the call's path.
pub(super) fn find(block: &syn::Block, is_catcher: &dyn Fn(&[String]) -> bool) -> Option<String> {
    let mut v = Finder {
        is_catcher,
        found: None,
    };
    v.visit_block(block);
    v.found
}

struct Finder<'f> {
    is_catcher: &'f dyn Fn(&[String]) -> bool,
    found: Option<String>,
}

impl Finder<'_> {
    fn catches(&self, e: &syn::Expr) -> bool {
        let mut hit = false;
        walk_expr(e, &mut |x| {
            if let syn::Expr::Call(c) = x
                && let syn::Expr::Path(p) = &*c.func
                && (self.is_catcher)(&segments(&p.path))
            {
                hit = true;
            }
        });
        hit
    }

    fn check(&mut self, attrs: &[syn::Attribute], body: &syn::Expr) {
        if self.found.is_some() {
            return;
        }
        let Some(cfg) = attrs.iter().find(|a| a.path().is_ident("cfg")) else {
            return;
        };
        if self.catches(body) {
            self.found = Some(text(&cfg.meta));
        }
    }
}

/// The outer attributes of the expressions that carry a `cfg` in practice.
fn attrs(e: &syn::Expr) -> &[syn::Attribute] {
    match e {
        syn::Expr::Block(b) => &b.attrs,
        syn::Expr::Unsafe(u) => &u.attrs,
        syn::Expr::Call(c) => &c.attrs,
        syn::Expr::MethodCall(m) => &m.attrs,
        syn::Expr::Match(m) => &m.attrs,
        syn::Expr::If(i) => &i.attrs,
        syn::Expr::Assign(a) => &a.attrs,
        syn::Expr::Return(r) => &r.attrs,
        _ => &[],
    }
}

impl<'a> Visit<'a> for Finder<'_> {
    fn visit_local(&mut self, l: &'a syn::Local) {
        if let Some(init) = &l.init {
            self.check(&l.attrs, &init.expr);
        }
        visit::visit_local(self, l);
    }
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        self.check(attrs(e), e);
        // `if cfg!(debug_assertions) { catch_unwind(..) } else { .. }`
        if self.found.is_none()
            && let syn::Expr::If(i) = e
            && let syn::Expr::Macro(m) = &*i.cond
            && m.mac.path.is_ident("cfg")
        {
            let then = syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: i.then_branch.clone(),
            });
            if self.catches(&then) {
                let predicate = macro_exprs(&m.mac)
                    .first()
                    .map_or_else(|| text(&m.mac.tokens), text);
                self.found = Some(format!("cfg({predicate})"));
            }
        }
        visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}
