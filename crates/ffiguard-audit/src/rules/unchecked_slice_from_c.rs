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
    docs: RuleDocs {
        what_it_does: "Flags `slice::from_raw_parts(p, n)` and `from_raw_parts_mut` where `p` \
came from C and the function never checks `p` for null: a raw-pointer parameter of a Rust \
`extern \"C\"` function (C called us with it); a local that a foreign call wrote through an \
out-parameter (`clang_tokenize(tu, range, &mut raw, &mut count)`, or `raw.as_mut_ptr()` on a \
`MaybeUninit`); a field read through a raw pointer (`(*s).data`); or a field of a struct laid \
out for C: a `#[repr(C)]` struct or union of the crate, a type named through a bindings module \
(`ffi::Buffer`, `Identity::SecBuffer` imported from `windows_sys`), or a struct a foreign call \
filled in. A function that compares the length with zero (`if n == 0`, `n > 0`, \
`n.is_empty()`) handles the empty case, the one C leaves NULL, and is not reported. Pointers \
returned by foreign calls are FFI010's.",
        why_is_this_bad: "C passes `(NULL, 0)` for empty buffers all the time, and leaves an \
out-pointer or a struct's pointer field NULL when it has nothing to give (an empty token list, \
an empty security buffer, a struct without members), but `from_raw_parts` requires a \
non-null, aligned pointer even for length zero: building the slice is already undefined \
behaviour. A length from C that is negative (cast to `usize`) or larger than the real buffer \
makes the slice reach into unrelated memory.",
        known_problems: "Whether the length is bounded is not checked (no data flow); only the \
pointer's null check, or a zero check of the length, is. A check in a helper function is not \
seen. A place's type is known only where the function writes it (a parameter, `let v: T`, `let \
v = &*p` with `p: *const T`, `self`, and fields of the crate's own types); a struct whose type \
is not written is not followed. A foreign call whose status the function looks at (`if \
f(&mut p, &mut n) == 0`, `f(..)?`, `let ret = f(..); if ret != 0 {..}`) is trusted to fill its \
out-parameters when it succeeds. Most C APIs promise a non-null pointer in their callbacks and \
for non-empty results (curl, most of libgit2); measured on curl and git2 about one match in \
ten was a plausible bug, hence the `info` level. Raise it in `ffiguard.toml` for code that \
takes buffers from unknown C.",
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
