//! FFI018 — `bool` in a foreign signature, and `c_char` assumed to be `i8`.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::analysis::{assoc_call, functions, peel, type_last, walk_exprs};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI018: see [`META`].
pub(crate) struct BoolCharAcrossBoundary;

static META: RuleMeta = RuleMeta {
    id: "FFI018",
    name: "bool-char-across-boundary",
    summary: "`bool` in an `extern` declaration, or a C string pointer cast to `*const i8`",
    default_level: Level::Warning,
    confidence: Confidence::Low,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI018.md")),
};

impl Rule for BoolCharAcrossBoundary {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        struct Decls<'c, 'a> {
            cx: &'c FileContext<'a>,
            out: &'c mut Vec<Finding>,
        }
        impl<'ast> Visit<'ast> for Decls<'_, '_> {
            fn visit_foreign_item_fn(&mut self, f: &'ast syn::ForeignItemFn) {
                let params = f.sig.inputs.iter().filter_map(|a| match a {
                    syn::FnArg::Typed(t) => Some(&*t.ty),
                    syn::FnArg::Receiver(_) => None,
                });
                let ret = match &f.sig.output {
                    syn::ReturnType::Type(_, t) => Some(&**t),
                    syn::ReturnType::Default => None,
                };
                for ty in params.chain(ret) {
                    if matches!(ty, syn::Type::Path(p) if p.path.is_ident("bool")) {
                        let f = self
                            .cx
                            .finding(&META, ty.span(), format!("`bool` in the declaration of `{}`: correct only if C declares `_Bool`", f.sig.ident))
                            .help("if C uses `int`, declare `c_int` and compare with 0");
                        self.out.push(f);
                    }
                }
            }
        }
        Decls { cx, out: &mut *out }.visit_file(cx.syntax);

        for f in functions(cx.syntax) {
            walk_exprs(f.block, &mut |e| {
                let args: Vec<&syn::Expr> = if cx.foreign_callee(e).is_some() {
                    match e {
                        syn::Expr::Call(c) => c.args.iter().collect(),
                        _ => Vec::new(),
                    }
                } else {
                    assoc_call(e, &["CStr"], "from_ptr")
                        .map(|a| a.iter().collect())
                        .unwrap_or_default()
                };
                for a in args {
                    if let syn::Expr::Cast(c) = peel(a)
                        && let syn::Type::Ptr(p) = &*c.ty
                        && type_last(&p.elem).as_deref() == Some("i8")
                    {
                        out.push(
                            cx.finding(&META, c.ty.span(), "C string pointer cast to `i8`: `c_char` is `u8` on ARM and other targets")
                                .help("use `c_char` (`*const c_char`), or `.cast()`"),
                        );
                    }
                }
            });
        }
    }
}
