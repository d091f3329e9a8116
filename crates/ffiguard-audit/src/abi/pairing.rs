//! Which C type each Rust type stands for, learned from where they meet: the Rust type of
//! parameter N of `extern fn f` is the C type of parameter N of `f` in the header, and
//! likewise results, statics, pointees, array elements, callback signatures and, through a
//! pair of records, their fields.
//!
//! Names alone do not pair them: old bindgen calls `struct _win` `Struct__win`, hand-written
//! bindings call `struct foo_ctx` `FooCtx`, and an unnamed union member has no name to match.
//! Paired by use, the Rust type's fields, layout and enum values are compared with the C type
//! it really stands for, and a bare difference of names is no finding.

use super::Cx;
use super::records::is_bindgen_padding;
use super::rtype::{RType, resolve_text};
use ffiguard_cheader::{CType, CTypeKind};
use std::collections::HashMap;

/// Deepest nesting followed through pointers, arrays, callbacks and fields.
const MAX_DEPTH: u32 = 12;

/// Rust record or enum name → the name of the C record or enum it stands for (the model's
/// key, which [`ffiguard_cheader::CModel::record`] and `enumeration` find).
pub(crate) type Pairs = HashMap<String, String>;

/// The pairs seen on one target, from every `extern` function and static active there.
/// The first use of a Rust type decides its pair.
pub(crate) fn by_use(cx: &Cx<'_>) -> Pairs {
    let mut pairs = Pairs::new();
    let rust = cx.rust;
    for f in &rust.model.foreign_fns {
        if !rust.active(&f.location, cx.target) {
            continue;
        }
        let Some(c) = super::functions::c_function(f, cx.c) else {
            continue;
        };
        let sig = &c.signature;
        let module = super::scope::of_fn(f);
        if sig.params.len() == f.params.len() {
            for (c, p) in sig.params.iter().zip(&f.params) {
                let r = cx.resolve_in(&p.ty, &module);
                pair(c, &r, cx, 0, &mut pairs);
            }
        }
        let r = cx.resolve_in(f.ret.as_deref().unwrap_or("()"), &module);
        pair(&sig.ret, &r, cx, 0, &mut pairs);
    }
    for s in &rust.model.foreign_statics {
        if !rust.active(&s.location, cx.target) {
            continue;
        }
        if let Some(var) = cx.c.variables.get(&s.name) {
            let r = resolve_text(&s.ty, &rust.env, cx.target);
            pair(&var.ty, &r, cx, 0, &mut pairs);
        }
    }
    pairs
}

fn pair(c: &CType, r: &RType, cx: &Cx<'_>, depth: u32, pairs: &mut Pairs) {
    if depth > MAX_DEPTH {
        return;
    }
    match (&c.kind, r) {
        (CTypeKind::Pointer { pointee }, RType::Ptr { pointee: rp, .. }) => {
            pair(pointee, rp, cx, depth + 1, pairs);
        }
        (CTypeKind::Pointer { pointee }, RType::FnPtr { params, ret, .. }) => {
            if let CTypeKind::Function(sig) = &pointee.kind {
                if sig.params.len() == params.len() {
                    for (c, r) in sig.params.iter().zip(params) {
                        pair(c, r, cx, depth + 1, pairs);
                    }
                }
                pair(&sig.ret, ret, cx, depth + 1, pairs);
            }
        }
        (CTypeKind::Array { element, .. }, RType::Array { element: re, .. }) => {
            pair(element, re, cx, depth + 1, pairs);
        }
        (CTypeKind::Enum { name }, RType::Named(rust)) => {
            pairs.entry(rust.clone()).or_insert_with(|| name.clone());
        }
        (CTypeKind::Record { name, .. }, RType::Named(rust)) => {
            // A generic Rust type (ufbx's `List<T>`) stands for one C record per argument.
            if pairs.contains_key(rust) || cx.rust_type(rust).is_some_and(|d| d.generic) {
                return;
            }
            pairs.insert(rust.clone(), name.clone());
            fields(name, rust, cx, depth, pairs);
        }
        _ => {}
    }
}

/// Pairs the field types of a C record and the Rust record that stands for it, when both
/// list the same number of fields (names may differ; the comparison reports that).
fn fields(c_name: &str, rust: &str, cx: &Cx<'_>, depth: u32, pairs: &mut Pairs) {
    let Some(c) = cx.c.record(c_name).filter(|r| r.complete) else {
        return;
    };
    let Some(def) = cx.rust_type(rust) else {
        return;
    };
    let rust_fields: Vec<&crate::model::Field> = def
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            cx.rust.field_active(&def.location, *i, cx.target)
                && !f.name.as_deref().is_some_and(is_bindgen_padding)
        })
        .map(|(_, f)| f)
        .collect();
    if rust_fields.len() != c.fields.len() {
        return;
    }
    let mut members = None;
    for (cf, rf) in c.fields.iter().zip(rust_fields) {
        let r = cx.resolve_in(&rf.ty, &def.module);
        // A named Rust field in the place of an anonymous C member is one of its members
        // (ufbx's `value_vec4` for `union { .. ufbx_vec4 value_vec4; }`), found by name.
        let named = rf
            .name
            .as_deref()
            .map(super::records::c_spelling)
            .filter(|n| !n.is_empty());
        match named {
            Some(n) if cf.name.is_empty() => {
                let members = members.get_or_insert_with(|| super::records::members_by_name(c, cx));
                match members.get(n.as_str()) {
                    Some(&(_, ty)) => pair(ty, &r, cx, depth + 1, pairs),
                    // A name of its own (sokol's `u`): the Rust field binds the whole member.
                    None => pair(&cf.ty, &r, cx, depth + 1, pairs),
                }
            }
            _ => pair(&cf.ty, &r, cx, depth + 1, pairs),
        }
    }
}
