//! Reading expressions without type inference: peeling wrappers and casts, naming paths and
//! calls, comparing small expressions by their text.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;

/// Removes parentheses, groups and `unsafe { single_expr }` wrappers.
pub(crate) fn peel(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = match e {
            syn::Expr::Paren(p) => &p.expr,
            syn::Expr::Group(g) => &g.expr,
            syn::Expr::Unsafe(u) => match single_tail(&u.block) {
                Some(inner) => inner,
                None => return e,
            },
            syn::Expr::Block(b) if b.label.is_none() => match single_tail(&b.block) {
                Some(inner) => inner,
                None => return e,
            },
            _ => return e,
        };
    }
}

fn single_tail(block: &syn::Block) -> Option<&syn::Expr> {
    match block.stmts.as_slice() {
        [syn::Stmt::Expr(e, None)] => Some(e),
        _ => None,
    }
}

/// Removes what [`peel`] removes plus pointer casts: `as T`, `.cast()`, `.cast_mut()`,
/// `.cast_const()`, `.as_ptr()` is kept (it changes what is pointed at).
pub(crate) fn peel_casts(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = peel(e);
        e = match e {
            syn::Expr::Cast(c) => &c.expr,
            syn::Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "cast" | "cast_mut" | "cast_const"
                    ) =>
            {
                &m.receiver
            }
            _ => return e,
        };
    }
}

/// The identifier an expression names, when it is a single-segment path (`p`).
pub(crate) fn ident_name(e: &syn::Expr) -> Option<String> {
    match peel(e) {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(p.path.segments[0].ident.to_string())
        }
        _ => None,
    }
}

/// Path segments as strings.
pub(crate) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// If `e` is a call through a path (`a::b::c(..)`), the path's segments and the call.
pub(crate) fn call_path(e: &syn::Expr) -> Option<(Vec<String>, &syn::ExprCall)> {
    let syn::Expr::Call(call) = e else {
        return None;
    };
    let syn::Expr::Path(p) = &*call.func else {
        return None;
    };
    Some((segments(&p.path), call))
}

/// Whether `segs` ends with `suffix` (`["std","ffi","CStr","from_ptr"]` ends with
/// `["CStr","from_ptr"]`).
pub(crate) fn ends_with(segs: &[String], suffix: &[&str]) -> bool {
    segs.len() >= suffix.len()
        && segs[segs.len() - suffix.len()..]
            .iter()
            .zip(suffix)
            .all(|(a, b)| a == b)
}

/// If `e` is `Type::func(args)` for one of `types` (matched on the segment before the last),
/// its arguments.
pub(crate) fn assoc_call<'a>(
    e: &'a syn::Expr,
    types: &[&str],
    func: &str,
) -> Option<&'a Punctuated<syn::Expr, syn::Token![,]>> {
    let (segs, call) = call_path(e)?;
    let n = segs.len();
    (n >= 2 && segs[n - 1] == func && types.contains(&segs[n - 2].as_str())).then_some(&call.args)
}

/// If `e` is a method call named `name`, its receiver.
pub(crate) fn method_receiver<'a>(e: &'a syn::Expr, name: &str) -> Option<&'a syn::Expr> {
    match e {
        syn::Expr::MethodCall(m) if m.method == name => Some(&m.receiver),
        _ => None,
    }
}

/// Compact text of any syntax node, for comparing small expressions.
pub(crate) fn text(node: &impl ToTokens) -> String {
    crate::type_text(node)
}

/// A call of a tuple struct or enum variant (`Some(p)`, `Handle(raw)`, `Self(..)`): `Some`,
/// `Ok`, `Err`, `Self`, or an `UpperCamelCase` name without `_` that the audited code
/// declares as a type or enum variant and that is not a foreign function
/// (`GEOSGeom_clone(..)`, `gdal_sys::OSRGetAxis(..)` and tflitec's
/// `TfLiteInterpreterGetSignatureRunner(..)`, declared in generated bindings, are C calls).
pub(crate) fn is_constructor_call(cx: &crate::FileContext<'_>, e: &syn::Expr) -> bool {
    let syn::Expr::Call(c) = e else { return false };
    let syn::Expr::Path(p) = &*c.func else {
        return false;
    };
    let Some(n) = p.path.segments.last().map(|s| s.ident.to_string()) else {
        return false;
    };
    if matches!(n.as_str(), "Some" | "Ok" | "Err" | "Self") {
        return true;
    }
    n.starts_with(char::is_uppercase)
        && !n.contains('_')
        && cx.foreign_callee(e).is_none()
        && (cx.model.types_named(&n).next().is_some() || cx.model.is_variant(&n))
}

/// Whether `name` occurs as an identifier anywhere in `node`'s tokens.
pub(crate) fn mentions(node: &impl ToTokens, name: &str) -> bool {
    fn walk(tokens: TokenStream, name: &str) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => i == name,
            proc_macro2::TokenTree::Group(g) => walk(g.stream(), name),
            _ => false,
        })
    }
    walk(node.to_token_stream(), name)
}
