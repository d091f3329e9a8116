//! `repr(C)` layout of Rust types, per target, computed from the source: what `size_of`,
//! `align_of` and `offset_of!` would say if the binding were compiled for that target.

use super::Cx;
use super::rtype::{RType, resolve_text};
use crate::model::{TypeDef, TypeKind};

/// Deepest nesting of records followed.
const MAX_NESTING: u32 = 16;

/// Size and alignment in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// `size_of`.
    pub(crate) size: u64,
    /// `align_of`.
    pub(crate) align: u64,
}

/// A record's layout with the offset of each field (in declaration order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RecordLayout {
    /// The whole record.
    pub(crate) layout: Layout,
    /// Offsets in bytes.
    pub(crate) offsets: Vec<u64>,
}

fn align_up(n: u64, align: u64) -> u64 {
    n.div_ceil(align.max(1)) * align.max(1)
}

/// Alignment of a scalar: i686 Linux aligns 8-byte scalars to 4, as C does there.
fn scalar_align(bytes: u64, cx: &Cx<'_>) -> u64 {
    if bytes == 8 && cx.target.pointer_bytes == 4 && !cx.target.name.contains("windows") {
        4
    } else {
        bytes.max(1)
    }
}

/// The layout of a resolved type, `None` when unknown (opaque, unresolved, unsized).
pub(crate) fn of(ty: &RType, cx: &Cx<'_>, depth: u32) -> Option<Layout> {
    let ptr = cx.target.pointer_bytes;
    match ty {
        RType::Unit => Some(Layout { size: 0, align: 1 }),
        RType::Bool => Some(Layout { size: 1, align: 1 }),
        RType::Int { bytes, .. } | RType::Float { bytes } => Some(Layout {
            size: *bytes,
            align: scalar_align(*bytes, cx),
        }),
        RType::Ptr { .. } | RType::FnPtr { .. } => Some(Layout {
            size: ptr,
            align: ptr,
        }),
        RType::Array { element, len } => {
            let e = of(element, cx, depth + 1)?;
            Some(Layout {
                size: e.size.checked_mul((*len)?)?,
                align: e.align,
            })
        }
        RType::Named(name) => {
            let def = cx.rust_type(name)?;
            record(def, cx, depth + 1).map(|r| r.layout)
        }
        RType::Void | RType::Unknown(_) => None,
    }
}

/// `packed(N)` (1 for plain `packed`) and `align(N)` of a `repr`.
fn packing(def: &TypeDef) -> (Option<u64>, Option<u64>) {
    let mut pack = None;
    let mut align = None;
    for r in &def.repr {
        let r = r.replace(' ', "");
        if r == "packed" {
            pack = Some(1);
        } else if let Some(n) = r.strip_prefix("packed(").and_then(|s| s.strip_suffix(')')) {
            pack = n.parse().ok();
        } else if let Some(n) = r.strip_prefix("align(").and_then(|s| s.strip_suffix(')')) {
            align = n.parse().ok();
        }
    }
    (pack, align)
}

/// The integer `repr` of an enum, as a type name.
pub(crate) fn enum_repr(def: &TypeDef) -> Option<&str> {
    def.repr.iter().map(String::as_str).find(|r| {
        matches!(
            *r,
            "u8" | "u16" | "u32" | "u64" | "usize" | "i8" | "i16" | "i32" | "i64" | "isize"
        )
    })
}

/// The layout of a struct, union or enum defined in the binding.
pub(crate) fn record(def: &TypeDef, cx: &Cx<'_>, depth: u32) -> Option<RecordLayout> {
    record_with(def, cx, depth, &|_| None)
}

/// [`record`], taking the layout of field `i` from `fallback(i)` where its Rust type's is
/// unknown (a type made by a macro, whose C counterpart's layout is known).
pub(crate) fn record_with(
    def: &TypeDef,
    cx: &Cx<'_>,
    depth: u32,
    fallback: &dyn Fn(usize) -> Option<Layout>,
) -> Option<RecordLayout> {
    if depth > MAX_NESTING || def.generic {
        return None;
    }
    if def.kind == TypeKind::Enum {
        let repr = enum_repr(def).unwrap_or("c_int");
        let layout = of(&resolve_text(repr, &cx.rust.env, cx.target), cx, depth)?;
        return Some(RecordLayout {
            layout,
            offsets: Vec::new(),
        });
    }
    let (pack, min_align) = packing(def);
    let mut offsets = Vec::with_capacity(def.fields.len());
    let mut end = 0u64;
    let mut align = 1u64;
    for (i, field) in def.fields.iter().enumerate() {
        if !cx.rust.field_active(&def.location, i, cx.target) {
            // Compiled out here: takes no room (its offset is never read).
            offsets.push(end);
            continue;
        }
        let ty = cx.resolve_in(&field.ty, &def.module);
        let l = of(&ty, cx, depth + 1).or_else(|| fallback(i))?;
        let field_align = pack.map_or(l.align, |p| l.align.min(p));
        align = align.max(field_align);
        if def.kind == TypeKind::Union {
            offsets.push(0);
            end = end.max(l.size);
        } else {
            let offset = align_up(end, field_align);
            offsets.push(offset);
            end = offset.checked_add(l.size)?;
        }
    }
    if let Some(a) = min_align {
        align = align.max(a);
    }
    Some(RecordLayout {
        layout: Layout {
            size: align_up(end, align),
            align,
        },
        offsets,
    })
}
