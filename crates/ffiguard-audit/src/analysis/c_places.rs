//! Places whose pointer C wrote: locals handed to a foreign call as out-parameters
//! (`clang_tokenize(tu, range, &mut raw, &mut count)`), and fields of structs laid out for C
//! (`buffer.pvBuffer` of a `SecBuffer` from a bindings crate, `(*var).members` of a
//! `#[repr(C)]` struct).
//!
//! Syntax only: a place's type is what the function writes about it (parameters, `let x: T`,
//! `let x = &*p` with `p: *const T`, `self` in an `impl`) and what the crate's model says about
//! the fields of its own types. Nothing is inferred past that.

use std::collections::{BTreeSet, HashSet};

use syn::spanned::Spanned;

use crate::FileContext;
use crate::analysis::bindings_use::{BindingsUse, is_bindings_module};
use crate::analysis::{FnItem, Locals, ident_name, peel, peel_casts, segments, walk_exprs};

/// How many fields or bindings deep a place's type is followed.
const MAX_DEPTH: usize = 6;

/// Names of the locals of `f` that a foreign call gets a pointer to (`&mut x`, `&mut x as
/// *mut _`, `x.as_mut_ptr()` on a `MaybeUninit`): C may write them, NULL included.
///
/// Calls whose status the function looks at (`f(..).to_result()?`, `if f(..) == 0`, `let ret
/// = f(..); if ret == 0 {..}`) are left out: their out-parameters are read on success, when
/// the C contract says they hold what was asked for (`SDL_LockTexture`'s pixels,
/// `cass_value_get_bytes`' bytes). A call whose result is the length, or nothing
/// (`clang_tokenize`), gives no such promise.
pub(crate) fn out_parameters(
    cx: &FileContext<'_>,
    bindings: &BindingsUse,
    f: &FnItem<'_>,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let checked = inspected_results(f.block);
    walk_exprs(f.block, &mut |e| {
        let syn::Expr::Call(call) = e else { return };
        let syn::Expr::Path(p) = &*call.func else {
            return;
        };
        if cx.foreign_callee(e).is_none() && !bindings.provides(&p.path) {
            return;
        }
        if checked.contains(&(e as *const syn::Expr)) {
            return;
        }
        for arg in &call.args {
            let name = match peel_casts(arg) {
                syn::Expr::Reference(r) if r.mutability.is_some() => ident_name(&r.expr),
                syn::Expr::MethodCall(m) if m.method == "as_mut_ptr" && m.args.is_empty() => {
                    ident_name(&m.receiver)
                }
                _ => None,
            };
            names.extend(name);
        }
    });
    names
}

/// The expressions of `block` whose value is inspected as a status: the receiver of a method
/// call, an operand of a comparison, the operand of `?`, the condition of an `if`, the
/// scrutinee of a `match` or `if let`, and the initializer of a `let` whose name is inspected
/// so. Identified by address, to be matched against the same tree.
fn inspected_results(block: &syn::Block) -> HashSet<*const syn::Expr> {
    let mut exprs: HashSet<*const syn::Expr> = HashSet::new();
    let mut names: HashSet<String> = HashSet::new();
    let mut inspect = |e: &syn::Expr| {
        let e = peel(e);
        match ident_name(e) {
            Some(n) => {
                names.insert(n);
            }
            None => {
                exprs.insert(e as *const syn::Expr);
            }
        }
    };
    walk_exprs(block, &mut |e| match e {
        syn::Expr::MethodCall(m) => inspect(&m.receiver),
        syn::Expr::Binary(b)
            if matches!(
                b.op,
                syn::BinOp::Eq(_)
                    | syn::BinOp::Ne(_)
                    | syn::BinOp::Lt(_)
                    | syn::BinOp::Le(_)
                    | syn::BinOp::Gt(_)
                    | syn::BinOp::Ge(_)
            ) =>
        {
            inspect(&b.left);
            inspect(&b.right);
        }
        syn::Expr::Try(t) => inspect(&t.expr),
        syn::Expr::If(i) => inspect(&i.cond),
        syn::Expr::Match(m) => inspect(&m.expr),
        syn::Expr::Let(l) => inspect(&l.expr),
        _ => {}
    });
    struct Lets<'n>(&'n HashSet<String>, HashSet<*const syn::Expr>);
    impl<'ast> syn::visit::Visit<'ast> for Lets<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            if let (syn::Pat::Ident(id), Some(init)) = (&l.pat, &l.init)
                && self.0.contains(&id.ident.to_string())
            {
                self.1.insert(peel(&init.expr) as *const syn::Expr);
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut lets = Lets(&names, HashSet::new());
    syn::visit::Visit::visit_block(&mut lets, block);
    exprs.extend(lets.1);
    exprs
}

/// The name of the C struct whose field `field` reads, when the struct is C's: a type of the
/// crate declared `#[repr(C)]` (struct or union), or a type named through a bindings module
/// (`ffi::SpvReflectTypeDescription`, `Identity::SecBuffer` with `Identity` imported from
/// `windows_sys`). A type of the crate without a C layout is Rust's, whatever its path.
pub(crate) fn c_struct_of_field(
    cx: &FileContext<'_>,
    bindings: &BindingsUse,
    f: &FnItem<'_>,
    locals: &Locals<'_>,
    field: &syn::ExprField,
) -> Option<String> {
    let ty = place_type(cx, f, locals, &field.base, 0)?;
    let syn::Type::Path(p) = &ty else {
        return None;
    };
    let segs = segments(&p.path);
    let name = segs.last()?.clone();
    let ours: Vec<_> = cx
        .model
        .types_named(&name)
        .filter(|t| crate::analysis::same_crate(&t.location.file, cx.path))
        .collect();
    if !ours.is_empty() {
        let c_layout = ours.iter().all(|t| {
            t.has_c_layout()
                && matches!(
                    t.kind,
                    crate::model::TypeKind::Struct | crate::model::TypeKind::Union
                )
        });
        return c_layout.then_some(name);
    }
    let through_bindings = match segs.as_slice() {
        [] => false,
        [_] => bindings.provides(&p.path),
        [first, ..] => {
            is_bindings_module(&segs[..segs.len() - 1])
                || bindings.imports_at(first, field.member.span())
        }
    };
    through_bindings.then_some(name)
}

/// The type of the value a place expression denotes, references and raw pointers taken off:
/// `x` with `x: &T`, `*const T` or `let x = &*p` (`p: *const T`), `self` in `impl T`, and
/// fields of those when the crate declares the type (`self.0` of `struct W(sys::Buf)`).
fn place_type(
    cx: &FileContext<'_>,
    f: &FnItem<'_>,
    locals: &Locals<'_>,
    e: &syn::Expr,
    depth: usize,
) -> Option<syn::Type> {
    if depth > MAX_DEPTH {
        return None;
    }
    match peel(e) {
        syn::Expr::Path(p) if p.path.is_ident("self") => {
            syn::parse_str(f.self_type.as_deref()?).ok()
        }
        syn::Expr::Path(_) => {
            let name = ident_name(e)?;
            // `let var = &*var;` shadows a pointer parameter with a reference to its target.
            if depth > 0
                && locals
                    .inits
                    .get(&name)
                    .is_some_and(|i| crate::analysis::mentions(*i, &name))
            {
                let (_, ty) = f.params().into_iter().find(|(n, _)| *n == name)?;
                return Some(pointee(ty).clone());
            }
            let init = locals.inits.get(&name);
            // A struct the function builds itself (`Buf { data: v.as_ptr(), .. }`) is Rust's.
            if init.is_some_and(|i| matches!(peel(i), syn::Expr::Struct(_))) {
                return None;
            }
            if let Some(ty) = locals.types.get(&name) {
                return Some(pointee(ty).clone());
            }
            // `let v = &*p;` / `let v = unsafe { &*p };`: the binding is the pointee of `p`.
            place_type(cx, f, locals, init?, depth + 1)
        }
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
            place_type(cx, f, locals, &u.expr, depth + 1)
        }
        syn::Expr::Reference(r) => place_type(cx, f, locals, &r.expr, depth + 1),
        syn::Expr::Field(field) => {
            let base = place_type(cx, f, locals, &field.base, depth + 1)?;
            let syn::Type::Path(p) = &base else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            let mut types = cx
                .model
                .types_named(&name)
                .filter(|t| crate::analysis::same_crate(&t.location.file, cx.path));
            let def = types.next()?;
            if types.next().is_some() {
                return None;
            }
            let ty = match &field.member {
                syn::Member::Named(m) => {
                    let m = m.to_string();
                    def.fields.iter().find(|x| x.name.as_deref() == Some(&m))?
                }
                syn::Member::Unnamed(i) => def.fields.get(i.index as usize)?,
            };
            let ty: syn::Type = syn::parse_str(&ty.ty).ok()?;
            Some(pointee(&ty).clone())
        }
        _ => None,
    }
}

/// `T` for `&T`, `&mut T`, `*const T`, `*mut T` (any depth of one of those), else the type.
fn pointee(mut ty: &syn::Type) -> &syn::Type {
    loop {
        ty = match ty {
            syn::Type::Reference(r) => &r.elem,
            syn::Type::Ptr(p) => &p.elem,
            syn::Type::Paren(p) => &p.elem,
            syn::Type::Group(g) => &g.elem,
            _ => return ty,
        };
    }
}

/// Whether `len`, a slice length, is compared with zero in `block` (`len == 0`, `len > 0`,
/// `len != 0`, `0 < len`, `len.is_empty()`): the code handles the empty case apart, which is
/// the one C leaves the pointer NULL for.
pub(crate) fn zero_length_checked(block: &syn::Block, len: &syn::Expr) -> bool {
    let key = crate::analysis::text(peel_casts(len));
    let is_len = |e: &syn::Expr| crate::analysis::text(peel_casts(e)) == key;
    let is_zero = |e: &syn::Expr| {
        matches!(peel_casts(e), syn::Expr::Lit(l)
            if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"))
    };
    let mut found = false;
    walk_exprs(block, &mut |e| {
        found |= match e {
            syn::Expr::Binary(b) => {
                matches!(
                    b.op,
                    syn::BinOp::Eq(_)
                        | syn::BinOp::Ne(_)
                        | syn::BinOp::Gt(_)
                        | syn::BinOp::Lt(_)
                        | syn::BinOp::Le(_)
                ) && ((is_len(&b.left) && is_zero(&b.right))
                    || (is_zero(&b.left) && is_len(&b.right)))
            }
            syn::Expr::MethodCall(m) => m.method == "is_empty" && is_len(&m.receiver),
            _ => false,
        };
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_compared_with_zero_is_seen() {
        let f: syn::File = syn::parse_str(
            "fn a() { if n == 0 { return; } } fn b() { if 0 < n as usize {} } \
             fn c() { if n == 1 {} } fn d() { if (*s).count != 0 {} }",
        )
        .expect("test source parses");
        let n: syn::Expr = syn::parse_str("n as usize").expect("test expression parses");
        let count: syn::Expr = syn::parse_str("(*s).count").expect("test expression parses");
        let fns = crate::analysis::functions(&f);
        let checked: Vec<bool> = fns
            .iter()
            .map(|f| zero_length_checked(f.block, &n))
            .collect();
        assert_eq!(checked, [true, true, false, false]);
        assert!(zero_length_checked(fns[3].block, &count));
    }
}
