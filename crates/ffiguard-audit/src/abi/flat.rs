//! A record as the run of scalars it holds, at their offsets: arrays and nested structs
//! expanded, names forgotten. Two records with the same run are the same to the ABI, however
//! their fields are named or grouped: liblzma's `reserved_int1` that xz renamed `seek_pos`,
//! or libwebp's `pad[2]` that a later version split into `cross_color_transform_bits` and
//! `pad[1]`.

use super::Cx;
use super::layout;
use super::rtype::RType;
use crate::model::{TypeDef, TypeKind};
use ffiguard_cheader::{CType, CTypeKind, Record};

/// Most scalars expanded (a large array is not worth walking element by element).
const MAX_SCALARS: usize = 4096;
/// Deepest nesting of records expanded.
const MAX_DEPTH: u32 = 8;

/// What a scalar is to the ABI: integers of one width are one class whatever their sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Int,
    Float,
    Pointer,
}

/// One scalar: offset in bytes, size in bytes, class.
pub(crate) type Scalar = (u64, u64, Class);

/// The scalars of a Rust struct on `cx`'s target; `None` when unknown or when it holds a
/// union (whose members overlap).
pub(crate) fn rust_record(def: &TypeDef, cx: &Cx<'_>) -> Option<Vec<Scalar>> {
    let mut out = Vec::new();
    rust_def(def, 0, cx, 0, &mut out)?;
    Some(out)
}

/// The scalars of a C struct; `None` for unions, bitfields and unknown types.
pub(crate) fn c_record(record: &Record, cx: &Cx<'_>) -> Option<Vec<Scalar>> {
    let mut out = Vec::new();
    c_def(record, 0, cx, 0, &mut out)?;
    Some(out)
}

/// The scalars of a Rust value of type `ty`, from offset 0; `None` as for [`rust_record`].
pub(crate) fn rust_value(ty: &RType, cx: &Cx<'_>) -> Option<Vec<Scalar>> {
    let mut out = Vec::new();
    rust_type(ty, 0, cx, 0, &mut out)?;
    Some(out)
}

/// The scalars of a C value of type `ty`, from offset 0; `None` as for [`c_record`].
pub(crate) fn c_value(ty: &CType, cx: &Cx<'_>) -> Option<Vec<Scalar>> {
    let mut out = Vec::new();
    c_type(ty, 0, cx, 0, &mut out)?;
    Some(out)
}

fn push(out: &mut Vec<Scalar>, s: Scalar) -> Option<()> {
    (out.len() < MAX_SCALARS).then(|| out.push(s))
}

fn rust_def(
    def: &TypeDef,
    base: u64,
    cx: &Cx<'_>,
    depth: u32,
    out: &mut Vec<Scalar>,
) -> Option<()> {
    if depth > MAX_DEPTH || def.kind != TypeKind::Struct {
        return None;
    }
    let rl = layout::record(def, cx, depth)?;
    for (i, field) in def.fields.iter().enumerate() {
        if !cx.rust.field_active(&def.location, i, cx.target) {
            continue;
        }
        let ty = cx.resolve_in(&field.ty, &def.module);
        rust_type(&ty, base + rl.offsets.get(i)?, cx, depth + 1, out)?;
    }
    Some(())
}

fn rust_type(ty: &RType, at: u64, cx: &Cx<'_>, depth: u32, out: &mut Vec<Scalar>) -> Option<()> {
    match ty {
        RType::Int { bytes, .. } => push(out, (at, *bytes, Class::Int)),
        RType::Bool => push(out, (at, 1, Class::Int)),
        RType::Float { bytes } => push(out, (at, *bytes, Class::Float)),
        RType::Ptr { .. } | RType::FnPtr { .. } => {
            push(out, (at, cx.target.pointer_bytes, Class::Pointer))
        }
        RType::Array { element, len } => {
            let stride = layout::of(element, cx, depth)?.size;
            for k in 0..(*len)? {
                rust_type(element, at + k * stride, cx, depth, out)?;
            }
            Some(())
        }
        RType::Named(name) => {
            let def = cx.rust_type(name)?;
            if def.kind == TypeKind::Enum {
                let size = layout::record(def, cx, depth)?.layout.size;
                return push(out, (at, size, Class::Int));
            }
            rust_def(def, at, cx, depth, out)
        }
        RType::Unit | RType::Void | RType::Unknown(_) => None,
    }
}

fn c_def(record: &Record, base: u64, cx: &Cx<'_>, depth: u32, out: &mut Vec<Scalar>) -> Option<()> {
    if depth > MAX_DEPTH || record.union || record.has_bitfields() || !record.complete {
        return None;
    }
    for field in &record.fields {
        c_type(&field.ty, base + field.offset_bits / 8, cx, depth + 1, out)?;
    }
    Some(())
}

fn c_type(ty: &CType, at: u64, cx: &Cx<'_>, depth: u32, out: &mut Vec<Scalar>) -> Option<()> {
    match &ty.kind {
        CTypeKind::Int { .. }
        | CTypeKind::PlainChar { .. }
        | CTypeKind::Bool
        | CTypeKind::Enum { .. } => push(out, (at, ty.size?, Class::Int)),
        CTypeKind::Float => push(out, (at, ty.size?, Class::Float)),
        CTypeKind::Pointer { .. } => push(out, (at, ty.size?, Class::Pointer)),
        CTypeKind::Array { element, len } => {
            let stride = element.size?;
            for k in 0..(*len)? {
                c_type(element, at + k * stride, cx, depth, out)?;
            }
            Some(())
        }
        CTypeKind::Record { name, .. } => c_def(cx.c.record(name)?, at, cx, depth, out),
        _ => None,
    }
}
