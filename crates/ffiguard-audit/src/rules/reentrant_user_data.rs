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
    docs: RuleDocs {
        what_it_does: "In Rust `extern \"C\"` functions, flags `&mut *(p as *mut T)` and \
`&mut *p.cast::<T>()` where `p` is a parameter, unless the function uses a guard: `RefCell` \
(`try_borrow_mut`/`borrow_mut`), a `Mutex`/`RwLock` (`lock`, `try_lock`, `write`), or an \
atomic or `Cell` flag (`swap`, `compare_exchange`, `replace`).",
        why_is_this_bad: "C libraries call back reentrantly: a parser callback that calls back \
into the parser, a hook that triggers another hook, two threads running callbacks at once. \
Each call makes its own `&mut T` to the same object; two live `&mut` to one value is undefined \
behaviour even if the code looks sequential, and the optimizer exploits it.",
        known_problems: "Libraries that document callbacks as never reentrant and \
single-threaded make this safe; suppress with that reason. Measured on git2, whose 27 matches \
are per-call payloads that libgit2 never re-enters, most matches are of that kind: hence the \
`info` level. Guards in helper functions are not \
seen.",
        example_bad: "unsafe extern \"C\" fn on_start(user_data: *mut c_void) {\n    \
let parser = unsafe { &mut *(user_data as *mut Parser) };\n    parser.depth += 1;\n}",
        example_good: "unsafe extern \"C\" fn on_start(user_data: *mut c_void) {\n    \
let cell = unsafe { &*(user_data as *const RefCell<Parser>) };\n    \
if let Ok(mut parser) = cell.try_borrow_mut() {\n        parser.depth += 1;\n    }\n}",
        fix: "Make a shared reference and put the mutable state in a `RefCell` (refuses \
reentrant borrows) or a `Mutex`; or use `ffiguard`'s callback trampolines, which refuse \
reentry.",
    },
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
