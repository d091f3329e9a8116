//! The Rust side of the cross-check: the crate's FFI model plus what type resolution needs
//! (`type` aliases, integer constants) and the constants to compare with C macros.

use super::cfg;
use super::includes;
use super::platform;
use super::rtype::Env;
use crate::model::{FfiModel, extract};
use crate::span::location;
use crate::{Finding, Location, diagnostics};
use std::collections::HashSet;
use syn::spanned::Spanned;
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

impl RustSide {
    /// Whether the item at `location` may exist on `target`: its file is not named for another
    /// target, and its `cfg`s are not known false.
    pub(crate) fn active(&self, location: &Location, target: &ffiguard_cheader::Target) -> bool {
        cfg::file_matches(&location.file, target)
            && self
                .env
                .platforms
                .get(&location.file)
                .is_none_or(|p| p.fits(target))
            && self
                .env
                .cfgs
                .get(location)
                .is_none_or(|cfgs| cfg::active(cfgs, target, self.env.features.as_ref()))
    }

    /// Whether field `index` of the record at `location` exists on `target` (its own `cfg`s;
    /// the record's are [`RustSide::active`]'s).
    pub(crate) fn field_active(
        &self,
        location: &Location,
        index: usize,
        target: &ffiguard_cheader::Target,
    ) -> bool {
        self.env
            .field_cfgs
            .get(location)
            .and_then(|fields| fields.get(index))
            .is_none_or(|cfgs| cfg::active(cfgs, target, self.env.features.as_ref()))
    }

    /// The `cfg`s of the item at `location`, as the source spells them (empty if none).
    pub(crate) fn cfg_text(&self, location: &Location) -> String {
        self.env
            .cfgs
            .get(location)
            .map_or_else(String::new, |c| cfg::describe(c))
    }
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
pub(crate) fn load(
    files: &[(String, String)],
    features: Option<cfg::Features>,
) -> (RustSide, Vec<Finding>) {
    let mut env = Env {
        features,
        ..Env::default()
    };
    let mut consts = Vec::new();
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    let mut pending = Vec::new();
    for (path, text) in files {
        match crate::parse::parse_file(text) {
            Ok(syntax) => {
                let syntax = super::macro_items::expand(&syntax).unwrap_or(syntax);
                parsed.push((path.as_str(), syntax));
            }
            Err(problem) => problems.push(Finding::of(
                &diagnostics::UNPARSED_FILE,
                format!("bindings not cross-checked: {problem}"),
                crate::engine::file_start(path),
            )),
        }
    }
    let file_cfgs = includes::file_cfgs(
        &parsed
            .iter()
            .map(|(p, s)| (*p, s))
            .collect::<Vec<(&str, &syn::File)>>(),
    );
    let mut parts = Vec::new();
    for (path, syntax) in &parsed {
        parts.push(extract(path, syntax));
        if let Some(p) = platform::of_file(syntax) {
            env.platforms.insert((*path).to_owned(), p);
        }
        let mut collector = Collector {
            path,
            env: &mut env,
            consts: &mut consts,
            pending: &mut pending,
            cfg_stack: file_cfgs.get(*path).cloned().unwrap_or_default(),
        };
        collector.visit_file(syntax);
    }
    evaluate_pending(&mut pending, &mut env.consts);
    let model = FfiModel::merge(parts);
    let mut modules: std::collections::HashMap<&str, &[String]> = Default::default();
    for t in &model.types {
        env.types.insert(t.name.clone());
        if modules
            .insert(&t.name, &t.module)
            .is_some_and(|m| m != t.module.as_slice())
        {
            env.ambiguous.insert(t.name.clone());
        }
    }
    for t in &model.types {
        if is_transparent_generic(t, &env.types) {
            env.transparent_generic.insert(t.name.clone());
        }
    }
    (RustSide { model, env, consts }, problems)
}

/// Whether a generic struct is, at the ABI, its type argument: `#[repr(transparent)]` with one
/// field that is not `PhantomData`, whose type is a bare type parameter, possibly in
/// `MaybeUninit`, `ManuallyDrop` or a cell (ufbx's `InlineBuf<T> { data: MaybeUninit<T> }`).
fn is_transparent_generic(def: &crate::model::TypeDef, types: &HashSet<String>) -> bool {
    if !def.generic || !def.repr.iter().any(|r| r == "transparent") {
        return false;
    }
    let mut data = def.fields.iter().filter(|f| !f.ty.contains("PhantomData"));
    let (Some(field), None) = (data.next(), data.next()) else {
        return false;
    };
    let Ok(mut ty) = syn::parse_str::<syn::Type>(&field.ty) else {
        return false;
    };
    loop {
        let syn::Type::Path(p) = &ty else {
            return false;
        };
        let Some(last) = p.path.segments.last() else {
            return false;
        };
        let name = last.ident.to_string();
        match (&last.arguments, name.as_str()) {
            (
                syn::PathArguments::AngleBracketed(args),
                "MaybeUninit" | "ManuallyDrop" | "Cell" | "UnsafeCell",
            ) => match args.args.first() {
                Some(syn::GenericArgument::Type(inner)) => ty = inner.clone(),
                _ => return false,
            },
            (syn::PathArguments::None, _) => {
                // A type parameter: one short segment, not a type of the crate or a primitive.
                return p.path.segments.len() == 1
                    && p.qself.is_none()
                    && !types.contains(&name)
                    && name.starts_with(|c: char| c.is_ascii_uppercase())
                    && name.len() <= 2;
            }
            _ => return false,
        }
    }
}

struct Collector<'a> {
    path: &'a str,
    env: &'a mut Env,
    consts: &'a mut Vec<RustConst>,
    /// Integer constants whose value is an expression of others, by name.
    pending: &'a mut Vec<(String, syn::Expr)>,
    /// `cfg` predicates of the enclosing modules and `extern` blocks.
    cfg_stack: Vec<syn::Meta>,
}

impl Collector<'_> {
    /// The item's own `cfg`s plus the enclosing ones.
    fn cfgs(&self, attrs: &[syn::Attribute]) -> cfg::Cfgs {
        let mut all = self.cfg_stack.clone();
        all.extend(cfg::of_attrs(attrs));
        all
    }

    /// Remembers the `cfg`s of an item the model knows by location.
    fn record(&mut self, attrs: &[syn::Attribute], span: proc_macro2::Span) {
        let cfgs = self.cfgs(attrs);
        if !cfgs.is_empty() {
            self.env.cfgs.insert(location(self.path, span), cfgs);
        }
    }

    /// Remembers the `cfg`s of a record's fields, when any field has one (libwebp-sys2's
    /// `#[cfg(not(feature = "0_5"))] pub rotate: c_int`).
    fn record_fields<'f>(
        &mut self,
        span: proc_macro2::Span,
        fields: impl Iterator<Item = &'f syn::Field>,
    ) {
        let cfgs: Vec<cfg::Cfgs> = fields.map(|f| cfg::of_attrs(&f.attrs)).collect();
        if cfgs.iter().any(|c| !c.is_empty()) {
            self.env.field_cfgs.insert(location(self.path, span), cfgs);
        }
    }

    fn nested<T>(&mut self, attrs: &[syn::Attribute], node: &T, walk: impl FnOnce(&mut Self, &T)) {
        let depth = self.cfg_stack.len();
        self.cfg_stack.extend(cfg::of_attrs(attrs));
        walk(self, node);
        self.cfg_stack.truncate(depth);
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.nested(&item.attrs, item, |v, i| syn::visit::visit_item_mod(v, i));
    }

    fn visit_item_foreign_mod(&mut self, item: &'ast syn::ItemForeignMod) {
        // JavaScript imports and `extern "Rust"` blocks have no C header to match.
        if !crate::model::is_c_foreign_block(item) {
            return;
        }
        self.nested(&item.attrs, item, |v, i| {
            syn::visit::visit_item_foreign_mod(v, i);
        });
    }

    fn visit_foreign_item_fn(&mut self, item: &'ast syn::ForeignItemFn) {
        self.record(&item.attrs, item.span());
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.record(&item.attrs, item.span());
        self.record_fields(item.span(), item.fields.iter());
    }

    fn visit_item_union(&mut self, item: &'ast syn::ItemUnion) {
        self.record(&item.attrs, item.span());
        self.record_fields(item.span(), item.fields.named.iter());
    }

    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        self.record(&item.attrs, item.span());
    }

    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        if item.generics.params.is_empty() {
            let cfgs = self.cfgs(&item.attrs);
            self.env
                .aliases
                .entry(item.ident.to_string())
                .or_default()
                .push((cfgs, (*item.ty).clone(), self.path.to_owned()));
        }
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        let Some(value) = int_value(&item.expr) else {
            // An expression of other constants (ntru's `((MAX_DEGREE + 16 + 7) & 0xFFF8)`):
            // evaluated once every constant of the crate is known, for array lengths.
            self.pending
                .push((item.ident.to_string(), (*item.expr).clone()));
            return;
        };
        let name = item.ident.to_string();
        self.env.consts.insert(name.clone(), value);
        self.consts.push(RustConst {
            name,
            value,
            location: location(self.path, item.ident.span()),
        });
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {
        // Constants and aliases inside function bodies are not part of the binding.
    }
}

/// Most passes over the constants that are expressions of others (each pass settles those
/// whose operands are known; a chain longer than this is left unknown).
const MAX_CONST_PASSES: usize = 16;

/// Settles the constants of `pending` whose expressions evaluate with `consts`, in as many
/// passes as their chain of references needs; those left (a cycle, a call, a float) stay unknown.
fn evaluate_pending(
    pending: &mut Vec<(String, syn::Expr)>,
    consts: &mut std::collections::HashMap<String, i128>,
) {
    for _ in 0..MAX_CONST_PASSES {
        let before = pending.len();
        pending.retain(|(name, expr)| match const_value(expr, consts, 0) {
            Some(v) => {
                consts.entry(name.clone()).or_insert(v);
                false
            }
            None => true,
        });
        if pending.len() == before {
            break;
        }
    }
}

/// Deepest expression evaluated.
const MAX_EXPR_DEPTH: u32 = 64;

/// The value of an integer constant expression over literals and the crate's constants:
/// `+ - * / % & | ^ << >>`, negation, casts and parentheses, with overflow an unknown value.
pub(crate) fn const_value(
    expr: &syn::Expr,
    consts: &std::collections::HashMap<String, i128>,
    depth: u32,
) -> Option<i128> {
    if depth > MAX_EXPR_DEPTH {
        return None;
    }
    let eval = |e: &syn::Expr| const_value(e, consts, depth + 1);
    match expr {
        syn::Expr::Binary(b) => {
            let (l, r) = (eval(&b.left)?, eval(&b.right)?);
            match b.op {
                syn::BinOp::Add(_) => l.checked_add(r),
                syn::BinOp::Sub(_) => l.checked_sub(r),
                syn::BinOp::Mul(_) => l.checked_mul(r),
                syn::BinOp::Div(_) => l.checked_div(r),
                syn::BinOp::Rem(_) => l.checked_rem(r),
                syn::BinOp::BitAnd(_) => Some(l & r),
                syn::BinOp::BitOr(_) => Some(l | r),
                syn::BinOp::BitXor(_) => Some(l ^ r),
                syn::BinOp::Shl(_) => l
                    .checked_shl(u32::try_from(r).ok()?)
                    .filter(|v| v >> r == l),
                syn::BinOp::Shr(_) => l.checked_shr(u32::try_from(r).ok()?),
                _ => None,
            }
        }
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr,
            ..
        }) => eval(expr)?.checked_neg(),
        syn::Expr::Cast(c) => eval(&c.expr),
        syn::Expr::Paren(p) => eval(&p.expr),
        syn::Expr::Group(g) => eval(&g.expr),
        syn::Expr::Path(p) if p.qself.is_none() => consts
            .get(&p.path.segments.last()?.ident.to_string())
            .copied(),
        other => int_value(other),
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
