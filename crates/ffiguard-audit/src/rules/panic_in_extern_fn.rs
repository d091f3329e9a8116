//! FFI003 — an `extern "C"` function can panic and has no `catch_unwind`.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use std::collections::BTreeSet;

use crate::analysis::macro_bodies::macro_arms;
use crate::analysis::{FnItem, functions, macro_exprs, segments};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

mod conditional_catcher;
mod user_closure;

use user_closure::{CallbackValues, ClosureFields};

/// FFI003: see [`META`].
pub(crate) struct PanicInExternFn;

static META: RuleMeta = RuleMeta {
    id: "FFI003",
    name: "panic-in-extern-fn",
    summary: "a Rust `extern \"C\"` function can panic outside `catch_unwind`",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "In functions defined in Rust with a non-Rust ABI (`extern \"C\" fn`, \
exports and callbacks), flags explicit panic sources outside a closure that runs under a panic \
catcher: `.unwrap()`, `.expect(..)`, `panic!`, `unreachable!`, `todo!`, `unimplemented!`, the \
`assert!` family, indexing (`a[i]`, `&s[1..]`), and calls of a closure the crate's user \
supplied: a value taken out of the user-data pointer (`let cb = &mut *(data as *mut Box<dyn \
FnMut()>); cb()`), or a local, parameter or field whose type is `Box<dyn Fn*>`, `&dyn Fn*`, a \
generic `F: Fn*` or `Option<Box<dyn Fn*>>` (also after `.as_ref().unwrap()`), or a type alias \
of the file for one of those (`type Callback<'a> = FnMut(&[f32]) + 'a;`). Calls of paths \
(`foo(x)`, `Self::bar()`), method calls and calls through `extern \"C\" fn` pointers are not \
closure calls. `extern \"C\"` functions that a `macro_rules!` of the file generates are checked \
as the macro writes them, and there a call of a metavariable (`$open_fn(..)`) is a call of \
the function the macro's caller names. A catcher that exists only under a `#[cfg(..)]` (typically \
`cfg(debug_assertions)`) protects nothing in the other builds; findings in such a function say \
so. A catcher is `catch_unwind`, a function of \
the same file whose body calls `catch_unwind` (a crate's `fn guard(..)`), a helper named \
`guard`/`ffi_guard`/`catch`/`abort_on_panic`, or any function under a `panic::`, `export::` \
or `trampoline::` module (git2's `panic::wrap`, `ffiguard::export::status`, PyO3's \
`impl_::trampoline::cfunction_with_keywords`).",
        why_is_this_bad: "Since Rust 1.81 a panic that reaches an `extern \"C\"` boundary aborts \
the whole process (before that it was undefined behaviour). Whoever can make the panic happen \
— bad input from C, a malformed file — can kill the host program.",
        known_problems: "Calls to other functions that may panic, arithmetic overflow in debug \
builds and `RefCell` borrow failures are not followed (false negatives). A user closure is \
recognised from written types and from where a value came from, without inference: a closure \
reached through a type alias declared in another file (`Box<Callback>`), a static (`OnceLock<Box<dyn Fn()>>`) or a \
struct declared in another file is missed, and a Rust `fn` pointer read from the user-data \
pointer without a written type is reported as a closure. Scopes are not tracked: the last \
binding of a name decides what it is. A crate's `fn guard` of which only one `cfg` variant \
calls `catch_unwind` still counts as a catcher. Indexing that is proven \
in bounds by an earlier check is still reported. Functions declared `extern \"C-unwind\"` are \
exempt because unwinding through them is defined.",
        example_bad: "#[unsafe(no_mangle)]\npub extern \"C\" fn parse_port(s: *const c_char) -> c_int {\n    \
let text = unsafe { CStr::from_ptr(s) };\n    text.to_str().unwrap().parse().unwrap()\n}",
        example_good: "#[unsafe(no_mangle)]\npub extern \"C\" fn parse_port(s: *const c_char) -> c_int {\n    \
std::panic::catch_unwind(|| parse(s)).unwrap_or(-1)\n}",
        fix: "Run the body under `std::panic::catch_unwind` (or `ffiguard`'s callback wrapper) and \
map a panic to the C API's error value; better, make the body not panic at all (`get`, `?`, \
explicit error codes).",
    },
};

impl Rule for PanicInExternFn {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let all = functions(cx.syntax);
        // `extern "C"` functions a `macro_rules!` of the file generates (openvpn-plugin's
        // `openvpn_plugin!`): their metavariables are what the macro's caller passes.
        let arms = macro_arms(cx.syntax, cx.source.text());
        let generated: Vec<(FnItem<'_>, &BTreeSet<String>)> = arms
            .iter()
            .flat_map(|arm| {
                functions(&arm.items)
                    .into_iter()
                    .map(move |f| (f, &arm.metavariables))
            })
            .collect();
        // Helpers of this file that run their closure under `catch_unwind` (`fn guard(..)`).
        let local_catchers: Vec<String> = all
            .iter()
            .chain(generated.iter().map(|(f, _)| f))
            .filter(|f| !f.is_extern() && crate::analysis::mentions(f.block, "catch_unwind"))
            .map(|f| f.sig.ident.to_string())
            .collect();
        let fields = ClosureFields::of(cx.syntax);
        let none = BTreeSet::new();
        let all = all.into_iter().map(|f| (f, &none));
        for (f, metavariables) in all.chain(generated) {
            let unwinds = f
                .sig
                .abi
                .as_ref()
                .and_then(|a| a.name.as_ref())
                .is_some_and(|n| n.value().ends_with("-unwind"));
            if !f.is_extern() || unwinds {
                continue;
            }
            let is_catcher_call = |segs: &[String]| {
                (segs.len() == 1 && local_catchers.contains(&segs[0])) || is_catcher(segs)
            };
            let mut v = PanicFinder {
                cx,
                out: &mut *out,
                local_catchers: &local_catchers,
                values: CallbackValues::of(&f, &fields),
                conditional: conditional_catcher::find(f.block, &is_catcher_call),
                metavariables,
            };
            v.visit_block(f.block);
        }
    }
}

struct PanicFinder<'c, 'a> {
    cx: &'c FileContext<'a>,
    out: &'c mut Vec<Finding>,
    local_catchers: &'c [String],
    /// Types and origins of the function's local names, to tell user closures apart.
    values: CallbackValues<'c>,
    /// The `cfg` of a panic catcher in this function that is compiled only under it.
    conditional: Option<String>,
    /// For a function a `macro_rules!` generates, the macro's metavariables: a call of one
    /// (`$open_fn(..)`) runs a function the macro's caller wrote.
    metavariables: &'c BTreeSet<String>,
}

const PANIC_MACROS: &[&str] = &[
    "panic",
    "unreachable",
    "todo",
    "unimplemented",
    "assert",
    "assert_eq",
    "assert_ne",
];

/// Calls whose closure arguments run under a panic catcher.
fn is_catcher(segs: &[String]) -> bool {
    let Some(last) = segs.last() else {
        return false;
    };
    last.contains("catch_unwind")
        || last.contains("catch_panic")
        || matches!(
            last.as_str(),
            "abort_on_panic" | "guard" | "ffi_guard" | "catch"
        )
        || segs
            .iter()
            .rev()
            .skip(1)
            .any(|s| matches!(s.as_str(), "panic" | "export" | "trampoline"))
}

impl PanicFinder<'_, '_> {
    fn report(&mut self, span: proc_macro2::Span, what: &str) {
        let message =
            format!("{what} in an `extern \"C\"` function: a panic here aborts the process");
        self.push(span, message);
    }

    fn report_closure(&mut self, span: proc_macro2::Span, name: &str) {
        let message = format!(
            "call of the user-supplied closure `{name}` in an `extern \"C\"` function: a panic \
in it unwinds into the C frame and aborts the process"
        );
        self.push(span, message);
    }

    fn push(&mut self, span: proc_macro2::Span, mut message: String) {
        if let Some(cfg) = &self.conditional {
            message.push_str(&format!(
                "; the function's panic catcher is conditional (`#[{cfg}]`) and absent from \
builds where that is off"
            ));
        }
        let f = self
            .cx
            .finding(&META, span, message)
            .help("catch panics with `std::panic::catch_unwind` and return an error code");
        self.out.push(f);
    }

    fn mac(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if PANIC_MACROS.contains(&name.as_str()) {
            self.report(m.path.span(), &format!("`{name}!`"));
            return;
        }
        for e in macro_exprs(m) {
            self.visit_expr(&e);
        }
    }
}

impl<'ast> Visit<'ast> for PanicFinder<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Call(c) => {
                if let syn::Expr::Path(p) = &*c.func {
                    let segs = segments(&p.path);
                    let local = segs.len() == 1 && self.local_catchers.contains(&segs[0]);
                    if local || is_catcher(&segs) {
                        return;
                    }
                }
                if let Some(name) = self.values.user_closure(&c.func) {
                    self.report_closure(c.func.span(), &name);
                } else if let syn::Expr::Path(p) = &*c.func
                    && let Some(name) = p.path.get_ident().map(ToString::to_string)
                    && self.metavariables.contains(&name)
                {
                    let message = format!(
                        "call of `${name}`, a function the macro's caller supplies, in an \
`extern \"C\"` function: a panic in it unwinds into the C frame and aborts the process"
                    );
                    self.push(c.func.span(), message);
                }
            }
            syn::Expr::MethodCall(m) if m.method == "unwrap" || m.method == "expect" => {
                self.report(m.method.span(), &format!("`.{}()`", m.method));
            }
            syn::Expr::Index(i) => self.report(i.bracket_token.span.join(), "indexing"),
            syn::Expr::Macro(m) => {
                self.mac(&m.mac);
                return;
            }
            _ => {}
        }
        visit::visit_expr(self, e);
    }
    fn visit_stmt_macro(&mut self, m: &'ast syn::StmtMacro) {
        self.mac(&m.mac);
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
