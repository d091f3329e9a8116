//! FFI015 — a slice built from C's pointer without a null check.

use std::collections::BTreeSet;

use syn::spanned::Spanned;

use crate::analysis::bindings_use::BindingsUse;
use crate::analysis::c_places::{c_struct_of_field, out_parameters, zero_length_checked};
use crate::analysis::{
    Locals, assoc_call, functions, ident_name, is_raw_ptr, null_checked, peel, peel_casts,
    walk_exprs,
};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI015: see [`META`].
pub(crate) struct UncheckedSliceFromC;

static META: RuleMeta = RuleMeta {
    id: "FFI015",
    name: "unchecked-slice-from-c",
    summary: "`slice::from_raw_parts` on a pointer from C that is never checked for null",
    default_level: Level::Info,
    confidence: Confidence::Low,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI015.md")),
};

impl Rule for UncheckedSliceFromC {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let bindings = BindingsUse::of(cx.syntax);
        for f in functions(cx.syntax) {
            let ptr_params: Vec<String> = f
                .params()
                .into_iter()
                .filter(|(_, t)| is_raw_ptr(t))
                .map(|(n, _)| n)
                .collect();
            let mut facts: Option<(Locals<'_>, BTreeSet<String>)> = None;
            walk_exprs(f.block, &mut |e| {
                let Some(args) = assoc_call(e, &["slice"], "from_raw_parts")
                    .or_else(|| assoc_call(e, &["slice"], "from_raw_parts_mut"))
                else {
                    return;
                };
                let Some(ptr) = args.first() else { return };
                let ptr = peel_casts(ptr);
                // Most functions build no slice: what the function binds is read on the first.
                let (locals, written) = facts
                    .get_or_insert_with(|| (Locals::of(&f), out_parameters(cx, &bindings, &f)));
                let origin = match peel(ptr) {
                    syn::Expr::Field(field) => {
                        let base = peel(&field.base);
                        if matches!(base, syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)))
                        {
                            Some("a pointer from C".to_owned())
                        } else if ident_name(base).is_some_and(|n| written.contains(&n)) {
                            Some("a field of a struct C filled in".to_owned())
                        } else {
                            c_struct_of_field(cx, &bindings, &f, locals, field)
                                .map(|s| format!("a field of C's struct `{s}`"))
                        }
                    }
                    p => match ident_name(p).or_else(|| assumed_init(p)) {
                        Some(n) if f.is_extern() && ptr_params.contains(&n) => {
                            Some("a pointer from C".to_owned())
                        }
                        Some(n) if written.contains(&n) => {
                            Some("a pointer C wrote through an out-parameter and".to_owned())
                        }
                        _ => None,
                    },
                };
                let Some(origin) = origin else { return };
                let empty_case_apart = args
                    .iter()
                    .nth(1)
                    .is_some_and(|len| zero_length_checked(f.block, len));
                if !null_checked(f.block, ptr) && !empty_case_apart {
                    out.push(
                        cx.finding(
                            &META,
                            e.span(),
                            format!(
                                "slice from `{}`, {origin} never checked for null",
                                crate::analysis::text(ptr)
                            ),
                        )
                        .help(
                            "treat null as empty or as an error and bound the length before \
building the slice",
                        ),
                    );
                }
            });
        }
    }
}

/// `x` for `x.assume_init()`: the value C wrote into a `MaybeUninit` out-parameter.
fn assumed_init(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::MethodCall(m) if m.method == "assume_init" && m.args.is_empty() => {
            ident_name(&m.receiver)
        }
        _ => None,
    }
}
