//! FFI021 — a callback turns its user-data pointer into `&mut` with no reentrancy guard.

use syn::spanned::Spanned;

use crate::analysis::{functions, ident_name, mentions, peel, walk_exprs};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI021: see [`META`].
pub(crate) struct ReentrantUserData;

static META: RuleMeta = RuleMeta {
    id: "FFI021",
    name: "reentrant-user-data",
    summary: "`&mut *(user_data as *mut T)` in a callback without a reentrancy guard",
    default_level: Level::Info,
    confidence: Confidence::Low,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI021.md")),
};

const GUARDS: &[&str] = &[
    "RefCell",
    "try_borrow_mut",
    "borrow_mut",
    "Mutex",
    "RwLock",
    "lock",
    "try_lock",
    "compare_exchange",
    "swap",
    "replace",
];

impl Rule for ReentrantUserData {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            if !f.is_extern() || GUARDS.iter().any(|g| mentions(f.block, g)) {
                continue;
            }
            let params: Vec<String> = f.params().into_iter().map(|(n, _)| n).collect();
            walk_exprs(f.block, &mut |e| {
                let syn::Expr::Reference(r) = e else { return };
                if r.mutability.is_none() {
                    return;
                }
                let syn::Expr::Unary(u) = peel(&r.expr) else {
                    return;
                };
                if !matches!(u.op, syn::UnOp::Deref(_)) {
                    return;
                }
                let base = match peel(&u.expr) {
                    syn::Expr::Cast(c) => &*c.expr,
                    syn::Expr::MethodCall(m) if m.method == "cast" => &*m.receiver,
                    _ => return,
                };
                if let Some(p) = ident_name(base).filter(|n| params.contains(n)) {
                    out.push(
                        cx.finding(
                            &META,
                            e.span(),
                            format!(
                                "`&mut` made from callback argument `{p}` with no reentrancy guard"
                            ),
                        )
                        .help("take `&` and keep mutable state in a `RefCell` or `Mutex`"),
                    );
                }
            });
        }
    }
}
