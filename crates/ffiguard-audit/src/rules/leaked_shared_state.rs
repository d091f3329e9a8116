//! FFI008 — state whose pointer C holds is leaked instead of handed over.

use syn::spanned::Spanned;

use crate::analysis::{
    Locals, assoc_call, call_path, ends_with, functions, ident_name, mentions, peel, type_last,
    walk_exprs,
};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI008: see [`META`].
pub(crate) struct LeakedSharedState;

static META: RuleMeta = RuleMeta {
    id: "FFI008",
    name: "leaked-shared-state",
    summary: "`mem::forget`/`Box::leak`/`ManuallyDrop::new` on a value whose pointer was given to C",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI008.md")),
};

impl Rule for LeakedSharedState {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            let locals = Locals::of(&f);
            let mut given_to_c: Vec<&syn::ExprCall> = Vec::new();
            walk_exprs(f.block, &mut |e| {
                if cx.foreign_callee(e).is_some()
                    && let syn::Expr::Call(c) = e
                {
                    given_to_c.push(c);
                }
            });
            if given_to_c.is_empty() {
                continue;
            }
            walk_exprs(f.block, &mut |e| {
                let leaked = assoc_call(e, &["Box"], "leak")
                    .or_else(|| assoc_call(e, &["ManuallyDrop"], "new"))
                    .or_else(|| {
                        call_path(e)
                            .filter(|(segs, _)| {
                                ends_with(segs, &["mem", "forget"]) || segs == &["forget"]
                            })
                            .map(|(_, c)| &c.args)
                    });
                let Some(name) = leaked.and_then(|a| a.first()).and_then(ident_name) else {
                    return;
                };
                if rust_allocated(&locals, &name)
                    && given_to_c
                        .iter()
                        .any(|c| c.args.iter().any(|a| mentions(a, &name)))
                {
                    out.push(
                        cx.finding(&META, e.span(), format!("`{name}` is leaked to keep a pointer C holds alive"))
                            .help("hand ownership over with `Box::into_raw` and take it back in a destroy callback"),
                    );
                }
            });
        }
    }
}

/// Whether `name` is memory Rust allocated (`Box`, `Vec`, `String`, `CString`), by its
/// parameter type or its initializer. Forgetting a wrapper of a C object after passing it to
/// C is usually an ownership transfer (OpenSSL's `set0` functions), not a leak.
fn rust_allocated(locals: &Locals<'_>, name: &str) -> bool {
    const OWNERS: &[&str] = &["Box", "Vec", "String", "CString"];
    if let Some(ty) = locals.types.get(name) {
        return type_last(ty).is_some_and(|t| OWNERS.contains(&t.as_str()));
    }
    match locals.inits.get(name).map(|e| peel(e)) {
        Some(syn::Expr::Call(_)) => {
            let init = locals.inits.get(name).map(|e| peel(e));
            init.and_then(call_path).is_some_and(|(segs, _)| {
                segs.len() >= 2 && OWNERS.contains(&segs[segs.len() - 2].as_str())
            })
        }
        Some(syn::Expr::Macro(m)) => m.mac.path.is_ident("vec") || m.mac.path.is_ident("format"),
        _ => false,
    }
}
