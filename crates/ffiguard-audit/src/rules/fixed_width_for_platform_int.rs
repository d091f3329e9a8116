//! FFI019 — a fixed-width integer where the C side is probably platform-sized.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::analysis::{is_bindgen_output, type_last};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI019: see [`META`].
pub(crate) struct FixedWidthForPlatformInt;

static META: RuleMeta = RuleMeta {
    id: "FFI019",
    name: "fixed-width-for-platform-int",
    summary: "`u32`/`i32`/`u64`/`i64` for a length or size where C likely uses `size_t`",
    default_level: Level::Info,
    confidence: Confidence::Low,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI019.md")),
};

fn size_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "len"
            | "size"
            | "length"
            | "count"
            | "nbytes"
            | "nmemb"
            | "capacity"
            | "cap"
            | "bufsize"
            | "buflen"
    ) || n.ends_with("_len")
        || n.ends_with("_size")
        || n.starts_with("len_")
        || n.starts_with("size_")
}

fn fixed_width(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.len() == 1)
        && matches!(
            type_last(ty).as_deref(),
            Some("u32" | "i32" | "u64" | "i64")
        )
}

impl Rule for FixedWidthForPlatformInt {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        if is_bindgen_output(cx.source.text()) {
            return;
        }
        struct V<'c, 'a> {
            cx: &'c FileContext<'a>,
            out: &'c mut Vec<Finding>,
        }
        impl V<'_, '_> {
            fn check(&mut self, name: &str, ty: &syn::Type) {
                if size_like(name) && fixed_width(ty) {
                    let f = self
                        .cx
                        .finding(
                            &META,
                            ty.span(),
                            format!(
                                "`{name}: {}` is fixed-width; C sizes are usually `size_t`",
                                crate::analysis::text(ty)
                            ),
                        )
                        .help("use `usize` for `size_t` and `c_long`/`c_ulong` for `long`");
                    self.out.push(f);
                }
            }
        }
        impl<'ast> Visit<'ast> for V<'_, '_> {
            fn visit_foreign_item_fn(&mut self, f: &'ast syn::ForeignItemFn) {
                for arg in &f.sig.inputs {
                    if let syn::FnArg::Typed(t) = arg
                        && let syn::Pat::Ident(p) = &*t.pat
                    {
                        self.check(&p.ident.to_string(), &t.ty);
                    }
                }
            }
            fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
                let repr_c = s
                    .attrs
                    .iter()
                    .any(|a| a.path().is_ident("repr") && crate::analysis::mentions(&a.meta, "C"));
                if repr_c {
                    for field in &s.fields {
                        if let Some(id) = &field.ident {
                            self.check(&id.to_string(), &field.ty);
                        }
                    }
                }
            }
        }
        V { cx, out }.visit_file(cx.syntax);
    }
}
