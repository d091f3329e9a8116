//! Walking function bodies: every expression (outermost first), and the expressions inside
//! macro arguments, which `syn` leaves as tokens.

use proc_macro2::TokenStream;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// Calls `f` on every expression under `node`, outermost first. Macro arguments are not
/// visited (they are parsed into owned trees that cannot be lent out for `'a`): rules that
/// look into macros use [`macro_exprs`]. Nested items (`fn` inside a body) are skipped: they
/// are visited as functions of their own.
pub(crate) fn walk_exprs<'a>(node: &'a syn::Block, f: &mut dyn FnMut(&'a syn::Expr)) {
    ExprWalker { f }.visit_block(node);
}

/// Like [`walk_exprs`] for a single expression.
pub(crate) fn walk_expr<'a>(node: &'a syn::Expr, f: &mut dyn FnMut(&'a syn::Expr)) {
    ExprWalker { f }.visit_expr(node);
}

struct ExprWalker<'f, 'a> {
    f: &'f mut dyn FnMut(&'a syn::Expr),
}

impl<'a> Visit<'a> for ExprWalker<'_, 'a> {
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        (self.f)(e);
        visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
    fn visit_macro(&mut self, _: &'a syn::Macro) {
        // Macro arguments are parsed into owned trees, which cannot be lent out for 'a;
        // rules that look into macros use `macro_exprs`.
    }
}

/// The arguments of a macro call when they parse as expressions (`a, b, c` or `x; n`).
pub(crate) fn macro_exprs(mac: &syn::Macro) -> Vec<syn::Expr> {
    let parsed = mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
    if let Ok(list) = parsed {
        return list.into_iter().collect();
    }
    let tokens = &mac.tokens;
    let bracketed: TokenStream = quote::quote!([#tokens]);
    syn::parse2::<syn::Expr>(bracketed)
        .map(|e| vec![e])
        .unwrap_or_default()
}

/// Every macro invocation under `block` (expression or statement position), with its last
/// path segment.
pub(crate) fn macros_in(block: &syn::Block) -> Vec<(String, &syn::Macro)> {
    struct M<'a>(Vec<(String, &'a syn::Macro)>);
    impl<'a> Visit<'a> for M<'a> {
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if let Some(last) = m.path.segments.last() {
                self.0.push((last.ident.to_string(), m));
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut m = M(Vec::new());
    m.visit_block(block);
    m.0
}
