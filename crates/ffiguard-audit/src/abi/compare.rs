//! Comparing one C type with one resolved Rust type, for one target.

use super::Cx;
use super::layout;
use super::rtype::RType;
use ffiguard_cheader::{CType, CTypeKind, Signature};

/// Deepest nesting of function-pointer signatures compared.
const MAX_DEPTH: u32 = 8;

/// How a Rust type disagrees with C.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum MismatchKind {
    /// Size, kind, pointer depth, pointee record or function-pointer signature.
    Type,
    /// Same size, other signedness.
    Signedness,
    /// `*const` where C writes.
    Constness,
    /// A callback declared with more parameters than C's function-pointer type, the first ones
    /// C's: how a binding writes the real callback for a typedef kept minimal on purpose
    /// (cuba's `integrand_t`, which callers cast). Reported at warning level.
    CallbackTail,
    /// A C pointer held as a Rust integer of the pointer's width on the target (fitsio-sys's
    /// `va_list = u32` on i686): passed in the same register or stack slot, so the call works,
    /// but the type says nothing of what it points to. Reported at warning level.
    PointerAsInteger,
}

impl MismatchKind {
    /// Whether a disagreement of this kind leaves the call working as the binding assumes:
    /// reported at warning level when every target's is one.
    pub(crate) fn forgiven(self) -> bool {
        matches!(self, Self::CallbackTail | Self::PointerAsInteger)
    }
}

/// One disagreement, with the sentence that explains it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    /// Which kind.
    pub(crate) kind: MismatchKind,
    /// What differs, e.g. "C `size_t` is 8 bytes, Rust `c_uint` is 4".
    pub(crate) detail: String,
}

fn mismatch(kind: MismatchKind, detail: String) -> Option<Mismatch> {
    Some(Mismatch { kind, detail })
}

fn c_name(c: &CType) -> String {
    format!("`{}`", c.spelling)
}

/// Whether a C record name (tag or typedef) denotes the Rust type `rust`: by name, or
/// because the crate's extern declarations pair them ([`super::pairing`]).
fn same_record(cx: &Cx<'_>, c_name: &str, rust: &str) -> bool {
    c_name == rust
        || cx.pairs.get(rust).is_some_and(|paired| paired == c_name)
        || cx
            .c
            .record(c_name)
            .is_some_and(|r| r.name == rust || r.aliases.iter().any(|a| a == rust))
        || cx
            .c
            .enumeration(c_name)
            .is_some_and(|e| e.name == rust || e.aliases.iter().any(|a| a == rust))
}

/// Whether Rust `rust` is known to stand for another C type than `c_name`: it is paired by
/// use with a different record, or the crate defines a type under the C name. A name that
/// merely differs (`Struct__win` for `WINDOW`) is not a mismatch: the record's fields and
/// layout are compared through the pairing.
fn other_record(cx: &Cx<'_>, c_name: &str, rust: &str) -> bool {
    let c_names: Vec<&str> = std::iter::once(c_name)
        .chain(cx.c.record(c_name).into_iter().flat_map(|r| {
            std::iter::once(r.name.as_str()).chain(r.aliases.iter().map(String::as_str))
        }))
        .chain(cx.c.enumeration(c_name).into_iter().flat_map(|e| {
            std::iter::once(e.name.as_str()).chain(e.aliases.iter().map(String::as_str))
        }))
        .collect();
    // A generic Rust type (ufbx's `List<T>`) stands for one C record per argument.
    if cx.rust_type(rust).is_some_and(|d| d.generic) {
        return false;
    }
    let paired_elsewhere = cx
        .pairs
        .get(rust)
        .is_some_and(|p| !c_names.contains(&p.as_str()));
    paired_elsewhere || c_names.iter().any(|n| cx.rust.env.types.contains(*n))
}

/// Whether a pointer to C record `c_name` and a pointer to Rust `rust` are both handles to
/// something neither side lays out: the C record is incomplete in the headers and the Rust
/// type an opaque stand-in (no fields, or only `_unused`-style ones). quiche binds
/// BoringSSL's `sk_num(const _STACK *)` with one `STACK_OF` stand-in for every stack type: the
/// names differ, the pointers do not.
fn opaque_handle(cx: &Cx<'_>, c_name: &str, rust: &str) -> bool {
    let c_incomplete = cx.c.record(c_name).is_some_and(|r| !r.complete);
    let rust_opaque = cx.rust_type(rust).is_some_and(|d| match d.kind {
        // The `PhantomData` marker that the nomicon's opaque pattern adds to `_data`.
        crate::model::TypeKind::Struct => d.fields.iter().all(|f| {
            f.name
                .as_deref()
                .is_some_and(|n| super::records::opaque_field(n) || n == "_marker")
        }),
        crate::model::TypeKind::Enum => d.variants.is_empty(),
        crate::model::TypeKind::Union => false,
    });
    c_incomplete && rust_opaque
}

/// Whether C record `c_name` is laid out exactly as the C record Rust `rust` stands for (its
/// pair by use, or the record of its name): spirv-tools-sys's `Binary` is `spv_binary_t`
/// (`uint32_t *code; size_t wordCount`) and is also passed where C takes the twin
/// `spv_const_binary_t` (`const uint32_t *code; const size_t wordCount`). Names differ, the
/// ABI does not: the same size, alignment, and fields at the same offsets, of the same sizes
/// and kinds.
fn layout_twin(cx: &Cx<'_>, c_name: &str, rust: &str) -> bool {
    let other = cx.pairs.get(rust).map_or(rust, String::as_str);
    let (Some(a), Some(b)) = (cx.c.record(c_name), cx.c.record(other)) else {
        return false;
    };
    a.complete
        && b.complete
        && a.union == b.union
        && a.packed == b.packed
        && a.size == b.size
        && a.align == b.align
        && a.fields.len() == b.fields.len()
        && a.fields.iter().zip(&b.fields).all(|(x, y)| {
            x.offset_bits == y.offset_bits
                && x.bit_width == y.bit_width
                && x.ty.size == y.ty.size
                && std::mem::discriminant(&x.ty.kind) == std::mem::discriminant(&y.ty.kind)
                && !matches!(
                    x.ty.kind,
                    CTypeKind::Record { .. } | CTypeKind::Array { .. }
                )
        })
}

/// The one field that is not `PhantomData` of a `#[repr(transparent)]` crate type, resolved:
/// what the wrapper is at the ABI.
fn transparent_field(cx: &Cx<'_>, name: &str) -> Option<RType> {
    let def = cx.rust_type(name)?;
    if !def.repr.iter().any(|r| r == "transparent") {
        return None;
    }
    let mut data = def.fields.iter().filter(|f| {
        !f.ty.trim_start().starts_with("PhantomData") && !f.ty.contains("::PhantomData")
    });
    let (field, None) = (data.next()?, data.next()) else {
        return None;
    };
    Some(cx.resolve_in(&field.ty, &def.module))
}

/// What a `#[repr(transparent)]` wrapper of a pointer is at the ABI (ufbx's
/// `Ref<T> { ptr: NonNull<T>, _marker: PhantomData<T> }` is a pointer).
fn transparent_pointer(cx: &Cx<'_>, name: &str) -> Option<RType> {
    transparent_field(cx, name).filter(|ty| matches!(ty, RType::Ptr { .. } | RType::FnPtr { .. }))
}

/// The width of a `#[repr(transparent)]` wrapper of an integer (ash's `struct Buffer(u64)`):
/// a handle that C may spell as a pointer (Vulkan's non-dispatchable handles are
/// `struct X_T *` on 64-bit targets and `uint64_t` on 32-bit ones).
fn transparent_integer(cx: &Cx<'_>, r: &RType) -> Option<u64> {
    let RType::Named(name) = r else {
        return None;
    };
    match transparent_field(cx, name)? {
        RType::Int { bytes, .. } => Some(bytes),
        _ => None,
    }
}

/// Whether the innermost Rust pointee hides how many pointer levels it holds: a type of
/// another crate, which the check cannot see (`*mut ash::vk::Buffer`), or a transparent
/// integer handle. C levels beyond the Rust ones may be inside it, so a Rust pointer with
/// fewer levels than C cannot be judged.
fn pointee_hides_levels(cx: &Cx<'_>, innermost: &RType) -> bool {
    matches!(innermost, RType::Unknown(_)) || transparent_integer(cx, innermost).is_some()
}

/// Compares a value type (parameter, return, field).
pub(crate) fn value(c: &CType, r: &RType, cx: &Cx<'_>) -> Option<Mismatch> {
    compare(c, r, cx, 0, false, false)
}

/// `callback`: the type is a parameter of a function pointer, so C passes the value to Rust
/// and the hazardous constness direction is the other one.
fn compare(
    c: &CType,
    r: &RType,
    cx: &Cx<'_>,
    depth: u32,
    pointee: bool,
    callback: bool,
) -> Option<Mismatch> {
    use MismatchKind::{Signedness, Type};
    if depth > MAX_DEPTH || matches!(r, RType::Unknown(_)) {
        return None;
    }
    if let RType::Named(name) = r
        && let Some(inner) = transparent_pointer(cx, name)
    {
        return compare(c, &inner, cx, depth + 1, pointee, callback);
    }
    match (&c.kind, r) {
        (CTypeKind::Void, RType::Unit | RType::Void) => None,
        (CTypeKind::Void, _) if pointee => None,
        (_, RType::Void) if pointee => None,
        (CTypeKind::Void, other) => mismatch(
            Type,
            format!("C returns nothing, Rust reads {}", other.describe()),
        ),
        (CTypeKind::Record { union, .. }, RType::Unit) if !pointee => mismatch(
            Type,
            format!(
                "C returns the {} {} (often through a hidden pointer argument), Rust declares no result",
                if *union { "union" } else { "struct" },
                c_name(c)
            ),
        ),
        (_, RType::Unit) if !pointee => None,
        (CTypeKind::Bool, RType::Bool) => None,
        (CTypeKind::Bool, RType::Int { spelled, .. }) if !pointee => mismatch(
            Type,
            format!(
                "C `_Bool` is 1 byte, Rust `{spelled}` is an integer of another meaning and width"
            ),
        )
        .filter(|_| layout::of(r, cx, 0).is_none_or(|l| l.size != 1)),
        (
            CTypeKind::Int { .. } | CTypeKind::PlainChar { .. } | CTypeKind::Enum { .. },
            RType::Bool,
        ) => mismatch(
            Type,
            format!(
                "C {} is {} bytes and may hold any value, Rust `bool` is 1 byte that must be 0 or 1",
                c_name(c),
                c.size.unwrap_or(0)
            ),
        ),
        (
            CTypeKind::Int { signed, .. } | CTypeKind::PlainChar { signed },
            RType::Int {
                bytes,
                signed: rs,
                spelled,
                ..
            },
        ) => {
            let size = c.size?;
            if size != *bytes {
                mismatch(
                    Type,
                    format!(
                        "C {} is {size} bytes, Rust `{spelled}` is {bytes}",
                        c_name(c)
                    ),
                )
            } else if signed != rs && !pointee {
                let s = |b: bool| if b { "signed" } else { "unsigned" };
                mismatch(
                    Signedness,
                    format!(
                        "C {} is {}, Rust `{spelled}` is {}",
                        c_name(c),
                        s(*signed),
                        s(*rs)
                    ),
                )
            } else {
                None
            }
        }
        (CTypeKind::Enum { .. }, RType::Int { bytes, spelled, .. }) => {
            let size = c.size?;
            (size != *bytes).then(|| Mismatch {
                kind: Type,
                detail: format!(
                    "C enum {} is {size} bytes, Rust `{spelled}` is {bytes}",
                    c_name(c)
                ),
            })
        }
        (CTypeKind::Float, RType::Float { bytes }) => {
            let size = c.size?;
            (size != *bytes).then(|| Mismatch {
                kind: Type,
                detail: format!("C {} is {size} bytes, Rust float is {bytes}", c_name(c)),
            })
        }
        (CTypeKind::Float, other @ RType::Int { .. })
        | (CTypeKind::Int { .. }, other @ RType::Float { .. }) => mismatch(
            Type,
            format!(
                "C {} and Rust {} are one an integer and the other a float, passed in different registers",
                c_name(c),
                other.describe()
            ),
        ),
        (
            CTypeKind::Pointer { pointee: cp },
            RType::Ptr {
                mutable,
                pointee: rp,
            },
        ) => pointer(c, cp, *mutable, rp, cx, depth, callback),
        (
            CTypeKind::Pointer { pointee: cp },
            RType::FnPtr {
                params,
                ret,
                variadic,
            },
        ) => match &cp.kind {
            CTypeKind::Function(sig) => function_pointer(sig, params, ret, *variadic, cx, depth),
            _ => mismatch(
                Type,
                format!(
                    "C {} is a data pointer, Rust has a function pointer",
                    c_name(c)
                ),
            ),
        },
        // A parameter of function type (`lphandle_intfunc newctrlc`, where the typedef names
        // a function, not a pointer: lpsolve's callbacks) is a function pointer in C too.
        (
            CTypeKind::Function(sig),
            RType::FnPtr {
                params,
                ret,
                variadic,
            },
        ) => function_pointer(sig, params, ret, *variadic, cx, depth),
        // A handle held as an integer of the pointer's width (ash's `vk::Buffer`).
        (CTypeKind::Pointer { .. }, RType::Named(_))
            if c.size.is_some() && transparent_integer(cx, r) == c.size =>
        {
            None
        }
        (CTypeKind::Pointer { .. }, other @ RType::Int { bytes, .. }) if c.size == Some(*bytes) => {
            mismatch(
                MismatchKind::PointerAsInteger,
                // The same words as any other pointer-integer mismatch, so that one finding
                // groups the targets; the level says which were passed alike.
                format!(
                    "C {} is a pointer, Rust has {}",
                    c_name(c),
                    other.describe()
                ),
            )
        }
        (CTypeKind::Pointer { .. }, other) => mismatch(
            Type,
            format!(
                "C {} is a pointer, Rust has {}",
                c_name(c),
                other.describe()
            ),
        ),
        (_, RType::Ptr { .. } | RType::FnPtr { .. }) => mismatch(
            Type,
            format!(
                "C {} is not a pointer, Rust has {}",
                c_name(c),
                r.describe()
            ),
        ),
        (CTypeKind::Record { name, .. } | CTypeKind::Enum { name }, RType::Named(rust)) => {
            if !same_record(cx, name, rust)
                && other_record(cx, name, rust)
                && !layout_twin(cx, name, rust)
                && (!pointee || !opaque_handle(cx, name, rust))
            {
                return mismatch(Type, format!("C {} is not Rust `{rust}`", c_name(c)));
            }
            if pointee {
                // The record itself is compared field by field where it is defined.
                return None;
            }
            let rl = layout::of(r, cx, 0)?;
            let size = c.size?;
            (size != rl.size).then(|| Mismatch {
                kind: Type,
                detail: format!(
                    "C {} is {size} bytes, Rust `{rust}` is {}",
                    c_name(c),
                    rl.size
                ),
            })
        }
        (
            CTypeKind::Array { element, len },
            RType::Array {
                element: re,
                len: rl,
            },
        ) => {
            let (c_inner, c_count, c_dims) = c_elements(c);
            let (r_inner, r_count, r_dims) = r_elements(r);
            if c_dims != r_dims && c_count.is_some() && c_count == r_count {
                // A C array of arrays bound as one flat array (sokol's `[T; 6 * MIPMAPS]` for
                // `T subimage[6][MIPMAPS]`), or the reverse: as many of the same innermost
                // elements, the same bytes.
                return compare(c_inner, r_inner, cx, depth + 1, false, callback);
            }
            if let (Some(a), Some(b)) = (len, rl)
                && a != b
            {
                return mismatch(
                    Type,
                    format!("C {} has {a} elements, Rust has {b}", c_name(c)),
                );
            }
            compare(element, re, cx, depth + 1, false, callback)
        }
        (_, RType::Named(_) | RType::Array { .. }) if !pointee => {
            let (Some(size), Some(rl)) = (c.size, layout::of(r, cx, 0)) else {
                return None;
            };
            (size != rl.size).then(|| Mismatch {
                kind: Type,
                detail: format!(
                    "C {} is {size} bytes, Rust {} is {}",
                    c_name(c),
                    r.describe(),
                    rl.size
                ),
            })
        }
        _ => None,
    }
}

/// Most array dimensions followed.
const MAX_DIMENSIONS: u32 = 8;

/// A C array's innermost element, its number of innermost elements (when every length is
/// known) and its number of dimensions.
fn c_elements(c: &CType) -> (&CType, Option<u64>, u32) {
    let (mut cur, mut count, mut dims) = (c, Some(1u64), 0);
    while let CTypeKind::Array { element, len } = &cur.kind
        && dims < MAX_DIMENSIONS
    {
        count = count.zip(*len).and_then(|(a, b)| a.checked_mul(b));
        cur = element;
        dims += 1;
    }
    (cur, count, dims)
}

/// [`c_elements`] of a Rust array.
fn r_elements(r: &RType) -> (&RType, Option<u64>, u32) {
    let (mut cur, mut count, mut dims) = (r, Some(1u64), 0);
    while let RType::Array { element, len } = cur
        && dims < MAX_DIMENSIONS
    {
        count = count.zip(*len).and_then(|(a, b)| a.checked_mul(b));
        cur = element;
        dims += 1;
    }
    (cur, count, dims)
}

/// A C result a Rust declaration without one leaves unread.
pub(crate) struct IgnoredResult {
    /// What happens to it.
    pub(crate) detail: String,
    /// Whether the usual ABIs forgive it (a value left in a register nobody reads).
    pub(crate) forgiven: bool,
}

/// What a Rust declaration without a result does to C's result `c` on `target`; `None` when
/// C returns nothing, or a struct or union (compared as a mismatch: it may be returned through
/// a hidden pointer argument the Rust caller does not pass).
pub(crate) fn ignored_result(
    c: &CType,
    target: &ffiguard_cheader::Target,
) -> Option<IgnoredResult> {
    match &c.kind {
        CTypeKind::Void | CTypeKind::Record { .. } => None,
        // i686's x87 returns floats on the FPU stack, which the caller must pop: a caller
        // that expects nothing leaves it there, and after eight such calls the stack is full.
        CTypeKind::Float if target.name.starts_with("i686") => Some(IgnoredResult {
            detail: format!(
                "C returns {} on the x87 stack, Rust declares no result and never pops it",
                c_name(c)
            ),
            forgiven: false,
        }),
        _ => Some(IgnoredResult {
            detail: format!(
                "C returns {}, Rust declares no result: the value is left unread in its register",
                c_name(c)
            ),
            forgiven: true,
        }),
    }
}

/// A fixed-width Rust integer (`i64`, `u32`) for a C type whose width follows the target
/// (`long`, `unsigned long`, `size_t`, ...): right where the widths happen to agree, wrong on
/// the next platform.
pub(crate) fn fixed_width_for_varying(c: &CType, r: &RType) -> Option<String> {
    let RType::Int {
        spelled,
        adaptive: false,
        ..
    } = r
    else {
        return None;
    };
    // `int64_t` is `long` in glibc's LP64 headers but 8 bytes everywhere: the exact-width
    // `<stdint.h>` names never vary (whisper-rs-sys's `ggml_view_1d(.., int64_t ne0)`).
    if c.typedefs.iter().any(|t| exact_width_name(t)) {
        return None;
    }
    let varying = if c.is_pointer_sized_typedef() {
        "follows the pointer width"
    } else if c.is_long() {
        "is 8 bytes on 64-bit Unix and 4 on Windows and 32-bit targets"
    } else {
        return None;
    };
    Some(format!(
        "C {} {varying}, Rust `{spelled}` is fixed-width: right on the checked targets, wrong on others",
        c_name(c)
    ))
}

/// `int64_t`, `uint32_t`, `__int64_t`, `int_least16_t`: a `<stdint.h>` name of exact or
/// least width, fixed by its name on every target (the `fast` ones are not).
fn exact_width_name(t: &str) -> bool {
    let t = t.trim_start_matches('_');
    let t = t.strip_prefix('u').unwrap_or(t);
    let Some(rest) = t.strip_prefix("int") else {
        return false;
    };
    let rest = rest.strip_prefix("_least").unwrap_or(rest);
    matches!(rest, "8_t" | "16_t" | "32_t" | "64_t")
}

fn pointer(
    c: &CType,
    cp: &CType,
    mutable: bool,
    rp: &RType,
    cx: &Cx<'_>,
    depth: u32,
    callback: bool,
) -> Option<Mismatch> {
    use MismatchKind::{Constness, Type};
    let c_depth = pointer_depth_c(c);
    let r_depth = pointer_depth_r(rp) + 1;
    let opaque =
        matches!(innermost_c(c).kind, CTypeKind::Void) || matches!(innermost_r(rp), RType::Void);
    let hidden = c_depth > r_depth && pointee_hides_levels(cx, innermost_r(rp));
    if c_depth != r_depth && !opaque && !hidden {
        return mismatch(
            Type,
            format!(
                "C {} has {c_depth} level(s) of pointer, Rust has {r_depth}",
                c_name(c)
            ),
        );
    }
    if let CTypeKind::Function(sig) = &cp.kind {
        return match rp {
            RType::FnPtr {
                params,
                ret,
                variadic,
            } => function_pointer(sig, params, ret, *variadic, cx, depth),
            _ => None,
        };
    }
    if let Some(m) = compare(cp, rp, cx, depth + 1, true, callback) {
        return Some(m);
    }
    if !callback && !mutable && !cp.is_const {
        return mismatch(
            Constness,
            format!(
                "C {} lets C write through it, Rust declares `*const`",
                c_name(c)
            ),
        );
    }
    if callback && mutable && cp.is_const {
        return mismatch(
            Constness,
            format!(
                "C passes {} to the callback, which Rust declares `*mut` and may write through",
                c_name(c)
            ),
        );
    }
    None
}

fn pointer_depth_c(c: &CType) -> usize {
    let mut n = 0;
    let mut cur = c;
    while let CTypeKind::Pointer { pointee } = &cur.kind {
        n += 1;
        cur = pointee;
    }
    n
}

fn innermost_c(c: &CType) -> &CType {
    let mut cur = c;
    while let CTypeKind::Pointer { pointee } = &cur.kind {
        cur = pointee;
    }
    cur
}

fn pointer_depth_r(r: &RType) -> usize {
    let mut n = 0;
    let mut cur = r;
    while let RType::Ptr { pointee, .. } = cur {
        n += 1;
        cur = pointee;
    }
    n
}

fn innermost_r(r: &RType) -> &RType {
    let mut cur = r;
    while let RType::Ptr { pointee, .. } = cur {
        cur = pointee;
    }
    cur
}

fn function_pointer(
    sig: &Signature,
    params: &[RType],
    ret: &RType,
    variadic: bool,
    cx: &Cx<'_>,
    depth: u32,
) -> Option<Mismatch> {
    // `void (*)(void)` is C's "any function pointer" (`sqlite3_auto_extension`, `dlsym`-like
    // results): callers cast it to the real type, so any Rust function pointer fits.
    let generic = sig.params.is_empty() && !sig.variadic && sig.ret.kind == CTypeKind::Void;
    if sig.unprototyped || generic {
        return None;
    }
    // More parameters in Rust than in C, the first ones C's: the C type may be a minimal one
    // that callers cast, and the library then really passes the rest. Only C's parameters and
    // the result can be compared; whether the rest are passed is in the library's documentation.
    let extra = params.len() > sig.params.len() && !sig.variadic && !variadic;
    if sig.params.len() != params.len() && !extra || sig.variadic != variadic {
        return mismatch(
            MismatchKind::Type,
            format!(
                "the callback takes {}{} parameter(s) in C, {}{} in Rust",
                sig.params.len(),
                if sig.variadic { " + ..." } else { "" },
                params.len(),
                if variadic { " + ..." } else { "" }
            ),
        );
    }
    for (i, (c, r)) in sig.params.iter().zip(params).enumerate() {
        if let Some(m) = compare(c, r, cx, depth + 1, false, true) {
            return Some(Mismatch {
                kind: m.kind,
                detail: format!("callback parameter {}: {}", i + 1, m.detail),
            });
        }
    }
    if let Some(m) = compare(&sig.ret, ret, cx, depth + 1, false, false) {
        return Some(Mismatch {
            kind: m.kind,
            detail: format!("callback result: {}", m.detail),
        });
    }
    if extra {
        return mismatch(
            MismatchKind::CallbackTail,
            format!(
                "the callback takes {c} parameter(s) in C, {r} in Rust; the first {c} and the result \
                 match C's, as when the C type is kept minimal and callers cast it: right only if \
                 the library passes the other {extra} (check its documentation)",
                c = sig.params.len(),
                r = params.len(),
                extra = params.len() - sig.params.len(),
            ),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{RType, exact_width_name, fixed_width_for_varying};
    use ffiguard_cheader::{CType, CTypeKind, IntRank};

    fn long_through(typedefs: &[&str]) -> CType {
        CType {
            kind: CTypeKind::Int {
                signed: true,
                rank: IntRank::Long,
            },
            spelling: typedefs.first().copied().unwrap_or("long").to_owned(),
            typedefs: typedefs.iter().map(|t| (*t).to_owned()).collect(),
            size: Some(8),
            align: Some(8),
            is_const: false,
        }
    }

    #[test]
    fn int64_t_is_fixed_although_glibc_spells_it_long() {
        let i64_ = RType::Int {
            bytes: 8,
            signed: true,
            spelled: "i64".to_owned(),
            adaptive: false,
        };
        assert_eq!(
            fixed_width_for_varying(&long_through(&["int64_t", "__int64_t"]), &i64_),
            None
        );
        assert!(fixed_width_for_varying(&long_through(&["off_t"]), &i64_).is_some());
    }

    #[test]
    fn stdint_exact_and_least_widths_are_fixed() {
        for fixed in [
            "int64_t",
            "uint32_t",
            "__int64_t",
            "__uint8_t",
            "int_least16_t",
        ] {
            assert!(exact_width_name(fixed), "{fixed}");
        }
        for varying in ["int_fast16_t", "intptr_t", "size_t", "long", "intmax_t"] {
            assert!(!exact_width_name(varying), "{varying}");
        }
    }
}
