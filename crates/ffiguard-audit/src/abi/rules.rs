//! The ABI cross-check's rules: identity and documentation, in the same shape as every other
//! rule (`cargo ffiguard explain ABI003`). The checks themselves live in
//! `abi::functions` and `abi::records`, because they need the C
//! headers, which a per-file [`Rule`](crate::Rule) never sees.

use crate::{Confidence, Level, RuleDocs, RuleMeta};

/// An `extern` function no header declares.
pub static UNDECLARED_FUNCTION: RuleMeta = RuleMeta {
    id: "ABI001",
    name: "undeclared-c-function",
    summary: "an `extern` function or static is declared by none of the headers its bindings belong to",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI001.md")),
};

/// Parameter count or variadic-ness differs.
pub static ARITY_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI002",
    name: "arity-mismatch",
    summary: "an `extern` function has a different number of parameters, or variadic-ness, than in C",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI002.md")),
};

/// A parameter, return, or field type differs in size, kind or pointer depth.
pub static TYPE_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI003",
    name: "type-mismatch",
    summary: "a parameter, return or field type does not match C in size, kind or pointer depth",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI003.md")),
};

/// Same size, different signedness.
pub static SIGNEDNESS_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI004",
    name: "signedness-mismatch",
    summary: "an integer passed by value has the right size but the wrong signedness",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI004.md")),
};

/// The binding promises not to write where C writes.
pub static CONSTNESS_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI005",
    name: "constness-mismatch",
    summary: "a `*const` pointer is passed where C takes a non-const pointer and may write through it",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI005.md")),
};

/// Right on some targets, wrong on others.
pub static TARGET_DEPENDENT_WIDTH: RuleMeta = RuleMeta {
    id: "ABI006",
    name: "target-dependent-width",
    summary: "a binding is right on some targets and wrong on others (`long`, `size_t`, `char`)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI006.md")),
};

/// A `repr(C)` struct or union disagrees with the header's layout.
pub static RECORD_LAYOUT_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI007",
    name: "record-layout-mismatch",
    summary: "a struct or union differs from the header in fields, order, types, offsets or size",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI007.md")),
};

/// A type that C sees has Rust's unspecified layout.
pub static MISSING_REPR_C: RuleMeta = RuleMeta {
    id: "ABI008",
    name: "missing-repr-c",
    summary: "a struct, union or enum that mirrors a C type has no `#[repr(C)]` (or integer repr)",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI008.md")),
};

/// An enum's values or size differ.
pub static ENUM_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI009",
    name: "enum-mismatch",
    summary: "a Rust enum's discriminants or representation differ from the C enum",
    default_level: Level::Error,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI009.md")),
};

/// A constant differs from the macro or enumerator of the same name.
pub static CONSTANT_MISMATCH: RuleMeta = RuleMeta {
    id: "ABI010",
    name: "constant-mismatch",
    summary: "a Rust constant differs from the C macro or enumerator of the same name",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI010.md")),
};

/// A header function nothing binds.
pub static UNBOUND_FUNCTION: RuleMeta = RuleMeta {
    id: "ABI011",
    name: "unbound-c-function",
    summary: "a function of a configured header has no `extern` declaration",
    default_level: Level::Info,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI011.md")),
};

/// The headers could not be read for a target.
pub static HEADER_UNREADABLE: RuleMeta = RuleMeta {
    id: "ABI012",
    name: "header-unreadable",
    summary: "the configured headers could not be read for a target, so it was not cross-checked",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI012.md")),
};

/// A bindings file generated for one platform, compared only on the targets it fits.
pub static PLATFORM_BINDINGS: RuleMeta = RuleMeta {
    id: "ABI013",
    name: "platform-bindings",
    summary: "a bindings file was generated for one platform, so it is cross-checked only on the targets it fits",
    default_level: Level::Info,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI013.md")),
};

/// Fields named or grouped differently from C over the same layout.
pub static FIELD_NAMES_DIFFER: RuleMeta = RuleMeta {
    id: "ABI014",
    name: "field-names-differ",
    summary: "a record's fields are named or grouped differently from C, over the same layout",
    default_level: Level::Info,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("../rules/docs/ABI014.md")),
};

/// Every rule of the cross-check, in id order.
pub static ALL: &[&RuleMeta] = &[
    &UNDECLARED_FUNCTION,
    &ARITY_MISMATCH,
    &TYPE_MISMATCH,
    &SIGNEDNESS_MISMATCH,
    &CONSTNESS_MISMATCH,
    &TARGET_DEPENDENT_WIDTH,
    &RECORD_LAYOUT_MISMATCH,
    &MISSING_REPR_C,
    &ENUM_MISMATCH,
    &CONSTANT_MISMATCH,
    &UNBOUND_FUNCTION,
    &HEADER_UNREADABLE,
    &PLATFORM_BINDINGS,
    &FIELD_NAMES_DIFFER,
];
