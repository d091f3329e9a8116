//! FFI012 — a Rust string's pointer passed where C expects a NUL-terminated string.

use syn::spanned::Spanned;

use crate::analysis::bindings_use::callee_in_tree;
use crate::analysis::macro_bodies::macro_statement_arms;
use crate::analysis::{
    Locals, functions, ident_name, method_receiver, peel, peel_casts, text, text_last, type_last,
    walk_exprs,
};
use crate::{Callee, Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI012: see [`META`].
pub(crate) struct StrAsCString;

static META: RuleMeta = RuleMeta {
    id: "FFI012",
    name: "str-as-c-string",
    summary: "`s.as_ptr()` of a `&str`/`String` passed as a C string (`*const c_char`)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI012.md")),
};

impl Rule for StrAsCString {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in functions(cx.syntax) {
            check_fn(cx, &f, out);
        }
        // Calls written in `macro_rules!` bodies (obs-wrapper's `obs_log!` hands C a
        // `format!` string).
        for arm in macro_statement_arms(cx.syntax, cx.source.text()) {
            for f in functions(&arm.items) {
                check_fn(cx, &f, out);
            }
        }
    }
}

fn check_fn(cx: &FileContext<'_>, f: &crate::analysis::FnItem<'_>, out: &mut Vec<Finding>) {
    let locals = Locals::of(f);
    let rebound = rebound_by_macros(f.block);
    walk_exprs(f.block, &mut |e| {
        let Some(Callee::Declared(decl)) = callee_in_tree(cx, e) else {
            return;
        };
        let syn::Expr::Call(call) = e else { return };
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        for (i, arg) in args.iter().enumerate() {
            let Some(param) = decl.params.get(i) else {
                break;
            };
            let pointee = param
                .ty
                .trim_start_matches("*const")
                .trim_start_matches("*mut")
                .trim();
            let c_string =
                crate::analysis::text_is_ptr(&param.ty) && text_last(pointee) == "c_char";
            if !c_string {
                continue;
            }
            let receivers = string_pointers(arg, &locals);
            if receivers.is_empty()
                || receivers
                    .iter()
                    .any(|r| ident_name(r).is_some_and(|n| rebound.contains(&n)))
            {
                continue;
            }
            if bounded(&decl.params, i, &args, &locals) {
                continue;
            }
            if let Some(what) = receivers.iter().find_map(|r| rust_string(cx, r, &locals)) {
                out.push(
                            cx.finding(&META, arg.span(), format!("{what} is not NUL-terminated but `{}` expects a C string", decl.name))
                                .help("pass `CString::new(..)?.as_ptr()` kept alive across the call, or a `c\"..\"` literal"),
                        );
            }
        }
    });
}

/// Whether the parameter after the string at `i` tells C where the string ends, so C needs no
/// NUL: a length (an integer whose name says so, or `s.len()`), or an end pointer (a parameter
/// named like `end`/`limit`, or an argument that is the string's pointer moved forward,
/// glib's `g_variant_type_string_scan(ptr, ptr.add(len), &mut end)`). A `*mut usize` after
/// the string is an output, not its length.
fn bounded(
    params: &[crate::model::Param],
    i: usize,
    args: &[&syn::Expr],
    locals: &Locals<'_>,
) -> bool {
    let next_param = params.get(i + 1);
    let length_param = next_param.is_some_and(|p| {
        !crate::analysis::text_is_ptr(&p.ty)
            && p.name.as_deref().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                n.contains("len")
                    || n.contains("size")
                    || n == "n"
                    || n.starts_with("n_")
                    || n.starts_with("num")
            })
    });
    let end_param = next_param.is_some_and(|p| {
        let pointee =
            p.ty.trim_start_matches("*const")
                .trim_start_matches("*mut")
                .trim();
        crate::analysis::text_is_ptr(&p.ty)
            && !crate::analysis::text_is_ptr(pointee)
            && p.name.as_deref().is_some_and(|n| {
                let n = n.to_ascii_lowercase();
                ["end", "limit", "stop"].iter().any(|w| {
                    n == *w || n.starts_with(&format!("{w}_")) || n.ends_with(&format!("_{w}"))
                })
            })
    });
    // `len, ptr` in that order (Security.framework's `SecKeychainFindGenericPassword(..,
    // account.len() as u32, account.as_ptr().cast(), ..)`).
    let length_before = i > 0
        && follow(args[i - 1], locals, &|e| {
            method_receiver(converted(e), "len").is_some_and(|r| {
                ident_name(r).is_some()
                    && ident_name(r)
                        == method_receiver(peel_casts(args[i]), "as_ptr").and_then(ident_name)
            })
        });
    let Some(next_arg) = args.get(i + 1) else {
        return length_param || length_before;
    };
    let string_ptr = peel_casts(args[i]);
    length_param
        || end_param
        || length_before
        || follow(next_arg, locals, &|e| {
            method_receiver(converted(e), "len").is_some() || moved_forward(e, string_ptr, locals)
        })
}

/// The value an integer conversion starts from: `s.len().try_into().unwrap()`,
/// `c_int::try_from(s.len())?` and `s.len() as c_int` are all `s.len()`.
fn converted(mut e: &syn::Expr) -> &syn::Expr {
    loop {
        e = peel_casts(e);
        e = match e {
            syn::Expr::Try(t) => &t.expr,
            syn::Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "try_into" | "into" | "unwrap" | "expect" | "unwrap_or"
                ) =>
            {
                &m.receiver
            }
            syn::Expr::Call(c)
                if c.args.len() == 1
                    && crate::analysis::call_path(e).is_some_and(|(segs, _)| {
                        segs.last().is_some_and(|l| l == "try_from" || l == "from")
                    }) =>
            {
                &c.args[0]
            }
            _ => return e,
        };
    }
}

/// Whether `check` holds for `e` (casts peeled), or for the initializer of the local `e` names.
fn follow(e: &syn::Expr, locals: &Locals<'_>, check: &dyn Fn(&syn::Expr) -> bool) -> bool {
    let e = peel_casts(e);
    check(e)
        || ident_name(e)
            .and_then(|n| locals.inits.get(&n).copied())
            .is_some_and(|init| check(peel_casts(init)))
}

/// Whether `e` is `ptr.add(..)` (or `offset`, `wrapping_add`, ..) of the same pointer as
/// `string_ptr`: the string's own pointer, or the local it was stored in.
fn moved_forward(e: &syn::Expr, string_ptr: &syn::Expr, locals: &Locals<'_>) -> bool {
    let syn::Expr::MethodCall(m) = e else {
        return false;
    };
    let forward = matches!(
        m.method.to_string().as_str(),
        "add" | "offset" | "wrapping_add" | "wrapping_offset" | "byte_add"
    );
    let base = peel_casts(&m.receiver);
    let same = |a: &syn::Expr, b: &syn::Expr| text(a) == text(b);
    forward
        && (same(base, string_ptr)
            || follow(string_ptr, locals, &|s| same(base, s))
            || follow(base, locals, &|b| same(b, string_ptr)))
}

/// Names a statement macro is given alone (`cstring!(name);`): sdl3's macro rebinds `name`
/// to a `CString` with `let`, which syntax without expansion cannot see.
fn rebound_by_macros(block: &syn::Block) -> std::collections::HashSet<String> {
    struct V(std::collections::HashSet<String>);
    impl<'ast> syn::visit::Visit<'ast> for V {
        fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
            let tokens: Vec<proc_macro2::TokenTree> = m.mac.tokens.clone().into_iter().collect();
            if let [proc_macro2::TokenTree::Ident(i)] = tokens.as_slice() {
                self.0.insert(i.to_string());
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut v = V(std::collections::HashSet::new());
    syn::visit::Visit::visit_block(&mut v, block);
    v.0
}

/// The values whose `.as_ptr()` the argument is: the argument itself, or each branch of the
/// `if`/`match` a pointer binding was initialized with (libsodium-sys-stable:
/// `let ignore_ptr = if ignore.is_empty() { null() } else { ignore.as_ptr() as *const i8 }`).
fn string_pointers<'a>(arg: &'a syn::Expr, locals: &Locals<'a>) -> Vec<&'a syn::Expr> {
    let arg = peel_casts(arg);
    if let Some(recv) = method_receiver(arg, "as_ptr") {
        return vec![recv];
    }
    let Some(init) = ident_name(arg).and_then(|n| locals.inits.get(&n).copied()) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    branch_values(init, &mut values);
    values
        .into_iter()
        .filter_map(|v| method_receiver(peel_casts(v), "as_ptr"))
        .collect()
}

/// The values an expression can end with: both branches of an `if`, every `match` arm, the
/// tail of a block; the expression itself otherwise.
fn branch_values<'a>(e: &'a syn::Expr, out: &mut Vec<&'a syn::Expr>) {
    let tail = |b: &'a syn::Block| match b.stmts.last() {
        Some(syn::Stmt::Expr(e, None)) => Some(e),
        _ => None,
    };
    match peel(e) {
        syn::Expr::If(i) => {
            if let Some(t) = tail(&i.then_branch) {
                branch_values(t, out);
            }
            if let Some((_, other)) = &i.else_branch {
                branch_values(other, out);
            }
        }
        syn::Expr::Block(b) => {
            if let Some(t) = tail(&b.block) {
                branch_values(t, out);
            }
        }
        syn::Expr::Match(m) => {
            for arm in &m.arms {
                branch_values(&arm.body, out);
            }
        }
        other => out.push(other),
    }
}

fn rust_string(cx: &FileContext<'_>, e: &syn::Expr, locals: &Locals<'_>) -> Option<String> {
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(s),
        ..
    }) = peel(e)
    {
        return (!s.value().ends_with('\0')).then(|| "a string literal".to_owned());
    }
    // A string built in place and never bound (obs-wrapper's `format!(..).as_ptr()`).
    if built_string(peel(e)) {
        return Some("a temporary `String`".to_owned());
    }
    let name = ident_name(e)?;
    if let Some(ty) = locals.types.get(&name) {
        let inner = match ty {
            syn::Type::Reference(r) => &*r.elem,
            t => t,
        };
        // nuklear-rust declares its own NUL-terminated `String<'a>`: a bare `String` is std's
        // only where the crate declares none.
        let own_string = || {
            matches!(inner, syn::Type::Path(p) if p.path.segments.len() == 1)
                && cx
                    .model
                    .types_named("String")
                    .any(|t| crate::analysis::same_crate(&t.location.file, cx.path))
        };
        return match type_last(inner).as_deref() {
            Some("str") => true,
            Some("String") => !own_string(),
            _ => false,
        }
        .then(|| format!("`{name}` (a Rust string)"));
    }
    let init = peel(locals.inits.get(&name)?);
    built_string(init).then(|| format!("`{name}` (a Rust string)"))
}

/// A `String` made by `format!`, `String::from`, `String::new()` or `.to_string()`/
/// `.to_owned()` of a literal: no NUL at its end.
fn built_string(e: &syn::Expr) -> bool {
    match e {
        // grpcio's `format!("{}:{}\0", host, port)` ends in its own NUL.
        syn::Expr::Macro(m) => {
            m.mac.path.is_ident("format")
                && !matches!(m.mac.tokens.clone().into_iter().next(),
                    Some(proc_macro2::TokenTree::Literal(l)) if l.to_string().ends_with("\\0\""))
        }
        syn::Expr::MethodCall(m) => {
            matches!(m.method.to_string().as_str(), "to_string" | "to_owned")
                && matches!(peel(&m.receiver), syn::Expr::Lit(_))
        }
        syn::Expr::Call(_) => crate::analysis::call_path(e).is_some_and(|(segs, _)| {
            crate::analysis::ends_with(&segs, &["String", "from"])
                || crate::analysis::ends_with(&segs, &["String", "new"])
        }),
        _ => false,
    }
}
