//! FFI010 — a pointer returned by C is used without a null check.

use syn::spanned::Spanned;

use crate::analysis::bindings_use::{BindingsUse, bound_names};
use crate::analysis::{
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
return a raw pointer, or imported by name or glob from a bindings module (`use ffi::*;`, whose \
declarations may be generated at build time), directly or through a `let` binding, and flags \
their use as a pointer without a null check anywhere in the function: `*p`, `(*p).field`, `&*p`, `CStr::from_ptr(p)`, \
`slice::from_raw_parts(p, ..)`, `p.read()`, and `p.as_ref().unwrap()` / `.expect(..)`.",
        why_is_this_bad: "C functions return NULL for \"not found\", \"out of memory\" and \
errors. Dereferencing it is undefined behaviour (usually a crash); `as_ref().unwrap()` turns \
it into a panic, which is an abort if it happens in a callback.",
        known_problems: "Functions documented never to return NULL are reported unless their \
name says what they return: getters of versions, licences and build configuration, errno \
accessors and error-message getters (name contains `version`, `license`, `configuration`, \
`errno`, `errmsg`, `error_message` or `error_desc`) are exempt (not `strerror`: PulseAudio's \
`pa_strerror` returns NULL for an unknown code); suppress the others \
with the documentation as the reason. Calls through a bindings crate by path (`ffi::x()`) are \
not checked, as measured on real crates those were mostly getters of static strings; bare names \
imported from one (`use ffi::*;`) are, because crates with bindings generated at build time \
call C that way. A call through a local bound to a struct's function-pointer field \
(`let f = api.get().field.unwrap(); f(..)`) counts as C's; the field's type is not checked. \
A check in a helper function is not seen, and any check on the same name \
anywhere in the function counts, even on another path.",
        example_bad: "let e = unsafe { find_entry(key) };\nlet id = unsafe { (*e).id };",
        example_good: "let e = unsafe { find_entry(key) };\nif e.is_null() {\n    return None;\n}\n\
// SAFETY: e is non-null and points to a live entry.\nlet id = unsafe { (*e).id };",
        fix: "Check with `is_null()` or `NonNull::new(p)` and turn null into the API's error \
(`ffiguard::ptr` has checked constructors), or match on `p.as_ref()`.",
    },
};

/// A call through a local bound to a struct's function-pointer field, taken out of its
/// `Option` (weechat: `let get_string = weechat.get().nicklist_nick_get_string.unwrap();`
/// then `get_string(..)`): the name of the field. Plugin APIs hand C functions over this way.
fn fn_pointer_field_callee(e: &syn::Expr, locals: &Locals<'_>) -> Option<String> {
    let syn::Expr::Call(call) = e else {
        return None;
    };
    let local = ident_name(&call.func)?;
    let syn::Expr::MethodCall(m) = peel(locals.init_of(&local)?) else {
        return None;
    };
    if m.method != "unwrap" && m.method != "expect" {
        return None;
    }
    let syn::Expr::Field(f) = peel(&m.receiver) else {
        return None;
    };
    let syn::Member::Named(field) = &f.member else {
        return None;
    };
    // `self.callback.unwrap()` is the crate's own value more often than C's.
    let of_self = matches!(peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"));
    (!of_self).then(|| field.to_string())
}

impl Rule for UncheckedForeignPointer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let bindings = BindingsUse::of(cx.syntax);
        for f in functions(cx.syntax) {
            let locals = Locals::of(&f);
            // A bare callee bound in the function (a parameter, `let`, `if let Some(f) = ..`,
            // closure argument) is a value, not the glob-imported C function of that name.
            let bound_here = bound_names(&f);
            let imported_callee = |e: &syn::Expr| -> Option<String> {
                let syn::Expr::Call(call) = e else {
                    return None;
                };
                let syn::Expr::Path(p) = &*call.func else {
                    return None;
                };
                let name = p.path.get_ident()?.to_string();
                (bindings.provides(&p.path) && !bound_here.contains(&name)).then_some(name)
            };
            let from_c = |e: &syn::Expr| -> Option<String> {
                let mut e = peel_casts(e);
                let mut bound = None;
                if let Some(name) = ident_name(e) {
                    if locals
                        .types
                        .get(&name)
                        .is_some_and(|t| !crate::analysis::is_raw_ptr(t))
                    {
                        return None;
                    }
                    e = locals.init_of(&name)?;
                    bound = Some(name);
                }
                // Crate declarations, and bare names imported from a bindings module
                // (`use ffi::*;`), whose declarations may be generated at build time; their use
                // as a pointer here says they return one. Not paths through a bindings crate
                // (`ffi::x()`): measured on real crates those calls were mostly getters of
                // static strings that never return NULL.
                let callee = match cx.foreign_callee(e) {
                    Some(Callee::Declared(decl)) => {
                        if !decl.ret.as_deref().is_some_and(text_is_ptr) {
                            return None;
                        }
                        decl.name.clone()
                    }
                    Some(Callee::BindingModule) => return None,
                    None => imported_callee(e).or_else(|| fn_pointer_field_callee(e, &locals))?,
                };
                let lower = callee.to_ascii_lowercase().replace('_', "");
                // Getters of build information and of error messages return static or
                // per-handle strings, never NULL (`zlibVersion`, `avcodec_license`,
                // `avutil_configuration`, `sqlite3_errmsg`, `PQerrorMessage`, `cass_error_desc`).
                let never_null = [
                    "version",
                    "errno",
                    "license",
                    "licence",
                    "configuration",
                    "errmsg",
                    "errormessage",
                    "errordesc",
                ];
                if never_null.iter().any(|w| lower.contains(w)) {
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
