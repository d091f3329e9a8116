//! FFI009 — a safe public function reads through, or hands C, a raw pointer it was given.

use std::collections::HashSet;

use crate::analysis::{
    call_path, functions, ident_name, is_raw_ptr, macro_exprs, macros_in, peel_casts, walk_exprs,
};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI009: see [`META`].
pub(crate) struct SafeFnRawPointer;

static META: RuleMeta = RuleMeta {
    id: "FFI009",
    name: "safe-fn-raw-pointer",
    summary: "a safe `pub fn` dereferences a raw-pointer parameter or passes it to C",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI009.md")),
};

const UNSAFE_PTR_METHODS: &[&str] = &[
    "read",
    "write",
    "read_unaligned",
    "write_unaligned",
    "read_volatile",
    "write_volatile",
    "as_ref",
    "as_mut",
    "add",
    "sub",
    "offset",
    "copy_to",
    "copy_from",
    "copy_to_nonoverlapping",
    "copy_from_nonoverlapping",
    "replace",
    "swap",
    "drop_in_place",
    "write_bytes",
];

const READERS: &[&str] = &[
    "from_ptr",
    "from_raw_parts",
    "from_raw_parts_mut",
    "read",
    "write",
    "read_unaligned",
    "write_unaligned",
    "copy",
    "copy_nonoverlapping",
    "write_bytes",
    "drop_in_place",
    "from_raw",
];

impl Rule for SafeFnRawPointer {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let own_traits = pub_traits(&cx.syntax.items);
        let unsafe_callees = unsafe_fns_reaching_c(cx);
        for f in functions(cx.syntax) {
            // The crate's own public trait: its safe signature is the crate's promise.
            let own_trait = f
                .trait_name
                .as_ref()
                .filter(|t| f.in_trait_impl && own_traits.contains(*t));
            let exempt_impl = f.in_trait_impl && own_trait.is_none();
            if (!f.is_pub() && own_trait.is_none()) || f.is_unsafe() || f.is_extern() || exempt_impl
            {
                continue;
            }
            let ptrs: Vec<String> = f
                .params()
                .into_iter()
                .filter(|(_, ty)| is_raw_ptr(ty))
                .map(|(n, _)| n)
                .collect();
            if ptrs.is_empty() {
                continue;
            }
            // A `pub fn` of a private module (or a method of a type there, or of a type that is
            // not `pub`) that nothing re-exports is crate-internal: safe code outside the crate
            // cannot pass it a pointer.
            let item = own_trait
                .or(f.self_type.as_ref())
                .cloned()
                .unwrap_or_else(|| f.sig.ident.to_string());
            if cx.model.exposure.hides(cx.path, &item) {
                continue;
            }
            let opaque = opaque_params(&f.params());
            let is_ptr = |e: &syn::Expr| ident_name(peel_casts(e)).filter(|n| ptrs.contains(n));
            let mut used: Option<String> = None;
            walk_exprs(f.block, &mut |e| {
                if used.is_some() {
                    return;
                }
                used = match e {
                    syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => is_ptr(&u.expr),
                    syn::Expr::MethodCall(m)
                        if UNSAFE_PTR_METHODS.contains(&m.method.to_string().as_str()) =>
                    {
                        is_ptr(&m.receiver)
                    }
                    // hugepage-rs: `HUGEPAGE_ALLOCATOR.dealloc(p, layout)` unmaps `p`.
                    syn::Expr::MethodCall(m) if unsafe_callees.contains(&m.method.to_string()) => {
                        m.args.iter().find_map(&is_ptr)
                    }
                    syn::Expr::Call(c) => {
                        let (reads, unsafe_callee) = call_path(e)
                            .and_then(|(segs, _)| segs.last().cloned())
                            .map_or((false, false), |l| {
                                (READERS.contains(&l.as_str()), unsafe_callees.contains(&l))
                            });
                        if reads || unsafe_callee {
                            c.args.iter().find_map(&is_ptr)
                        } else if cx.foreign_callee(e).is_some() {
                            let passes_length = c.args.iter().any(|a| {
                                ident_name(peel_casts(a))
                                    .is_some_and(|n| opaque.lengths.contains(&n))
                            });
                            c.args
                                .iter()
                                .filter_map(&is_ptr)
                                .find(|n| passes_length || !opaque.user_data.contains(n))
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
            });
            // fontconfig: `unsafe { ffi_dispatch!(LIB, FcPatternReference, pat); }`.
            if used.is_none() {
                used = pointer_in_unsafe_macro(f.block, &is_ptr);
            }
            if let Some(p) = used {
                let what = match own_trait {
                    Some(t) => format!(
                        "safe method `{}` of the crate's `pub trait {t}`",
                        f.sig.ident
                    ),
                    None => format!("safe `pub fn {}`", f.sig.ident),
                };
                let help = if own_trait.is_some() {
                    "make the trait method `unsafe fn` with a `# Safety` section, or take a safe type"
                } else {
                    "make it `unsafe fn` with a `# Safety` section, or take a safe type"
                };
                out.push(
                    cx.finding(
                        &META,
                        f.sig.ident.span(),
                        format!("{what} uses raw pointer `{p}` it was given"),
                    )
                    .help(help),
                );
            }
        }
    }
}

/// The `pub trait`s the file declares, at any depth of inline modules.
fn pub_traits(items: &[syn::Item]) -> HashSet<String> {
    let mut out = HashSet::new();
    for item in items {
        match item {
            syn::Item::Trait(t) if matches!(t.vis, syn::Visibility::Public(_)) => {
                out.insert(t.ident.to_string());
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(pub_traits(inner));
                }
            }
            _ => {}
        }
    }
    out
}

/// Rust functions that take a pointer on to C or read through it: std's
/// `GlobalAlloc::dealloc`/`realloc` (and `alloc::dealloc`/`realloc`), and the file's own
/// `unsafe fn`s whose body calls C, dereferences, or calls a pointer reader.
fn unsafe_fns_reaching_c(cx: &FileContext<'_>) -> HashSet<String> {
    let mut out: HashSet<String> = ["dealloc", "realloc"].map(str::to_owned).into();
    for f in functions(cx.syntax) {
        if !f.is_unsafe() || f.is_extern() {
            continue;
        }
        let mut reaches = false;
        walk_exprs(f.block, &mut |e| {
            reaches |= match e {
                syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)),
                syn::Expr::Call(_) => {
                    cx.foreign_callee(e).is_some()
                        || call_path(e).is_some_and(|(segs, _)| {
                            segs.last().is_some_and(|l| READERS.contains(&l.as_str()))
                        })
                }
                _ => false,
            };
        });
        if reaches {
            out.insert(f.sig.ident.to_string());
        }
    }
    out
}

/// Macros whose arguments are only formatted, logged or compared.
const PRINTING_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "eprint",
    "eprintln",
    "format",
    "format_args",
    "matches",
    "panic",
    "print",
    "println",
    "write",
    "writeln",
    "trace",
    "debug",
    "info",
    "warn",
    "error",
    "log",
];

/// A pointer parameter passed bare to a macro called inside an `unsafe` block
/// (`ffi_dispatch!(LIB, FcPatternReference, pat)` expands to the C call).
fn pointer_in_unsafe_macro(
    block: &syn::Block,
    is_ptr: &dyn Fn(&syn::Expr) -> Option<String>,
) -> Option<String> {
    let mut found = None;
    walk_exprs(block, &mut |e| {
        if found.is_some() {
            return;
        }
        let syn::Expr::Unsafe(u) = e else {
            return;
        };
        found = macros_in(&u.block)
            .into_iter()
            .filter(|(name, _)| !PRINTING_MACROS.contains(&name.as_str()))
            .find_map(|(_, mac)| macro_exprs(mac).iter().find_map(is_ptr));
    });
    found
}

/// The parameters of a function that may be opaque user data (`*mut c_void` named like it)
/// and those that may be lengths (integers named like one: ndk's `add_fd(ident: i32, ..,
/// data: *mut c_void)` passes an identifier, not a length).
struct OpaqueParams {
    user_data: Vec<String>,
    lengths: Vec<String>,
}

const USER_DATA_NAMES: &[&str] = &[
    "user", "data", "ctx", "context", "cookie", "opaque", "arg", "closure", "tag",
];

const LENGTH_WORDS: &[&str] = &["len", "size", "count", "num", "cap", "bytes", "total"];

fn named_like_length(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "n"
        || lower.starts_with("n_")
        || lower.starts_with("nb")
        || LENGTH_WORDS.iter().any(|w| lower.contains(w))
}

const INTEGER_TYPES: &[&str] = &[
    "usize",
    "isize",
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "c_int",
    "c_uint",
    "c_long",
    "c_ulong",
    "c_short",
    "c_ushort",
    "size_t",
    "ssize_t",
    "c_longlong",
    "c_ulonglong",
];

fn opaque_params(params: &[(String, &syn::Type)]) -> OpaqueParams {
    let mut out = OpaqueParams {
        user_data: Vec::new(),
        lengths: Vec::new(),
    };
    for (name, ty) in params {
        match ty {
            syn::Type::Ptr(p) if is_c_void(&p.elem) => {
                let lower = name.to_ascii_lowercase();
                if USER_DATA_NAMES.iter().any(|w| lower.contains(w)) {
                    out.user_data.push(name.clone());
                }
            }
            syn::Type::Path(p)
                if named_like_length(name)
                    && p.path
                        .segments
                        .last()
                        .is_some_and(|s| INTEGER_TYPES.contains(&s.ident.to_string().as_str())) =>
            {
                out.lengths.push(name.clone());
            }
            _ => {}
        }
    }
    out
}

fn is_c_void(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "c_void"))
}

#[cfg(test)]
mod tests {
    use super::SafeFnRawPointer;

    fn findings(src: &str) -> Vec<crate::Finding> {
        crate::check_source("lib.rs", src, &[&SafeFnRawPointer])
    }

    #[test]
    fn opaque_user_data_passed_alone_is_not_a_use() {
        // libfmod 2.222.6: C stores the pointer and hands it back; it never reads through it.
        let stored = "pub fn set_user_data(&self, userdata: *mut c_void) -> Result<(), Error> {\n\
            // SAFETY: FMOD keeps the pointer and never reads through it.\n\
            unsafe { ffi::FMOD_Channel_SetUserData(self.pointer, userdata) };\n}\n\
            extern \"C\" { fn FMOD_Channel_SetUserData(c: *mut C, u: *mut c_void) -> c_int; }\n";
        assert!(findings(stored).is_empty());
        // A buffer with its length is read or written by C.
        let buffer = "pub fn read_data(&self, data: *mut c_void, length: u32) -> u32 {\n\
            // SAFETY: the caller's buffer, of the caller's length.\n\
            unsafe { ffi::FMOD_Sound_ReadData(self.pointer, data, length) }\n}\n\
            extern \"C\" { fn FMOD_Sound_ReadData(s: *mut S, b: *mut c_void, l: u32) -> u32; }\n";
        assert_eq!(findings(buffer).len(), 1);
        // ndk 0.9 `Looper::add_fd`: an identifier beside the user data is not its length.
        let ident = "pub fn add_fd(&self, fd: i32, ident: i32, data: *mut c_void) -> i32 {\n\
            // SAFETY: the looper only hands `data` back.\n\
            unsafe { ffi::ALooper_addFd(self.ptr, fd, ident, 0, None, data) }\n}\n\
            extern \"C\" { fn ALooper_addFd(l: *mut L, fd: i32, id: i32, e: i32, cb: Cb, d: *mut c_void) -> i32; }\n";
        assert!(findings(ident).is_empty());
        // A typed pointer is never opaque.
        let typed = "pub fn set_user_data(userdata: *mut State) {\n\
            // SAFETY: set_ud keeps the pointer.\n\
            unsafe { ffi::set_ud(userdata) };\n}\n\
            extern \"C\" { fn set_ud(u: *mut State); }\n";
        assert_eq!(findings(typed).len(), 1);
    }

    #[test]
    fn a_method_of_the_crates_own_trait_is_named_as_one() {
        // mpv-client 0.6.1 `Format::from_ptr`.
        let src = "pub trait Format: Sized { fn from_ptr(ptr: *const c_void) -> Self; }\n\
            impl Format for String {\n    fn from_ptr(ptr: *const c_void) -> Self {\n\
            unsafe { CStr::from_ptr(*(ptr as *const *const c_char)) }.to_string_lossy().into_owned()\n    }\n}\n";
        let found = findings(src);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .message
                .starts_with("safe method `from_ptr` of the crate's `pub trait Format`"),
            "{}",
            found[0].message
        );
    }
}
