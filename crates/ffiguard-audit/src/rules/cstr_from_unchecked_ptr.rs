//! FFI005 — `CStr::from_ptr` on a pointer nobody checked, or on a buffer with no NUL.

use syn::spanned::Spanned;

use crate::analysis::{
    FnItem, Locals, assoc_call, ident_name, is_address, is_null_call, is_raw_ptr, method_receiver,
    null_checked, peel, peel_casts, walk_exprs, walk_non_null,
};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI005: see [`META`].
pub(crate) struct CStrFromUncheckedPtr;

static META: RuleMeta = RuleMeta {
    id: "FFI005",
    name: "cstr-from-unchecked-ptr",
    summary: "`CStr::from_ptr` on an unchecked pointer parameter or an unterminated buffer",
    default_level: Level::Error,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI005.md")),
};

impl Rule for CStrFromUncheckedPtr {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in crate::analysis::functions(cx.syntax) {
            let locals = Locals::of(&f);
            walk_exprs(f.block, &mut |e| {
                // `strlen(p)` (libc's or the crate's own, whoami's `strlen::<Nul>`) reads to
                // the NUL as `CStr::from_ptr` does: checked for buffers only.
                if let Some((segs, call)) = crate::analysis::call_path(e)
                    && segs.last().is_some_and(|s| s == "strlen")
                    && let [arg] = call.args.iter().collect::<Vec<_>>().as_slice()
                {
                    if let Some(msg) = unterminated_buffer(cx, &f, &locals, arg, "strlen") {
                        out.push(cx.finding(&META, e.span(), msg).help(
                            "zero the buffer and hand C one byte less, or search it for the NUL within its length",
                        ));
                    }
                    return;
                }
                let Some(args) = assoc_call(e, &["CStr"], "from_ptr") else {
                    return;
                };
                let Some(arg) = args.first() else { return };
                if let Some(msg) = unchecked_param(cx, &f, &locals, arg)
                    .or_else(|| unterminated_buffer(cx, &f, &locals, arg, "CStr::from_ptr"))
                {
                    out.push(
                        cx.finding(&META, e.span(), msg)
                            .help("check for null, or read with `CStr::from_bytes_until_nul` within the buffer"),
                    );
                } else if let Some(msg) = slice_param(&f, &locals, arg) {
                    let mut finding = cx.finding(&META, e.span(), msg).help(
                        "read with `CStr::from_bytes_until_nul` on the slice, which stops at its end",
                    );
                    // Out of reach from outside the crate, its callers may all pass terminated
                    // buffers (which this rule does not follow): a warning.
                    if internal(cx, &f) {
                        finding.level = Level::Warning;
                    }
                    out.push(finding);
                }
            });
        }
    }
}

/// Standard C functions that, on success, leave a NUL within the size they are given.
const TERMINATING: &[&str] = &[
    "snprintf",
    "vsnprintf",
    "strerror_r",
    "__xpg_strerror_r",
    "getcwd",
    "ttyname_r",
    "getlogin_r",
    "ptsname_r",
];

fn unchecked_param(
    cx: &FileContext<'_>,
    f: &FnItem<'_>,
    locals: &Locals<'_>,
    arg: &syn::Expr,
) -> Option<String> {
    if f.is_unsafe() || f.is_extern() {
        return None;
    }
    let name = ident_name(peel_casts(arg))?;
    let is_param = f
        .params()
        .iter()
        .any(|(p, ty)| *p == name && is_raw_ptr(ty));
    let rebound = locals.inits.contains_key(&name);
    let unchecked = is_param && !rebound && !null_checked(f.block, peel_casts(arg));
    (unchecked && !fed_only_non_null(cx, f, &name)).then(|| {
        format!("`CStr::from_ptr({name})` on a pointer parameter that is never checked for null")
    })
}

/// `CStr::from_ptr(buf.as_ptr())` where `buf` is a `&[c_char]` or `&[c_char; N]` parameter
/// of a safe function that never looks for the NUL in it (dbn's `c_chars_to_str`, fitsio's
/// `buf_to_string`): a slice promises no terminator, so the read can run past its end.
fn slice_param(f: &FnItem<'_>, locals: &Locals<'_>, arg: &syn::Expr) -> Option<String> {
    if f.is_unsafe() || f.is_extern() {
        return None;
    }
    let name = ident_name(method_receiver(peel_casts(arg), "as_ptr")?)?;
    let byte_slice = |ty: &syn::Type| {
        let syn::Type::Reference(r) = ty else {
            return false;
        };
        let elem = match &*r.elem {
            syn::Type::Slice(s) => &s.elem,
            syn::Type::Array(a) => &a.elem,
            _ => return false,
        };
        crate::analysis::type_last(elem)
            .is_some_and(|t| matches!(t.as_str(), "c_char" | "i8" | "u8" | "c_uchar" | "c_schar"))
    };
    let is_param = f
        .params()
        .iter()
        .any(|(p, ty)| *p == name && byte_slice(ty));
    if !is_param || locals.inits.contains_key(&name) {
        return None;
    }
    // Any look for the terminator (`buf.contains(&0)`, `buf.last()`, `buf.iter().position(..)`,
    // `buf.ends_with(..)`, `memchr(0, buf)`, `CStr::from_bytes_*(buf)`), or one written
    // (`buf[len - 1] = 0`, nix's `gethostname`).
    let mut looked = false;
    walk_exprs(f.block, &mut |e| match e {
        syn::Expr::Assign(a)
            if matches!(peel(&a.left), syn::Expr::Index(i)
                if ident_name(peel(&i.expr)).as_deref() == Some(name.as_str())) =>
        {
            looked = true;
        }
        syn::Expr::MethodCall(m)
            if ident_name(peel(&m.receiver)).as_deref() == Some(name.as_str())
                && matches!(
                    m.method.to_string().as_str(),
                    "contains" | "last" | "ends_with" | "iter" | "split_last" | "position"
                ) =>
        {
            looked = true;
        }
        syn::Expr::Call(c)
            if c.args
                .iter()
                .any(|a| ident_name(peel(a)).as_deref() == Some(name.as_str())) =>
        {
            looked = true;
        }
        _ => {}
    });
    (!looked).then(|| {
        format!(
            "`CStr::from_ptr({name}.as_ptr())` on a slice parameter: nothing says it holds a NUL"
        )
    })
}

/// A function out of reach from outside the crate whose every call in the file passes, for
/// parameter `param`, either the address of Rust storage (`x.as_ptr()`, `&x`, a literal),
/// which is never null, or a pointer a null check guards at that call: rustix's
/// `fn to_cstr(ptr: *const u8)` called with `self.0.release.as_ptr().cast()`, librocksdb-sys's
/// `error_message(err)` called only inside `if !err.is_null()`.
fn fed_only_non_null(cx: &FileContext<'_>, f: &FnItem<'_>, param: &str) -> bool {
    if !internal(cx, f) {
        return false;
    }
    let has_self = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    let Some(index) = f.sig.inputs.iter().position(|a| {
        matches!(a, syn::FnArg::Typed(t) if matches!(&*t.pat, syn::Pat::Ident(p) if p.ident == param))
    }) else {
        return false;
    };
    let target = f.sig.ident.to_string();
    let names_target = |e: &syn::Expr| {
        matches!(e, syn::Expr::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == target))
    };
    let (mut calls, mut all_non_null) = (0usize, true);
    for g in crate::analysis::functions(cx.syntax) {
        walk_non_null(g.block, &mut |e, known| {
            let passed = match e {
                syn::Expr::Call(c) if names_target(&c.func) => c.args.iter().nth(index),
                syn::Expr::MethodCall(m) if has_self && m.method == target => {
                    m.args.iter().nth(index - 1)
                }
                // Named but not called (`.map(error_message)`): the argument is out of sight.
                e if names_target(e) => None,
                _ => return,
            };
            calls += 1;
            all_non_null &= passed.is_some_and(|a| is_address(a) || known.holds(a));
        });
    }
    calls > 0 && all_non_null
}

/// Private (`fn`, `pub(crate)`, `pub(super)`), or `pub` in a module the crate keeps private,
/// or in a file no module declaration of the audited code names (`src/test.rs` with no
/// `mod test`): code outside the crate cannot call it.
fn internal(cx: &FileContext<'_>, f: &FnItem<'_>) -> bool {
    match f.vis {
        Some(syn::Visibility::Inherited | syn::Visibility::Restricted(_)) => true,
        Some(syn::Visibility::Public(_)) => {
            let item = f
                .self_type
                .clone()
                .unwrap_or_else(|| f.sig.ident.to_string());
            cx.model.exposure.hides(cx.path, &item) || undeclared_module(cx)
        }
        None => false,
    }
}

/// The file is a module file below `src/` (not a crate root) that no `mod` item of its crate
/// declares.
fn undeclared_module(cx: &FileContext<'_>) -> bool {
    let below_src = cx.path.split(['/', '\\']).rev().skip(1).any(|p| p == "src");
    let root = cx
        .path
        .rsplit(['/', '\\'])
        .next()
        .is_some_and(|f| matches!(f, "lib.rs" | "main.rs"));
    below_src && !root && !cx.model.exposure.declares(cx.path)
}

/// The buffer a pointer points into: `buf.as_ptr()`, `buf.as_mut_ptr()`, or a local bound to
/// one of these (hostname's `let ptr = buf.as_mut_ptr() as *mut c_char`), through casts.
fn buffer_of(e: &syn::Expr, locals: &Locals<'_>) -> Option<String> {
    let e = peel_casts(e);
    let direct = |e: &syn::Expr| {
        method_receiver(e, "as_ptr")
            .or_else(|| method_receiver(e, "as_mut_ptr"))
            .and_then(ident_name)
    };
    direct(e).or_else(|| {
        let init = locals.inits.get(&ident_name(e)?)?;
        direct(peel_casts(init))
    })
}

fn unterminated_buffer(
    cx: &FileContext<'_>,
    f: &FnItem<'_>,
    locals: &Locals<'_>,
    arg: &syn::Expr,
    reader: &str,
) -> Option<String> {
    let buf = buffer_of(arg, locals)?;
    let init = peel(locals.inits.get(&buf)?);
    // `Vec::with_capacity(n)`: nothing in it is initialized, so a byte C leaves unwritten is
    // no NUL either (hostname's and whoami's `gethostname` into `with_capacity`).
    let capacity = assoc_call(init, &["Vec"], "with_capacity").and_then(|a| a.first());
    let is_buffer = matches!(init, syn::Expr::Repeat(_))
        || matches!(init, syn::Expr::Macro(m) if m.mac.path.is_ident("vec"))
        || capacity.is_some();
    if !is_buffer {
        return None;
    }
    // `f(obj, null_mut(), 0)` first, for the length: the size-query idiom of functions with
    // `snprintf`'s contract (wxdragon's `wxd_Config_GetPath`, then `vec![0; len + 1]`).
    let mut size_queried: Vec<String> = Vec::new();
    walk_exprs(f.block, &mut |e| {
        if let Some((segs, call)) = crate::analysis::call_path(e)
            && call.args.iter().any(is_null_call)
            && call.args.iter().any(|a| {
                matches!(peel_casts(a), syn::Expr::Lit(l) if matches!(&l.lit, syn::Lit::Int(i) if i.base10_digits() == "0"))
            })
            && let Some(last) = segs.last()
        {
            size_queried.push(last.clone());
        }
    });
    // `let len = f(.., buf.as_mut_ptr(), buf.len()); if len < buf.len() { .. }`: the result
    // is the length that would have been written, told apart from the capacity, as
    // `snprintf` returns it (wxdragon's `wxd_ListBox_GetStringSelection`).
    let mut compared: Vec<String> = Vec::new();
    walk_exprs(f.block, &mut |e| {
        if let syn::Expr::Binary(b) = e
            && matches!(
                b.op,
                syn::BinOp::Lt(_) | syn::BinOp::Le(_) | syn::BinOp::Gt(_) | syn::BinOp::Ge(_)
            )
        {
            let capacity = |x: &syn::Expr| {
                method_receiver(peel_casts(x), "len")
                    .and_then(ident_name)
                    .as_deref()
                    == Some(&buf)
            };
            let other = if capacity(&b.right) {
                Some(&b.left)
            } else if capacity(&b.left) {
                Some(&b.right)
            } else {
                None
            };
            compared.extend(other.and_then(|o| ident_name(peel_casts(o))));
        }
    });
    for name in &compared {
        if let Some((segs, _)) = locals.init_of(name).and_then(crate::analysis::call_path) {
            size_queried.extend(segs.last().cloned());
        }
    }
    let mut filled_full = false;
    let mut terminated = false;
    walk_exprs(f.block, &mut |e| {
        if let syn::Expr::Assign(a) = e
            && let syn::Expr::Index(i) = peel(&a.left)
            && ident_name(&i.expr).as_deref() == Some(buf.as_str())
        {
            terminated = true;
        }
        let syn::Expr::Call(call) = e else { return };
        if cx.foreign_callee(e).is_none() {
            return;
        }
        let callee = crate::analysis::call_path(e).and_then(|(segs, _)| segs.last().cloned());
        // A library names its own formatter after `snprintf` when it keeps that contract
        // (`nftnl_chain_snprintf`, PulseAudio's `pa_cvolume_snprint_verbose`: always
        // terminated within the size given).
        if callee.is_some_and(|c| {
            TERMINATING.contains(&c.as_str()) || c.contains("_snprint") || size_queried.contains(&c)
        }) {
            return;
        }
        let passes_buf = call.args.iter().any(|a| {
            method_receiver(peel_casts(a), "as_mut_ptr")
                .and_then(ident_name)
                .is_some_and(|n| n == buf)
                || (ident_name(peel_casts(a)).is_some()
                    && buffer_of(a, locals).is_some_and(|n| n == buf))
        });
        let full_len = call.args.iter().any(|a| {
            method_receiver(peel_casts(a), "len")
                .and_then(ident_name)
                .is_some_and(|n| n == buf)
        });
        // Into uninitialized capacity any fill leaves the NUL to C.
        filled_full |= passes_buf && (full_len || capacity.is_some());
    });
    (filled_full && !terminated).then(|| match capacity {
        Some(_) => format!(
            "`{reader}` on a `Vec::with_capacity` buffer C filled: no NUL is guaranteed, and the bytes C did not write are uninitialized"
        ),
        None => format!(
            "`{reader}({buf}.as_ptr())` on a buffer C filled to its full length: no NUL is guaranteed"
        ),
    })
}
