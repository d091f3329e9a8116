//! FFI016 — `Clone` on a type whose `Drop` releases a C resource.

use std::collections::{HashMap, HashSet};

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::analysis::{mentions, walk_exprs};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI016: see [`META`].
pub(crate) struct CloneOfForeignOwner;

static META: RuleMeta = RuleMeta {
    id: "FFI016",
    name: "clone-of-foreign-owner",
    summary: "`Clone` copies a handle whose `Drop` frees a C resource (double free)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI016.md")),
};

impl Rule for CloneOfForeignOwner {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let mut v = Impls::new(cx);
        v.visit_file(cx.syntax);
        for (name, span) in v.owning_copies() {
            // A `Drop` in another file of this crate: the model knows whether it calls C. When
            // several types of the crate share the name, such a `Drop` may belong to any of
            // them, so only a `Drop` in this file counts.
            let ours = |file: &str| crate::analysis::same_crate(file, cx.path);
            let elsewhere = || {
                let same_name = cx.model.types_named(&name);
                if same_name
                    .filter(|t| ours(&t.location.file))
                    .nth(1)
                    .is_some()
                {
                    return None;
                }
                cx.model
                    .drop_impls
                    .iter()
                    .find(|d| {
                        d.type_name == *name
                            && d.releases_foreign
                            && !d.shared
                            && ours(&d.location.file)
                    })
                    .map(|d| format!("C (in {}:{})", d.location.file, d.location.line))
            };
            if let Some(free) = v.drops.get(&name).cloned().or_else(elsewhere) {
                out.push(finding(cx, &name, &free, span));
            }
        }
        // Types a `macro_rules!` of the file generates with their `Drop` (tract-proxy's
        // `wrapper!`): each arm on its own, its type names being metavariables (`$new_type`).
        for arm in crate::analysis::macro_bodies::macro_arms(cx.syntax, cx.source.text()) {
            let mut m = Impls::new(cx);
            m.visit_file(&arm.items);
            for (name, span) in m.owning_copies() {
                if let Some(free) = m.drops.get(&name) {
                    // Name a metavariable as the macro writes it: `$new_type`, `` `$dest` ``.
                    let written = |n: &str| match arm.metavariables.contains(n) {
                        true => format!("${n}"),
                        false => n.to_owned(),
                    };
                    let free = match free.strip_prefix('`').and_then(|f| f.strip_suffix('`')) {
                        Some(f) => format!("`{}`", written(f)),
                        None => free.clone(),
                    };
                    out.push(finding(cx, &written(&name), &free, span));
                }
            }
        }
    }
}

fn finding(cx: &FileContext<'_>, name: &str, free: &str, span: proc_macro2::Span) -> Finding {
    cx.finding(
        &META,
        span,
        format!("`{name}` is `Clone` but its `Drop` calls {free}: clones free the same C object"),
    )
    .help("remove `Clone`, or clone through the library's dup/ref function")
}

struct Impls<'c, 'a> {
    cx: &'c FileContext<'a>,
    /// Bare names the file imports from bindings modules (`use libseccomp_sys::*;`).
    bindings: crate::analysis::bindings_use::BindingsUse,
    /// Type name → the foreign function its `drop` calls.
    drops: HashMap<String, String>,
    /// Type name → the `bool` fields whose values let its `drop` call C, and those values
    /// (metacall's `if !self.leak { metacall_value_destroy(..) }`: `("leak", false)`).
    drop_guards: HashMap<String, Vec<(String, bool)>>,
    /// Hand-written clones that only copy fields, with the `bool` literals they set.
    manual_clones: Vec<ManualClone>,
    /// Types whose hand-written `Clone` calls something: trusted to duplicate.
    deep_clones: HashSet<String>,
    /// Hand-written clones that convert a field of `self` into `Self` (`self.raw.into()`):
    /// field copies when the type's `From` only builds the struct.
    converting_clones: Vec<ManualClone>,
    /// Types with a `From` impl whose `from` only builds the struct (capsule's
    /// `Mbuf { raw }`).
    from_builds: HashSet<String>,
    /// `#[derive(Clone)]` types with the types of their fields.
    derived: Vec<(String, proc_macro2::Span, Vec<String>)>,
}

/// A hand-written `Clone` that copies fields.
struct ManualClone {
    ty: String,
    span: proc_macro2::Span,
    /// `Self { leak: true, .. }`: fields the clone sets to a `bool` literal.
    flags: Vec<(String, bool)>,
}

impl<'c, 'a> Impls<'c, 'a> {
    fn new(cx: &'c FileContext<'a>) -> Self {
        Impls {
            cx,
            bindings: crate::analysis::bindings_use::BindingsUse::of(cx.syntax),
            drops: HashMap::new(),
            drop_guards: HashMap::new(),
            manual_clones: Vec::new(),
            deep_clones: HashSet::new(),
            converting_clones: Vec::new(),
            from_builds: HashSet::new(),
            derived: Vec::new(),
        }
    }

    /// The `Clone`s that copy an owner: a derive whose fields are not all of types with a
    /// duplicating `Clone` of their own (cef's `UserFreeData`), and a field-copying clone
    /// unless it sets the flag that keeps its `drop` from freeing (metacall's `leak: true`).
    fn owning_copies(&self) -> Vec<(String, proc_macro2::Span)> {
        let derived = self
            .derived
            .iter()
            .filter(|(_, _, fields)| {
                fields.is_empty() || !fields.iter().all(|f| self.deep_clones.contains(f))
            })
            .map(|(name, span, _)| (name.clone(), *span));
        let converting = self
            .converting_clones
            .iter()
            .filter(|c| self.from_builds.contains(&c.ty));
        let manual = self
            .manual_clones
            .iter()
            .chain(converting)
            .filter(|c| {
                !self.drop_guards.get(&c.ty).is_some_and(|guards| {
                    guards.iter().all(|(field, frees_when)| {
                        c.flags
                            .iter()
                            .any(|(f, value)| f == field && value != frees_when)
                    })
                })
            })
            .map(|c| (c.ty.clone(), c.span));
        derived.chain(manual).collect()
    }

    /// The flags a `drop` body tests before it calls C: every foreign call sits under
    /// `if !self.flag { .. }` (or `if self.flag`), at the top of the body or of an `unsafe`
    /// block, with no `else` (metacall's `MetaCallPointer` tests `leak` before
    /// `metacall_value_destroy` and `rust_value_leak` before `Box::from_raw`).
    fn free_guard(&self, ty: &str, block: &syn::Block) -> Option<Vec<(String, bool)>> {
        let mut guards = Vec::new();
        let mut rest = block.clone();
        rest.stmts = Vec::new();
        for stmt in top_level_stmts(block) {
            let mut one = block.clone();
            one.stmts = vec![stmt.clone()];
            match flag_guard(stmt) {
                Some(g) if self.foreign_call_in(ty, &one).is_some() => guards.push(g),
                Some(_) => {}
                None => rest.stmts.push(stmt.clone()),
            }
        }
        match self.foreign_call_in(ty, &rest) {
            None if !guards.is_empty() => Some(guards),
            _ => None,
        }
    }

    fn foreign_call_in(&self, ty: &str, block: &syn::Block) -> Option<String> {
        // `let func = bindings::drmModeFreeResources;` then `func(self.ptr)` (libdrm).
        let mut bound_fns: HashMap<String, String> = HashMap::new();
        for stmt in &block.stmts {
            if let syn::Stmt::Local(l) = stmt
                && let syn::Pat::Ident(id) = &l.pat
                && let Some(init) = &l.init
                && let syn::Expr::Path(p) = crate::analysis::peel(&init.expr)
                && (self.cx.foreign_path(&p.path).is_some() || self.bindings.provides(&p.path))
                && let Some(last) = p.path.segments.last()
            {
                bound_fns.insert(id.ident.to_string(), last.ident.to_string());
            }
        }
        // A field of C function-pointer type called in `drop`: arrow2's `release` callback.
        let fn_fields: Vec<String> = self
            .cx
            .model
            .types_named(ty)
            .flat_map(|t| t.fields.iter())
            .filter(|f| f.ty.contains("extern") && f.ty.contains("fn"))
            .filter_map(|f| f.name.clone())
            .collect();
        let mut found = None;
        walk_exprs(block, &mut |e| {
            if found.is_some() {
                return;
            }
            let Some((segs, call)) = crate::analysis::call_path(e) else {
                if let syn::Expr::Call(c) = e
                    && let syn::Expr::Field(f) = crate::analysis::peel(&c.func)
                    && let syn::Member::Named(m) = &f.member
                    && fn_fields.contains(&m.to_string())
                {
                    found = Some(m.to_string());
                }
                return;
            };
            let syn::Expr::Path(p) = &*call.func else {
                return;
            };
            let last = segs.last().cloned();
            if self.cx.foreign_callee(e).is_some() || self.bindings.provides(&p.path) {
                found = last;
            } else if let Some(name) = last.as_ref().and_then(|n| bound_fns.get(n)) {
                found = Some(name.clone());
            } else if segs.len() == 1 && last.as_ref().is_some_and(|n| fn_fields.contains(n)) {
                found = last;
            }
        });
        found
    }

    /// A method of `ty` that `drop` calls on `self` (`self.destroy()`), written in this file
    /// in an inherent `impl`, and the C function its body calls to free: one level deep.
    fn free_through_method(&self, ty: &str, drop: &syn::Block) -> Option<(String, String)> {
        let mut called = Vec::new();
        walk_exprs(drop, &mut |e| {
            if let syn::Expr::MethodCall(m) = e
                && m.args.is_empty()
                && matches!(crate::analysis::peel(&m.receiver), syn::Expr::Path(p) if p.path.is_ident("self"))
            {
                called.push(m.method.to_string());
            }
        });
        called.into_iter().find_map(|method| {
            let body = inherent_method(self.cx.syntax, ty, &method)?;
            let free = self.foreign_call_in(ty, body)?;
            Some((method, free))
        })
    }

    fn derives_clone(&mut self, attrs: &[syn::Attribute], ident: &syn::Ident, fields: Vec<String>) {
        for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
            if mentions(&a.meta, "Clone") {
                self.derived
                    .push((ident.to_string(), a.span(), fields.clone()));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Impls<'_, '_> {
    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        let fields = field_types(&i.fields);
        self.derives_clone(&i.attrs, &i.ident, fields);
    }
    fn visit_item_enum(&mut self, i: &'ast syn::ItemEnum) {
        let fields = i
            .variants
            .iter()
            .flat_map(|v| field_types(&v.fields))
            .collect();
        self.derives_clone(&i.attrs, &i.ident, fields);
    }
    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        syn::visit::visit_item_impl(self, i);
        let Some((None, path, _)) = &i.trait_ else {
            return;
        };
        let Some(tr) = path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        let Some(ty) = crate::analysis::type_last(&i.self_ty) else {
            return;
        };
        let body = i.items.iter().find_map(|it| match it {
            syn::ImplItem::Fn(f) => Some(&f.block),
            _ => None,
        });
        match (tr.as_str(), body) {
            // imgui's `SharedFontAtlas(Rc<*mut ImFontAtlas>)` frees only when
            // `Rc::strong_count(..) == 1`: clones share one owner.
            ("Drop", Some(b)) if !asks_last_reference(b) => {
                if let Some(free) = self.foreign_call_in(&ty, b) {
                    if let Some(guard) = self.free_guard(&ty, b) {
                        self.drop_guards.insert(ty.clone(), guard);
                    }
                    self.drops.insert(ty, format!("`{free}`"));
                } else if let Some((method, free)) = self.free_through_method(&ty, b) {
                    // vk-mem's `drop` calls `self.destroy()`, which frees.
                    self.drops
                        .insert(ty, format!("`{free}` (through `self.{method}()`)"));
                }
            }
            ("Clone", Some(b))
                if copies_fields(b, |e| crate::analysis::is_constructor_call(self.cx, e)) =>
            {
                self.manual_clones.push(ManualClone {
                    ty,
                    span: i.impl_token.span,
                    flags: bool_literal_fields(b),
                });
            }
            ("Clone", Some(b)) if converts_a_field(b) => {
                self.converting_clones.push(ManualClone {
                    ty,
                    span: i.impl_token.span,
                    flags: Vec::new(),
                });
            }
            ("Clone", Some(_)) => {
                self.deep_clones.insert(ty);
            }
            ("From", Some(b))
                if copies_fields(b, |e| crate::analysis::is_constructor_call(self.cx, e)) =>
            {
                self.from_builds.insert(ty);
            }
            _ => {}
        }
    }
}

/// The body of method `name` in an inherent `impl` of `ty` anywhere in `file`.
fn inherent_method<'f>(file: &'f syn::File, ty: &str, name: &str) -> Option<&'f syn::Block> {
    struct Find<'f, 'n> {
        ty: &'n str,
        name: &'n str,
        found: Option<&'f syn::Block>,
    }
    impl<'f> Visit<'f> for Find<'f, '_> {
        fn visit_item_impl(&mut self, i: &'f syn::ItemImpl) {
            if self.found.is_some()
                || i.trait_.is_some()
                || crate::analysis::type_last(&i.self_ty).as_deref() != Some(self.ty)
            {
                return;
            }
            self.found = i.items.iter().find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == self.name => Some(&f.block),
                _ => None,
            });
        }
    }
    let mut find = Find {
        ty,
        name,
        found: None,
    };
    find.visit_file(file);
    find.found
}

/// A clone body that is one conversion of a field of `self`: `self.raw.into()`,
/// `Self::from(self.raw)`, `From::from(self.raw)`.
fn converts_a_field(b: &syn::Block) -> bool {
    let [syn::Stmt::Expr(e, None)] = b.stmts.as_slice() else {
        return false;
    };
    let self_field = |e: &syn::Expr| {
        matches!(crate::analysis::peel(e), syn::Expr::Field(f)
            if matches!(crate::analysis::peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self")))
    };
    match crate::analysis::peel(e) {
        syn::Expr::MethodCall(m) => {
            m.method == "into" && m.args.is_empty() && self_field(&m.receiver)
        }
        syn::Expr::Call(c) => {
            let from = matches!(&*c.func, syn::Expr::Path(p)
                if p.path.segments.last().is_some_and(|s| s.ident == "from"));
            from && c.args.len() == 1 && c.args.first().is_some_and(self_field)
        }
        _ => false,
    }
}

/// The last segment of each field's type: `UserFreeData` for `UserFreeData<_cef_string_t>`.
fn field_types(fields: &syn::Fields) -> Vec<String> {
    fields
        .iter()
        .map(|f| crate::analysis::type_last(&f.ty).unwrap_or_default())
        .collect()
}

/// The statements of a body, with those of a top-level `unsafe { .. }` block in its place.
fn top_level_stmts(block: &syn::Block) -> Vec<&syn::Stmt> {
    let mut out = Vec::new();
    for stmt in &block.stmts {
        match stmt {
            syn::Stmt::Expr(syn::Expr::Unsafe(u), _) => out.extend(top_level_stmts(&u.block)),
            _ => out.push(stmt),
        }
    }
    out
}

/// `if !self.flag { .. }` → `("flag", false)`, `if self.flag { .. }` → `("flag", true)`: the
/// field and the value under which the body runs. No `else`.
fn flag_guard(stmt: &syn::Stmt) -> Option<(String, bool)> {
    let syn::Stmt::Expr(syn::Expr::If(i), _) = stmt else {
        return None;
    };
    if i.else_branch.is_some() {
        return None;
    }
    let (cond, runs_when) = match crate::analysis::peel(&i.cond) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => (&*u.expr, false),
        other => (other, true),
    };
    let syn::Expr::Field(f) = crate::analysis::peel(cond) else {
        return None;
    };
    let syn::Member::Named(name) = &f.member else {
        return None;
    };
    matches!(crate::analysis::peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self"))
        .then(|| (name.to_string(), runs_when))
}

/// Fields a clone body's struct literal sets to `true` or `false`.
fn bool_literal_fields(b: &syn::Block) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    walk_exprs(b, &mut |e| {
        if let syn::Expr::Struct(s) = e {
            for fv in &s.fields {
                if let syn::Member::Named(name) = &fv.member
                    && let syn::Expr::Lit(l) = crate::analysis::peel(&fv.expr)
                    && let syn::Lit::Bool(v) = &l.lit
                {
                    out.push((name.to_string(), v.value));
                }
            }
        }
    });
    out
}

fn asks_last_reference(b: &syn::Block) -> bool {
    let mut found = false;
    walk_exprs(b, &mut |e| {
        if let syn::Expr::Call(c) = e
            && let syn::Expr::Path(p) = &*c.func
        {
            found |= crate::model::asks_last_reference(&p.path);
        }
    });
    found
}

/// A clone body that only copies fields: no call at all except `self.field.clone()` and
/// tuple-struct constructors, and no macro (whose body might duplicate the resource).
/// Anything else delegates to code that may duplicate the C object (`dup`, `up_ref`, another
/// wrapper's `clone`), which syntax cannot judge. `GEOSGeom_clone(..)` and
/// `MQTTProperties_copy(..)` are C copies, not tuple structs (see
/// [`crate::analysis::is_constructor_call`]).
fn copies_fields(b: &syn::Block, constructor: impl Fn(&syn::Expr) -> bool) -> bool {
    if !crate::analysis::macros_in(b).is_empty() {
        return false;
    }
    let mut delegates = false;
    walk_exprs(b, &mut |e| match e {
        syn::Expr::MethodCall(m) => {
            let field_clone = m.method == "clone"
                && matches!(crate::analysis::peel(&m.receiver), syn::Expr::Field(f)
                    if matches!(crate::analysis::peel(&f.base), syn::Expr::Path(p) if p.path.is_ident("self")));
            delegates |= !field_clone;
        }
        syn::Expr::Call(_) => {
            delegates |= !constructor(e);
        }
        _ => {}
    });
    !delegates
}

#[cfg(test)]
mod tests {
    use super::CloneOfForeignOwner;

    fn count(src: &str) -> usize {
        crate::check_source("lib.rs", src, &[&CloneOfForeignOwner]).len()
    }

    #[test]
    fn a_clone_through_a_c_copy_function_is_not_a_field_copy() {
        let drop = "extern \"C\" { fn GEOSGeom_clone(g: *mut G) -> *mut G; fn GEOSGeom_destroy(g: *mut G); }\n\
            pub struct Geom(*mut G);\n\
            impl Drop for Geom { fn drop(&mut self) {\n\
            // SAFETY: the geometry is ours and dropped once.\n\
            unsafe { GEOSGeom_destroy(self.0) } } }\n";
        // geos 1.0.0: the clone asks GEOS for a deep copy.
        let deep = format!(
            "{drop}impl Clone for Geom {{ fn clone(&self) -> Geom {{\n\
             // SAFETY: self.0 is a live geometry.\n\
             Geom(unsafe {{ GEOSGeom_clone(self.0) }}) }} }}\n"
        );
        assert_eq!(count(&deep), 0);
        // A tuple-struct constructor around the same pointer copies the handle.
        let shallow =
            format!("{drop}impl Clone for Geom {{ fn clone(&self) -> Geom {{ Geom(self.0) }} }}\n");
        assert_eq!(count(&shallow), 1);
    }
}
