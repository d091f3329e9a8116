//! FFI007 — `unsafe impl Send/Sync` without a justification or without the bounds it needs.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI007: see [`META`].
pub(crate) struct UnjustifiedSendSync;

static META: RuleMeta = RuleMeta {
    id: "FFI007",
    name: "unjustified-send-sync",
    summary: "`unsafe impl Send`/`Sync` with no `SAFETY:` comment, or a generic one missing `T: Send`/`T: Sync`",
    default_level: Level::Warning,
    confidence: Confidence::High,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI007.md")),
};

impl Rule for UnjustifiedSendSync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        struct V<'c, 'a> {
            cx: &'c FileContext<'a>,
            out: &'c mut Vec<Finding>,
        }
        impl<'ast> Visit<'ast> for V<'_, '_> {
            fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
                syn::visit::visit_item_impl(self, i);
                let (Some(unsafety), Some((None, path, _))) = (&i.unsafety, &i.trait_) else {
                    return;
                };
                let Some(tr) = path.segments.last().map(|s| s.ident.to_string()) else {
                    return;
                };
                if tr != "Send" && tr != "Sync" {
                    return;
                }
                let line = self.cx.location(unsafety.span()).line;
                let commented = self.cx.has_safety_comment(unsafety.span())
                    || self.cx.has_safety_comment(i.span())
                    || pairs_with_commented_impl(self.cx, line);
                let comment = if commented {
                    self.cx
                        .comment_above(line)
                        .or_else(|| self.cx.comment_above(line.saturating_sub(1)))
                        .unwrap_or_default()
                } else {
                    String::new()
                };
                let self_name = crate::analysis::type_last(&i.self_ty).unwrap_or_default();
                let unbounded: Vec<String> = i
                    .generics
                    .type_params()
                    .filter(|p| {
                        let name = p.ident.to_string();
                        let reasoned = bounded(&i.generics, &p.ident, "Send")
                            || bounded(&i.generics, &p.ident, "Sync")
                            || names_word(&comment, &name)
                            || only_phantom(self.cx, &self_name, &name);
                        !reasoned && !bounded(&i.generics, &p.ident, &tr)
                    })
                    .map(|p| p.ident.to_string())
                    .collect();
                // One finding per impl: a missing bound is the sharper claim (a data race
                // reachable from safe code), so it leads when there is one; a missing comment
                // is then mentioned with it rather than hiding it.
                let no_comment = if commented {
                    ""
                } else {
                    ", and no `// SAFETY:` comment"
                };
                let finding = if unbounded.is_empty() {
                    if commented {
                        return;
                    }
                    self.cx
                        .finding(
                            &META,
                            unsafety.span(),
                            format!("`unsafe impl {tr}` without a `// SAFETY:` comment"),
                        )
                        .help("say above the impl which guarantee of the C library makes it true")
                } else {
                    let bounds: Vec<String> =
                        unbounded.iter().map(|p| format!("`{p}: {tr}`")).collect();
                    let params: Vec<String> = unbounded.iter().map(|p| format!("`{p}`")).collect();
                    self.cx
                        .finding(
                            &META,
                            unsafety.span(),
                            format!(
                                "`unsafe impl {tr}` for any {}, without {}{no_comment}",
                                params.join(", "),
                                bounds.join(", ")
                            ),
                        )
                        .help(format!("add the bound {}", bounds.join(", ")))
                };
                self.out.push(finding);
            }
        }
        V { cx, out }.visit_file(cx.syntax);
    }
}

/// Whether the line above `line` is the other half of a `Send`/`Sync` pair that carries a
/// `SAFETY:` comment: one comment written for both impls of the same type.
fn pairs_with_commented_impl(cx: &FileContext<'_>, line: usize) -> bool {
    let Some(above) = line.checked_sub(1).filter(|&l| l >= 1) else {
        return false;
    };
    let text = cx.source.line(above).unwrap_or("").trim();
    let is_impl = text.starts_with("unsafe impl")
        && (text.contains(" Send for ") || text.contains(" Sync for "))
        && text.ends_with("{}");
    is_impl
        && cx
            .comment_above(above)
            .is_some_and(|c| c.to_ascii_lowercase().contains("safety:"))
}

/// Whether `text` has `word` as a whole word (a comment that reasons about `T`).
fn names_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// Whether every field of the crate's type `ty` that mentions `param` is a `PhantomData`
/// (a marker, which carries no value across threads). Assumes the impl uses the definition's
/// parameter names, as it nearly always does; `false` when no field mentions it.
fn only_phantom(cx: &FileContext<'_>, ty: &str, param: &str) -> bool {
    let mut mentioning = cx
        .model
        .types_named(ty)
        .flat_map(|t| t.fields.iter())
        .filter(|f| names_word(&f.ty, param))
        .peekable();
    mentioning.peek().is_some() && mentioning.all(|f| f.ty.contains("PhantomData"))
}

/// Whether type parameter `ident` has a bound naming `tr` in the generics or `where` clause.
fn bounded(g: &syn::Generics, ident: &syn::Ident, tr: &str) -> bool {
    let names_trait = |b: &syn::TypeParamBound| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == tr),
        _ => false,
    };
    let inline = g
        .type_params()
        .any(|p| p.ident == *ident && p.bounds.iter().any(names_trait));
    let in_where = g.where_clause.as_ref().is_some_and(|w| {
        w.predicates.iter().any(|pred| match pred {
            syn::WherePredicate::Type(t) => {
                matches!(&t.bounded_ty, syn::Type::Path(p) if p.path.is_ident(ident))
                    && t.bounds.iter().any(names_trait)
            }
            _ => false,
        })
    });
    inline || in_where
}

#[cfg(test)]
mod tests {
    use super::UnjustifiedSendSync;

    fn messages(src: &str) -> Vec<String> {
        crate::check_source("lib.rs", src, &[&UnjustifiedSendSync])
            .into_iter()
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn a_missing_bound_is_named_even_without_a_comment() {
        let m = messages("pub struct D<T> { c: T }\nunsafe impl<T> Send for D<T> {}\n");
        assert_eq!(
            m,
            ["`unsafe impl Send` for any `T`, without `T: Send`, and no `// SAFETY:` comment"]
        );
    }

    #[test]
    fn a_commented_impl_reports_only_its_bound_and_a_bounded_one_only_its_comment() {
        let m = messages(
            "pub struct D<T> { c: T }\n// SAFETY: owned.\nunsafe impl<T> Sync for D<T> {}\n\n\
             pub struct E<T> { c: T }\nunsafe impl<T: Send> Send for E<T> {}\n",
        );
        assert_eq!(
            m,
            [
                "`unsafe impl Sync` for any `T`, without `T: Sync`",
                "`unsafe impl Send` without a `// SAFETY:` comment"
            ]
        );
    }
}
