//! FFI011 — a pointer into a `CString`, `Vec` or `String` that is dropped at the end of the
//! statement.

use std::collections::{HashMap, HashSet};

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::analysis::{assoc_call, functions, peel, type_last};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI011: see [`META`].
pub(crate) struct CStringTemporaryPointer;

static META: RuleMeta = RuleMeta {
    id: "FFI011",
    name: "cstring-temporary-pointer",
    summary: "`.as_ptr()` of a temporary `CString`, `Vec` or `String` outlives the statement",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI011.md")),
};

impl Rule for CStringTemporaryPointer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let returns_owner = owner_returning_fns(cx.syntax);
        for f in functions(cx.syntax) {
            let mut v = Finder {
                cx,
                out: &mut *out,
                owned: HashSet::new(),
                returns_owner: &returns_owner,
            };
            v.escaping_block(f.block);
            v.visit_block(f.block);
        }
    }
}

struct Finder<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
    /// Locals bound so far to an `Option<CString>`/`Result<CString, _>` built in place
    /// (`let p = p.map(|s| CString::new(s).unwrap())`).
    owned: HashSet<String>,
    /// Functions of the file that return an owning type (see [`owner_returning_fns`]).
    returns_owner: &'c HashMap<String, &'static str>,
}

/// The owning type of a value that has no owner, when it owns a buffer `.as_ptr()` points
/// into: `CString::new(..)`, an owned `Vec`, `String` or `Box<[T]>` built in place
/// (`collect::<Vec<_>>()`, `format!`, `vec!`, `.to_vec()`, `.to_string()`, wio's
/// `.to_wide_null()`, a function of the file declared to return one), and the `Result`
/// adapters after it.
fn temporary_owner(
    e: &syn::Expr,
    returns_owner: &HashMap<String, &'static str>,
) -> Option<&'static str> {
    match peel(e) {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if matches!(
                name.as_str(),
                "unwrap"
                    | "expect"
                    | "unwrap_or_default"
                    | "unwrap_or"
                    | "unwrap_or_else"
                    | "unwrap_unchecked"
            ) {
                return temporary_owner(&m.receiver, returns_owner);
            }
            match name.as_str() {
                "collect" => m.turbofish.as_ref().and_then(|t| match t.args.first() {
                    Some(syn::GenericArgument::Type(ty)) => owning_type(ty),
                    _ => None,
                }),
                "to_vec" | "into_vec" => Some("Vec"),
                "to_string" | "into_string" => Some("String"),
                "into_bytes" | "to_wide_null" | "to_wide" => Some("Vec"),
                "into_boxed_slice" | "into_boxed_str" => Some("Box"),
                _ => returns_owner.get(&name).copied(),
            }
        }
        syn::Expr::Try(t) => temporary_owner(&t.expr, returns_owner),
        syn::Expr::Macro(m) if m.mac.path.is_ident("format") => Some("String"),
        syn::Expr::Macro(m) if m.mac.path.is_ident("vec") && !m.mac.tokens.is_empty() => {
            Some("Vec")
        }
        e if [
            "new",
            "from",
            "from_vec_unchecked",
            "from_vec_with_nul_unchecked",
        ]
        .iter()
        .any(|f| assoc_call(e, &["CString"], f).is_some()) =>
        {
            Some("CString")
        }
        e if ["from", "with_capacity", "from_utf8", "from_utf16"]
            .iter()
            .any(|f| assoc_call(e, &["Vec", "String"], f).is_some()) =>
        {
            crate::analysis::call_path(e).map(|(segs, _)| {
                if segs.iter().any(|s| s == "Vec") {
                    "Vec"
                } else {
                    "String"
                }
            })
        }
        syn::Expr::Call(c) => match &*c.func {
            syn::Expr::Path(p) if p.path.segments.len() == 1 => returns_owner
                .get(&p.path.segments[0].ident.to_string())
                .copied(),
            _ => None,
        },
        _ => None,
    }
}

/// `Vec<_>`, `String`, `CString` or `Box<[T]>`/`Box<str>`: a type that frees its buffer on drop.
fn owning_type(ty: &syn::Type) -> Option<&'static str> {
    let syn::Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    match last.ident.to_string().as_str() {
        "Vec" => Some("Vec"),
        "String" => Some("String"),
        "CString" => Some("CString"),
        "Box" => matches!(&last.arguments, syn::PathArguments::AngleBracketed(a)
            if matches!(a.args.first(), Some(syn::GenericArgument::Type(syn::Type::Slice(_))))
                || matches!(a.args.first(), Some(syn::GenericArgument::Type(t)) if type_last(t).as_deref() == Some("str")))
        .then_some("Box"),
        _ => None,
    }
}

/// Functions and methods of the file whose every declaration returns an owning type (see
/// [`owning_type`]), by name: calling one yields a temporary owner. A name that some other
/// function of the file declares with another return type is left out.
fn owner_returning_fns(file: &syn::File) -> HashMap<String, &'static str> {
    struct Sigs(HashMap<String, Option<&'static str>>);
    impl Sigs {
        fn add(&mut self, sig: &syn::Signature) {
            let owner = match &sig.output {
                syn::ReturnType::Type(_, ty) => owning_type(ty),
                syn::ReturnType::Default => None,
            };
            let entry = self.0.entry(sig.ident.to_string()).or_insert(owner);
            if *entry != owner {
                *entry = None;
            }
        }
    }
    impl<'ast> Visit<'ast> for Sigs {
        fn visit_signature(&mut self, sig: &'ast syn::Signature) {
            self.add(sig);
        }
    }
    let mut sigs = Sigs(HashMap::new());
    sigs.visit_file(file);
    sigs.0
        .into_iter()
        .filter_map(|(n, o)| o.map(|o| (n, o)))
        .collect()
}

/// A `CString` value that has no owner: `CString::new(..)` and the `Result` adapters after it.
fn temporary_cstring(e: &syn::Expr) -> bool {
    temporary_owner(e, &HashMap::new()) == Some("CString")
}

/// A `Result<CString, _>` or `Option<CString>` built in place: `CString::new(..)`, `.ok()` of
/// one, or `opt.map(|s| CString::new(s).unwrap())`.
fn cstring_container(e: &syn::Expr) -> bool {
    match peel(e) {
        syn::Expr::MethodCall(m) if m.method == "ok" => cstring_container(&m.receiver),
        syn::Expr::MethodCall(m) if m.method == "map" => m
            .args
            .iter()
            .any(|a| matches!(a, syn::Expr::Closure(c) if temporary_cstring(&c.body))),
        e => assoc_call(e, &["CString"], "new").is_some(),
    }
}

/// Whether `ty` is `Option<CString>` or `Result<CString, _>`.
fn cstring_container_type(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else { return false };
    p.path.segments.last().is_some_and(|s| {
        (s.ident == "Option" || s.ident == "Result")
            && matches!(&s.arguments, syn::PathArguments::AngleBracketed(a)
                if matches!(a.args.first(), Some(syn::GenericArgument::Type(t))
                    if type_last(t).as_deref() == Some("CString")))
    })
}

/// `.as_ptr()`/`.as_mut_ptr()` of a temporary owner, with the owner's type.
fn is_temp_ptr<'e>(
    e: &'e syn::Expr,
    returns_owner: &HashMap<String, &'static str>,
) -> Option<(&'e syn::ExprMethodCall, &'static str)> {
    match peel(e) {
        syn::Expr::MethodCall(m) if m.method == "as_ptr" || m.method == "as_mut_ptr" => {
            temporary_owner(&m.receiver, returns_owner).map(|owner| (m, owner))
        }
        _ => None,
    }
}

impl Finder<'_, '_> {
    fn report(&mut self, m: &syn::ExprMethodCall, owner: &str) {
        let f = self
            .cx
            .finding(
                &META,
                m.span(),
                format!("pointer into a temporary `{owner}` dangles after this statement"),
            )
            .help(format!(
                "bind the `{owner}` to a variable that outlives every use of the pointer"
            ));
        if !self.out.iter().any(|o| o.location == f.location) {
            self.out.push(f);
        }
    }

    /// Looks for dangling temporaries in a value that escapes the statement.
    fn escaping(&mut self, e: &syn::Expr) {
        if let Some((m, owner)) = is_temp_ptr(e, self.returns_owner) {
            self.report(m, owner);
            return;
        }
        match peel(e) {
            syn::Expr::Cast(c) => self.escaping(&c.expr),
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "cast" | "cast_mut" | "cast_const"
                ) =>
            {
                self.escaping(&m.receiver);
            }
            syn::Expr::Array(a) => a.elems.iter().for_each(|x| self.escaping(x)),
            syn::Expr::Tuple(t) => t.elems.iter().for_each(|x| self.escaping(x)),
            syn::Expr::Struct(s) => s.fields.iter().for_each(|x| self.escaping(&x.expr)),
            syn::Expr::Call(c) if crate::analysis::is_constructor_call(self.cx, peel(e)) => {
                c.args.iter().for_each(|x| self.escaping(x));
            }
            syn::Expr::If(i) => {
                self.escaping_block(&i.then_branch);
                if let Some((_, els)) = &i.else_branch {
                    self.escaping(els);
                }
            }
            syn::Expr::Block(b) => self.escaping_block(&b.block),
            syn::Expr::Match(m) => m.arms.iter().for_each(|a| self.escaping(&a.body)),
            syn::Expr::Closure(c) => self.escaping(&c.body),
            syn::Expr::MethodCall(m) => m.args.iter().for_each(|a| {
                if let syn::Expr::Closure(c) = a {
                    self.escaping(&c.body);
                }
            }),
            _ => {}
        }
    }

    fn escaping_block(&mut self, b: &syn::Block) {
        if let Some(syn::Stmt::Expr(e, None)) = b.stmts.last() {
            self.escaping(e);
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_, '_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let Some(init) = &l.init {
            self.escaping(&init.expr);
        }
        visit::visit_local(self, l);
        let (name, ty) = match &l.pat {
            syn::Pat::Ident(p) => (p.ident.to_string(), None),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(p) => (p.ident.to_string(), Some(&*t.ty)),
                _ => return,
            },
            _ => return,
        };
        let owned = ty.is_some_and(cstring_container_type)
            || l.init.as_ref().is_some_and(|i| cstring_container(&i.expr));
        if owned {
            self.owned.insert(name);
        } else {
            self.owned.remove(&name);
        }
    }
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Assign(a) => self.escaping(&a.right),
            syn::Expr::Return(r) => {
                if let Some(v) = &r.expr {
                    self.escaping(v);
                }
            }
            syn::Expr::Closure(c) => self.escaping(&c.body),
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if matches!(
                    name.as_str(),
                    "push" | "insert" | "push_back" | "push_front" | "extend" | "set"
                ) {
                    m.args.iter().for_each(|a| self.escaping(a));
                }
                // `CString::new(s).map(|c| c.as_ptr())`: the closure owns `c` and drops it.
                // The same with a local that owns the `Option<CString>` and is consumed by the
                // call (openssl 0.10.71 `Md::fetch`); `.as_ref()`/`.as_deref()` borrow instead.
                let owned_local = crate::analysis::ident_name(peel(&m.receiver))
                    .is_some_and(|n| self.owned.contains(&n));
                if matches!(name.as_str(), "map" | "map_or" | "map_or_else" | "and_then")
                    && (cstring_container(&m.receiver) || owned_local)
                {
                    for a in &m.args {
                        if let syn::Expr::Closure(c) = a
                            && let syn::Expr::MethodCall(inner) = peel(&c.body)
                            && inner.method == "as_ptr"
                        {
                            self.report(inner, "CString");
                        }
                    }
                }
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::CStringTemporaryPointer;

    fn count(src: &str) -> usize {
        crate::check_source("lib.rs", src, &[&CStringTemporaryPointer]).len()
    }

    #[test]
    fn a_c_function_with_a_capital_name_is_not_a_constructor() {
        // gdal 0.18: the temporary lives until the end of the statement, past the C call.
        let call = "pub fn axis(k: &str) -> Result<*const c_char> {\n\
            // SAFETY: the temporary lives until the end of the statement.\n\
            let p = unsafe { gdal_sys::OSRGetAxis(CString::new(k)?.as_ptr(), 0) };\n    Ok(p)\n}\n";
        assert_eq!(count(call), 0);
        // A tuple-struct constructor stores the pointer past the statement.
        let stored = "pub struct Name(*const c_char);\npub fn name(k: &str) -> Name {\n\
            let n = Name(CString::new(k).unwrap().as_ptr());\n    n\n}\n";
        assert_eq!(count(stored), 1);
        // tflitec 0.7: a C function of generated (unseen) bindings, named like a type.
        let generated = "pub fn runner(i: *mut I, key: &str) -> *mut R {\n\
            // SAFETY: the temporary lives until the end of the statement.\n\
            let r = unsafe { TfLiteInterpreterGetSignatureRunner(i, CString::new(key).unwrap().as_ptr()) };\n    r\n}\n";
        assert_eq!(count(generated), 0);
    }
}
