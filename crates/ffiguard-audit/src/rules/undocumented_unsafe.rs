//! FFI017 — `unsafe` in FFI code without a written justification.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI017: see [`META`].
pub(crate) struct UndocumentedUnsafe;

static META: RuleMeta = RuleMeta {
    id: "FFI017",
    name: "undocumented-unsafe",
    summary: "an `unsafe` block without `// SAFETY:`, or an `unsafe fn` without `# Safety`, in FFI code",
    // Info by default: on real crates it was 86–91 % of all findings, and clippy's
    // `undocumented_unsafe_blocks` covers the same ground; teams that want it as a gate raise it
    // (see `known_problems`).
    default_level: Level::Info,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI017.md")),
};

impl Rule for UndocumentedUnsafe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        if crate::analysis::is_bindgen_output(cx.source.text()) || !is_ffi_code(cx) {
            return;
        }
        let mut v = V {
            cx,
            out,
            in_trait_impl: false,
        };
        v.visit_file(cx.syntax);
    }
}

fn is_ffi_code(cx: &FileContext<'_>) -> bool {
    struct F<'c, 'a> {
        cx: &'c FileContext<'a>,
        found: bool,
    }
    impl<'ast> Visit<'ast> for F<'_, '_> {
        fn visit_item_foreign_mod(&mut self, _: &'ast syn::ItemForeignMod) {
            self.found = true;
        }
        fn visit_type_ptr(&mut self, _: &'ast syn::TypePtr) {
            self.found = true;
        }
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if self.found {
                return;
            }
            if self.cx.foreign_callee(e).is_some() {
                self.found = true;
                return;
            }
            visit::visit_expr(self, e);
        }
    }
    let mut f = F { cx, found: false };
    f.visit_file(cx.syntax);
    f.found
}

struct V<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
    in_trait_impl: bool,
}

impl V<'_, '_> {
    fn unsafe_fn(&mut self, sig: &syn::Signature, attrs: &[syn::Attribute]) {
        let Some(unsafety) = &sig.unsafety else {
            return;
        };
        if self.in_trait_impl {
            return;
        }
        let documented = attrs.iter().any(|a| {
            a.path().is_ident("doc")
                && crate::analysis::text(&a.meta)
                    .to_ascii_lowercase()
                    .contains("# safety")
        });
        if !documented {
            let f = self
                .cx
                .finding(
                    &META,
                    unsafety.span(),
                    format!("`unsafe fn {}` has no `# Safety` section", sig.ident),
                )
                .help("document what callers must guarantee under a `# Safety` heading");
            self.out.push(f);
        }
    }
}

impl<'ast> Visit<'ast> for V<'_, '_> {
    fn visit_expr_unsafe(&mut self, u: &'ast syn::ExprUnsafe) {
        if !self.cx.has_safety_comment(u.unsafe_token.span) {
            let f = self
                .cx
                .finding(
                    &META,
                    u.unsafe_token.span,
                    "`unsafe` block without a `// SAFETY:` comment",
                )
                .help("name each precondition above the block and why it holds here");
            self.out.push(f);
        }
        visit::visit_expr_unsafe(self, u);
    }
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.unsafe_fn(&i.sig, &i.attrs);
        let saved = std::mem::replace(&mut self.in_trait_impl, false);
        visit::visit_item_fn(self, i);
        self.in_trait_impl = saved;
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let saved = std::mem::replace(&mut self.in_trait_impl, i.trait_.is_some());
        visit::visit_item_impl(self, i);
        self.in_trait_impl = saved;
    }
    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        self.unsafe_fn(&i.sig, &i.attrs);
        let saved = std::mem::replace(&mut self.in_trait_impl, false);
        visit::visit_impl_item_fn(self, i);
        self.in_trait_impl = saved;
    }
    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        self.unsafe_fn(&i.sig, &i.attrs);
        visit::visit_trait_item_fn(self, i);
    }
}
