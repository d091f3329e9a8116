//! The Rust side of the cross-check: the crate's FFI model plus what type resolution needs
//! (`type` aliases, integer constants) and the constants to compare with C macros.

use super::rtype::Env;
use crate::model::{FfiModel, extract};
use crate::span::location;
use crate::{Finding, Location, diagnostics};
use syn::visit::Visit;

/// An integer `const` item of the binding.
#[derive(Clone, Debug)]
pub(crate) struct RustConst {
    /// The name.
    pub(crate) name: String,
    /// The value, when it is an integer literal (possibly negated or cast).
    pub(crate) value: i128,
    /// Where it is.
    pub(crate) location: Location,
}

/// Everything the cross-check reads from the Rust sources.
pub(crate) struct RustSide {
    /// The crate's FFI model.
    pub(crate) model: FfiModel,
    /// Aliases, constants and type names for resolution.
    pub(crate) env: Env,
    /// Integer constants.
    pub(crate) consts: Vec<RustConst>,
}

/// Parses the binding sources (`(display path, text)`); unparsable files become findings.
pub(crate) fn load(files: &[(String, String)]) -> (RustSide, Vec<Finding>) {
    let mut parts = Vec::new();
    let mut env = Env::default();
    let mut consts = Vec::new();
    let mut problems = Vec::new();
    for (path, text) in files {
        let syntax = match crate::parse::parse_file(text) {
            Ok(syntax) => syntax,
            Err(problem) => {
                problems.push(Finding::new(
                    diagnostics::UNPARSED_FILE.id,
                    diagnostics::UNPARSED_FILE.default_level,
                    format!("bindings not cross-checked: {problem}"),
                    crate::engine::file_start(path),
                ));
                continue;
            }
        };
        parts.push(extract(path, &syntax));
        let mut collector = Collector {
            path,
            env: &mut env,
            consts: &mut consts,
        };
        collector.visit_file(&syntax);
    }
    let model = FfiModel::merge(parts);
    for t in &model.types {
        env.types.insert(t.name.clone());
    }
    (RustSide { model, env, consts }, problems)
}

struct Collector<'a> {
    path: &'a str,
    env: &'a mut Env,
    consts: &'a mut Vec<RustConst>,
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        if item.generics.params.is_empty() {
            self.env
                .aliases
                .insert(item.ident.to_string(), (*item.ty).clone());
        }
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        if let Some(value) = int_value(&item.expr) {
            let name = item.ident.to_string();
            self.env.consts.insert(name.clone(), value);
            self.consts.push(RustConst {
                name,
                value,
                location: location(self.path, item.ident.span()),
            });
        }
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {
        // Constants and aliases inside function bodies are not part of the binding.
    }
}

/// The value of an integer literal expression: `5`, `-5`, `0x10`, `5 as c_int`, `(5)`.
pub(crate) fn int_value(expr: &syn::Expr) -> Option<i128> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => i.base10_parse().ok(),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => int_value(expr).map(|v| -v),
        syn::Expr::Cast(c) => int_value(&c.expr),
        syn::Expr::Paren(p) => int_value(&p.expr),
        syn::Expr::Group(g) => int_value(&g.expr),
        _ => None,
    }
}
