//! FFI011 — a pointer into a `CString` that is dropped at the end of the statement.

use std::collections::HashSet;

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::analysis::{assoc_call, functions, peel, type_last};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI011: see [`META`].
pub(crate) struct CStringTemporaryPointer;

static META: RuleMeta = RuleMeta {
    id: "FFI011",
    name: "cstring-temporary-pointer",
    summary: "`.as_ptr()` of a temporary `CString` outlives the statement",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs {
        what_it_does: "Flags `.as_ptr()` on a `CString` that is never bound to a name — \
`CString::new(..)` followed by `unwrap`, `expect`, `?`, `unwrap_or*` — when the pointer is \
stored (`let`, assignment, `push`/`insert`, struct or array literal) or returned from a \
closure (`map`, `map_or`, `and_then`). Also flags `CString::new(..).map(|c| c.as_ptr())`, where \
the closure owns and drops the `CString`, and the same on a local that owns an \
`Option<CString>` (`let p = p.map(|s| CString::new(s).unwrap()); p.map_or(null(), |s| s.as_ptr())`). A temporary passed directly as a call argument is \
fine (it lives until the end of the statement) and is not flagged.",
        why_is_this_bad: "The `CString` is freed at the end of the statement that created it; \
the pointer dangles from the next line on. C then reads freed memory — often the right bytes \
in tests, garbage or a crash in production.",
        known_problems: "Only `CString::new` / `CString::from` / `from_vec_unchecked` chains are \
recognised as temporaries; a helper function returning a `CString` is not followed.",
        example_bad: "let p = CString::new(path).unwrap().as_ptr();\nunsafe { open_file(p) };",
        example_good: "let c = CString::new(path)?;\nunsafe { open_file(c.as_ptr()) };",
        fix: "Bind the `CString` to a variable that lives as long as C uses the pointer, and \
take `.as_ptr()` from it. For optional strings keep the `Option<CString>` and use \
`c.as_ref().map_or(ptr::null(), |c| c.as_ptr())`.",
    },
};

impl Rule for CStringTemporaryPointer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            let mut v = Finder {
                cx,
                out: &mut *out,
                owned: HashSet::new(),
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
}

/// A `CString` value that has no owner: `CString::new(..)` and the `Result` adapters after it.
fn temporary_cstring(e: &syn::Expr) -> bool {
    match peel(e) {
        syn::Expr::MethodCall(m) => {
            matches!(
                m.method.to_string().as_str(),
                "unwrap"
                    | "expect"
                    | "unwrap_or_default"
                    | "unwrap_or"
                    | "unwrap_or_else"
                    | "unwrap_unchecked"
            ) && temporary_cstring(&m.receiver)
        }
        syn::Expr::Try(t) => temporary_cstring(&t.expr),
        e => [
            "new",
            "from",
            "from_vec_unchecked",
            "from_vec_with_nul_unchecked",
        ]
        .iter()
        .any(|f| assoc_call(e, &["CString"], f).is_some()),
    }
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

fn is_temp_ptr(e: &syn::Expr) -> Option<&syn::ExprMethodCall> {
    match peel(e) {
        syn::Expr::MethodCall(m) if m.method == "as_ptr" && temporary_cstring(&m.receiver) => {
            Some(m)
        }
        _ => None,
    }
}

impl Finder<'_, '_> {
    fn report(&mut self, m: &syn::ExprMethodCall) {
        let f = self
            .cx
            .finding(
                &META,
                m.span(),
                "pointer into a temporary `CString` dangles after this statement",
            )
            .help("bind the `CString` to a variable that outlives every use of the pointer");
        if !self.out.iter().any(|o| o.location == f.location) {
            self.out.push(f);
        }
    }

    /// Looks for dangling temporaries in a value that escapes the statement.
    fn escaping(&mut self, e: &syn::Expr) {
        if let Some(m) = is_temp_ptr(e) {
            self.report(m);
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
                            self.report(inner);
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
