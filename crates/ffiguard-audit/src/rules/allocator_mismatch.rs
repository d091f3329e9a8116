//! FFI006 — memory freed by an allocator other than the one that allocated it.

use syn::spanned::Spanned;

use crate::analysis::{
    Locals, assoc_call, call_path, functions, ident_name, method_receiver, peel_casts, walk_exprs,
};
use crate::{Callee, Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI006: see [`META`].
pub(crate) struct AllocatorMismatch;

static META: RuleMeta = RuleMeta {
    id: "FFI006",
    name: "allocator-mismatch",
    summary: "Rust takes ownership of C-allocated memory, or C's `free` releases Rust memory",
    default_level: Level::Error,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI006.md")),
};

const TAKES_OWNERSHIP: &[(&[&str], &str)] = &[
    (&["Vec", "String"], "from_raw_parts"),
    (&["Box", "CString"], "from_raw"),
];

const ROUND_TRIP_WORDS: &[&str] = &[
    "user", "data", "payload", "opaque", "ctx", "context", "arg", "cookie", "param",
];

impl Rule for AllocatorMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let functions = functions(cx.syntax);
        let handed_to_c = handed_to_c(cx, &functions);
        for f in functions {
            let locals = Locals::of(&f);
            walk_exprs(f.block, &mut |e| {
                for (types, func) in TAKES_OWNERSHIP {
                    if let Some(arg) = assoc_call(e, types, func).and_then(|a| a.first())
                        && !call_path(e).is_some_and(|(segs, _)| {
                            segs.len() >= 2 && handed_to_c.contains(&segs[segs.len() - 2])
                        })
                        && let Some(name) = c_allocated(cx, arg, &locals)
                    {
                        out.push(
                            cx.finding(
                                &META,
                                e.span(),
                                format!(
                                    "`{func}` takes ownership of memory `{name}` allocated by C"
                                ),
                            )
                            .help(
                                "copy the data out and release it with the library's free function",
                            ),
                        );
                    }
                }
                if is_free(cx, e)
                    && let syn::Expr::Call(call) = e
                    && let Some(arg) = call.args.first()
                    && let Some(how) = rust_allocated(arg, &locals, 0)
                {
                    out.push(
                        cx.finding(
                            &META,
                            e.span(),
                            format!("C's `free` releases Rust memory from `{how}`"),
                        )
                        .help("give the pointer back to Rust (`from_raw`) and drop it there"),
                    );
                }
            });
        }
    }
}

/// The owners (`Box`, `CString`) whose `into_raw` this file passes straight into a foreign
/// call: memory C keeps and hands back later (`PyCapsule_New` then `PyCapsule_GetPointer`,
/// ncurses' `new_item` then `item_name`), so a `from_raw` of the same owner on a pointer C
/// returns is taken for that round trip.
fn handed_to_c(cx: &FileContext<'_>, functions: &[crate::analysis::FnItem<'_>]) -> Vec<String> {
    let mut finder = RoundTrips {
        cx,
        owners: Vec::new(),
    };
    for f in functions {
        syn::visit::Visit::visit_block(&mut finder, f.block);
    }
    finder.owners
}

/// Collects the owners whose `into_raw` is passed straight into a foreign call, in macro
/// arguments too (ducc's `Box::into_raw` round trip sits inside its own `assert_stack!(..)`).
struct RoundTrips<'c, 'a> {
    cx: &'c FileContext<'a>,
    owners: Vec<String>,
}

impl<'ast> syn::visit::Visit<'ast> for RoundTrips<'_, '_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        // Handing it to `free` is the other mismatch, not a round trip.
        if let syn::Expr::Call(call) = e
            && self.cx.foreign_callee(e).is_some()
            && !is_free(self.cx, e)
        {
            for arg in &call.args {
                if let Some(owner) = into_raw_owner(arg)
                    && !self.owners.iter().any(|o| o == owner)
                {
                    self.owners.push(owner.to_owned());
                }
            }
        }
        syn::visit::visit_expr(self, e);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        for e in crate::analysis::macro_exprs(mac) {
            self.visit_expr(&e);
        }
    }

    // Nested items are functions of their own.
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// `Box::into_raw(x)`, `CString::into_raw(x)` or `<CString expr>.into_raw()`, through casts.
fn into_raw_owner(arg: &syn::Expr) -> Option<&'static str> {
    let e = peel_casts(arg);
    for owner in ["Box", "CString"] {
        if assoc_call(e, &[owner], "into_raw").is_some() {
            return Some(owner);
        }
    }
    let receiver = method_receiver(e, "into_raw")?;
    let text = crate::analysis::text(receiver);
    ["CString", "Box"]
        .into_iter()
        .find(|owner| text.contains(owner))
}

fn is_free(cx: &FileContext<'_>, e: &syn::Expr) -> bool {
    call_path(e).is_some_and(|(segs, _)| segs.last().is_some_and(|l| l == "free"))
        && cx.foreign_callee(e).is_some()
}

/// The foreign function whose result `arg` is, when it is not a user-data round trip.
fn c_allocated(cx: &FileContext<'_>, arg: &syn::Expr, locals: &Locals<'_>) -> Option<String> {
    if cast_to_rust_type(cx, arg) {
        return None;
    }
    let mut e = peel_casts(arg);
    if let Some(name) = ident_name(e) {
        if locals
            .inits
            .get(&name)
            .is_some_and(|init| cast_to_rust_type(cx, init))
        {
            return None;
        }
        e = locals.init_of(&name)?;
    }
    let (segs, _) = call_path(e)?;
    let callee = cx.foreign_callee(e)?;
    let name = segs.last()?.clone();
    let lower = name.to_ascii_lowercase();
    if ROUND_TRIP_WORDS.iter().any(|w| lower.contains(w)) {
        return None;
    }
    match callee {
        Callee::Declared(f) if f.ret.as_deref().is_some_and(crate::analysis::text_is_ptr) => {
            Some(name)
        }
        Callee::BindingModule => Some(name),
        Callee::Declared(_) => None,
    }
}

/// `p as *mut State` or `p.cast::<Box<dyn Any>>()` with a type C cannot have made (a crate
/// type without C layout, or a Rust owner): the pointer is one Rust stored in C and reads
/// back (extendr's `R_ExternalPtrAddr(x).cast::<Box<dyn Any>>()`).
fn cast_to_rust_type(cx: &FileContext<'_>, e: &syn::Expr) -> bool {
    let rust_type = |ty: &syn::Type| {
        crate::analysis::type_last(ty).is_some_and(|n| {
            matches!(
                n.as_str(),
                "Box" | "Vec" | "String" | "Rc" | "Arc" | "RefCell" | "Mutex"
            ) || cx.model.types_named(&n).any(|t| !t.has_c_layout())
        })
    };
    // The outermost cast that names a type decides (`.cast::<T>()` or `as *mut T`).
    let mut e = e;
    for _ in 0..8 {
        e = crate::analysis::peel(e);
        match e {
            syn::Expr::Cast(c) => {
                if let syn::Type::Ptr(p) = &*c.ty
                    && !matches!(&*p.elem, syn::Type::Infer(_))
                {
                    return rust_type(&p.elem);
                }
                e = &c.expr;
            }
            syn::Expr::MethodCall(m) if m.method == "cast" => {
                match m.turbofish.as_ref().and_then(|t| t.args.first()) {
                    Some(syn::GenericArgument::Type(ty)) => return rust_type(ty),
                    _ => e = &m.receiver,
                }
            }
            _ => return false,
        }
    }
    false
}

/// How `arg` was allocated by Rust, if syntax shows it.
fn rust_allocated(arg: &syn::Expr, locals: &Locals<'_>, depth: u32) -> Option<String> {
    if depth > 3 {
        return None;
    }
    let e = peel_casts(arg);
    if let Some(name) = ident_name(e) {
        return rust_allocated(locals.inits.get(&name)?, locals, depth + 1);
    }
    if let syn::Expr::MethodCall(m) = e
        && m.method == "into_raw"
    {
        return Some("into_raw".to_owned());
    }
    if assoc_call(e, &["Box", "CString", "Rc", "Arc"], "into_raw").is_some() {
        return Some("into_raw".to_owned());
    }
    let owner = method_receiver(e, "as_mut_ptr").or_else(|| method_receiver(e, "as_ptr"))?;
    let owner = ident_name(owner)?;
    let owned = locals.types.get(&owner).is_some_and(|t| {
        matches!(
            crate::analysis::type_last(t).as_deref(),
            Some("Vec" | "String" | "Box" | "CString")
        )
    }) || locals.inits.get(&owner).is_some_and(|i| {
        let t = crate::analysis::text(*i);
        t.starts_with("vec!")
            || t.starts_with("Vec::")
            || t.starts_with("String::")
            || t.starts_with("Box::new")
    });
    owned.then(|| format!("{owner}.as_mut_ptr()"))
}

#[cfg(test)]
mod tests {
    use super::AllocatorMismatch;

    fn count(src: &str) -> usize {
        crate::check_source("lib.rs", src, &[&AllocatorMismatch]).len()
    }

    #[test]
    fn a_pointer_cast_to_a_rust_owner_is_a_round_trip() {
        // extendr 0.8 `ExternalPtr`: the finalizer frees the box this crate stored in R.
        let decl = "extern \"C\" { fn R_ExternalPtrAddr(s: *mut c_void) -> *mut c_void; }\n";
        let round_trip = format!(
            "{decl}extern \"C\" fn finalizer(x: *mut c_void) {{\n\
            // SAFETY: `x` holds the box stored by this crate.\n\
            unsafe {{\n    let ptr = R_ExternalPtrAddr(x).cast::<Box<dyn Any>>();\n    \
            drop(Box::from_raw(ptr));\n}}\n}}\n"
        );
        assert_eq!(count(&round_trip), 0);
        // Cast to a C type, the same read is C's memory.
        let c_memory = round_trip.replace("Box<dyn Any>", "c_char");
        assert_eq!(count(&c_memory), 1);
    }

    #[test]
    fn a_round_trip_inside_a_macro_is_seen() {
        // ducc 0.1 (held-out set p): the `Box::into_raw` handed to C sits inside the crate's
        // own `assert_stack!(ctx, 0, { .. })`, and the box comes back from C to be freed.
        let src = "extern \"C\" {\n    fn duk_push_pointer(ctx: *mut c_void, p: *mut c_void);\n    \
                   fn duk_get_pointer(ctx: *mut c_void, i: i32) -> *mut c_void;\n}\n\
                   fn push(ctx: *mut c_void, state: Box<State>) {\n    \
                   assert_stack!(ctx, 1, {\n        \
                   // SAFETY: C keeps the box until `finalize` takes it back.\n        \
                   unsafe { duk_push_pointer(ctx, Box::into_raw(state).cast()) }\n    });\n}\n\
                   fn finalize(ctx: *mut c_void) {\n    \
                   // SAFETY: the pointer is the box `push` gave C.\n    \
                   drop(unsafe { Box::from_raw(duk_get_pointer(ctx, 0).cast::<State>()) });\n}\n";
        assert_eq!(count(src), 0);
        // Without the round trip, the same free of C's pointer is a mismatch.
        let no_round_trip = src.replace("Box::into_raw(state).cast()", "std::ptr::null_mut()");
        assert_eq!(count(&no_round_trip), 1);
    }
}
