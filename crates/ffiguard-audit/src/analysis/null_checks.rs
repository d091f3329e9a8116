//! Whether a pointer is checked for null before it is used.

use super::{
    call_path, ends_with, macro_exprs, macros_in, peel_casts, text, walk_expr, walk_exprs,
};

/// Whether the pointer expression `target` is checked for null somewhere in `block`:
/// `x.is_null()`, `x == ..`/`x != ..`, `NonNull::new(x)`, `x.as_ref()`/`x.as_mut()`, or a
/// `match`/`if let` on `x.as_ref()`. Comparison is by text after peeling casts; for a field
/// access (`(*b).data`) a check on any expression ending in the same field counts.
pub(crate) fn null_checked(block: &syn::Block, target: &syn::Expr) -> bool {
    let target = peel_casts(target);
    let key = text(target);
    let field = match target {
        syn::Expr::Field(f) => Some(text(&f.member)),
        _ => None,
    };
    let matches = |e: &syn::Expr| {
        let e = peel_casts(e);
        if text(e) == key {
            return true;
        }
        match (e, &field) {
            (syn::Expr::Field(f), Some(name)) => text(&f.member) == *name,
            _ => false,
        }
    };
    let mut found = false;
    let mut check = |e: &syn::Expr| {
        if found {
            return;
        }
        found = match e {
            syn::Expr::MethodCall(m) => {
                matches!(
                    m.method.to_string().as_str(),
                    "is_null" | "as_ref" | "as_mut" | "is_some" | "is_none"
                ) && matches(&m.receiver)
            }
            syn::Expr::Binary(b) => {
                matches!(b.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_))
                    && (matches(&b.left) || matches(&b.right))
            }
            syn::Expr::Call(c) => {
                call_path(e).is_some_and(|(segs, _)| {
                    ends_with(&segs, &["NonNull", "new"])
                        || segs
                            .last()
                            .is_some_and(|s| s.contains("null") || s == "check_ptr")
                }) && c.args.iter().any(&matches)
            }
            _ => false,
        };
    };
    walk_exprs(block, &mut check);
    if found {
        return true;
    }
    // `assert!(!p.is_null())`, `debug_assert!(..)`, `ensure!(..)`.
    macros_in(block).iter().any(|(_, m)| {
        macro_exprs(m).iter().any(|e| {
            let mut inner = false;
            walk_expr(e, &mut |x| {
                if let syn::Expr::MethodCall(mc) = x
                    && mc.method == "is_null"
                    && matches(&mc.receiver)
                {
                    inner = true;
                }
            });
            inner
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::functions;

    #[test]
    fn null_checks_are_found() {
        let f: syn::File = syn::parse_str(
            "fn f(p: *const u8) { if p.is_null() { return; } } \
             fn g(p: *const u8) { assert!(!p.is_null()); } \
             fn h(p: *const u8) { let q = NonNull::new(p as *mut u8); } \
             fn k(p: *const u8) { let x = p; }",
        )
        .unwrap();
        let target: syn::Expr = syn::parse_str("p").unwrap();
        let checked: Vec<bool> = functions(&f)
            .iter()
            .map(|f| null_checked(f.block, &target))
            .collect();
        assert_eq!(checked, [true, true, true, false]);
    }
}
