//! The types and initializers syntax shows for the local names of one function.

use std::collections::HashMap;

use syn::visit::{self, Visit};

use super::{FnItem, peel_casts};

/// What syntax tells about the types of local names in one function: parameters and
/// `let x: T` bindings, plus the initializer of every `let x = ..` (last one wins).
#[derive(Default)]
pub(crate) struct Locals<'a> {
    pub(crate) types: HashMap<String, &'a syn::Type>,
    pub(crate) inits: HashMap<String, &'a syn::Expr>,
}

impl<'a> Locals<'a> {
    /// Collects parameters and `let` bindings of `f`.
    pub(crate) fn of(f: &FnItem<'a>) -> Self {
        let mut l = Locals::default();
        for (name, ty) in f.params() {
            l.types.insert(name, ty);
        }
        l.add_block(f.block);
        l
    }

    /// Forgets what is known about every name `pat` binds: the name now means something else.
    fn shadow(&mut self, pat: &syn::Pat) {
        struct Names<'l, 'a>(&'l mut Locals<'a>);
        impl Visit<'_> for Names<'_, '_> {
            fn visit_pat_ident(&mut self, id: &syn::PatIdent) {
                let name = id.ident.to_string();
                self.0.types.remove(&name);
                self.0.inits.remove(&name);
                visit::visit_pat_ident(self, id);
            }
            // Paths and expressions inside a pattern (`Kind::A`, `1..=N`) bind nothing.
            fn visit_expr(&mut self, _: &syn::Expr) {}
        }
        Names(self).visit_pat(pat);
    }

    /// Collects `let` bindings under `block` (closures included). Names bound by other
    /// patterns (`match` arms, `if let`/`while let`, `for`, closure parameters, destructuring
    /// `let`) shadow what was known about them.
    pub(crate) fn add_block(&mut self, block: &'a syn::Block) {
        struct L<'l, 'a>(&'l mut Locals<'a>);
        impl<'a> Visit<'a> for L<'_, 'a> {
            fn visit_arm(&mut self, arm: &'a syn::Arm) {
                self.0.shadow(&arm.pat);
                visit::visit_arm(self, arm);
            }
            fn visit_expr_let(&mut self, e: &'a syn::ExprLet) {
                self.0.shadow(&e.pat);
                visit::visit_expr_let(self, e);
            }
            fn visit_expr_for_loop(&mut self, e: &'a syn::ExprForLoop) {
                self.0.shadow(&e.pat);
                visit::visit_expr_for_loop(self, e);
            }
            fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
                for input in &c.inputs {
                    match input {
                        syn::Pat::Type(t) if matches!(&*t.pat, syn::Pat::Ident(_)) => {
                            self.0.shadow(&t.pat);
                            if let syn::Pat::Ident(id) = &*t.pat {
                                self.0.types.insert(id.ident.to_string(), &t.ty);
                            }
                        }
                        p => self.0.shadow(p),
                    }
                }
                visit::visit_expr_closure(self, c);
            }
            fn visit_local(&mut self, local: &'a syn::Local) {
                let (pat, ty) = match &local.pat {
                    syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
                    p => (p, None),
                };
                if !matches!(pat, syn::Pat::Ident(id) if id.subpat.is_none()) {
                    self.0.shadow(pat);
                }
                if let syn::Pat::Ident(id) = pat {
                    let name = id.ident.to_string();
                    // A later `let` without a type shadows what an earlier binding said.
                    match ty {
                        Some(ty) => self.0.types.insert(name.clone(), ty),
                        None => self.0.types.remove(&name),
                    };
                    if let Some(init) = &local.init {
                        self.0.inits.insert(name, &init.expr);
                    }
                }
                visit::visit_local(self, local);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        L(self).visit_block(block);
    }

    /// The initializer of `name` with parentheses, casts and `unsafe {}` peeled.
    pub(crate) fn init_of(&self, name: &str) -> Option<&'a syn::Expr> {
        self.inits.get(name).map(|e| peel_casts(e))
    }
}
