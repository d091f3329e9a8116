//! Whether a Rust record whose field names differ from C's is still laid out as C's, member
//! by member: a renamed field (`rc` for C's `ref`, a Rust keyword) is harmless when it has
//! the C member's offset, size, alignment and scalars; a Rust scalar or union in the place of
//! a C union (libucl's `value: i64` for `union { int64_t iv; const char *sv; double dv; }`)
//! holds the same bytes when it has the union's size and alignment.
//!
//! A member the proof cannot size from the Rust side (a type made by a macro, sokol's
//! `bitflags!` modifiers) takes its C counterpart's layout, so the members after it are still
//! placed; it proves nothing about itself, and a rename elsewhere is judged on its own.

use super::Cx;
use super::flat;
use super::layout::{self, Layout};
use super::rtype::RType;
use crate::model::{TypeDef, TypeKind};
use ffiguard_cheader::{CType, Record};

/// What the proof says about one member or the whole record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Laid out as C's.
    Same,
    /// Shown to differ (size, alignment, offset or scalars).
    Differs,
    /// The Rust side cannot be sized.
    Unknown,
}

/// The proof for a record whose Rust fields pair with C's in order.
pub(crate) struct Proof {
    /// The record as a whole: [`Verdict::Differs`] when any member or the size differs.
    pub(crate) record: Verdict,
    /// Each position's member.
    pub(crate) members: Vec<Verdict>,
}

/// Compares the Rust fields `rust_fields` (index into `def.fields`, name) of `def` with C's
/// fields in order; `None` when they are not as many.
pub(crate) fn positional(
    def: &TypeDef,
    rust_fields: &[(usize, String)],
    c: &Record,
    cx: &Cx<'_>,
) -> Option<Proof> {
    if rust_fields.len() != c.fields.len() || c.has_bitfields() {
        return None;
    }
    let c_layout = |ty: &CType| {
        Some(Layout {
            size: ty.size?,
            align: ty.align?,
        })
    };
    let fallback = |i: usize| {
        let k = rust_fields.iter().position(|(j, _)| *j == i)?;
        c_layout(&c.fields[k].ty)
    };
    let rl = layout::record_with(def, cx, 0, &fallback);
    let mut members = Vec::with_capacity(c.fields.len());
    for ((i, _), cf) in rust_fields.iter().zip(&c.fields) {
        let r = cx.resolve_in(&def.fields[*i].ty, &def.module);
        let mut verdict = member(&cf.ty, &r, cx);
        if let Some(rl) = &rl
            && rl.offsets.get(*i) != Some(&(cf.offset_bits / 8))
        {
            verdict = Verdict::Differs;
        }
        members.push(verdict);
    }
    let size = match (&rl, c.size, c.align) {
        (Some(rl), Some(size), Some(align))
            if rl.layout.size == size && rl.layout.align == align =>
        {
            Verdict::Same
        }
        (Some(_), Some(_), Some(_)) => Verdict::Differs,
        _ => Verdict::Unknown,
    };
    let record = if size == Verdict::Differs || members.contains(&Verdict::Differs) {
        Verdict::Differs
    } else {
        size
    };
    Some(Proof { record, members })
}

/// One Rust field's type against the C member in its place.
fn member(c: &CType, r: &RType, cx: &Cx<'_>) -> Verdict {
    let (Some(rl), Some(size), Some(align)) = (layout::of(r, cx, 0), c.size, c.align) else {
        return Verdict::Unknown;
    };
    if rl.size != size || rl.align != align {
        return Verdict::Differs;
    }
    match (flat::rust_value(r, cx), flat::c_value(c, cx)) {
        (Some(a), Some(b)) if a != b => Verdict::Differs,
        // Equal scalars, or a union on either side: the same bytes, which the union's
        // members read as they choose.
        _ => Verdict::Same,
    }
}

/// Whether `def` is a struct holding one array in the size and alignment of the C union `c`
/// (ntru's `PrivUnion { data: [u16; 3004] }` for `union { NtruTernPoly tern; NtruProdPoly
/// prod; }`): storage for whichever member is in use.
pub(crate) fn array_for_union(def: &TypeDef, c: &Record, cx: &Cx<'_>) -> bool {
    if !c.union || def.kind != TypeKind::Struct {
        return false;
    }
    let [field] = def.fields.as_slice() else {
        return false;
    };
    let ty = cx.resolve_in(&field.ty, &def.module);
    matches!(ty, RType::Array { .. })
        && layout::record(def, cx, 0)
            .is_some_and(|rl| Some(rl.layout.size) == c.size && Some(rl.layout.align) == c.align)
}
