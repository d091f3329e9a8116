//! FFI010 — a pointer returned by C is used without a null check.

use syn::spanned::Spanned;

use super::util::{
    Locals, assoc_call, functions, ident_name, method_receiver, null_checked, peel, peel_casts,
    text_is_ptr, walk_exprs,
};
use crate::{Callee, Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI010: see [`META`].
pub(crate) struct UncheckedForeignPointer;

static META: RuleMeta = RuleMeta {
    id: "FFI010",
    name: "unchecked-foreign-pointer",
    summary: "a pointer returned by a foreign call is dereferenced, sliced or read as a C string without a null check",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Tracks pointers returned by foreign functions declared in the crate to \
return a raw pointer, directly or through a `let` binding, and flags their use without a null \
check anywhere in the function: `*p`, `(*p).field`, `&*p`, `CStr::from_ptr(p)`, \
`slice::from_raw_parts(p, ..)`, `p.read()`, and `p.as_ref().unwrap()` / `.expect(..)`.",
        why_is_this_bad: "C functions return NULL for \"not found\", \"out of memory\" and \
errors. Dereferencing it is undefined behaviour (usually a crash); `as_ref().unwrap()` turns \
it into a panic, which is an abort if it happens in a callback.",
        known_problems: "Functions documented never to return NULL (`sqlite3_errmsg`, \
`zlibVersion`) are reported; suppress with the documentation as the reason. Version-string \
getters and errno accessors (name contains `version` or `errno`) are exempt. Calls through a \
bindings crate (`ffi::x()`) are not checked: their return type is not visible. A check in a helper function is not seen, and any \
check on the same name anywhere in the function counts, even on another path.",
        example_bad: "let e = unsafe { find_entry(key) };\nlet id = unsafe { (*e).id };",
        example_good: "let e = unsafe { find_entry(key) };\nif e.is_null() {\n    return None;\n}\n\
// SAFETY: e is non-null and points to a live entry.\nlet id = unsafe { (*e).id };",
        fix: "Check with `is_null()` or `NonNull::new(p)` and turn null into the API's error \
(`ffiguard::ptr` has checked constructors), or match on `p.as_ref()`.",
    },
};

impl Rule for UncheckedForeignPointer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            let locals = Locals::of(&f);
            let from_c = |e: &syn::Expr| -> Option<String> {
                let mut e = peel_casts(e);
                let mut bound = None;
                if let Some(name) = ident_name(e) {
                    if locals
                        .types
                        .get(&name)
                        .is_some_and(|t| !super::util::is_raw_ptr(t))
                    {
                        return None;
                    }
                    e = locals.init_of(&name)?;
                    bound = Some(name);
                }
                // Only crate declarations: through a bindings crate (`ffi::x()`) the return type
                // is unknown, and measured on real crates those calls were mostly getters of
                // static strings that never return NULL.
                let Some(Callee::Declared(decl)) = cx.foreign_callee(e) else {
                    return None;
                };
                if !decl.ret.as_deref().is_some_and(text_is_ptr) {
                    return None;
                }
                let callee = decl.name.clone();
                let lower = callee.to_ascii_lowercase();
                if lower.contains("version") || lower.contains("errno") {
                    return None;
                }
                if let Some(name) = &bound {
                    let var: syn::Expr = syn::parse_str(name).ok()?;
                    if null_checked(f.block, &var) {
                        return None;
                    }
                }
                Some(callee)
            };
            walk_exprs(f.block, &mut |e| {
                let used = match e {
                    syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => from_c(&u.expr),
                    syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                        method_receiver(peel(&m.receiver), "as_ref")
                            .or_else(|| method_receiver(peel(&m.receiver), "as_mut"))
                            .and_then(&from_c)
                    }
                    syn::Expr::MethodCall(m) if m.method == "read" && m.args.is_empty() => {
                        from_c(&m.receiver)
                    }
                    _ => assoc_call(e, &["CStr"], "from_ptr")
                        .or_else(|| assoc_call(e, &["slice"], "from_raw_parts"))
                        .or_else(|| assoc_call(e, &["slice"], "from_raw_parts_mut"))
                        .and_then(|a| a.first())
                        .and_then(&from_c),
                };
                if let Some(callee) = used {
                    out.push(
                        cx.finding(
                            &META,
                            e.span(),
                            format!("pointer returned by `{callee}` used without a null check"),
                        )
                        .help("check with `is_null()`/`NonNull::new` and return an error"),
                    );
                }
            });
        }
    }
}
