//! FFI001 — a type without a C layout crosses the boundary.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::analysis::{Locals, TypeResolver, functions, peel, type_last, walk_exprs};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI001: see [`META`].
pub(crate) struct NonFfiSafeType;

static META: RuleMeta = RuleMeta {
    id: "FFI001",
    name: "non-ffi-safe-type",
    summary: "a type with no C layout in an extern signature, callback type or pointer cast",
    default_level: Level::Error,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI001.md")),
};

impl Rule for NonFfiSafeType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let mut checker = Checker {
            cx,
            cfg_attr_repr: cfg_attr_repr_types(cx.syntax),
            names: TypeResolver::of(cx.path, cx.syntax, cx.model),
            generics: HashSet::new(),
            seen: HashSet::new(),
            allowed: allows_improper_ctypes(&cx.syntax.attrs),
            out,
        };
        checker.visit_file(cx.syntax);
        for f in functions(cx.syntax) {
            let locals = Locals::of(&f);
            let variants = socket_addr_bindings(f.block);
            walk_exprs(f.block, &mut |e| {
                checker.cast(e, &locals, &variants);
                checker.write_through_cast(e, &locals, &variants);
                checker.read_through_cast(e, &locals);
            });
        }
    }
}

/// Where a type appears; decides whether pointers to crate types count.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// In an `extern` block declaration: C reads through pointers.
    Foreign,
    /// In a Rust `extern fn` or a function pointer type.
    Callback,
}

struct Checker<'c, 'a> {
    cx: &'c FileContext<'a>,
    cfg_attr_repr: HashSet<String>,
    /// What the file's paths to types can name; aliases are judged by what they name.
    names: TypeResolver<'a>,
    generics: HashSet<String>,
    seen: HashSet<(usize, usize)>,
    /// Inside an item that allows rustc's `improper_ctypes` lints.
    allowed: bool,
    out: &'c mut Vec<Finding>,
}

fn cfg_attr_repr_types(file: &syn::File) -> HashSet<String> {
    struct V(HashSet<String>);
    impl Visit<'_> for V {
        fn visit_item_struct(&mut self, i: &syn::ItemStruct) {
            self.note(&i.attrs, &i.ident);
        }
        fn visit_item_enum(&mut self, i: &syn::ItemEnum) {
            self.note(&i.attrs, &i.ident);
        }
        fn visit_item_union(&mut self, i: &syn::ItemUnion) {
            self.note(&i.attrs, &i.ident);
        }
    }
    impl V {
        fn note(&mut self, attrs: &[syn::Attribute], ident: &syn::Ident) {
            let repr_inside = attrs.iter().any(|a| {
                a.path().is_ident("cfg_attr")
                    && crate::analysis::mentions(&a.meta, "repr")
                    && ["C", "transparent"]
                        .iter()
                        .any(|r| crate::analysis::mentions(&a.meta, r))
            });
            if repr_inside {
                self.0.insert(ident.to_string());
            }
        }
    }
    let mut v = V(HashSet::new());
    v.visit_file(file);
    v.0
}

/// Whether std's type of this name takes type arguments. Written without them (bare
/// `Result`), the name is not std's: vk-mem's `src/ffi.rs` returns ash's `vk::Result`, a
/// `#[repr(transparent)]` `i32`, brought in by `use ash::vk::*`, which shadows the prelude.
fn std_generic(name: &str) -> bool {
    matches!(
        name,
        "Vec"
            | "VecDeque"
            | "HashMap"
            | "HashSet"
            | "BTreeMap"
            | "BTreeSet"
            | "Rc"
            | "Arc"
            | "RefCell"
            | "Mutex"
            | "RwLock"
            | "Result"
    )
}

const STD_NO_LAYOUT: &[&str] = &[
    "String",
    "Vec",
    "VecDeque",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "CString",
    "CStr",
    "OsString",
    "OsStr",
    "PathBuf",
    "Path",
    "Rc",
    "Arc",
    "RefCell",
    "Mutex",
    "RwLock",
    "SocketAddr",
    "SocketAddrV4",
    "SocketAddrV6",
    "IpAddr",
    "Duration",
    "Instant",
    "SystemTime",
    "Result",
];

impl Checker<'_, '_> {
    fn report(&mut self, ty: &syn::Type, why: String) {
        if self.allowed {
            return;
        }
        let loc = self.cx.location_of(ty);
        if self.seen.insert((loc.line, loc.column)) {
            let f = self
                .cx
                .finding(&META, ty.span(), format!("{why} crosses the FFI boundary"))
                .help("use a `#[repr(C)]` type, a C type (`*const c_char`, pointer and length), or an opaque pointer");
            self.out.push(f);
        }
    }

    fn sig(&mut self, sig: &syn::Signature, place: Place) {
        let saved = self.generics.clone();
        self.generics
            .extend(sig.generics.type_params().map(|p| p.ident.to_string()));
        for arg in &sig.inputs {
            if let syn::FnArg::Typed(t) = arg {
                self.check(&t.ty, place, false);
            }
        }
        if let syn::ReturnType::Type(_, ty) = &sig.output {
            self.check(ty, place, false);
        }
        self.generics = saved;
    }

    fn bare_fn(&mut self, f: &syn::TypeBareFn) {
        if f.abi.as_ref().is_none_or(is_rust_abi) {
            return;
        }
        for arg in &f.inputs {
            self.check(&arg.ty, Place::Callback, false);
        }
        if let syn::ReturnType::Type(_, ty) = &f.output {
            self.check(ty, Place::Callback, false);
        }
    }

    /// Checks one type at `place`; `behind_ptr` is true for the pointee of a raw pointer.
    fn check(&mut self, ty: &syn::Type, place: Place, behind_ptr: bool) {
        if let Some(why) = self.problem(ty, place, behind_ptr) {
            self.report(ty, why);
        }
    }

    /// The type an alias `ty` of the file names, unless `ty` is a type parameter here.
    fn resolve_alias(&self, ty: &syn::Type) -> Option<syn::Type> {
        self.names.alias_target(ty, &self.generics)
    }

    fn problem(&mut self, ty: &syn::Type, place: Place, behind_ptr: bool) -> Option<String> {
        if let Some(target) = self.resolve_alias(ty) {
            // A function pointer is checked where the alias defines it, not at each use.
            return match target {
                syn::Type::BareFn(_) => None,
                t => self.problem(&t, place, behind_ptr),
            };
        }
        match ty {
            syn::Type::Paren(p) => self.problem(&p.elem, place, behind_ptr),
            syn::Type::Group(g) => self.problem(&g.elem, place, behind_ptr),
            // C never looks inside what a Rust function receives or a callback is given
            // behind a thin pointer (an opaque handle, `quiche_conn_*(conn: &mut Connection)`):
            // as rustc's `improper_ctypes_definitions`, any sized pointee is fine there.
            _ if behind_ptr && place == Place::Callback => None,
            // `&[u8; 80]` is a thin pointer to the array, as C's `char *buffer` (mozjpeg-sys);
            // outside extern blocks, any reference is.
            syn::Type::Reference(r) => fat(&r.elem).or_else(|| {
                let to_array = matches!(&*r.elem, syn::Type::Array(_));
                self.problem(&r.elem, place, to_array || place == Place::Callback)
            }),
            syn::Type::Ptr(p) => fat(&p.elem).or_else(|| self.problem(&p.elem, place, true)),
            syn::Type::Tuple(t) if !t.elems.is_empty() => Some("a tuple".to_owned()),
            syn::Type::Array(_) if !behind_ptr => Some("an array passed by value".to_owned()),
            syn::Type::Slice(_) | syn::Type::TraitObject(_) | syn::Type::ImplTrait(_) => {
                Some("a type with no C layout".to_owned())
            }
            syn::Type::BareFn(f) => {
                self.bare_fn(f);
                None
            }
            syn::Type::Path(p) => self.path_problem(p, place, behind_ptr),
            _ => None,
        }
    }

    fn path_problem(
        &mut self,
        p: &syn::TypePath,
        place: Place,
        behind_ptr: bool,
    ) -> Option<String> {
        let last = p.path.segments.last()?;
        let name = last.ident.to_string();
        let args: Vec<&syn::Type> = match &last.arguments {
            syn::PathArguments::AngleBracketed(a) => a
                .args
                .iter()
                .filter_map(|g| match g {
                    syn::GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        if self.names.other_crate(&p.path) {
            return None;
        }
        let segs = &p.path.segments;
        let qualifier = (segs.len() >= 2)
            .then(|| segs[segs.len() - 2].ident.to_string())
            .filter(|q| !matches!(q.as_str(), "crate" | "self" | "super"));
        let qualifier = qualifier.as_deref();
        match name.as_str() {
            "char" if p.path.segments.len() == 1 => {
                Some("`char` (a Rust char is not a C char)".to_owned())
            }
            // `*mut Box<dyn Fn()>` points at the box, one thin pointer: user data C hands back.
            "Box" if behind_ptr => None,
            "Box" => args.first().and_then(|t| fat(t)),
            "Option" => {
                let written: &syn::Type = args.first()?;
                let resolved = self.resolve_alias(written);
                let inner = resolved.as_ref().unwrap_or(written);
                (!nullable_pointer(inner)
                    && !self.transparent_pointer(inner)
                    && self.known_sized_value(inner))
                .then(|| format!("`Option<{}>` (no C layout)", crate::analysis::text(written)))
            }
            _ if behind_ptr => (place == Place::Foreign
                && self.crate_type_without_layout(&name, qualifier, true))
            .then(|| format!("a pointer to `{name}`, which has no `repr(C)`,")),
            _ if STD_NO_LAYOUT.contains(&name.as_str())
                && !(matches!(last.arguments, syn::PathArguments::None) && std_generic(&name))
                && self.names.may_be_std(&p.path, &name) =>
            {
                Some(format!("`{name}` (a Rust type with no C layout)"))
            }
            _ => self
                .crate_type_without_layout(&name, qualifier, false)
                .then(|| format!("`{name}`, which has no `repr(C)`,")),
        }
    }

    /// Whether `name` is a type of this crate without a C layout. `module` is the module a
    /// qualified path names it in (see [`TypeResolver::definitions`]).
    fn crate_type_without_layout(
        &self,
        name: &str,
        module: Option<&str>,
        behind_ptr: bool,
    ) -> bool {
        if self.generics.contains(name) || self.cfg_attr_repr.contains(name) {
            return false;
        }
        let mut defs = self.names.definitions(name, module).peekable();
        defs.peek().is_some()
            && defs.all(|t| {
                let opaque_handle = behind_ptr && crate::analysis::opaque(t);
                let empty_enum = t.kind == crate::model::TypeKind::Enum && t.variants.is_empty();
                !(t.has_c_layout() || opaque_handle || empty_enum)
            })
    }

    /// `&value as *const RustType as *const sockaddr`, `&rust_value as *const _ as *const CType`,
    /// or a std value cast through `*const _` to an inferred pointer type
    /// (`SocketAddr::V4(ref a) => a as *const _ as *const _`, the target named elsewhere).
    fn cast(&mut self, e: &syn::Expr, locals: &Locals<'_>, variants: &[VariantBinding]) {
        let syn::Expr::Cast(outer) = e else { return };
        let syn::Type::Ptr(target) = &*outer.ty else {
            return;
        };
        let inferred = matches!(&*target.elem, syn::Type::Infer(_));
        let target_name = type_last(&target.elem);
        // A `repr(transparent)` newtype is not a C struct: `&*(cstr as *const CStr as *const
        // JNIStr)` (jni, imgui) changes the Rust type only.
        let c_target = target_name.as_deref().is_some_and(|n| {
            n.to_ascii_lowercase().starts_with("sockaddr")
                || self
                    .cx
                    .model
                    .types_named(n)
                    .any(|t| t.has_c_layout() && !t.repr.iter().any(|r| r == "transparent"))
        });
        if !c_target && !inferred {
            return;
        }
        let target_name = target_name.unwrap_or_else(|| "an inferred pointer type".to_owned());
        let mut src = peel(&outer.expr);
        let mut through_infer = false;
        if let syn::Expr::Cast(inner) = src {
            if let syn::Type::Ptr(p) = &*inner.ty {
                through_infer = matches!(&*p.elem, syn::Type::Infer(_));
                if c_target
                    && let Some(n) = type_last(&p.elem)
                    && self.rust_only(&n)
                {
                    self.report(&inner.ty, format!("`{n}` reinterpreted as `{target_name}`"));
                    return;
                }
            }
            src = peel(&inner.expr);
        }
        // `x as *const _` alone keeps the pointee; only a second cast can change it.
        if inferred && !through_infer {
            return;
        }
        let (var, borrowed) = match src {
            syn::Expr::Reference(r) => (crate::analysis::ident_name(&r.expr), true),
            other => (crate::analysis::ident_name(other), false),
        };
        let Some(var) = var else { return };
        let at = e.span().start();
        let from_variant = variants
            .iter()
            .filter(|b| b.name == var && b.from <= at && at <= b.to)
            .max_by_key(|b| b.from)
            .map(|b| b.ty.to_owned());
        let name = from_variant.or_else(|| match locals.types.get(&var)? {
            syn::Type::Reference(r) => type_last(&r.elem),
            t if borrowed => type_last(t),
            _ => None,
        });
        let Some(n) = name else { return };
        // Behind an inferred target only std types are judged: their layout is never C's.
        let judged = if inferred {
            STD_NO_LAYOUT.contains(&n.as_str())
        } else {
            self.rust_only(&n)
        };
        if judged {
            self.report(&outer.ty, format!("`{n}` reinterpreted as `{target_name}`"));
        }
    }

    /// `*(&mut storage as *mut _ as *mut _) = addr` with `addr` a std value: the Rust layout
    /// is written into memory of another type (os_socketaddr 0.2.1, RUSTSEC-2022-0052).
    fn write_through_cast(
        &mut self,
        e: &syn::Expr,
        locals: &Locals<'_>,
        variants: &[VariantBinding],
    ) {
        let syn::Expr::Assign(a) = e else { return };
        let syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        }) = peel(&a.left)
        else {
            return;
        };
        let syn::Expr::Cast(outer) = peel(expr) else {
            return;
        };
        let syn::Expr::Cast(inner) = peel(&outer.expr) else {
            return;
        };
        if !(infer_ptr(&outer.ty) && infer_ptr(&inner.ty)) {
            return;
        }
        let Some(var) = crate::analysis::ident_name(&a.right) else {
            return;
        };
        let at = e.span().start();
        let name = variants
            .iter()
            .filter(|b| b.name == var && b.from <= at && at <= b.to)
            .max_by_key(|b| b.from)
            .map(|b| b.ty.to_owned())
            .or_else(|| locals.types.get(&var).and_then(|t| type_last(t)));
        if let Some(n) = name.filter(|n| STD_NO_LAYOUT.contains(&n.as_str())) {
            self.report(
                &outer.ty,
                format!("`{n}` written into memory of another type"),
            );
        }
    }

    /// `SocketAddr::V4(*(self.as_ptr() as *const _))`: memory of another type (a C
    /// `sockaddr`) read as the std address the variant holds. A reference cast once keeps
    /// its pointee, so only a pointer (or a method's result) re-cast to `*const _` is judged.
    fn read_through_cast(&mut self, e: &syn::Expr, locals: &Locals<'_>) {
        let Some((segs, call)) = crate::analysis::call_path(e) else {
            return;
        };
        let held = if crate::analysis::ends_with(&segs, &["SocketAddr", "V4"]) {
            "SocketAddrV4"
        } else if crate::analysis::ends_with(&segs, &["SocketAddr", "V6"]) {
            "SocketAddrV6"
        } else {
            return;
        };
        let Some(syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Deref(_),
            expr,
            ..
        })) = call.args.first().map(peel)
        else {
            return;
        };
        let syn::Expr::Cast(cast) = peel(expr) else {
            return;
        };
        let reference = match peel(&cast.expr) {
            syn::Expr::Reference(_) => true,
            src => crate::analysis::ident_name(src)
                .and_then(|n| locals.types.get(&n))
                .is_some_and(|t| matches!(t, syn::Type::Reference(_))),
        };
        if infer_ptr(&cast.ty) && !reference {
            self.report(&cast.ty, format!("memory of another type read as `{held}`"));
        }
    }

    /// Whether `ty` is known to be a plain value (so `Option<ty>` has no niche C understands):
    /// a primitive, a std type or a type of this crate. Aliases and imports are unknown.
    fn known_sized_value(&self, ty: &syn::Type) -> bool {
        let Some(name) = type_last(ty) else {
            return matches!(ty, syn::Type::Tuple(_) | syn::Type::Array(_));
        };
        crate::analysis::int_width::int_width(&name).is_some()
            || matches!(name.as_str(), "bool" | "char" | "f32" | "f64")
            || STD_NO_LAYOUT.contains(&name.as_str())
            || self.cx.model.types_named(&name).next().is_some()
    }

    /// A `repr(transparent)` type of the crate around a non-null pointer (rav1d's
    /// `SendSyncNonNull<T>(NonNull<T>)`): `Option` of it keeps the null niche C understands.
    fn transparent_pointer(&self, ty: &syn::Type) -> bool {
        let Some(name) = type_last(ty) else {
            return false;
        };
        self.cx.model.types_named(&name).any(|t| {
            t.repr.iter().any(|r| r == "transparent")
                && t.fields
                    .iter()
                    .filter(|f| !f.ty.contains("PhantomData"))
                    .all(|f| {
                        syn::parse_str::<syn::Type>(&f.ty).is_ok_and(|ft| nullable_pointer(&ft))
                    })
        })
    }

    fn rust_only(&self, name: &str) -> bool {
        STD_NO_LAYOUT.contains(&name) || self.crate_type_without_layout(name, None, false)
    }
}

impl Checker<'_, '_> {
    /// Runs `f` with the findings silenced when `attrs` allow rustc's lint for the same defect.
    fn under(&mut self, attrs: &[syn::Attribute], f: impl FnOnce(&mut Self)) {
        let saved = self.allowed;
        self.allowed |= allows_improper_ctypes(attrs);
        f(self);
        self.allowed = saved;
    }
}

impl<'ast> Visit<'ast> for Checker<'_, '_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.under(&m.attrs, |c| visit::visit_item_mod(c, m));
    }
    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.under(&f.attrs, |c| visit::visit_item_fn(c, f));
    }
    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.under(&f.attrs, |c| visit::visit_impl_item_fn(c, f));
    }
    fn visit_item_foreign_mod(&mut self, m: &'ast syn::ItemForeignMod) {
        // `extern "Rust"` is Rust's ABI; `#[wasm_bindgen]` blocks import JavaScript, not C.
        if crate::model::is_c_foreign_block(m) {
            self.under(&m.attrs, |c| visit::visit_item_foreign_mod(c, m));
        }
    }
    fn visit_foreign_item_fn(&mut self, f: &'ast syn::ForeignItemFn) {
        self.under(&f.attrs, |c| c.sig(&f.sig, Place::Foreign));
    }
    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        if sig.abi.as_ref().is_some_and(|a| !is_rust_abi(a)) {
            self.sig(sig, Place::Callback);
        } else {
            visit::visit_signature(self, sig);
        }
    }
    fn visit_type_bare_fn(&mut self, f: &'ast syn::TypeBareFn) {
        self.bare_fn(f);
    }
}

/// `#[allow(improper_ctypes)]` (or `improper_ctypes_definitions`, or `expect`): the author
/// has judged rustc's version of this finding, as libfuzzer-sys does for a slice passed
/// between two Rust functions through a C symbol.
fn allows_improper_ctypes(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let p = a.path();
        if !(p.is_ident("allow") || p.is_ident("expect")) {
            return false;
        }
        let mut found = false;
        let _ = a.parse_nested_meta(|m| {
            found |= m.path.is_ident("improper_ctypes")
                || m.path.is_ident("improper_ctypes_definitions");
            Ok(())
        });
        found
    })
}

fn is_rust_abi(abi: &syn::Abi) -> bool {
    abi.name.as_ref().is_some_and(|n| n.value() == "Rust")
}

/// `*const _` or `*mut _`.
fn infer_ptr(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Ptr(p) if matches!(&*p.elem, syn::Type::Infer(_)))
}

/// `&str`, slices and trait objects are two words wide.
fn fat(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Slice(_) => Some("a slice (pointer and length, two words)".to_owned()),
        syn::Type::TraitObject(_) => Some("a trait object (two words)".to_owned()),
        syn::Type::Path(p) if p.path.is_ident("str") => {
            Some("`str` (pointer and length, not NUL-terminated)".to_owned())
        }
        _ => None,
    }
}

/// `Option<T>` is FFI-safe exactly when `T` has a null niche the compiler guarantees.
fn nullable_pointer(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(_) | syn::Type::BareFn(_) => true,
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            let n = s.ident.to_string();
            matches!(n.as_str(), "Box" | "NonNull") || n.starts_with("NonZero")
        }),
        _ => false,
    }
}

/// A name bound by a `SocketAddr::V4(a)`/`SocketAddr::V6(a)` pattern, the std type it holds,
/// and where the binding is in scope (the `match` arm or `if let`).
struct VariantBinding {
    name: String,
    ty: &'static str,
    from: proc_macro2::LineColumn,
    to: proc_macro2::LineColumn,
}

/// The `SocketAddr::V4(a)`/`V6(a)` bindings of `block` (`a` is a `SocketAddrV4`/`V6`, or a
/// reference to one).
fn socket_addr_bindings(block: &syn::Block) -> Vec<VariantBinding> {
    struct V(Vec<VariantBinding>);
    impl V {
        fn note(&mut self, pat: &syn::Pat, scope: proc_macro2::Span) {
            let syn::Pat::TupleStruct(t) = pat else {
                if let syn::Pat::Or(o) = pat {
                    for p in &o.cases {
                        self.note(p, scope);
                    }
                }
                return;
            };
            let mut last = t.path.segments.iter().rev().map(|s| s.ident.to_string());
            let ty = match (last.next().as_deref(), last.next().as_deref()) {
                (Some("V4"), Some("SocketAddr")) => "SocketAddrV4",
                (Some("V6"), Some("SocketAddr")) => "SocketAddrV6",
                _ => return,
            };
            if let [syn::Pat::Ident(id)] = t.elems.iter().collect::<Vec<_>>()[..] {
                self.0.push(VariantBinding {
                    name: id.ident.to_string(),
                    ty,
                    from: scope.start(),
                    to: scope.end(),
                });
            }
        }
    }
    impl<'ast> Visit<'ast> for V {
        fn visit_arm(&mut self, arm: &'ast syn::Arm) {
            self.note(&arm.pat, arm.span());
            visit::visit_arm(self, arm);
        }
        fn visit_expr_if(&mut self, i: &'ast syn::ExprIf) {
            if let syn::Expr::Let(l) = &*i.cond {
                self.note(&l.pat, i.span());
            }
            visit::visit_expr_if(self, i);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(Vec::new());
    v.visit_block(block);
    v.0
}

#[cfg(test)]
mod tests {
    use super::NonFfiSafeType;

    fn messages(src: &str) -> Vec<String> {
        crate::check_source("lib.rs", src, &[&NonFfiSafeType])
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_module_qualified_alias_is_resolved_in_its_module() {
        // gdal-sys 0.11 and capstone-sys 0.17 prebuilt bindings: bindgen's "moduleconsts"
        // enums alias `Type` in hundreds of modules; another `Type` has no C layout.
        let src = "pub struct Type { name: String }\n\
            pub mod CPLErr { pub type Type = ::std::ffi::c_uint; }\n\
            pub mod OGRErr { pub type Type = ::std::ffi::c_int; }\n\
            extern \"C\" { pub fn CPLGetLastErrorType() -> CPLErr::Type; }\n";
        assert_eq!(messages(src), Vec::<String>::new());
        let rust_type = "pub struct Type { name: String }\n\
            pub mod CPLErr { pub type Type = super::Type; }\n\
            extern \"C\" { pub fn CPLGetLastErrorType(t: CPLErr::Type); }\n";
        assert_eq!(messages(rust_type).len(), 1);
    }

    #[test]
    fn a_reference_to_an_array_is_a_pointer() {
        // mozjpeg-sys 2.2: `format_message: Option<fn(&mut jpeg_common_struct, &[u8; 80])>`.
        let src = "extern \"C\" { fn format(buffer: &mut [u8; 80]); fn by_value(b: [u8; 80]); }\n";
        assert_eq!(
            messages(src),
            ["an array passed by value crosses the FFI boundary"]
        );
    }
}
