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
    docs: RuleDocs::from_markdown(include_str!("docs/FFI020.md")),
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
