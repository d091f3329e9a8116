//! FFI015 — a slice built from C's pointer without a null check.

use syn::spanned::Spanned;

use super::util::{
    assoc_call, functions, ident_name, is_raw_ptr, null_checked, peel, peel_casts, walk_exprs,
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
    docs: RuleDocs {
        what_it_does: "Flags `slice::from_raw_parts(p, n)` and `from_raw_parts_mut` where `p` is \
a raw-pointer parameter of a Rust `extern \"C\"` function (C called us with it), or a field read \
through a raw pointer (`(*s).data`), and the function never checks `p` for null. Pointers \
returned by foreign calls are FFI010's.",
        why_is_this_bad: "C passes `(NULL, 0)` for empty buffers all the time, but \
`from_raw_parts` requires a non-null, aligned pointer even for length zero: building the slice \
is already undefined behaviour. A length from C that is negative (cast to `usize`) or larger \
than the real buffer makes the slice reach into unrelated memory.",
        known_problems: "Whether the length is bounded is not checked (no data flow); only the \
pointer's null check is. A null check in a helper function is not seen. Most C APIs promise a \
non-null pointer in their callbacks (curl, most of libgit2); measured on curl and git2 about one \
match in ten was a plausible bug, hence the `info` level. Raise it in `ffiguard.toml` for code \
that takes buffers from unknown C.",
        example_bad: "extern \"C\" fn checksum(data: *const u8, len: usize) -> u32 {\n    \
let bytes = unsafe { std::slice::from_raw_parts(data, len) };\n    sum(bytes)\n}",
        example_good: "extern \"C\" fn checksum(data: *const u8, len: usize) -> u32 {\n    \
if data.is_null() || len > MAX_LEN {\n        return 0;\n    }\n    \
// SAFETY: non-null, and C passes len readable bytes.\n    \
let bytes = unsafe { std::slice::from_raw_parts(data, len) };\n    sum(bytes)\n}",
        fix: "Treat null as empty (`if p.is_null() { &[] }`) or as an error, bound the length, \
then build the slice; `ffiguard::ptr` has checked slice constructors that do all three.",
    },
};

impl Rule for UncheckedSliceFromC {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            let ptr_params: Vec<String> = f
                .params()
                .into_iter()
                .filter(|(_, t)| is_raw_ptr(t))
                .map(|(n, _)| n)
                .collect();
            walk_exprs(f.block, &mut |e| {
                let Some(ptr) = assoc_call(e, &["slice"], "from_raw_parts")
                    .or_else(|| assoc_call(e, &["slice"], "from_raw_parts_mut"))
                    .and_then(|a| a.first())
                else {
                    return;
                };
                let ptr = peel_casts(ptr);
                let from_c = match peel(ptr) {
                    syn::Expr::Field(field) => {
                        matches!(peel(&field.base), syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)))
                    }
                    p => f.is_extern() && ident_name(p).is_some_and(|n| ptr_params.contains(&n)),
                };
                if from_c && !null_checked(f.block, ptr) {
                    out.push(
                        cx.finding(&META, e.span(), format!("slice from `{}`, a pointer from C never checked for null", super::util::text(ptr)))
                            .help("treat null as empty or as an error and bound the length before building the slice"),
                    );
                }
            });
        }
    }
}
