//! Rust types of a binding, resolved for one target without compiling: `c_long`,
//! `libc::size_t`, `::std::os::raw::c_ulong`, `core::ffi::c_char` and crate-local `type`
//! aliases all become sized integers, pointers, function pointers or named records.

use crate::analysis::int_width::int_on;
use ffiguard_cheader::Target;
use std::collections::HashMap;

/// Longest alias chain followed (`uLongf` → `uLong` → `c_ulong` is three).
const MAX_ALIAS_DEPTH: u32 = 16;

/// A Rust type as one target sees it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RType {
    /// `()` (no return value).
    Unit,
    /// `c_void` / `core::ffi::c_void`.
    Void,
    /// `bool`.
    Bool,
    /// An integer.
    Int {
        /// Width on this target.
        bytes: u64,
        /// Signed.
        signed: bool,
        /// The name the binding uses (`c_long`, `i64`, `uLong`).
        spelled: String,
        /// Reached through a C-named type (`c_long`, `size_t`, `usize`, ...) whose width
        /// follows the target, rather than a fixed-width one (`i64`).
        adaptive: bool,
    },
    /// `f32`, `f64`, `c_float`, `c_double`.
    Float {
        /// Width.
        bytes: u64,
    },
    /// `*const T`, `*mut T`, `&T`, `&mut T`, `NonNull<T>`.
    Ptr {
        /// Writable through it.
        mutable: bool,
        /// What it points to.
        pointee: Box<RType>,
    },
    /// `extern "C" fn(..) -> ..`, optionally inside `Option`.
    FnPtr {
        /// Parameters.
        params: Vec<RType>,
        /// Result (`Unit` for none).
        ret: Box<RType>,
        /// Ends with `...`.
        variadic: bool,
    },
    /// `[T; N]` (`len` is `None` when `N` is not a literal or known constant).
    Array {
        /// Element.
        element: Box<RType>,
        /// Length.
        len: Option<u64>,
    },
    /// A type defined in the crate (struct, union or enum), by its last path segment.
    Named(String),
    /// Anything not understood: never reported as a mismatch.
    Unknown(String),
}

impl RType {
    /// How the binding writes it, for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            RType::Unit => "()".to_owned(),
            RType::Void => "c_void".to_owned(),
            RType::Bool => "bool".to_owned(),
            RType::Int { spelled, bytes, .. } => format!("`{spelled}` ({bytes} bytes)"),
            RType::Float { bytes } => format!("`f{}`", bytes * 8),
            RType::Ptr { mutable, pointee } => {
                let m = if *mutable { "mut" } else { "const" };
                format!("*{m} {}", pointee.describe())
            }
            RType::FnPtr { params, .. } => {
                format!("a function pointer of {} parameters", params.len())
            }
            RType::Array { element, len } => match len {
                Some(n) => format!("[{}; {n}]", element.describe()),
                None => format!("[{}; _]", element.describe()),
            },
            RType::Named(n) | RType::Unknown(n) => format!("`{n}`"),
        }
    }
}

/// What the crate defines that type resolution needs.
#[derive(Default)]
pub(crate) struct Env {
    /// `type Name = Type;` items by name, each definition with the `cfg` it is under and the
    /// file that holds it.
    pub(crate) aliases: HashMap<String, Vec<(super::cfg::Cfgs, syn::Type, String)>>,
    /// Files generated for one platform, by display path.
    pub(crate) platforms: HashMap<String, super::platform::Platform>,
    /// The `cfg` predicates of binding items, by the item's location.
    pub(crate) cfgs: HashMap<crate::Location, super::cfg::Cfgs>,
    /// The `cfg` predicates of each field of a record, by the record's location (only for
    /// records where some field has one).
    pub(crate) field_cfgs: HashMap<crate::Location, Vec<super::cfg::Cfgs>>,
    /// The crate's default features, when known; unknown, `feature` predicates are "maybe".
    pub(crate) features: Option<super::cfg::Features>,
    /// Integer `const` items by name (for array lengths).
    pub(crate) consts: HashMap<String, i128>,
    /// Names of structs, unions and enums defined in the crate.
    pub(crate) types: std::collections::HashSet<String>,
    /// Those of [`Env::types`] defined in more than one module: a path to one resolves to
    /// [`RType::Named`] of the path as written, which `Cx::resolve_in` makes absolute.
    pub(crate) ambiguous: std::collections::HashSet<String>,
    /// Generic `#[repr(transparent)]` structs that are their type argument at the ABI.
    pub(crate) transparent_generic: std::collections::HashSet<String>,
}

/// Whether two resolved types are the same to the ABI, however they are spelled
/// (`c_uchar` and `::std::os::raw::c_uchar`).
fn same_shape(a: &RType, b: &RType) -> bool {
    match (a, b) {
        (
            RType::Int {
                bytes: x,
                signed: s,
                ..
            },
            RType::Int {
                bytes: y,
                signed: t,
                ..
            },
        ) => x == y && s == t,
        (RType::Ptr { pointee: x, .. }, RType::Ptr { pointee: y, .. }) => same_shape(x, y),
        (RType::Array { element: x, len: m }, RType::Array { element: y, len: n }) => {
            m == n && same_shape(x, y)
        }
        _ => a.describe() == b.describe(),
    }
}

/// Resolves a type written as text (as the FFI model stores it).
pub(crate) fn resolve_text(text: &str, env: &Env, target: &Target) -> RType {
    match syn::parse_str::<syn::Type>(text) {
        Ok(ty) => resolve(&ty, env, target, 0),
        Err(_) => RType::Unknown(text.to_owned()),
    }
}

/// Resolves a type for `target`.
pub(crate) fn resolve(ty: &syn::Type, env: &Env, target: &Target, depth: u32) -> RType {
    if depth > MAX_ALIAS_DEPTH {
        return RType::Unknown("(alias chain too deep)".to_owned());
    }
    let next = depth + 1;
    match ty {
        syn::Type::Tuple(t) if t.elems.is_empty() => RType::Unit,
        syn::Type::Paren(p) => resolve(&p.elem, env, target, next),
        syn::Type::Group(g) => resolve(&g.elem, env, target, next),
        syn::Type::Ptr(p) => RType::Ptr {
            mutable: p.mutability.is_some(),
            pointee: Box::new(resolve(&p.elem, env, target, next)),
        },
        syn::Type::Reference(r) => RType::Ptr {
            mutable: r.mutability.is_some(),
            pointee: Box::new(resolve(&r.elem, env, target, next)),
        },
        syn::Type::Array(a) => RType::Array {
            element: Box::new(resolve(&a.elem, env, target, next)),
            len: array_len(&a.len, env),
        },
        syn::Type::BareFn(f) => RType::FnPtr {
            params: f
                .inputs
                .iter()
                .map(|a| resolve(&a.ty, env, target, next))
                .collect(),
            ret: Box::new(match &f.output {
                syn::ReturnType::Default => RType::Unit,
                syn::ReturnType::Type(_, t) => resolve(t, env, target, next),
            }),
            variadic: f.variadic.is_some(),
        },
        syn::Type::Path(p) if p.qself.is_none() => resolve_path(&p.path, env, target, next),
        syn::Type::Never(_) => RType::Unit,
        other => RType::Unknown(crate::type_text(other)),
    }
}

fn first_generic(seg: &syn::PathSegment) -> Option<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        }),
        _ => None,
    }
}

fn resolve_path(path: &syn::Path, env: &Env, target: &Target, depth: u32) -> RType {
    let Some(last) = path.segments.last() else {
        return RType::Unknown(String::new());
    };
    let name = last.ident.to_string();
    let first = path.segments.first().map(|s| s.ident.to_string());
    let foreign_crate = path.segments.len() > 1
        && matches!(
            first.as_deref(),
            Some("std" | "core" | "libc" | "ffi" | "os" | "raw" | "alloc")
        );
    // Wrappers that are transparent at the ABI.
    match name.as_str() {
        "Option" | "ManuallyDrop" | "MaybeUninit" | "Cell" | "UnsafeCell" => {
            if let Some(inner) = first_generic(last) {
                return resolve(inner, env, target, depth);
            }
        }
        "NonNull" => {
            if let Some(inner) = first_generic(last) {
                return RType::Ptr {
                    mutable: true,
                    pointee: Box::new(resolve(inner, env, target, depth)),
                };
            }
        }
        "__BindgenBitfieldUnit" => {
            if let Some(inner) = first_generic(last) {
                return resolve(inner, env, target, depth);
            }
        }
        "__IncompleteArrayField" | "__BindgenUnionField" | "PhantomData" => {
            let element =
                first_generic(last).map_or(RType::Unit, |inner| resolve(inner, env, target, depth));
            return RType::Array {
                element: Box::new(element),
                len: Some(0),
            };
        }
        _ => {}
    }
    // A crate-local alias wins over a C name it shadows (bindgen emits `type size_t = c_ulong`).
    if !foreign_crate && last.arguments.is_empty() {
        // A definition in a file made for another target (aubio-sys's per-triple files,
        // libftd2xx-ffi's per-platform ones all define `smpl_t` or `DWORD`) is not this
        // target's. Two that disagree and may both apply (aubio-sys's `_single` and `_double`
        // file for one triple, picked by its build script from a feature) leave the alias
        // unknown: comparing either would be a guess.
        let mut candidates =
            env.aliases
                .get(&name)
                .into_iter()
                .flatten()
                .filter(|(cfgs, _, file)| {
                    super::cfg::file_matches(file, target)
                        && env.platforms.get(file).is_none_or(|p| p.fits(target))
                        && super::cfg::active(cfgs, target, env.features.as_ref())
                });
        let aliased = candidates.next().map(|(_, ty, _)| ty);
        if let Some(first) = aliased
            && !is_primitive(&name)
        {
            let shape = resolve(first, env, target, depth + 1);
            if candidates
                .any(|(_, ty, _)| !same_shape(&resolve(ty, env, target, depth + 1), &shape))
            {
                return RType::Unknown(format!(
                    "{name} (defined differently by files that may all apply)"
                ));
            }
        }
        if let Some(aliased) = aliased
            && !is_primitive(&name)
        {
            let mut resolved = resolve(aliased, env, target, depth);
            if let RType::Int { spelled, .. } = &mut resolved {
                *spelled = format!("{name}` = `{spelled}");
            }
            return resolved;
        }
    }
    if let Some(builtin) = builtin(&name, target) {
        return builtin;
    }
    if env.transparent_generic.contains(&name)
        && let Some(inner) = first_generic(last)
    {
        return resolve(inner, env, target, depth);
    }
    if env.ambiguous.contains(&name) {
        let written: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        return RType::Named(written.join("::"));
    }
    if env.types.contains(&name) {
        return RType::Named(name);
    }
    RType::Unknown(crate::type_text(path))
}

fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "i8" | "i16"
            | "i32"
            | "i64"
            | "i128"
            | "isize"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "u128"
            | "usize"
            | "f32"
            | "f64"
            | "bool"
    )
}

/// Primitive and C-named types, sized for the target (integers from the one table,
/// [`int_on`]).
fn builtin(name: &str, target: &Target) -> Option<RType> {
    if let Some(i) = int_on(name, target) {
        return Some(RType::Int {
            bytes: i.bytes,
            signed: i.signed,
            spelled: name.to_owned(),
            adaptive: i.adaptive,
        });
    }
    Some(match name {
        "f32" | "c_float" => RType::Float { bytes: 4 },
        "f64" | "c_double" => RType::Float { bytes: 8 },
        "bool" => RType::Bool,
        "c_void" => RType::Void,
        _ => return None,
    })
}

/// A literal, a constant of the crate or an expression of them (`6 * SG_MAX_MIPMAPS`).
fn array_len(expr: &syn::Expr, env: &Env) -> Option<u64> {
    u64::try_from(super::items::const_value(expr, &env.consts, 0)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ffiguard_cheader::{I686_LINUX, X86_64_LINUX, X86_64_WINDOWS};

    fn env(src: &str) -> Env {
        let file: syn::File = syn::parse_str(src).expect("parses");
        let mut env = Env::default();
        for item in file.items {
            if let syn::Item::Type(t) = item {
                env.aliases.entry(t.ident.to_string()).or_default().push((
                    super::super::cfg::of_attrs(&t.attrs),
                    *t.ty,
                    String::new(),
                ));
            }
        }
        env
    }

    fn bytes(t: &RType) -> u64 {
        match t {
            RType::Int { bytes, .. } => *bytes,
            other => panic!("not an int: {other:?}"),
        }
    }

    #[test]
    fn c_names_follow_the_target() {
        let e = Env::default();
        for (text, x64, x86, win) in [
            ("::std::os::raw::c_ulong", 8, 4, 4),
            ("core::ffi::c_long", 8, 4, 4),
            ("libc::size_t", 8, 4, 8),
            ("usize", 8, 4, 8),
            ("i64", 8, 8, 8),
            ("c_int", 4, 4, 4),
        ] {
            assert_eq!(bytes(&resolve_text(text, &e, &X86_64_LINUX)), x64, "{text}");
            assert_eq!(bytes(&resolve_text(text, &e, &I686_LINUX)), x86, "{text}");
            assert_eq!(
                bytes(&resolve_text(text, &e, &X86_64_WINDOWS)),
                win,
                "{text}"
            );
        }
    }

    #[test]
    fn crate_aliases_resolve_and_shadow_c_names() {
        let e = env("pub type uLong = c_ulong; pub type uLongf = uLong; pub type size_t = u32;");
        assert_eq!(bytes(&resolve_text("uLongf", &e, &X86_64_WINDOWS)), 4);
        assert_eq!(bytes(&resolve_text("uLongf", &e, &X86_64_LINUX)), 8);
        // The crate's own `size_t` is what the binding means, even if it is wrong.
        assert_eq!(bytes(&resolve_text("size_t", &e, &X86_64_LINUX)), 4);
        assert_eq!(bytes(&resolve_text("libc::size_t", &e, &X86_64_LINUX)), 8);
    }

    #[test]
    fn pointers_function_pointers_and_wrappers() {
        let e = env("type cb = Option<unsafe extern \"C\" fn(*mut c_void, c_int) -> c_int>;");
        let RType::FnPtr { params, ret, .. } = resolve_text("cb", &e, &X86_64_LINUX) else {
            panic!("function pointer");
        };
        assert_eq!(params.len(), 2);
        assert!(matches!(*ret, RType::Int { bytes: 4, .. }));
        let p = resolve_text("*const *mut c_char", &e, &X86_64_LINUX);
        let RType::Ptr {
            mutable: false,
            pointee,
        } = p
        else {
            panic!()
        };
        assert!(matches!(*pointee, RType::Ptr { mutable: true, .. }));
        assert_eq!(
            resolve_text("[u8; 0]", &e, &X86_64_LINUX),
            RType::Array {
                element: Box::new(resolve_text("u8", &e, &X86_64_LINUX)),
                len: Some(0)
            }
        );
        assert!(matches!(
            resolve_text("Vec<u8>", &e, &X86_64_LINUX),
            RType::Unknown(_)
        ));
    }

    #[test]
    fn alias_cycles_end() {
        let e = env("type a = b; type b = a;");
        assert!(matches!(
            resolve_text("a", &e, &X86_64_LINUX),
            RType::Unknown(_)
        ));
    }
}
