//! Cross-checking structs, unions, enums and constants with the header's records,
//! enumerations and macros.

use super::compare::{self, MismatchKind};
use super::flat;
use super::functions::help_for;
use super::group::{Observation, rule_for};
use super::items::int_value;
use super::layout;
use super::reach;
use super::same_layout::{self, Verdict};
use super::scope;
use super::{Cx, rules};
use crate::Finding;
use crate::model::{TypeDef, TypeKind};
use ffiguard_cheader::{Enum, Record};

/// A field name of an opaque Rust stand-in for a C type (`_unused: [u8; 0]`, bindgen's
/// `_data`): a struct of only such fields lays nothing out.
pub(crate) fn opaque_field(name: &str) -> bool {
    matches!(name, "_unused" | "_private" | "_opaque" | "_data")
}

/// Rust field names bindgen adds that have no C counterpart.
/// Bindgen's storage member of a union written as a struct (`bindgen_union_field`, before Rust
/// had unions) and its alignment member (`_bindgen_union_align`) are no C members either: the
/// record's size, which they set, is still compared.
pub(crate) fn is_bindgen_padding(name: &str) -> bool {
    name.starts_with("__bindgen_padding")
        || name.starts_with("_bitfield_align")
        || name == "bindgen_union_field"
        || name == "_bindgen_union_align"
}

/// The type a field stands for in C: bindgen's zero-sized `__BindgenUnionField<T>` marks a
/// member of type `T` of a union written as a struct.
fn member_type(text: &str) -> &str {
    text.trim()
        .strip_prefix("__BindgenUnionField")
        .and_then(|rest| rest.trim().strip_prefix('<'))
        .and_then(|rest| rest.trim_end().strip_suffix('>'))
        .unwrap_or(text)
}

/// Deepest nesting of anonymous members followed.
const MAX_ANONYMOUS_DEPTH: u32 = 8;

/// C's members as C11 names them: the members of an anonymous struct or union member are
/// members of the record that holds it (`ufbx_vec3`'s `x` inside `union { struct { x, y, z };
/// v[3]; }`), each with its offset in bits from the start of `record`.
fn named_members<'c>(
    record: &'c Record,
    cx: &Cx<'c>,
    base_bits: u64,
    depth: u32,
    out: &mut Vec<(&'c str, u64, &'c ffiguard_cheader::CType)>,
) {
    for f in &record.fields {
        let at = base_bits + f.offset_bits;
        if !f.name.is_empty() {
            out.push((f.name.as_str(), at, &f.ty));
        } else if depth < MAX_ANONYMOUS_DEPTH
            && let ffiguard_cheader::CTypeKind::Record { name, .. } = &f.ty.kind
            && let Some(inner) = cx.c.record(name)
        {
            named_members(inner, cx, at, depth + 1, out);
        }
    }
}

/// C record `record`'s members by name, through anonymous members: each one's offset in
/// bits and type (the first of a name, as C allows only one).
pub(crate) fn members_by_name<'c>(
    record: &'c Record,
    cx: &Cx<'c>,
) -> std::collections::HashMap<&'c str, (u64, &'c ffiguard_cheader::CType)> {
    let mut members = Vec::new();
    named_members(record, cx, 0, 0, &mut members);
    let mut by_name = std::collections::HashMap::with_capacity(members.len());
    for (n, at, ty) in members {
        by_name.entry(n).or_insert((at, ty));
    }
    by_name
}

/// A Rust field name as C spells it (`r#type` and bindgen's `type_` are C's `type`; bindgen
/// also appends `_` to C names that are Rust's primitive types, `u64_` for yyjson's `u64`).
pub(crate) fn c_spelling(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    if name.starts_with("__bindgen_anon_") {
        return String::new();
    }
    match name.strip_suffix('_') {
        Some(base) if syn::parse_str::<syn::Ident>(base).is_err() || bindgen_renames(base) => {
            base.to_owned()
        }
        _ => name.to_owned(),
    }
}

/// Names bindgen's `rust_mangle` gives a trailing `_` although they are identifiers: Rust's
/// primitive types and words once reserved.
fn bindgen_renames(name: &str) -> bool {
    matches!(
        name,
        "str"
            | "bool"
            | "f32"
            | "f64"
            | "usize"
            | "isize"
            | "u128"
            | "i128"
            | "u64"
            | "i64"
            | "u32"
            | "i32"
            | "u16"
            | "i16"
            | "u8"
            | "i8"
            | "alignof"
            | "offsetof"
            | "sizeof"
            | "pure"
            | "proc"
    )
}

/// A struct with a `String`, `Vec`, `Box`, map or reference-counted field is a Rust model of
/// the C type (redis-module's `RedisModuleCommandArg` builder, converted field by field), not
/// a binding of it: it never crosses, so its layout is not compared.
fn holds_rust_data(def: &crate::model::TypeDef) -> bool {
    const OWNING: &[&str] = &[
        "String", "Vec", "Box", "HashMap", "BTreeMap", "HashSet", "Rc", "Arc", "CString",
    ];
    def.fields.iter().any(|f| {
        syn::parse_str::<syn::Type>(&f.ty).is_ok_and(|ty| {
            struct Owning(bool);
            impl<'ast> syn::visit::Visit<'ast> for Owning {
                fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
                    self.0 |= OWNING.iter().any(|o| s.ident == o);
                    syn::visit::visit_path_segment(self, s);
                }
            }
            let mut v = Owning(false);
            syn::visit::Visit::visit_type(&mut v, &ty);
            v.0
        })
    })
}

/// The names of `a` left after taking out one occurrence for each name of `b`, in `a`'s order.
fn multiset_minus<'a>(a: &[&'a str], b: &[&str]) -> Vec<&'a str> {
    let mut left: Vec<&str> = b.to_vec();
    a.iter()
        .copied()
        .filter(|n| match left.iter().position(|m| m == n) {
            Some(i) => {
                left.swap_remove(i);
                false
            }
            None => true,
        })
        .collect()
}

/// Records and enums: the missing-repr findings (target-independent) and per-target
/// observations.
pub(crate) fn check(
    cxs: &[Cx<'_>],
    observations: &mut Vec<Observation>,
    findings: &mut Vec<Finding>,
) {
    let Some(first) = cxs.first() else {
        return;
    };
    let crossing = reach::crossing(first.rust);
    for def in &first.rust.model.types {
        if crossing
            .as_ref()
            .is_some_and(|names| !names.contains(&def.name))
        {
            continue;
        }
        let is_record = matches!(def.kind, TypeKind::Struct | TypeKind::Union);
        let active = || {
            cxs.iter()
                .filter(|cx| first.rust.active(&def.location, cx.target))
        };
        let named_in_c = active().any(|cx| {
            if is_record {
                cx.c.record(&def.name).is_some_and(|r| r.complete)
            } else {
                cx.c.enumeration(&def.name).is_some()
            }
        });
        let paired = active().any(|cx| c_record(def, cx).is_some() || c_enum(def, cx).is_some());
        if !(named_in_c || paired) || def.generic || holds_rust_data(def) {
            continue;
        }
        if !def.has_c_layout() && !def.repr.iter().any(|r| r.starts_with("packed")) {
            // Only a type named as in C is known to be meant as its mirror; one paired by
            // use may be an opaque stand-in (`pub enum foo {}`) for a record passed by pointer.
            if !named_in_c {
                continue;
            }
            let meta = &rules::MISSING_REPR_C;
            findings.push(
                Finding::of(
                    meta,
                    format!(
                        "`{}` mirrors a C type but has Rust's unspecified layout",
                        def.name
                    ),
                    def.location.clone(),
                )
                .help(if is_record {
                    "add `#[repr(C)]`".to_owned()
                } else {
                    "add the `repr` of the C enum's underlying type (e.g. `#[repr(u32)]`)"
                        .to_owned()
                }),
            );
            continue;
        }
        // A dump made on one platform copies that toolchain's C library records (MSVC's
        // `_iobuf` is one opaque pointer), and the model's C library for that OS may be
        // another's (MinGW's `_iobuf` has eight fields): only the library's own records are
        // the binding's to get right.
        let platform_dump = first.rust.env.platforms.contains_key(&def.location.file);
        for cx in active() {
            if is_record {
                if let Some(c) = c_record(def, cx).filter(|c| !(platform_dump && c.origin.system)) {
                    record(def, c, cx, observations);
                }
            } else if let Some(c) = c_enum(def, cx) {
                enumeration(def, c, cx, observations);
            }
        }
    }
    constants(cxs, observations);
}

/// Whether a struct holds the same scalars at the same offsets as C, in the same size and
/// alignment, whatever the fields are called.
fn same_scalars(def: &TypeDef, c: &Record, cx: &Cx<'_>) -> bool {
    let same_size = layout::record(def, cx, 0)
        .is_some_and(|rl| Some(rl.layout.size) == c.size && Some(rl.layout.align) == c.align);
    same_size
        && matches!(
            (flat::rust_record(def, cx), flat::c_record(c, cx)),
            (Some(r), Some(k)) if r == k
        )
}

/// The complete C record a Rust struct or union stands for: the one the extern declarations
/// pair it with, else the one of its name.
fn c_record<'c>(def: &TypeDef, cx: &Cx<'c>) -> Option<&'c Record> {
    if !matches!(def.kind, TypeKind::Struct | TypeKind::Union) {
        return None;
    }
    cx.pairs
        .get(&scope::key(def, &cx.rust.env))
        .and_then(|n| cx.c.record(n))
        .filter(|r| r.complete)
        .or_else(|| cx.c.record(&def.name).filter(|r| r.complete))
}

/// The C enum a Rust enum stands for, by name or by use.
fn c_enum<'c>(def: &TypeDef, cx: &Cx<'c>) -> Option<&'c Enum> {
    if def.kind != TypeKind::Enum {
        return None;
    }
    cx.c.enumeration(&def.name).or_else(|| {
        cx.pairs
            .get(&scope::key(def, &cx.rust.env))
            .and_then(|n| cx.c.enumeration(n))
    })
}

fn observe(
    def: &TypeDef,
    cx: &Cx<'_>,
    rule: &'static crate::RuleMeta,
    subject: String,
    detail: String,
    help: &str,
) -> Observation {
    Observation {
        rule,
        width_sensitive: true,
        subject,
        location: def.location.clone(),
        target: cx.target.name,
        detail,
        help: help.to_owned(),
        advisory: false,
        forgiven: false,
    }
}

fn record(def: &TypeDef, c: &Record, cx: &Cx<'_>, out: &mut Vec<Observation>) {
    let layout_rule = &rules::RECORD_LAYOUT_MISMATCH;
    let name = &def.name;
    let rust_fields: Vec<(usize, String)> = def
        .fields
        .iter()
        .enumerate()
        .filter(|(i, _)| cx.rust.field_active(&def.location, *i, cx.target))
        .filter_map(|(i, f)| f.name.as_deref().map(|n| (i, n)))
        .filter(|(_, n)| !is_bindgen_padding(n))
        .map(|(i, n)| (i, n.to_owned()))
        .collect();
    let opaque = rust_fields.iter().all(|(_, n)| opaque_field(n));
    if def.fields.is_empty() || opaque {
        // An opaque Rust stand-in (`_unused: [u8; 0]`) for a complete C type: nothing to compare.
        return;
    }
    let rust_layout = layout::record(def, cx, 0);
    let size_check = |out: &mut Vec<Observation>| {
        if let (Some(rl), Some(size), Some(align)) = (&rust_layout, c.size, c.align)
            && (rl.layout.size != size || rl.layout.align != align)
        {
            out.push(observe(
                def,
                cx,
                layout_rule,
                format!("layout of `{name}`"),
                format!(
                    "C has size {size} and alignment {align}, Rust has size {} and alignment {}",
                    rl.layout.size, rl.layout.align
                ),
                "match the header's fields and attributes (`packed`, `aligned`) exactly",
            ));
        }
    };
    // bindgen's stand-in for a type it cannot spell (`_bindgen_opaque_blob: [u64; 2]`) has
    // the C type's size and alignment and no fields to compare.
    if c.has_bitfields()
        || matches!(rust_fields.as_slice(), [(_, name)] if name == "_bindgen_opaque_blob")
    {
        size_check(out);
        return;
    }
    let c_names: Vec<&str> = c.fields.iter().map(|f| f.name.as_str()).collect();
    let r_names: Vec<String> = rust_fields.iter().map(|(_, n)| c_spelling(n)).collect();
    if c_names != r_names
        && c_names.iter().any(|n| n.is_empty())
        && r_names.iter().all(|n| !n.is_empty())
    {
        // Rust names the members of C's anonymous struct or union members directly (ufbx's
        // `Vec3 { x, y, z }` for `union { struct { x, y, z }; v[3]; }`): each is compared with
        // the member of its name, at that member's offset.
        let by_member = members_by_name(c, cx);
        let by_name: Option<Vec<_>> = rust_fields
            .iter()
            .zip(&r_names)
            .map(|(rf, n)| by_member.get(n.as_str()).map(|&(at, ty)| (rf, at, ty)))
            .collect();
        if let Some(pairs) = by_name {
            fields(def, c, cx, &pairs, rust_layout.as_ref(), out);
            size_check(out);
            return;
        }
    }
    let proof = same_layout::positional(def, &rust_fields, c, cx);
    // An anonymous C member has no name to copy: a named Rust field in its place, laid out as
    // it is, binds it (sokol's `u` for `union { int face; int layer; int slice; }`).
    let bound_anonymous = |k: usize| {
        c_names[k].is_empty()
            && proof
                .as_ref()
                .is_some_and(|p| p.members.get(k) == Some(&Verdict::Same))
    };
    let (c_left, r_left): (Vec<&str>, Vec<&str>) = if proof.is_some() {
        c_names
            .iter()
            .zip(&r_names)
            .enumerate()
            .filter(|(k, _)| !bound_anonymous(*k))
            .map(|(_, (c, r))| (*c, r.as_str()))
            .unzip()
    } else {
        (
            c_names.clone(),
            r_names.iter().map(String::as_str).collect(),
        )
    };
    // Each renamed member proven laid out as C's, and nothing else shown to differ (a
    // member whose Rust type cannot be sized is no proof against the rename).
    let renames_proven = proof.as_ref().is_some_and(|p| {
        p.record != Verdict::Differs
            && p.members
                .iter()
                .zip(c_names.iter().zip(&r_names))
                .all(|(v, (c, r))| *v == Verdict::Same || *c == r.as_str())
    });
    if c_left != r_left {
        // Multiset differences: anonymous members all have the empty name.
        let (c_names, r_strs) = (&c_left, &r_left);
        let missing = multiset_minus(c_names, r_strs);
        let extra = multiset_minus(r_strs, c_names);
        let detail = if missing.is_empty() && extra.is_empty() {
            format!(
                "the fields are in another order than C's ({})",
                c_names.join(", ")
            )
        } else {
            let list = |v: &[&str]| {
                v.iter()
                    .map(|n| {
                        if n.is_empty() {
                            "(anonymous)".to_owned()
                        } else {
                            format!("`{n}`")
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts = Vec::new();
            if !missing.is_empty() {
                parts.push(format!("missing C field(s) {}", list(&missing)));
            }
            if !extra.is_empty() {
                parts.push(format!("field(s) {} not in C", list(&extra)));
            }
            parts.join("; ")
        };
        if renames_proven || same_scalars(def, c, cx) || same_layout::array_for_union(def, c, cx) {
            // Its own rule, at level info: a configured level of ABI007 must not raise it.
            out.push(observe(
                def,
                cx,
                &rules::FIELD_NAMES_DIFFER,
                format!("fields of `{name}`"),
                format!("{detail}, over the same layout"),
                "rename the fields as the header does, if the difference is not meant",
            ));
            return;
        }
        out.push(observe(def, cx, layout_rule, format!("fields of `{name}`"), detail,
            "copy the fields from the header in order, then generate layout assertions with `cargo ffiguard layout-tests`"));
        size_check(out);
        return;
    }
    let pairs: Vec<(&(usize, String), u64, &ffiguard_cheader::CType)> = rust_fields
        .iter()
        .zip(&c.fields)
        .map(|(rf, cf)| (rf, cf.offset_bits, &cf.ty))
        .collect();
    fields(def, c, cx, &pairs, rust_layout.as_ref(), out);
    size_check(out);
}

/// Compares each Rust field with the C member it stands for (offset in bits, type).
fn fields(
    def: &TypeDef,
    c: &Record,
    cx: &Cx<'_>,
    pairs: &[(&(usize, String), u64, &ffiguard_cheader::CType)],
    rust_layout: Option<&layout::RecordLayout>,
    out: &mut Vec<Observation>,
) {
    let layout_rule = &rules::RECORD_LAYOUT_MISMATCH;
    let name = &def.name;
    let mut offsets_ok = true;
    for (k, ((i, rname), offset_bits, c_ty)) in pairs.iter().enumerate() {
        let rf = &def.fields[*i];
        let r = cx.resolve_in(member_type(&rf.ty), &def.module);
        let subject = format!("field `{rname}` of `{name}`");
        if let Some(m) = compare::value(c_ty, &r, cx) {
            if m.kind != MismatchKind::Constness {
                let help = help_for(c_ty, m.kind);
                let mut o = observe(def, cx, rule_for(m.kind), subject.clone(), m.detail, &help);
                o.forgiven = m.kind.forgiven();
                out.push(o);
            }
        } else if let Some(detail) = compare::fixed_width_for_varying(c_ty, &r)
            .filter(|_| cx.rust.cfg_text(&def.location).is_empty())
        {
            let help = help_for(c_ty, MismatchKind::Type);
            let mut o = observe(
                def,
                cx,
                &rules::TARGET_DEPENDENT_WIDTH,
                subject.clone(),
                detail,
                &help,
            );
            o.advisory = true;
            out.push(o);
        }
        if offsets_ok && let Some(rl) = rust_layout {
            let c_off = offset_bits / 8;
            if let Some(&r_off) = rl.offsets.get(*i).filter(|&&o| o != c_off) {
                offsets_ok = false;
                out.push(observe(
                    def,
                    cx,
                    layout_rule,
                    format!("offset of field `{rname}` of `{name}`"),
                    format!(
                        "C puts it at byte {c_off}, Rust at byte {r_off} (field {} of {})",
                        k + 1,
                        c.fields.len()
                    ),
                    "fix the types of the fields before it, or the `packed`/`align` attributes",
                ));
            }
        }
    }
}

fn enumeration(def: &TypeDef, c: &Enum, cx: &Cx<'_>, out: &mut Vec<Observation>) {
    let rule = &rules::ENUM_MISMATCH;
    let name = &def.name;
    if let (Some(rl), Some(size)) = (layout::record(def, cx, 0), c.underlying.size)
        && rl.layout.size != size
    {
        out.push(observe(
            def,
            cx,
            rule,
            format!("representation of `{name}`"),
            format!(
                "C's underlying type `{}` is {size} bytes, the Rust `repr` is {}",
                c.underlying.spelling, rl.layout.size
            ),
            "use the `repr` of the C enum's underlying type",
        ));
    }
    let enumerators = Enumerators::new(&c.constants);
    let mut next = 0i128;
    for (variant, expr) in &def.variants {
        let value = match expr.as_deref().map(syn::parse_str::<syn::Expr>) {
            Some(Ok(e)) => match int_value(&e) {
                Some(v) => v,
                None => return, // a discriminant we cannot evaluate: stop comparing values
            },
            Some(Err(_)) => return,
            None => next,
        };
        next = value + 1;
        let detail = match enumerators.find(variant) {
            Some((_, v)) if *v == value => continue,
            Some((k, v)) => format!("`{variant}` is {value} in Rust, C's `{k}` is {v}"),
            // A variant renamed past recognition (`Int` for `SENTRY_VALUE_TYPE_INT32`) that
            // holds a value C has is the same enumerator by another name.
            None if c.constants.iter().any(|(_, v)| *v == value) => continue,
            None => format!("`{variant}` ({value}) has no C enumerator of that name or value"),
        };
        out.push(observe(
            def,
            cx,
            rule,
            format!("variant `{variant}` of `{name}`"),
            detail,
            "copy the values from the header",
        ));
    }
}

/// C's enumerators looked up by the ends of their names, built once per enum so that a
/// variant is matched in time independent of the enum's size.
struct Enumerators<'c> {
    constants: &'c [(String, i128)],
    /// Each name, and each part of it after an underscore (`ALIGN_LEFT`, `LEFT`).
    by_word_suffix: std::collections::HashMap<&'c str, Vec<usize>>,
    /// Each ending of each name with the underscores taken out (`ALIGNMASK`, `MASK`, `ASK`..).
    by_squashed_suffix: std::collections::HashMap<String, Vec<usize>>,
}

impl<'c> Enumerators<'c> {
    fn new(constants: &'c [(String, i128)]) -> Self {
        let mut by_word_suffix: std::collections::HashMap<&str, Vec<usize>> = Default::default();
        let mut by_squashed_suffix: std::collections::HashMap<String, Vec<usize>> =
            Default::default();
        for (i, (k, _)) in constants.iter().enumerate() {
            by_word_suffix.entry(k.as_str()).or_default().push(i);
            for (at, _) in k.match_indices('_') {
                by_word_suffix.entry(&k[at + 1..]).or_default().push(i);
            }
            let squashed = squash(k);
            for at in squashed.char_indices().map(|(at, _)| at) {
                let ends = by_squashed_suffix
                    .entry(squashed[at..].to_owned())
                    .or_default();
                if ends.last() != Some(&i) {
                    ends.push(i);
                }
            }
        }
        Self {
            constants,
            by_word_suffix,
            by_squashed_suffix,
        }
    }

    /// The C enumerator a Rust variant stands for: the one of its name, else the one it names
    /// with the library's prefix dropped (`UFBX_ELEMENT_ANIM_CURVE` for `AnimCurve`,
    /// `HOEDOWN_TABLE_ALIGNMASK` for `Mask`), when exactly one does.
    fn find(&self, variant: &str) -> Option<&'c (String, i128)> {
        if let Some(&i) = self.by_word_suffix.get(variant).and_then(|v| v.first()) {
            return Some(&self.constants[i]);
        }
        let unique = |found: Option<&Vec<usize>>| match found.map(Vec::as_slice) {
            Some(&[i]) => Some(&self.constants[i]),
            _ => None,
        };
        unique(self.by_word_suffix.get(screaming_snake(variant).as_str()))
            .or_else(|| unique(self.by_squashed_suffix.get(&squash(variant))))
    }
}

/// `AnimCurve` as C spells an enumerator: `ANIM_CURVE` (`Xyz` is `XYZ`).
fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        out.push(ch.to_ascii_uppercase());
    }
    out
}

/// A name's letters and digits in upper case, underscores dropped.
fn squash(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn constants(cxs: &[Cx<'_>], out: &mut Vec<Observation>) {
    for cx in cxs {
        for k in &cx.rust.consts {
            let Some(c) = cx.c.constant(&k.name) else {
                continue;
            };
            if c != k.value {
                out.push(Observation {
                    rule: &rules::CONSTANT_MISMATCH,
                    width_sensitive: false,
                    subject: format!("constant `{}`", k.name),
                    location: k.location.clone(),
                    target: cx.target.name,
                    detail: format!("Rust says {}, the header says {c}", k.value),
                    help: "take the value from the header".to_owned(),
                    advisory: false,
                    forgiven: false,
                });
            }
        }
    }
}
