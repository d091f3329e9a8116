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
    docs: RuleDocs::from_markdown(include_str!("docs/FFI010.md")),
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
