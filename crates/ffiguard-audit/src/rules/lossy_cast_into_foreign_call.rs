//! FFI002 — a narrowing or sign-changing `as` cast feeds a foreign call.

use std::cell::OnceCell;
use std::collections::HashMap;

use crate::analysis::bindings_use::{BindingsUse, bound_names};
use crate::analysis::int_width::{IntWidth, int_width, lossy};
use crate::analysis::{Locals, functions, ident_name, peel, type_last, walk_exprs};
use crate::{Confidence, FileContext, Finding, Level, Rule, RuleDocs, RuleMeta};

/// FFI002: see [`META`].
pub(crate) struct LossyCastIntoForeignCall;

static META: RuleMeta = RuleMeta {
    id: "FFI002",
    name: "lossy-cast-into-foreign-call",
    summary: "an `as` cast that can truncate or flip the sign of a value passed to C",
    default_level: Level::Warning,
    confidence: Confidence::Medium,
    docs: RuleDocs::from_markdown(include_str!("docs/FFI002.md")),
};

impl Rule for LossyCastIntoForeignCall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &FileContext<'_>, out: &mut Vec<Finding>) {
        let bindings = BindingsUse::of(cx.syntax);
        // Read only when a cast names a type the width table does not know.
        let aliases = OnceCell::new();
        for f in functions(cx.syntax) {
            let locals = Locals::of(&f);
            // A bare callee bound in the function is a value, not the imported C function.
            let mut bound_here = None;
            walk_exprs(f.block, &mut |e| {
                let syn::Expr::Call(call) = e else { return };
                // Crate declarations and bindings paths, and bare names imported from a
                // bindings module (`use ffi::*;`), whose declarations may be generated at build
                // time (ffmpeg-next's `sws_getCachedContext(.., src_w as c_int, ..)`).
                let mut imported = || match &*call.func {
                    syn::Expr::Path(p) => {
                        bindings.provides(&p.path)
                            && p.path.get_ident().is_some_and(|name| {
                                !bound_here
                                    .get_or_insert_with(|| bound_names(&f))
                                    .contains(&name.to_string())
                            })
                    }
                    _ => false,
                };
                if cx.foreign_callee(e).is_none() && !imported() {
                    return;
                }
                for arg in &call.args {
                    let mut arg = peel(arg);
                    if let Some(name) = ident_name(arg)
                        && let Some(init) = locals.inits.get(&name)
                    {
                        arg = peel(init);
                    }
                    if let syn::Expr::Cast(cast) = arg
                        && let Some(finding) = lossy_cast(cx, cast, &locals, &aliases)
                        && !out.iter().any(|o| o.location == finding.location)
                    {
                        out.push(finding);
                    }
                }
            });
        }
    }
}

fn lossy_cast(
    cx: &FileContext<'_>,
    cast: &syn::ExprCast,
    locals: &Locals<'_>,
    aliases: &OnceCell<HashMap<String, Vec<String>>>,
) -> Option<Finding> {
    let to_name = type_last(&cast.ty)?;
    let (from_name, from) = source_width(&cast.expr, locals, 0)?;
    // A crate alias is checked in each of its `cfg` variants (hostname's `hostname_len_t`,
    // `size_t` on Linux and `c_int` on the BSDs): lossy if any of them is.
    let (to, where_) = match int_width(&to_name) {
        Some(to) => (to, String::new()),
        None => aliases
            .get_or_init(|| int_aliases(cx.syntax))
            .get(&to_name)?
            .iter()
            .filter_map(|variant| int_width(variant).map(|w| (w, variant)))
            .find(|(w, _)| lossy(from, *w))
            .map(|(w, variant)| (w, format!(" where `{to_name}` is `{variant}`")))?,
    };
    if !lossy(from, to) || cast_allowed(cx, cast) {
        return None;
    }
    let what = if from.max_bits > to.min_bits {
        "can truncate"
    } else {
        "can change the sign of"
    };
    Some(
        cx.finding(
            &META,
            syn::spanned::Spanned::span(cast),
            format!("`as {to_name}` {what} a `{from_name}` passed to C{where_}"),
        )
        .help(format!(
            "use `{to_name}::try_from(..)` and handle the error"
        )),
    )
}

/// The file's type aliases (`type hostname_len_t = libc::size_t;`), with every definition a
/// `cfg` variant gives them, spelled by their last segment: at any depth, in inline modules
/// and in function bodies (hostname defines its alias inside `set`).
fn int_aliases(file: &syn::File) -> HashMap<String, Vec<String>> {
    struct Aliases(HashMap<String, Vec<String>>);
    impl<'ast> syn::visit::Visit<'ast> for Aliases {
        fn visit_item_type(&mut self, alias: &'ast syn::ItemType) {
            if alias.generics.params.is_empty()
                && let Some(last) = type_last(&alias.ty)
            {
                self.0
                    .entry(alias.ident.to_string())
                    .or_default()
                    .push(last);
            }
        }
    }
    let mut aliases = Aliases(HashMap::new());
    syn::visit::Visit::visit_file(&mut aliases, file);
    aliases.0
}

/// Whether an `#[allow(clippy::cast_*)]` within the few lines above the cast shows the author
/// already weighed it (clippy's own cast lints are the precise check when they run).
fn cast_allowed(cx: &FileContext<'_>, cast: &syn::ExprCast) -> bool {
    let line = cx.location(syn::spanned::Spanned::span(cast)).line;
    (line.saturating_sub(6)..=line).any(|l| {
        cx.source.line(l).is_some_and(|t| {
            t.contains("clippy::cast_possible_truncation")
                || t.contains("clippy::cast_sign_loss")
                || t.contains("clippy::cast_possible_wrap")
        })
    })
}

/// The integer type of `e` when syntax shows it.
fn source_width(e: &syn::Expr, locals: &Locals<'_>, depth: u32) -> Option<(String, IntWidth)> {
    if depth > 4 {
        return None;
    }
    let named = |n: String| int_width(&n).map(|w| (n, w));
    match peel(e) {
        syn::Expr::MethodCall(m)
            if m.args.is_empty() && (m.method == "len" || m.method == "capacity") =>
        {
            // The length of a local fixed-size array (`let mut buf: [c_char; 32]`, `[0; 64]`)
            // is a constant the cast cannot truncate.
            let fixed = ident_name(&m.receiver).is_some_and(|n| {
                matches!(locals.types.get(&n), Some(syn::Type::Array(_)))
                    || matches!(locals.init_of(&n), Some(syn::Expr::Repeat(_)))
            });
            (!fixed).then(|| named("usize".to_owned()))?
        }
        syn::Expr::Call(_) => {
            let (segs, _) = crate::analysis::call_path(peel(e))?;
            matches!(
                segs.last()?.as_str(),
                "size_of" | "size_of_val" | "align_of"
            )
            .then(|| named("usize".to_owned()))?
        }
        syn::Expr::Cast(c) => named(type_last(&c.ty)?),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) if !i.suffix().is_empty() => named(i.suffix().to_owned()),
        syn::Expr::Path(_) => {
            let name = ident_name(e)?;
            if let Some(ty) = locals.types.get(&name) {
                return named(type_last(ty)?);
            }
            let init = locals.inits.get(&name)?;
            source_width(init, locals, depth + 1)
        }
        syn::Expr::Binary(b)
            if matches!(
                b.op,
                syn::BinOp::Add(_) | syn::BinOp::Sub(_) | syn::BinOp::Mul(_)
            ) =>
        {
            source_width(&b.left, locals, depth + 1)
                .or_else(|| source_width(&b.right, locals, depth + 1))
        }
        _ => None,
    }
}
