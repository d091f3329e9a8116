//! The Rust types that cross the boundary: those the crate's `extern` functions and statics
//! name, and, transitively, the types their aliases and fields name. A bindgen dump of a
//! whole C library header carries records that never cross (`max_align_t`, `__fsid_t`,
//! the CRT's locale structs); comparing them reports the dump's host, not the binding.

use super::items::RustSide;
use std::collections::HashSet;
use syn::visit::Visit;

/// Most names followed (a bound on untrusted input).
const MAX_NAMES: usize = 100_000;

/// The names of the crate's types reachable from its `extern` functions and statics, or
/// `None` when it declares neither (a crate of types only: every type counts).
pub(crate) fn crossing(rust: &RustSide) -> Option<HashSet<String>> {
    let model = &rust.model;
    if model.foreign_fns.is_empty() && model.foreign_statics.is_empty() {
        return None;
    }
    let mut queue: Vec<String> = Vec::new();
    for f in &model.foreign_fns {
        for p in &f.params {
            names_in(&p.ty, &mut queue);
        }
        if let Some(ret) = &f.ret {
            names_in(ret, &mut queue);
        }
    }
    for s in &model.foreign_statics {
        names_in(&s.ty, &mut queue);
    }
    let mut seen = HashSet::new();
    while let Some(name) = queue.pop() {
        if seen.len() >= MAX_NAMES || !seen.insert(name.clone()) {
            continue;
        }
        if let Some(defs) = rust.env.aliases.get(&name) {
            for (_, ty, _) in defs {
                names_in(&crate::type_text(ty), &mut queue);
            }
        }
        for def in model.types_named(&name) {
            for field in &def.fields {
                names_in(&field.ty, &mut queue);
            }
        }
    }
    Some(seen)
}

/// Every identifier of a path in the type written as `text` (`*mut Option<foo_cb>` gives
/// `Option` and `foo_cb`).
fn names_in(text: &str, out: &mut Vec<String>) {
    struct Names<'a>(&'a mut Vec<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            self.0.push(s.ident.to_string());
            syn::visit::visit_path_segment(self, s);
        }
    }
    if let Ok(ty) = syn::parse_str::<syn::Type>(text) {
        Names(out).visit_type(&ty);
    }
}
