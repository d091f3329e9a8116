//! Which calls in an `extern "C"` function run a closure the crate's user supplied: the value
//! called is a boxed or borrowed `dyn Fn*`, a generic parameter bounded by `Fn*`, a field whose
//! type is one of those, or a value taken out of the user-data pointer C hands back.
//!
//! Calls of paths (`foo(x)`, `Self::bar()`) are calls of functions the crate wrote, and a value
//! whose type is an `extern "C" fn` pointer is C code; neither is a user closure.

use std::collections::{HashMap, HashSet};

use syn::visit::{self, Visit};

use crate::analysis::{FnItem, mentions, peel};

/// The traits a closure implements.
const FN_TRAITS: &[&str] = &["Fn", "FnMut", "FnOnce"];

/// Wrappers whose first type argument is what a call through them runs.
const WRAPPERS: &[&str] = &[
    "Box",
    "Rc",
    "Arc",
    "Option",
    "RefCell",
    "Mutex",
    "RwLock",
    "Cell",
    "ManuallyDrop",
    "Pin",
    "NonNull",
];

/// Methods that reach the closure inside a wrapper (`cb.as_mut().unwrap()(x)`).
const ADAPTERS: &[&str] = &[
    "unwrap",
    "expect",
    "as_ref",
    "as_mut",
    "as_deref",
    "as_deref_mut",
    "borrow",
    "borrow_mut",
    "lock",
    "write",
    "get_mut",
    "deref",
    "deref_mut",
    "as_ptr",
];

/// How deep a chain of `let a = b;` bindings is followed.
const MAX_DEPTH: usize = 4;

/// Named fields of the file's structs: for each field name, whether each field of that name
/// holds a closure; and the file's type aliases of closure types.
pub(super) struct ClosureFields {
    fields: HashMap<String, Vec<bool>>,
    /// `type Callback<'a> = dyn FnMut(i32) + 'a;`, `type Cb = Box<dyn Fn()>;`.
    aliases: HashSet<String>,
}

impl ClosureFields {
    /// Collects every struct and type alias of the file, including those declared inside
    /// functions.
    pub(super) fn of(file: &syn::File) -> Self {
        let aliases = closure_aliases(file);
        struct S<'l>(HashMap<String, Vec<bool>>, &'l HashSet<String>);
        impl Visit<'_> for S<'_> {
            fn visit_item_struct(&mut self, s: &syn::ItemStruct) {
                let mut generics = fn_bounded(&s.generics);
                generics.extend(self.1.iter().cloned());
                let params: HashSet<String> = s
                    .generics
                    .type_params()
                    .map(|p| p.ident.to_string())
                    .collect();
                for field in &s.fields {
                    let Some(name) = &field.ident else { continue };
                    // A field typed by a bare type parameter and called must be bounded by
                    // `Fn*` where it is used, even when the struct itself does not say so.
                    let bare_param = match &field.ty {
                        syn::Type::Path(p) => {
                            p.qself.is_none()
                                && p.path
                                    .get_ident()
                                    .is_some_and(|i| params.contains(&i.to_string()))
                        }
                        _ => false,
                    };
                    let closure = bare_param || closure_type(&field.ty, &generics);
                    self.0.entry(name.to_string()).or_default().push(closure);
                }
                visit::visit_item_struct(self, s);
            }
        }
        let mut s = S(HashMap::new(), &aliases);
        s.visit_file(file);
        ClosureFields {
            fields: s.0,
            aliases,
        }
    }

    /// Whether a field of this name is a closure: every struct field of that name in the file
    /// is one (a same-named `extern "C" fn` field elsewhere makes the call ambiguous).
    fn is_closure(&self, name: &str) -> bool {
        self.fields
            .get(name)
            .is_some_and(|kinds| !kinds.is_empty() && kinds.iter().all(|k| *k))
    }
}

/// Names of the file's type aliases that stand for a closure type, directly or through
/// another such alias (portaudio-rs: `type StreamCallback<'a, I, O> = FnMut(&[I], &mut [O])
/// -> StreamCallbackResult + 'a;`, used as `Option<Box<StreamCallback<'a, I, O>>>`).
fn closure_aliases(file: &syn::File) -> HashSet<String> {
    struct A<'f>(Vec<(String, &'f syn::Type)>);
    impl<'f> Visit<'f> for A<'f> {
        fn visit_item_type(&mut self, t: &'f syn::ItemType) {
            self.0.push((t.ident.to_string(), &t.ty));
        }
    }
    let mut found = A(Vec::new());
    found.visit_file(file);
    let mut aliases = HashSet::new();
    // Aliases of aliases: a few rounds reach every chain a crate writes.
    loop {
        let before = aliases.len();
        for (name, ty) in &found.0 {
            if !aliases.contains(name) && closure_type(ty, &aliases) {
                aliases.insert(name.clone());
            }
        }
        if aliases.len() == before {
            return aliases;
        }
    }
}

/// Type parameters of `generics` bounded by an `Fn*` trait, inline or in the `where` clause.
fn fn_bounded(generics: &syn::Generics) -> HashSet<String> {
    let mut out = HashSet::new();
    for p in generics.type_params() {
        if p.bounds.iter().any(is_fn_bound) {
            out.insert(p.ident.to_string());
        }
    }
    for pred in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        if let syn::WherePredicate::Type(t) = pred
            && let syn::Type::Path(p) = &t.bounded_ty
            && let Some(ident) = p.path.get_ident()
            && t.bounds.iter().any(is_fn_bound)
        {
            out.insert(ident.to_string());
        }
    }
    out
}

fn is_fn_bound(b: &syn::TypeParamBound) -> bool {
    matches!(b, syn::TypeParamBound::Trait(t)
        if t.path.segments.last().is_some_and(|s| FN_TRAITS.contains(&s.ident.to_string().as_str())))
}

/// Whether a value of type `ty` is a closure: `dyn Fn*`, `impl Fn*`, a parameter in
/// `fn_generics`, or one of those behind references, pointers and [`WRAPPERS`]. Function
/// pointers (`fn(..)`, `extern "C" fn(..)`) are not.
fn closure_type(ty: &syn::Type, fn_generics: &HashSet<String>) -> bool {
    match ty {
        syn::Type::Reference(r) => closure_type(&r.elem, fn_generics),
        syn::Type::Ptr(p) => closure_type(&p.elem, fn_generics),
        syn::Type::Paren(p) => closure_type(&p.elem, fn_generics),
        syn::Type::Group(g) => closure_type(&g.elem, fn_generics),
        syn::Type::TraitObject(t) => t.bounds.iter().any(is_fn_bound),
        syn::Type::ImplTrait(t) => t.bounds.iter().any(is_fn_bound),
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return false;
            };
            let name = last.ident.to_string();
            // `Box<FnMut(bool)>`: a trait object written without `dyn` (edition 2015).
            if FN_TRAITS.contains(&name.as_str())
                && matches!(last.arguments, syn::PathArguments::Parenthesized(_))
            {
                return true;
            }
            if p.path.segments.len() == 1 && fn_generics.contains(&name) {
                return true;
            }
            if !WRAPPERS.contains(&name.as_str()) {
                return false;
            }
            let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
                return false;
            };
            args.args.iter().find_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(closure_type(t, fn_generics)),
                _ => None,
            }) == Some(true)
        }
        _ => false,
    }
}

/// Whether a type anywhere in `node` (a cast target, a turbofish) is a closure type, and none
/// is a function pointer with a non-Rust ABI.
fn names_closure_type(node: &syn::Expr, fn_generics: &HashSet<String>) -> bool {
    struct T<'g> {
        generics: &'g HashSet<String>,
        closure: bool,
        c_fn: bool,
    }
    impl Visit<'_> for T<'_> {
        fn visit_type(&mut self, ty: &syn::Type) {
            if closure_type(ty, self.generics) {
                self.closure = true;
            }
            visit::visit_type(self, ty);
        }
        fn visit_type_bare_fn(&mut self, f: &syn::TypeBareFn) {
            if f.abi.is_some() {
                self.c_fn = true;
            }
            visit::visit_type_bare_fn(self, f);
        }
        fn visit_item(&mut self, _: &syn::Item) {}
    }
    let mut t = T {
        generics: fn_generics,
        closure: false,
        c_fn: false,
    };
    t.visit_expr(node);
    t.closure && !t.c_fn
}

/// What syntax says about the local names of one `extern "C"` function.
pub(super) struct CallbackValues<'a> {
    fields: &'a ClosureFields,
    /// Type parameters of the function bounded by `Fn*`, and the file's aliases of closure
    /// types: names that stand for a closure type.
    fn_generics: HashSet<String>,
    /// Parameters that are raw pointers: the user data C hands back.
    raw_params: Vec<String>,
    /// Written types of parameters, `let x: T` and typed closure parameters.
    types: HashMap<String, &'a syn::Type>,
    /// Where a name's value comes from: the `let` initializer, or the scrutinee of the
    /// `match`/`if let`/`for` pattern that bound it.
    origins: HashMap<String, &'a syn::Expr>,
}

impl<'a> CallbackValues<'a> {
    /// Collects the bindings of `f`.
    pub(super) fn of(f: &FnItem<'a>, fields: &'a ClosureFields) -> Self {
        let mut v = CallbackValues {
            fields,
            fn_generics: fn_bounded(&f.sig.generics)
                .into_iter()
                .chain(fields.aliases.iter().cloned())
                .collect(),
            raw_params: Vec::new(),
            types: HashMap::new(),
            origins: HashMap::new(),
        };
        for (name, ty) in f.params() {
            if matches!(ty, syn::Type::Ptr(_)) {
                v.raw_params.push(name.clone());
            }
            v.types.insert(name, ty);
        }
        Bindings(&mut v).visit_block(f.block);
        v
    }

    /// If the call `callee(..)` runs a user-supplied closure, how to name it in a message.
    pub(super) fn user_closure(&self, callee: &syn::Expr) -> Option<String> {
        self.closure_value(callee, 0)
            .then(|| crate::analysis::text(peel(callee)))
    }

    fn closure_value(&self, e: &syn::Expr, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match strip(e) {
            syn::Expr::Path(p) if p.qself.is_none() => {
                let Some(ident) = p.path.get_ident() else {
                    return false;
                };
                let name = ident.to_string();
                if let Some(ty) = self.types.get(&name) {
                    return closure_type(ty, &self.fn_generics);
                }
                self.origins
                    .get(&name)
                    .is_some_and(|init| self.closure_origin(init, depth + 1))
            }
            syn::Expr::Field(f) => match &f.member {
                syn::Member::Named(name) => self.fields.is_closure(&name.to_string()),
                syn::Member::Unnamed(_) => false,
            },
            _ => false,
        }
    }

    /// Whether a binding's origin is a closure: a closure-valued place, or an expression that
    /// reads the user-data pointer as a closure type (`&mut *(data as *mut Box<dyn FnMut()>)`,
    /// `get_callback::<dyn FnMut()>(data)`) or through a helper that takes it.
    fn closure_origin(&self, init: &syn::Expr, depth: usize) -> bool {
        let init = peel(init);
        if matches!(init, syn::Expr::Closure(_)) {
            return false;
        }
        if self.closure_value(init, depth) {
            return true;
        }
        // A field read (`(*table).func`) is judged by the field's declared type alone: tables
        // that C fills hold C function pointers.
        if matches!(strip(init), syn::Expr::Field(_)) {
            return false;
        }
        if names_closure_type(init, &self.fn_generics) {
            return true;
        }
        let mut c_fn = false;
        FnPtrTypes(&mut c_fn).visit_expr(init);
        !c_fn && self.raw_params.iter().any(|p| mentions(init, p))
    }
}

/// Sets its flag when it meets a function-pointer type.
struct FnPtrTypes<'f>(&'f mut bool);

impl Visit<'_> for FnPtrTypes<'_> {
    fn visit_type_bare_fn(&mut self, _: &syn::TypeBareFn) {
        *self.0 = true;
    }
    fn visit_item(&mut self, _: &syn::Item) {}
}

/// Removes parentheses, `*`, `&`/`&mut`, `unsafe {}` and [`ADAPTERS`] around a callee.
fn strip(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = peel(e);
        e = match e {
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            syn::Expr::Reference(r) => &r.expr,
            syn::Expr::MethodCall(m) if ADAPTERS.contains(&m.method.to_string().as_str()) => {
                &m.receiver
            }
            syn::Expr::Try(t) => &t.expr,
            _ => return e,
        };
    }
}

/// Records the types and origins of the names a function body binds. Scopes are not tracked:
/// the last binding of a name wins.
struct Bindings<'v, 'a>(&'v mut CallbackValues<'a>);

impl<'a> Bindings<'_, 'a> {
    fn bind(&mut self, pat: &'a syn::Pat, origin: Option<&'a syn::Expr>) {
        struct Names(Vec<String>);
        impl Visit<'_> for Names {
            fn visit_pat_ident(&mut self, id: &syn::PatIdent) {
                self.0.push(id.ident.to_string());
                visit::visit_pat_ident(self, id);
            }
            fn visit_expr(&mut self, _: &syn::Expr) {}
        }
        let (pat, ty) = match pat {
            syn::Pat::Type(t) => (&*t.pat, Some(&*t.ty)),
            p => (p, None),
        };
        let mut names = Names(Vec::new());
        names.visit_pat(pat);
        let single = matches!(pat, syn::Pat::Ident(_));
        for name in names.0 {
            match ty.filter(|_| single) {
                Some(ty) => self.0.types.insert(name.clone(), ty),
                None => self.0.types.remove(&name),
            };
            match origin {
                Some(o) => self.0.origins.insert(name, o),
                None => self.0.origins.remove(&name),
            };
        }
    }
}

impl<'a> Visit<'a> for Bindings<'_, 'a> {
    fn visit_local(&mut self, l: &'a syn::Local) {
        self.bind(&l.pat, l.init.as_ref().map(|i| &*i.expr));
        visit::visit_local(self, l);
    }
    fn visit_expr_match(&mut self, m: &'a syn::ExprMatch) {
        for arm in &m.arms {
            self.bind(&arm.pat, Some(&m.expr));
        }
        visit::visit_expr_match(self, m);
    }
    fn visit_expr_let(&mut self, e: &'a syn::ExprLet) {
        self.bind(&e.pat, Some(&e.expr));
        visit::visit_expr_let(self, e);
    }
    fn visit_expr_for_loop(&mut self, e: &'a syn::ExprForLoop) {
        self.bind(&e.pat, Some(&e.expr));
        visit::visit_expr_for_loop(self, e);
    }
    fn visit_expr_closure(&mut self, c: &'a syn::ExprClosure) {
        for input in &c.inputs {
            self.bind(input, None);
        }
        visit::visit_expr_closure(self, c);
    }
    fn visit_item(&mut self, _: &'a syn::Item) {}
}
