//! Null checks of pointers, asked two ways: whether a body checks a pointer for null at all
//! ([`null_checked`]), and which pointers a check guards at each point of a body
//! ([`walk_non_null`]); plus the pointers that are never null ([`is_address`]).

use syn::visit::{self, Visit};

use super::{
    assoc_call, call_path, ends_with, macro_exprs, macros_in, method_receiver, peel, peel_casts,
    text, walk_expr, walk_exprs,
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

/// The pointers known non-null at one point of a body (see [`walk_non_null`]).
pub(crate) struct NonNullHere<'a>(&'a [String]);

impl NonNullHere<'_> {
    /// Whether `e` (compared by text, casts peeled) is guarded by a null check here.
    pub(crate) fn holds(&self, e: &syn::Expr) -> bool {
        self.0.contains(&text(peel_casts(e)))
    }
}

/// Calls `f` on every expression of `block`, outermost first, with the pointers a null check
/// guards at that expression: the `then` of `if !p.is_null()` (or `p != ptr::null()`), the
/// `else` of `if p.is_null()`, the rest of a block after `if p.is_null() { return ..; }` or
/// `assert!(!p.is_null())`, the `Some` side of `NonNull::new(p)` and `p.as_ref()` (`if let`,
/// `let .. else`, `?`, `match`). A check guards nothing outside the block it sits in, nor a
/// condition's own operands. Macro arguments are visited (parsed from their tokens); nested
/// items are not; the callee of a call, when a plain path, is part of the call and not visited
/// on its own (a path `f` seen alone is a function named without being called).
pub(crate) fn walk_non_null(block: &syn::Block, f: &mut dyn FnMut(&syn::Expr, &NonNullHere<'_>)) {
    NonNullWalker {
        f,
        non_null: Vec::new(),
    }
    .visit_block(block);
}

struct NonNullWalker<'f> {
    f: &'f mut dyn FnMut(&syn::Expr, &NonNullHere<'_>),
    /// The guarded pointers at the point visited, as text, innermost guard last.
    non_null: Vec<String>,
}

impl<'ast> Visit<'ast> for NonNullWalker<'_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        (self.f)(e, &NonNullHere(&self.non_null));
        match e {
            syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(_)) => {
                for a in &c.args {
                    self.visit_expr(a);
                }
            }
            _ => visit::visit_expr(self, e),
        }
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let depth = self.non_null.len();
        for stmt in &b.stmts {
            self.visit_stmt(stmt);
            guards_after(stmt, &mut self.non_null);
        }
        self.non_null.truncate(depth);
    }

    fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
        self.visit_expr(&i.cond);
        let depth = self.non_null.len();
        guarded_when(&i.cond, true, &mut self.non_null);
        self.visit_block(&i.then_branch);
        self.non_null.truncate(depth);
        if let Some((_, els)) = &i.else_branch {
            guarded_when(&i.cond, false, &mut self.non_null);
            self.visit_expr(els);
            self.non_null.truncate(depth);
        }
    }

    fn visit_expr_match(&mut self, m: &'ast syn::ExprMatch) {
        self.visit_expr(&m.expr);
        let subject = option_of_pointer(&m.expr);
        for arm in &m.arms {
            let depth = self.non_null.len();
            if let Some(p) = &subject
                && is_some_pattern(&arm.pat)
            {
                self.non_null.push(p.clone());
            }
            if let Some((_, guard)) = &arm.guard {
                self.visit_expr(guard);
            }
            self.visit_expr(&arm.body);
            self.non_null.truncate(depth);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        for e in macro_exprs(m) {
            self.visit_expr(&e);
        }
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// Adds what `stmt` guarantees non-null for the statements after it in the same block.
fn guards_after(stmt: &syn::Stmt, out: &mut Vec<String>) {
    match stmt {
        syn::Stmt::Expr(syn::Expr::If(i), _)
            if i.else_branch.is_none() && diverges(&i.then_branch) =>
        {
            guarded_when(&i.cond, false, out);
        }
        syn::Stmt::Local(l) => {
            let Some(init) = &l.init else { return };
            let checked = match (&init.diverge, peel(&init.expr)) {
                (Some(_), e) if is_some_pattern(&l.pat) => option_of_pointer(e),
                (None, syn::Expr::Try(t)) => option_of_pointer(&t.expr),
                _ => None,
            };
            out.extend(checked);
        }
        syn::Stmt::Macro(m) => asserted(&m.mac, out),
        syn::Stmt::Expr(syn::Expr::Macro(m), _) => asserted(&m.mac, out),
        _ => {}
    }
}

/// `assert!(cond)`, `debug_assert!(cond)`: `cond` holds after it.
fn asserted(mac: &syn::Macro, out: &mut Vec<String>) {
    if mac
        .path
        .segments
        .last()
        .is_some_and(|s| s.ident == "assert" || s.ident == "debug_assert")
        && let Some(cond) = macro_exprs(mac).first()
    {
        guarded_when(cond, true, out);
    }
}

/// A block that never falls through: it returns, breaks, continues or panics.
fn diverges(b: &syn::Block) -> bool {
    let divergent_macro = |m: &syn::Macro| {
        m.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
            )
        })
    };
    b.stmts.iter().any(|s| match s {
        syn::Stmt::Expr(e, _) => match peel(e) {
            syn::Expr::Return(_) | syn::Expr::Break(_) | syn::Expr::Continue(_) => true,
            syn::Expr::Macro(m) => divergent_macro(&m.mac),
            _ => false,
        },
        syn::Stmt::Macro(m) => divergent_macro(&m.mac),
        _ => false,
    })
}

/// Adds the expressions that are non-null when `cond` evaluates to `when`.
fn guarded_when(cond: &syn::Expr, when: bool, out: &mut Vec<String>) {
    match peel(cond) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => {
            guarded_when(&u.expr, !when, out);
        }
        syn::Expr::Binary(b) => match b.op {
            syn::BinOp::And(_) if when => {
                guarded_when(&b.left, true, out);
                guarded_when(&b.right, true, out);
            }
            syn::BinOp::Or(_) if !when => {
                guarded_when(&b.left, false, out);
                guarded_when(&b.right, false, out);
            }
            syn::BinOp::Ne(_) if when => compared_to_null(&b.left, &b.right, out),
            syn::BinOp::Eq(_) if !when => compared_to_null(&b.left, &b.right, out),
            _ => {}
        },
        syn::Expr::MethodCall(m) if !when && m.method == "is_null" && m.args.is_empty() => {
            out.push(text(peel_casts(&m.receiver)));
        }
        syn::Expr::Let(l) if when && is_some_pattern(&l.pat) => {
            out.extend(option_of_pointer(&l.expr));
        }
        _ => {}
    }
}

/// `ptr::null()` or `null_mut()`, through casts.
pub(crate) fn is_null_call(e: &syn::Expr) -> bool {
    call_path(peel_casts(e)).is_some_and(|(segs, c)| {
        c.args.is_empty() && segs.last().is_some_and(|s| s == "null" || s == "null_mut")
    })
}

/// `p != ptr::null()` (either side): `p`.
fn compared_to_null(left: &syn::Expr, right: &syn::Expr, out: &mut Vec<String>) {
    if is_null_call(right) {
        out.push(text(peel_casts(left)));
    } else if is_null_call(left) {
        out.push(text(peel_casts(right)));
    }
}

/// The pointer `p` of `NonNull::new(p)`, `p.as_ref()` or `p.as_mut()`, as text: an `Option`
/// that is `Some` only when `p` is non-null.
fn option_of_pointer(e: &syn::Expr) -> Option<String> {
    let e = peel(e);
    if let Some(args) = assoc_call(e, &["NonNull"], "new") {
        return args.first().map(|a| text(peel_casts(a)));
    }
    method_receiver(e, "as_ref")
        .or_else(|| method_receiver(e, "as_mut"))
        .map(|p| text(peel_casts(p)))
}

/// `Some(..)`.
fn is_some_pattern(p: &syn::Pat) -> bool {
    matches!(p, syn::Pat::TupleStruct(t)
        if t.path.segments.last().is_some_and(|s| s.ident == "Some"))
}

/// A pointer that is never null: the address of Rust storage (`x.as_ptr()`, `x.as_mut_ptr()`,
/// `&x`, `&mut x`) or a literal, through `as` and `.cast()`.
pub(crate) fn is_address(e: &syn::Expr) -> bool {
    let mut e = peel_casts(e);
    while let Some(inner) = method_receiver(e, "cast").or_else(|| method_receiver(e, "cast_mut")) {
        e = peel_casts(inner);
    }
    method_receiver(e, "as_ptr").is_some()
        || method_receiver(e, "as_mut_ptr").is_some()
        || matches!(peel(e), syn::Expr::Reference(_) | syn::Expr::Lit(_))
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

    /// The pointers `walk_non_null` reports guarded at each call `use_(..)` of `src`'s
    /// functions, in order.
    fn guarded_at_uses(src: &str) -> Vec<Vec<&'static str>> {
        let f: syn::File = syn::parse_str(src).unwrap();
        let mut out = Vec::new();
        for func in functions(&f) {
            walk_non_null(func.block, &mut |e, known| {
                if let syn::Expr::Call(c) = e
                    && matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("use_"))
                {
                    let names = ["p", "q"];
                    let held = names
                        .iter()
                        .filter(|n| known.holds(&syn::parse_str(n).unwrap()))
                        .copied()
                        .collect();
                    out.push(held);
                }
            });
        }
        out
    }

    #[test]
    fn guards_hold_where_the_check_decides() {
        let src = "fn a(p: *const u8, q: *const u8) { \
                       use_(); \
                       if !p.is_null() && q != ptr::null() { use_(); } else { use_(); } \
                       if p.is_null() { use_(); } else { use_(); } \
                       use_(); \
                   } \
                   fn b(p: *const u8) { \
                       if p.is_null() { return; } \
                       use_(); \
                       { if p.is_null() { panic!(); } } \
                   } \
                   fn c(p: *mut u8, q: *mut u8) { \
                       assert!(!p.is_null()); \
                       let Some(r) = q.as_mut() else { return }; \
                       use_(); \
                   } \
                   fn d(p: *const u8) -> Option<()> { \
                       let _n = NonNull::new(p as *mut u8)?; \
                       use_(); \
                       None \
                   } \
                   fn e(p: *const u8, q: *const u8) { \
                       match NonNull::new(p.cast_mut()) { Some(_) => use_(), None => use_() } \
                       if let Some(r) = q.as_ref() { use_(); } \
                       if p.is_null() { log(); } \
                       use_(); \
                   }";
        let none: Vec<&str> = Vec::new();
        assert_eq!(
            guarded_at_uses(src),
            [
                none.clone(),
                vec!["p", "q"],
                none.clone(),
                none.clone(),
                vec!["p"],
                none.clone(),
                vec!["p"],
                vec!["p", "q"],
                vec!["p"],
                vec!["p"],
                none.clone(),
                vec!["q"],
                none,
            ]
        );
    }

    #[test]
    fn macro_arguments_are_walked_and_callees_are_part_of_their_call() {
        let f: syn::File = syn::parse_str(
            "fn f(p: *const u8) { if !p.is_null() { println!(\"{}\", g(p)); } h.map(g); }",
        )
        .unwrap();
        let mut seen = Vec::new();
        for func in functions(&f) {
            walk_non_null(func.block, &mut |e, known| match e {
                syn::Expr::Call(c) => seen.push(format!("call {}", known.holds(&c.args[0]))),
                syn::Expr::Path(p) if p.path.is_ident("g") => seen.push("named g".to_owned()),
                _ => {}
            });
        }
        assert_eq!(seen, ["call true", "named g"]);
    }

    #[test]
    fn addresses_are_never_null() {
        let address = |s: &str| is_address(&syn::parse_str(s).unwrap());
        assert!(address("buf.as_ptr()"));
        assert!(address("buf.as_mut_ptr().cast::<c_char>()"));
        assert!(address("&mut x as *mut _"));
        assert!(address("b\"name\\0\".as_ptr()"));
        assert!(!address("p"));
        assert!(!address("ptr::null()"));
        assert!(is_null_call(
            &syn::parse_str("std::ptr::null_mut() as *mut c_void").unwrap()
        ));
    }
}
