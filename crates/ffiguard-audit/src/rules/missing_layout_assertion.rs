//! FFI020 — a `repr(C)` type crosses the boundary with no layout assertion.

use std::collections::HashSet;
use syn::visit::Visit;

use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI020: see [`META`].
pub(crate) struct MissingLayoutAssertion;

static META: RuleMeta = RuleMeta {
    id: "FFI020",
    name: "missing-layout-assertion",
    summary: "a `#[repr(C)]` type used in an `extern` signature has no size/alignment assertion",
    default_level: Level::Info,
    confidence: Confidence::Medium,
    docs: RuleDocs {
        what_it_does: "Flags a struct or union with `repr(C)` that appears (by value or behind a \
pointer) in a signature of a function declared in an `extern` block or of a Rust `extern fn`, \
when the crate has no layout assertion for it: `ffiguard::assert_layout!(T, ..)`, a `const` \
or test using `size_of::<T>()`/`align_of::<T>()`/`offset_of!(T, ..)`, or bindgen's \
`bindgen_test_layout_T`.",
        why_is_this_bad: "`repr(C)` makes Rust lay the struct out like C would — for the fields \
as written in Rust. If a field's type or order differs from the header (a `long` spelled \
`i64`, a field added in a new library version), nothing fails at compile time and C reads the \
wrong bytes. A size and alignment assertion turns that into a build error.",
        known_problems: "Assertions anywhere in the audited crate count (by type name); \
assertions in another crate — a `systest`/`ctest` crate, or the safe wrapper asserting the \
`-sys` crate's types — are not seen. Opaque zero-field types are exempt.",
        example_bad: "#[repr(C)]\npub struct Config { pub level: c_int, pub flags: u64 }\n\
unsafe extern \"C\" { fn apply(cfg: *const Config) -> c_int; }",
        example_good: "#[repr(C)]\npub struct Config { pub level: c_int, pub flags: u64 }\n\
ffiguard::assert_layout!(Config, size = 16, align = 8);",
        fix: "Add `ffiguard::assert_layout!` with the sizes from the C header (or \
`cargo ffiguard layout-tests`, which generates them from the headers for each target), or \
generate the type with bindgen, which emits layout tests.",
    },
};

impl Rule for MissingLayoutAssertion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        struct V<'c, 'a> {
            cx: &'c FileContext<'a>,
            out: &'c mut Vec<Finding>,
            /// Built on the first `repr(C)` type of the file: once per file, not per type,
            /// so a generated file of thousands of types stays linear.
            index: Option<Index>,
        }
        impl<'ast> Visit<'ast> for V<'_, '_> {
            fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
                let name = s.ident.to_string();
                let opaque = self
                    .cx
                    .model
                    .types_named(&name)
                    .any(crate::analysis::opaque);
                self.item(&s.attrs, &s.ident, s.fields.is_empty() || opaque);
            }
            fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
                self.item(&u.attrs, &u.ident, false);
            }
        }
        impl V<'_, '_> {
            fn item(&mut self, attrs: &[syn::Attribute], ident: &syn::Ident, empty: bool) {
                let repr_c = attrs
                    .iter()
                    .any(|a| a.path().is_ident("repr") && crate::analysis::mentions(&a.meta, "C"));
                let name = ident.to_string();
                if !repr_c || empty || self.cx.model.layout_asserted.contains(&name) {
                    return;
                }
                let index = self.index.get_or_insert_with(|| Index::of(self.cx));
                if !self.cx.model.in_signature(&name) || index.asserted.contains(&name) {
                    return;
                }
                let f = self
                    .cx
                    .finding(
                        &META,
                        ident.span(),
                        format!("`{name}` crosses the FFI boundary without a layout assertion"),
                    )
                    .help("add `ffiguard::assert_layout!` with the C header's size and alignment");
                self.out.push(f);
            }
        }
        V {
            cx,
            out,
            index: None,
        }
        .visit_file(cx.syntax);
    }
}

/// The type names this file's text checks the layout of, computed once per file.
struct Index {
    asserted: HashSet<String>,
}

impl Index {
    fn of(cx: &FileContext<'_>) -> Self {
        let compact: String = cx
            .source
            .text()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        Index {
            asserted: asserted(&compact),
        }
    }
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
}

/// The identifier at the start of `text`.
fn leading_word(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The type names whose layout the whitespace-free source checks: `size_of::<T>`,
/// `align_of::<T>`, `offset_of!(T,`, bindgen's `bindgen_test_layout_T`, and any word within
/// the first 200 characters of an `assert_layout!` (the type comes first, maybe after
/// `#[cfg(..)]`). One pass per pattern over the text.
fn asserted(compact: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    for (prefix, closing) in [
        ("size_of::<", Some('>')),
        ("align_of::<", Some('>')),
        ("offset_of!(", Some(',')),
        ("bindgen_test_layout_", None),
    ] {
        for (at, _) in compact.match_indices(prefix) {
            let rest = &compact[at + prefix.len()..];
            let name = leading_word(rest);
            let closed = closing.is_none_or(|c| rest[name.len()..].starts_with(c));
            if !name.is_empty() && closed {
                names.insert(name.to_owned());
            }
        }
    }
    for (at, _) in compact.match_indices("assert_layout!") {
        let rest: String = compact[at + "assert_layout!".len()..]
            .chars()
            .take(200)
            .collect();
        names.extend(words(&rest).map(str::to_owned));
    }
    names
}
