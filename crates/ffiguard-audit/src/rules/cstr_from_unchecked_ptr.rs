//! FFI005 — `CStr::from_ptr` on a pointer nobody checked, or on a buffer with no NUL.

use syn::spanned::Spanned;

use super::util::{
    FnItem, Locals, assoc_call, ident_name, is_raw_ptr, method_receiver, null_checked, peel,
    peel_casts, walk_exprs,
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
    docs: RuleDocs {
        what_it_does: "Flags `CStr::from_ptr(p)` where `p` is a raw-pointer parameter of a safe \
Rust-ABI function and the function never checks `p` for null (`is_null`, `NonNull::new`, \
`as_ref`, a comparison); and `CStr::from_ptr(buf.as_ptr())` where `buf` is a local array or \
`vec!` that a foreign call filled with its full length (`buf.len()`) and nothing wrote a NUL \
into it afterwards. Pointers returned by foreign calls are FFI010's.",
        why_is_this_bad: "`CStr::from_ptr` reads until it finds a zero byte. On a null pointer \
that is a crash; on a buffer C filled to the brim without a terminator it reads past the end \
(an out-of-bounds read that may leak memory contents or crash).",
        known_problems: "Parameters of `unsafe fn`s and of `extern \"C\"` callbacks are exempt: \
there the caller's contract (documented or C's) is what guarantees non-null. So are parameters \
of a private function that every call in the file passes the address of Rust storage \
(`x.as_ptr()`, `&x`); a call from another file is not seen. Buffers filled by the standard C \
functions that always terminate within the size they are given (`snprintf`, `strerror_r`, \
`getcwd`, ..) are accepted; other C functions that always terminate are still reported when \
given the full length: suppress with that reason or pass `len - 1`.",
        example_bad: "let mut buf = [0 as c_char; 64];\nunsafe { get_name(buf.as_mut_ptr(), buf.len()) };\n\
let name = unsafe { CStr::from_ptr(buf.as_ptr()) };",
        example_good: "let mut buf = [0u8; 64];\nunsafe { get_name(buf.as_mut_ptr().cast(), buf.len()) };\n\
let name = CStr::from_bytes_until_nul(&buf).map_err(|_| Error::Unterminated)?;",
        fix: "Check for null first (or use `ffiguard`'s checked C-string readers). For buffers, \
use `CStr::from_bytes_until_nul` on the slice, which stops at the buffer's end, or hand C one \
byte less than the buffer and keep the last byte zero.",
    },
};

impl Rule for CStrFromUncheckedPtr {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        for f in super::util::functions(cx.syntax) {
            let locals = Locals::of(&f);
            walk_exprs(f.block, &mut |e| {
                let Some(args) = assoc_call(e, &["CStr"], "from_ptr") else {
                    return;
                };
                let Some(arg) = args.first() else { return };
                if let Some(msg) = unchecked_param(cx, &f, &locals, arg)
                    .or_else(|| unterminated_buffer(cx, &f, &locals, arg))
                {
                    out.push(
                        cx.finding(&META, e.span(), msg)
                            .help("check for null, or read with `CStr::from_bytes_until_nul` within the buffer"),
                    );
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
    (unchecked && !fed_only_addresses(cx, f, &name)).then(|| {
        format!("`CStr::from_ptr({name})` on a pointer parameter that is never checked for null")
    })
}

/// A private function whose every call in the file passes, for parameter `param`, the address
/// of Rust storage (`x.as_ptr()`, `x.as_mut_ptr()`, `&x`, a literal), which is never null:
/// rustix's `fn to_cstr(ptr: *const u8)` called with `self.0.release.as_ptr().cast()`.
fn fed_only_addresses(cx: &FileContext<'_>, f: &FnItem<'_>, param: &str) -> bool {
    if !matches!(f.vis, Some(syn::Visibility::Inherited)) {
        return false;
    }
    let has_self = matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_)));
    let Some(index) = f.sig.inputs.iter().position(|a| {
        matches!(a, syn::FnArg::Typed(t) if matches!(&*t.pat, syn::Pat::Ident(p) if p.ident == param))
    }) else {
        return false;
    };
    let target = f.sig.ident.to_string();
    let mut calls = 0usize;
    let mut all_addresses = true;
    for g in super::util::functions(cx.syntax) {
        walk_exprs(g.block, &mut |e| {
            let passed = match e {
                syn::Expr::Call(c)
                    if matches!(&*c.func, syn::Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == target)) =>
                {
                    c.args.iter().nth(index)
                }
                syn::Expr::MethodCall(m) if m.method == target && has_self => {
                    m.args.iter().nth(index - 1)
                }
                _ => return,
            };
            calls += 1;
            all_addresses &= passed.is_some_and(is_address);
        });
    }
    calls > 0 && all_addresses
}

/// `x.as_ptr()`, `x.as_mut_ptr()`, `&x`, `&mut x` or a literal, through `as` and `.cast()`.
fn is_address(e: &syn::Expr) -> bool {
    let mut e = peel_casts(e);
    while let Some(inner) = method_receiver(e, "cast").or_else(|| method_receiver(e, "cast_mut")) {
        e = peel_casts(inner);
    }
    method_receiver(e, "as_ptr").is_some()
        || method_receiver(e, "as_mut_ptr").is_some()
        || matches!(peel(e), syn::Expr::Reference(_) | syn::Expr::Lit(_))
}

fn unterminated_buffer(
    cx: &FileContext<'_>,
    f: &FnItem<'_>,
    locals: &Locals<'_>,
    arg: &syn::Expr,
) -> Option<String> {
    let buf = ident_name(method_receiver(peel_casts(arg), "as_ptr")?)?;
    let init = peel(locals.inits.get(&buf)?);
    let is_buffer = matches!(init, syn::Expr::Repeat(_))
        || matches!(init, syn::Expr::Macro(m) if m.mac.path.is_ident("vec"));
    if !is_buffer {
        return None;
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
        let callee = super::util::call_path(e).and_then(|(segs, _)| segs.last().cloned());
        if callee.is_some_and(|c| TERMINATING.contains(&c.as_str())) {
            return;
        }
        let passes_buf = call.args.iter().any(|a| {
            method_receiver(peel_casts(a), "as_mut_ptr")
                .and_then(ident_name)
                .is_some_and(|n| n == buf)
        });
        let full_len = call.args.iter().any(|a| {
            method_receiver(peel_casts(a), "len")
                .and_then(ident_name)
                .is_some_and(|n| n == buf)
        });
        filled_full |= passes_buf && full_len;
    });
    (filled_full && !terminated).then(|| {
        format!(
            "`CStr::from_ptr({buf}.as_ptr())` on a buffer C filled to its full length: no NUL is guaranteed"
        )
    })
}
