//! Syntax helpers shared by the rules: walking function bodies (including macro arguments),
//! naming paths, peeling casts, and the little type evidence syntax gives without inference.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

/// Calls `f` on every expression under `node`, outermost first. Macro arguments are not
/// visited (they are parsed into owned trees that cannot be lent out for `'a`): rules that
/// look into macros use [`macro_exprs`]. Nested items (`fn` inside a body) are skipped: they
/// are visited as functions of their own.
pub(crate) fn walk_exprs<'a>(node: &'a syn::Block, f: &mut dyn FnMut(&'a syn::Expr)) {
    ExprWalker { f }.visit_block(node);
}

/// Like [`walk_exprs`] for a single expression.
pub(crate) fn walk_expr<'a>(node: &'a syn::Expr, f: &mut dyn FnMut(&'a syn::Expr)) {
    ExprWalker { f }.visit_expr(node);
}

struct ExprWalker<'f, 'a> {
    f: &'f mut dyn FnMut(&'a syn::Expr),
}

impl<'a> Visit<'a> for ExprWalker<'_, 'a> {
    fn visit_expr(&mut self, e: &'a syn::Expr) {
        (self.f)(e);
        visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
    fn visit_macro(&mut self, _: &'a syn::Macro) {
        // Macro arguments are parsed into owned trees, which cannot be lent out for 'a;
        // rules that look into macros use `macro_exprs`.
    }
}

/// The arguments of a macro call when they parse as expressions (`a, b, c` or `x; n`).
pub(crate) fn macro_exprs(mac: &syn::Macro) -> Vec<syn::Expr> {
    let parsed = mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
    if let Ok(list) = parsed {
        return list.into_iter().collect();
    }
    let tokens = &mac.tokens;
    let bracketed: TokenStream = quote::quote!([#tokens]);
    syn::parse2::<syn::Expr>(bracketed)
        .map(|e| vec![e])
        .unwrap_or_default()
}

/// Every macro invocation under `block` (expression or statement position), with its last
/// path segment.
pub(crate) fn macros_in(block: &syn::Block) -> Vec<(String, &syn::Macro)> {
    struct M<'a>(Vec<(String, &'a syn::Macro)>);
    impl<'a> Visit<'a> for M<'a> {
        fn visit_macro(&mut self, m: &'a syn::Macro) {
            if let Some(last) = m.path.segments.last() {
                self.0.push((last.ident.to_string(), m));
            }
        }
        fn visit_item(&mut self, _: &'a syn::Item) {}
    }
    let mut m = M(Vec::new());
    m.visit_block(block);
    m.0
}

pub(crate) use crate::model::same_crate;

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

/// A function-like item with a body.
#[derive(Clone)]
pub(crate) struct FnItem<'a> {
    /// Signature.
    pub(crate) sig: &'a syn::Signature,
    /// Visibility; `None` for trait methods and trait impl methods.
    pub(crate) vis: Option<&'a syn::Visibility>,
    /// Body.
    pub(crate) block: &'a syn::Block,
    /// Inside `impl Trait for Type` (the trait fixes the signature).
    pub(crate) in_trait_impl: bool,
    /// For impl methods, the last segment of the trait (`Drop`, `Clone`), if any.
    pub(crate) trait_name: Option<String>,
    /// For impl methods, the last segment of the implementing type.
    pub(crate) self_type: Option<String>,
}

impl<'a> FnItem<'a> {
    /// Declared with a non-Rust ABI (`extern "C" fn`): code C calls.
    pub(crate) fn is_extern(&self) -> bool {
        self.sig
            .abi
            .as_ref()
            .is_some_and(|abi| abi.name.as_ref().is_none_or(|n| n.value() != "Rust"))
    }

    /// Declared `unsafe fn`.
    pub(crate) fn is_unsafe(&self) -> bool {
        self.sig.unsafety.is_some()
    }

    /// Declared plain `pub` (not `pub(crate)`).
    pub(crate) fn is_pub(&self) -> bool {
        matches!(self.vis, Some(syn::Visibility::Public(_)))
    }

    /// Parameter names with their types, for plain identifier patterns.
    pub(crate) fn params(&self) -> Vec<(String, &'a syn::Type)> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(t) => match &*t.pat {
                    syn::Pat::Ident(p) => Some((p.ident.to_string(), &*t.ty)),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect()
    }
}

/// Every function with a body in the file: free functions, inherent and trait impl methods,
/// trait default methods, and functions nested in modules or other functions.
pub(crate) fn functions(file: &syn::File) -> Vec<FnItem<'_>> {
    struct F<'a> {
        out: Vec<FnItem<'a>>,
        trait_name: Option<Option<String>>,
        self_type: Option<String>,
    }
    impl<'a> Visit<'a> for F<'a> {
        fn visit_item_fn(&mut self, i: &'a syn::ItemFn) {
            self.out.push(FnItem {
                sig: &i.sig,
                vis: Some(&i.vis),
                block: &i.block,
                in_trait_impl: false,
                trait_name: None,
                self_type: None,
            });
            let saved = self.trait_name.take();
            let saved_type = self.self_type.take();
            visit::visit_item_fn(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
            let saved = self.trait_name.replace(
                i.trait_
                    .as_ref()
                    .and_then(|(_, p, _)| p.segments.last().map(|s| s.ident.to_string())),
            );
            let saved_type = std::mem::replace(&mut self.self_type, type_last(&i.self_ty));
            visit::visit_item_impl(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_impl_item_fn(&mut self, i: &'a syn::ImplItemFn) {
            let trait_name = self.trait_name.clone().flatten();
            self.out.push(FnItem {
                sig: &i.sig,
                vis: trait_name.is_none().then_some(&i.vis),
                block: &i.block,
                in_trait_impl: trait_name.is_some(),
                trait_name,
                self_type: self.self_type.clone(),
            });
            let saved = self.trait_name.take();
            let saved_type = self.self_type.take();
            visit::visit_impl_item_fn(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_trait_item_fn(&mut self, i: &'a syn::TraitItemFn) {
            if let Some(block) = &i.default {
                self.out.push(FnItem {
                    sig: &i.sig,
                    vis: None,
                    block,
                    in_trait_impl: false,
                    trait_name: None,
                    self_type: None,
                });
            }
            visit::visit_trait_item_fn(self, i);
        }
    }
    let mut f = F {
        out: Vec::new(),
        trait_name: None,
        self_type: None,
    };
    f.visit_file(file);
    f.out
}

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

/// Last path segment of a type (`std::os::raw::c_int` → `c_int`), without generics.
pub(crate) fn type_last(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Paren(p) => type_last(&p.elem),
        syn::Type::Group(g) => type_last(&g.elem),
        _ => None,
    }
}

/// Last word of a type written as text (`::std::os::raw::c_int` → `c_int`).
pub(crate) fn text_last(ty: &str) -> &str {
    ty.rsplit("::").next().unwrap_or(ty).trim()
}

/// Whether a type written as text is a raw pointer.
pub(crate) fn text_is_ptr(ty: &str) -> bool {
    ty.starts_with("*const") || ty.starts_with("*mut")
}

/// What syntax tells about the types of local names in one function: parameters and
/// `let x: T` bindings, plus the initializer of every `let x = ..` (last one wins).
#[derive(Default)]
pub(crate) struct Locals<'a> {
    pub(crate) types: HashMap<String, &'a syn::Type>,
    pub(crate) inits: HashMap<String, &'a syn::Expr>,
}

impl<'a> Locals<'a> {
    /// Collects parameters and `let` bindings of `f`.
    pub(crate) fn of(f: &FnItem<'a>) -> Self {
        let mut l = Locals::default();
        for (name, ty) in f.params() {
            l.types.insert(name, ty);
        }
        l.add_block(f.block);
        l
    }

    /// Forgets what is known about every name `pat` binds: the name now means something else.
    fn shadow(&mut self, pat: &syn::Pat) {
        struct Names<'l, 'a>(&'l mut Locals<'a>);
        impl Visit<'_> for Names<'_, '_> {
            fn visit_pat_ident(&mut self, id: &syn::PatIdent) {
                let name = id.ident.to_string();
                self.0.types.remove(&name);
                self.0.inits.remove(&name);
                visit::visit_pat_ident(self, id);
            }
            // Paths and expressions inside a pattern (`Kind::A`, `1..=N`) bind nothing.
            fn visit_expr(&mut self, _: &syn::Expr) {}
        }
        Names(self).visit_pat(pat);
    }

    /// Collects `let` bindings under `block` (closures included). Names bound by other
    /// patterns (`match` arms, `if let`/`while let`, `for`, closure parameters, destructuring
    /// `let`) shadow what was known about them.
    pub(crate) fn add_block(&mut self, block: &'a syn::Block) {
        struct L<'l, 'a>(&'l mut Locals<'a>);
        impl<'a> Visit<'a> for L<'_, 'a> {
            fn visit_arm(&mut self, arm: &'a syn::Arm) {
                self.0.shadow(&arm.pat);
                visit::visit_arm(self, arm);
            }
            fn visit_expr_let(&mut self, e: &'a syn::ExprLet) {
                self.0.shadow(&e.pat);
                visit::visit_expr_let(self, e);
            }
            fn visit_expr_for_loop(&mut self, e: &'a syn::ExprForLoop) {
                self.0.shadow(&e.pat);
                visit::visit_expr_for_loop(self, e);
            }
            fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
                for input in &c.inputs {
                    match input {
                        syn::Pat::Type(t) if matches!(&*t.pat, syn::Pat::Ident(_)) => {
                            self.0.shadow(&t.pat);
                            if let syn::Pat::Ident(id) = &*t.pat {
                                self.0.types.insert(id.ident.to_string(), &t.ty);
                            }
                        }
                        p => self.0.shadow(p),
                    }
                }
                visit::visit_expr_closure(self, c);
            }
            fn visit_local(&mut self, local: &'a syn::Local) {
                let (pat, ty) = match &local.pat {
                    syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
                    p => (p, None),
                };
                if !matches!(pat, syn::Pat::Ident(id) if id.subpat.is_none()) {
                    self.0.shadow(pat);
                }
                if let syn::Pat::Ident(id) = pat {
                    let name = id.ident.to_string();
                    // A later `let` without a type shadows what an earlier binding said.
                    match ty {
                        Some(ty) => self.0.types.insert(name.clone(), ty),
                        None => self.0.types.remove(&name),
                    };
                    if let Some(init) = &local.init {
                        self.0.inits.insert(name, &init.expr);
                    }
                }
                visit::visit_local(self, local);
            }
            fn visit_item(&mut self, _: &'a syn::Item) {}
        }
        L(self).visit_block(block);
    }

    /// The initializer of `name` with parentheses, casts and `unsafe {}` peeled.
    pub(crate) fn init_of(&self, name: &str) -> Option<&'a syn::Expr> {
        self.inits.get(name).map(|e| peel_casts(e))
    }
}

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

/// An opaque handle type: no fields, or only zero-sized ones (`[u8; 0]`, `PhantomData`).
pub(crate) fn opaque(t: &crate::model::TypeDef) -> bool {
    t.kind == crate::model::TypeKind::Struct
        && t.fields.iter().all(|f| {
            let ty = f.ty.as_str();
            ty.contains("; 0]")
                || ty.starts_with("PhantomData")
                || ty.contains("::PhantomData")
                || ty.ends_with("c_void")
                || ty == "()"
                || ty.ends_with("PhantomPinned")
        })
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

/// Whether the type is a raw pointer (`*const T`, `*mut T`).
pub(crate) fn is_raw_ptr(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Ptr(_) => true,
        syn::Type::Paren(p) => is_raw_ptr(&p.elem),
        syn::Type::Group(g) => is_raw_ptr(&g.elem),
        _ => false,
    }
}

/// Whether the file was written by bindgen (its rules for widths and layouts are exact).
pub(crate) fn is_bindgen_output(source: &str) -> bool {
    source
        .get(..source.len().min(2_000))
        .is_some_and(|head| head.contains("automatically generated by rust-bindgen"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn crates_of_a_tree_are_told_apart_by_path() {
        use crate::model::{crate_dir, same_crate};
        assert_eq!(crate_dir("udev/src/device.rs"), Some("udev"));
        assert_eq!(crate_dir("udev/tests/it.rs"), Some("udev"));
        assert_eq!(crate_dir("src/lib.rs"), Some(""));
        assert_eq!(crate_dir("build.rs"), None);
        // opencv's `docs/core.rs` in a tree run is opencv's, not uefi-raw's.
        assert!(!same_crate("opencv/docs/core.rs", "uefi-raw/src/lib.rs"));
        assert!(same_crate("opencv/docs/core.rs", "opencv/src/lib.rs"));
        assert!(same_crate("build.rs", "src/lib.rs"));
        assert!(same_crate("src/a.rs", "tests/b.rs"));
        assert!(
            same_crate("lib.rs", "src/x.rs"),
            "unknown layout: assume one crate"
        );
        assert!(!same_crate("pcap/src/device.rs", "rusb/src/device.rs"));
    }

    use super::*;

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
