//! FFI013 — a format string that is not a literal reaches a variadic C function.

use std::collections::HashSet;

use proc_macro2::LineColumn;
use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::analysis::bindings_use::callee_in_tree;
use crate::analysis::macro_bodies::macro_statement_arms;
use crate::analysis::{
    call_path, functions, ident_name, method_receiver, peel, peel_casts, text_is_ptr, walk_expr,
    walk_exprs,
};
use crate::{Callee, Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI013: see [`META`].
pub(crate) struct NonLiteralFormatString;

static META: RuleMeta = RuleMeta {
    id: "FFI013",
    name: "non-literal-format-string",
    summary: "a non-literal format string passed to a printf-like variadic C function",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI013.md")),
};

/// Known printf-like functions and the index of their format parameter.
const KNOWN: &[(&str, usize)] = &[
    ("printf", 0),
    ("fprintf", 1),
    ("dprintf", 1),
    ("sprintf", 1),
    ("snprintf", 2),
    ("asprintf", 1),
    ("syslog", 1),
    ("err", 1),
    ("errx", 1),
    ("warn", 0),
    ("warnx", 0),
    ("wprintf", 0),
    ("fwprintf", 1),
    ("swprintf", 2),
    // curses: formatted like printf, often bound without `...` (ncurses-rs, pancurses).
    ("printw", 0),
    ("wprintw", 1),
    ("mvprintw", 2),
    ("mvwprintw", 3),
    // R's C API (libR-sys; bindgen names the format `arg1`): `Rprintf`, `REprintf`, and
    // `Rf_error`/`Rf_warning`, which format like printf before raising (extendr-api).
    ("Rprintf", 0),
    ("REprintf", 0),
    ("Rf_error", 0),
    ("Rf_warning", 0),
    ("Rf_errorcall", 1),
    ("Rf_warningcall", 1),
];

/// A variadic declaration named like a printf (`*printf`, any case), whose format parameter
/// has no telling name (bindgen's `arg1`): the last C string before the `...`.
fn printf_named_format(decl: &crate::model::ForeignFn, name: &str) -> Option<usize> {
    if !name.to_ascii_lowercase().ends_with("printf") {
        return None;
    }
    decl.params.iter().rposition(|p| text_is_ptr(&p.ty))
}

/// Known names that format their argument whatever the declaration says: a binding that drops
/// the `...` (`fn printw(fmt: *const c_char)`) still calls the formatting C function. The
/// short BSD names (`err`, `warn`) are left out: a crate's own non-variadic `warn` is common.
fn formats_when_not_variadic(name: &str) -> bool {
    !matches!(name, "err" | "errx" | "warn" | "warnx")
}

/// A parameter name that says "format" in any of the usual spellings: `fmt`, `format`,
/// `log_fmt`, and the prefixed C styles `zFormat` (SQLite), `pszFormat`, `lpFormat`, `fmtstr`.
fn is_format_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    n.contains("format") || n.contains("fmt")
}

impl Rule for NonLiteralFormatString {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let none = HashSet::new();
        for f in functions(cx.syntax) {
            check_fn(cx, &f, &none, out);
        }
        // Calls written in `macro_rules!` bodies (obs-wrapper's `obs_log!`): the macro's
        // metavariables are what its caller passes, like an `unsafe fn`'s parameters.
        for arm in macro_statement_arms(cx.syntax, cx.source.text()) {
            let supplied: HashSet<String> = arm.metavariables.iter().cloned().collect();
            for f in functions(&arm.items) {
                check_fn(cx, &f, &supplied, out);
            }
        }
    }
}

/// Reports the calls of `f` that pass a format that is not a literal; `from_caller` names
/// values the caller of `f` chooses besides its parameters (a macro's metavariables).
fn check_fn(
    cx: &FileContext<'_>,
    f: &crate::analysis::FnItem<'_>,
    from_caller: &HashSet<String>,
    out: &mut Vec<Finding>,
) {
    let params = f.params();
    // Read from the body only once a call passes a format that is not a literal.
    let mut facts: Option<BodyFacts> = None;
    walk_exprs(f.block, &mut |e| {
        let Some(callee) = callee_in_tree(cx, e) else {
            return;
        };
        let Some((segs, call)) = call_path(e) else {
            return;
        };
        let name = segs.last().cloned().unwrap_or_default();
        let known = KNOWN.iter().find(|(n, _)| *n == name).map(|(_, i)| *i);
        let index = match callee {
            Callee::Declared(decl) if decl.variadic => known
                .or_else(|| {
                    decl.params.iter().position(|p| {
                        p.name.as_deref().is_some_and(is_format_name) && text_is_ptr(&p.ty)
                    })
                })
                .or_else(|| printf_named_format(decl, &name)),
            // Matched by name only, so the argument must look like a C string: a
            // same-named Rust wrapper (`ncurses::printw(s: &str)`) is not the C call.
            Callee::Declared(_) => known.filter(|&i| {
                formats_when_not_variadic(&name)
                    && call.args.iter().nth(i).is_some_and(c_string_shaped)
            }),
            Callee::BindingModule => known,
        };
        let Some(arg) = index.and_then(|i| call.args.iter().nth(i)) else {
            return;
        };
        if literal_format(arg) || constant_helper(cx.syntax, arg) {
            return;
        }
        let facts = facts.get_or_insert_with(|| BodyFacts {
            bindings: escaped_bindings(f.block, &params),
            locals: local_names(f.block),
            supplied: caller_supplied(f, &params)
                .into_iter()
                .chain(from_caller.iter().cloned())
                .collect(),
        });
        // `printf(&x)` where `printf` is a closure the function bound (GSL 7.0.0).
        if segs.len() == 1 && facts.locals.contains(&name) {
            return;
        }
        if !bound_to_literal(arg, &facts.bindings)
            && !base_name(arg).is_some_and(|n| facts.supplied.contains(&n))
            && !escaped_expr(arg, arg.span().start(), &params, &facts.bindings)
        {
            out.push(
                cx.finding(
                    &META,
                    arg.span(),
                    format!("format string of `{name}` is not a literal"),
                )
                .help("use a literal format such as c\"%s\" and pass the text as an argument"),
            );
        }
    });
}

/// What the rule reads from a function body to judge a format argument.
struct BodyFacts {
    /// The `let` bindings, in source order.
    bindings: Vec<Binding>,
    /// Every name a pattern binds (see [`local_names`]).
    locals: HashSet<String>,
    /// Names whose value the caller chose (see [`caller_supplied`]).
    supplied: HashSet<String>,
}

/// Every name a pattern in the body binds (`let`, `if let`, `match` arms, closure parameters).
fn local_names(block: &syn::Block) -> HashSet<String> {
    struct Pats(HashSet<String>);
    impl<'ast> Visit<'ast> for Pats {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut pats = Pats(HashSet::new());
    pats.visit_block(block);
    pats.0
}

/// Names whose value the caller chose, so the caller answers for the format: the parameters
/// of an `unsafe fn` (its contract) or an `extern` fn (C passes its own format on), and
/// closure parameters named like a format (`|buf, len, fmt| snprintf(buf, len, fmt)`, called
/// with the format by whoever runs the closure).
fn caller_supplied(
    f: &crate::analysis::FnItem<'_>,
    params: &[(String, &syn::Type)],
) -> HashSet<String> {
    let mut out = HashSet::new();
    if f.is_unsafe() || f.is_extern() {
        out.extend(params.iter().map(|(n, _)| n.clone()));
    }
    walk_exprs(f.block, &mut |e| {
        if let syn::Expr::Closure(c) = e {
            for input in &c.inputs {
                let pat = match input {
                    syn::Pat::Type(t) => &*t.pat,
                    p => p,
                };
                if let syn::Pat::Ident(i) = pat {
                    let n = i.ident.to_string();
                    if is_format_name(&n) {
                        out.insert(n);
                    }
                }
            }
        }
    });
    out
}

/// The local or parameter a format argument is made from: `fmt`, `fmt.as_ptr()`,
/// `fmt as *const c_char`, `fmt.cast()`.
fn base_name(arg: &syn::Expr) -> Option<String> {
    let mut e = peel_casts(arg);
    while let Some(inner) = method_receiver(e, "as_ptr").or_else(|| method_receiver(e, "cast")) {
        e = peel_casts(inner);
    }
    ident_name(peel(e))
}

/// `x.as_ptr()`, `p as *const c_char` or `p.cast()`: an argument that is a C pointer.
fn c_string_shaped(arg: &syn::Expr) -> bool {
    match peel(arg) {
        syn::Expr::Cast(_) => true,
        e => method_receiver(e, "as_ptr").is_some() || method_receiver(e, "cast").is_some(),
    }
}

fn literal_format(arg: &syn::Expr) -> bool {
    let e = peel_casts(arg);
    let base = method_receiver(e, "as_ptr").unwrap_or(e);
    let base = peel(base);
    if cstr_of_literal(base) || cstring_of_literal(base) {
        return true;
    }
    match base {
        syn::Expr::Lit(l) => match &l.lit {
            // Any string literal: one without a NUL is another defect (FFI012), or shows the
            // callee is a Rust wrapper of the same name (ext-php-rs's `printf(&str)`).
            syn::Lit::CStr(_) | syn::Lit::ByteStr(_) | syn::Lit::Str(_) => true,
            _ => false,
        },
        syn::Expr::Macro(m) => m.mac.path.segments.last().is_some_and(|s| {
            let n = s.ident.to_string();
            n.contains("cstr") || n.contains("c_str") || n == "concat"
        }),
        _ => ident_name(base)
            .or_else(|| match base {
                syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                _ => None,
            })
            .is_some_and(|n| {
                n.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            }),
    }
}

/// `fmt_ptr()`: a call, without arguments, of a function of the file whose body is only a
/// literal format (imgui's `fn fmt_ptr() -> *const c_char { FMT.as_ptr() as *const c_char }`).
fn constant_helper(file: &syn::File, arg: &syn::Expr) -> bool {
    let syn::Expr::Call(call) = peel_casts(arg) else {
        return false;
    };
    let syn::Expr::Path(p) = &*call.func else {
        return false;
    };
    let Some(name) = p.path.get_ident() else {
        return false;
    };
    call.args.is_empty() && functions(file).iter().any(|f| {
        f.sig.ident == *name
            && f.sig.inputs.is_empty()
            && matches!(f.block.stmts.as_slice(), [syn::Stmt::Expr(e, None)] if literal_format(e))
    })
}

/// A local whose latest `let` before `arg` binds a literal format, used as is or through
/// `as` casts, `.as_ptr()` or `.cast()` (glib's `let s = b"&s\0"; .. s as *const u8 as *const _`).
fn bound_to_literal(arg: &syn::Expr, bindings: &[Binding]) -> bool {
    let Some(name) = base_name(arg) else {
        return false;
    };
    let at = arg.span().start();
    bindings
        .iter()
        .rev()
        .find(|b| b.name == name && (b.at.line, b.at.column) < (at.line, at.column))
        .is_some_and(|b| b.literal)
}

/// `CStr::from_bytes_with_nul(b"..\0")` (or `_unchecked`, `from_bytes_until_nul`), unwrapped or
/// not: a byte literal behind a `CStr` constructor, as pyo3 wrote its formats.
fn cstr_of_literal(e: &syn::Expr) -> bool {
    let e = method_receiver(e, "unwrap")
        .or_else(|| method_receiver(e, "expect"))
        .map_or(e, peel);
    let syn::Expr::Call(call) = e else {
        return false;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return false;
    };
    let constructor = func.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "from_bytes_with_nul" | "from_bytes_with_nul_unchecked" | "from_bytes_until_nul"
        )
    });
    constructor
        && call.args.len() == 1
        && matches!(peel(&call.args[0]), syn::Expr::Lit(l) if matches!(l.lit, syn::Lit::ByteStr(_)))
}

/// `CString::new("%s\n")`, unwrapped or not: a literal made a C string at run time
/// (webview-sys's `webview_print_log`).
fn cstring_of_literal(e: &syn::Expr) -> bool {
    let e = method_receiver(e, "unwrap")
        .or_else(|| method_receiver(e, "expect"))
        .map_or(e, peel);
    crate::analysis::assoc_call(e, &["CString"], "new").is_some_and(|args| {
        matches!(args.first().map(peel), Some(syn::Expr::Lit(l)) if matches!(l.lit, syn::Lit::Str(_) | syn::Lit::ByteStr(_)))
    })
}

/// `s.replace('%', "%%")` (or with `"%"`): text in which no conversion can remain.
fn is_escape_call(e: &syn::Expr) -> bool {
    let syn::Expr::MethodCall(m) = e else {
        return false;
    };
    let lit = |e: &syn::Expr| match peel(e) {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Char(c) => Some(c.value().to_string()),
            syn::Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    };
    m.method == "replace"
        && m.args.len() == 2
        && lit(&m.args[0]).as_deref() == Some("%")
        && lit(&m.args[1]).as_deref() == Some("%%")
}

/// A `let` binding: its name, where it starts, and whether its value is escaped text.
struct Binding {
    name: String,
    at: LineColumn,
    escaped: bool,
    /// Bound to a literal format (`let s = b"&s\0";`).
    literal: bool,
}

/// The function's `let name = ..` bindings in source order, each marked escaped when its value
/// contains an escaping `replace`, or uses escaped bindings and no other local or parameter
/// (`let c = CString::new(escaped).unwrap()`).
fn escaped_bindings(block: &syn::Block, params: &[(String, &syn::Type)]) -> Vec<Binding> {
    struct Lets<'p> {
        params: &'p [(String, &'p syn::Type)],
        out: Vec<Binding>,
    }
    impl<'ast> Visit<'ast> for Lets<'_> {
        fn visit_local(&mut self, l: &'ast syn::Local) {
            syn::visit::visit_local(self, l);
            let name = match &l.pat {
                syn::Pat::Ident(p) => p.ident.to_string(),
                syn::Pat::Type(t) => match &*t.pat {
                    syn::Pat::Ident(p) => p.ident.to_string(),
                    _ => return,
                },
                _ => return,
            };
            let escaped = l.init.as_ref().is_some_and(|init| {
                escaped_expr(&init.expr, l.span().start(), self.params, &self.out)
            });
            let literal = l
                .init
                .as_ref()
                .is_some_and(|init| literal_format(&init.expr));
            self.out.push(Binding {
                name,
                at: l.span().start(),
                escaped,
                literal,
            });
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut lets = Lets {
        params,
        out: Vec::new(),
    };
    lets.visit_block(block);
    lets.out
}

/// Whether `e`, evaluated at `at`, is escaped text (see [`escaped_bindings`]): it escapes, or
/// uses an escaped binding, and reads no other parameter or binding outside an escaping
/// `replace` (`user.replace('%', "%%") + other` is not escaped).
fn escaped_expr(
    e: &syn::Expr,
    at: LineColumn,
    params: &[(String, &syn::Type)],
    bindings: &[Binding],
) -> bool {
    let mut escaped_parts: HashSet<*const syn::Expr> = HashSet::new();
    let mut escape = false;
    walk_expr(e, &mut |x| {
        if is_escape_call(x) {
            escape = true;
            walk_expr(x, &mut |inner| {
                escaped_parts.insert(std::ptr::from_ref(inner));
            });
        }
    });
    let mut uses_escaped = false;
    let mut uses_other = false;
    walk_expr(e, &mut |x| {
        if escaped_parts.contains(&std::ptr::from_ref(x)) {
            return;
        }
        let Some(n) = ident_name(x) else {
            return;
        };
        let latest = bindings
            .iter()
            .rev()
            .find(|b| b.name == n && (b.at.line, b.at.column) < (at.line, at.column));
        match latest {
            Some(b) if b.escaped => uses_escaped = true,
            Some(_) => uses_other = true,
            None => uses_other |= params.iter().any(|(p, _)| *p == n),
        }
    });
    (escape || uses_escaped) && !uses_other
}

#[cfg(test)]
mod tests {
    use super::NonLiteralFormatString;

    fn lines(src: &str) -> Vec<usize> {
        crate::check_source("lib.rs", src, &[&NonLiteralFormatString])
            .into_iter()
            .map(|f| f.location.line)
            .collect()
    }

    const DECL: &str = "extern \"C\" { fn snprintf(b: *mut c_char, n: usize, fmt: *const c_char, ...) -> c_int; fn printf(fmt: *const c_char, ...) -> c_int; }\n";

    #[test]
    fn formats_from_a_constant_helper_or_a_rust_literal_are_literal() {
        // imgui 0.12: every text widget passes `fmt_ptr()`, which returns "%s".
        let helper = format!(
            "{DECL}const FMT: &[u8] = b\"%s\\0\";\n\
            fn fmt_ptr() -> *const c_char {{\n    FMT.as_ptr() as *const c_char\n}}\n\
            pub fn text(t: *const c_char) {{\n    // SAFETY: t is a C string.\n    unsafe {{ printf(fmt_ptr(), t) }};\n}}\n"
        );
        assert!(lines(&helper).is_empty());
        // webview-sys 0.6: a literal made a CString first.
        let cstring = format!(
            "{DECL}pub unsafe extern \"C\" fn log(s: *const c_char) {{\n\
            let format = CString::new(\"%s\\n\").unwrap();\n    \
            printf(format.as_ptr(), s);\n}}\n"
        );
        assert!(lines(&cstring).is_empty());
        // A helper that takes the text is not a constant.
        let passthrough = format!(
            "{DECL}fn fmt_of(t: *const c_char) -> *const c_char {{\n    t\n}}\n\
            pub fn text(t: *const c_char) {{\n    // SAFETY: t is a C string.\n    unsafe {{ printf(fmt_of(t)) }};\n}}\n"
        );
        assert_eq!(lines(&passthrough).len(), 1);
        // ext-php-rs: a Rust `printf(&str)` called with a Rust string literal.
        let rust = format!("{DECL}fn t() {{\n    printf(\"Hello from Rust\");\n}}\n");
        assert!(lines(&rust).is_empty());
    }

    #[test]
    fn a_call_through_a_sys_crate_is_read_with_its_declaration_in_the_tree() {
        // obs-wrapper 0.1.6 with obs-sys: `$crate::obs_sys::blog` is obs-sys's variadic `blog`.
        let wrapper = "pub use obs_sys;\nmacro_rules! obs_log {\n\
            ($level:expr, $($arg:tt)*) => (unsafe {\n\
            $crate::obs_sys::blog($level, format!(\"{}\", format_args!($($arg)*)).as_ptr() as *const c_char)\n\
            });\n}\n";
        let sys = "extern \"C\" { pub fn blog(log_level: c_int, format: *const c_char, ...); }\n";
        let found = |files: &[(&str, &str)]| -> Vec<(String, usize)> {
            crate::check_sources(files, &[&NonLiteralFormatString])
                .into_iter()
                .map(|f| (f.location.file, f.location.line))
                .collect()
        };
        assert_eq!(
            found(&[
                ("obs-wrapper/src/log.rs", wrapper),
                ("obs-sys/src/lib.rs", sys)
            ]),
            [("obs-wrapper/src/log.rs".to_owned(), 4)]
        );
        // Alone, nothing says `blog` formats.
        assert!(found(&[("obs-wrapper/src/log.rs", wrapper)]).is_empty());
    }

    #[test]
    fn a_closure_bound_under_a_printf_name_is_not_the_c_function() {
        // GSL 7.0.0 siman.rs: `if let Some(ref printf) = self.print_t { printf(&x); }`
        let src = format!(
            "{DECL}fn run(p: Option<Box<dyn Fn(&X)>>, x: X) {{\n\
             if let Some(ref printf) = p {{\n    printf(&x);\n}}\n}}\n"
        );
        assert_eq!(lines(&src), Vec::<usize>::new());
    }

    #[test]
    fn formats_the_caller_supplies_are_left_to_the_caller() {
        // tinyrlibc 0.5.0 tests: the closure gets its format from the helper that calls it.
        let closure = format!(
            "{DECL}fn t() {{\n    run(\"%d\", |buf, len, fmt| {{\n        // SAFETY: buf is writable for len bytes.\n        unsafe {{ snprintf(buf, len, fmt, 1) }}\n    }});\n}}\n"
        );
        assert_eq!(lines(&closure), Vec::<usize>::new());
        // cpython 0.7.2: an `unsafe fn` whose callers pass literal byte strings.
        let unsafe_fn = format!(
            "{DECL}pub unsafe fn err(e: &[u8]) {{\n    printf(e.as_ptr() as *const c_char);\n}}\n"
        );
        assert_eq!(lines(&unsafe_fn), Vec::<usize>::new());
        // A safe function passing its caller's text is reported (tcod 0.11.0 `print`).
        let safe_fn = format!(
            "{DECL}pub fn print(text: &CStr) {{\n    // SAFETY: text is a C string.\n    unsafe {{ printf(text.as_ptr()) }};\n}}\n"
        );
        assert_eq!(lines(&safe_fn), vec![4]);
        // A closure parameter not named like a format still carries data.
        let data = format!(
            "{DECL}fn each(v: &[CString]) {{\n    v.iter().for_each(|s| {{\n        // SAFETY: s is a C string.\n        unsafe {{ printf(s.as_ptr()); }}\n    }});\n}}\n"
        );
        assert_eq!(lines(&data), vec![5]);
    }
}
