//! Reads one parsed file into a part of the [`FfiModel`].

use super::{
    DropImpl, ExportedFn, FfiModel, Field, ForeignFn, ForeignStatic, Param, TypeDef, TypeKind,
};
use crate::span::location;
use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

/// Renders a type (or any syntax) as compact, stable text: `*const c_char`,
/// `Option<unsafe extern "C" fn(i32) -> i32>`.
///
/// ```
/// let ty: syn::Type = syn::parse_str("* const  std::os::raw::c_char").unwrap();
/// assert_eq!(ffiguard_audit::type_text(&ty), "*const std::os::raw::c_char");
/// ```
pub fn type_text(node: &impl ToTokens) -> String {
    let mut out = String::new();
    write_tokens(node.to_token_stream(), &mut out);
    out
}

fn write_tokens(tokens: TokenStream, out: &mut String) {
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                write_tokens(g.stream(), out);
                out.push_str(close);
            }
            TokenTree::Punct(p) => {
                let c = p.as_char();
                if c == '>' && out.ends_with('-') {
                    // `->` reads better with spaces around it
                    out.pop();
                    out.push_str(" -> ");
                } else if c == ',' || c == ';' {
                    out.push(c);
                    out.push(' ');
                } else if c == '=' {
                    out.push_str(" = ");
                } else {
                    out.push(c);
                }
            }
            TokenTree::Ident(i) => {
                push_word(out, &i.to_string());
            }
            TokenTree::Literal(l) => {
                push_word(out, &l.to_string());
            }
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
}

fn push_word(out: &mut String, word: &str) {
    if out
        .chars()
        .last()
        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '"')
    {
        out.push(' ');
    }
    out.push_str(word);
}

/// Builds the model part of one file. `file` is the display path used in locations.
pub(crate) fn extract(file: &str, syntax: &syn::File) -> FfiModel {
    let mut v = Extractor {
        file,
        module: Vec::new(),
        part: FfiModel::default(),
    };
    v.visit_file(syntax);
    v.part
}

struct Extractor<'a> {
    file: &'a str,
    module: Vec<String>,
    part: FfiModel,
}

fn abi_text(abi: &syn::Abi) -> String {
    abi.name
        .as_ref()
        .map_or_else(|| "C".to_owned(), syn::LitStr::value)
}

fn params<'a>(inputs: impl Iterator<Item = &'a syn::FnArg>) -> Vec<Param> {
    inputs
        .map(|arg| match arg {
            syn::FnArg::Receiver(r) => Param {
                name: Some("self".to_owned()),
                ty: type_text(&r.ty),
            },
            syn::FnArg::Typed(t) => Param {
                name: match &*t.pat {
                    syn::Pat::Ident(p) => Some(p.ident.to_string()),
                    _ => None,
                },
                ty: type_text(&t.ty),
            },
        })
        .collect()
}

fn ret(output: &syn::ReturnType) -> Option<String> {
    match output {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => Some(type_text(ty)),
    }
}

fn attr_is(attr: &syn::Attribute, name: &str) -> bool {
    if attr.path().is_ident(name) {
        return true;
    }
    // Edition 2024 spells unsafe attributes `#[unsafe(no_mangle)]`.
    attr.path().is_ident("unsafe")
        && attr
            .meta
            .require_list()
            .is_ok_and(|l| l.tokens.to_string().trim_start().starts_with(name))
}

fn exports_symbol(attrs: &[syn::Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| attr_is(a, "no_mangle") || attr_is(a, "export_name"))
}

fn link_name(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("link_name") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// Arguments of all `#[repr(..)]` attributes.
fn reprs(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("repr")) {
        if let Ok(list) = attr.meta.require_list() {
            let parsed = list.parse_args_with(
                syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
            );
            if let Ok(metas) = parsed {
                out.extend(metas.iter().map(type_text));
            }
        }
    }
    out
}

impl Extractor<'_> {
    fn foreign_block(&mut self, block: &syn::ItemForeignMod) {
        let abi = abi_text(&block.abi);
        for item in &block.items {
            match item {
                syn::ForeignItem::Fn(f) => self.part.foreign_fns.push(ForeignFn {
                    name: f.sig.ident.to_string(),
                    link_name: link_name(&f.attrs),
                    abi: abi.clone(),
                    params: params(f.sig.inputs.iter()),
                    ret: ret(&f.sig.output),
                    variadic: f.sig.variadic.is_some(),
                    declared_safe: declared_safe(&f.to_token_stream()),
                    block_unsafe: block.unsafety.is_some(),
                    module: self.module.clone(),
                    location: location(self.file, f.span()),
                }),
                syn::ForeignItem::Static(s) => self.part.foreign_statics.push(ForeignStatic {
                    name: s.ident.to_string(),
                    ty: type_text(&s.ty),
                    mutable: matches!(s.mutability, syn::StaticMutability::Mut(_)),
                    location: location(self.file, s.span()),
                }),
                _ => {}
            }
        }
    }

    fn exported(
        &mut self,
        sig: &syn::Signature,
        attrs: &[syn::Attribute],
        whole: proc_macro2::Span,
        is_method: bool,
    ) {
        let Some(abi) = &sig.abi else { return };
        let abi = abi_text(abi);
        if abi == "Rust" {
            return;
        }
        self.part.exported_fns.push(ExportedFn {
            name: sig.ident.to_string(),
            abi,
            exported_symbol: exports_symbol(attrs),
            is_unsafe: sig.unsafety.is_some(),
            is_method,
            params: params(sig.inputs.iter()),
            ret: ret(&sig.output),
            location: location(self.file, whole),
        });
    }

    fn type_def(
        &mut self,
        head: TypeHead<'_>,
        fields: Vec<Field>,
        variants: Vec<(String, Option<String>)>,
    ) {
        self.part.types.push(TypeDef {
            name: head.name.to_string(),
            kind: head.kind,
            repr: reprs(head.attrs),
            fields,
            variants,
            generic: !head.generics.params.is_empty(),
            has_drop: false,
            location: location(self.file, head.whole),
        });
    }
}

/// What every type definition has, whatever its kind.
struct TypeHead<'a> {
    name: &'a syn::Ident,
    kind: TypeKind,
    attrs: &'a [syn::Attribute],
    generics: &'a syn::Generics,
    whole: proc_macro2::Span,
}

/// syn 2 parses `safe fn` in foreign blocks as verbatim tokens only in some versions; looking at
/// the tokens is version-proof.
fn declared_safe(tokens: &TokenStream) -> bool {
    tokens
        .clone()
        .into_iter()
        .take_while(|tt| !matches!(tt, TokenTree::Ident(i) if i == "fn"))
        .any(|tt| matches!(tt, TokenTree::Ident(i) if i == "safe"))
}

fn fields_of(fields: &syn::Fields) -> Vec<Field> {
    fields
        .iter()
        .map(|f| Field {
            name: f.ident.as_ref().map(ToString::to_string),
            ty: type_text(&f.ty),
        })
        .collect()
}

impl<'ast> Visit<'ast> for Extractor<'_> {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_foreign_mod(&mut self, block: &'ast syn::ItemForeignMod) {
        self.foreign_block(block);
        visit::visit_item_foreign_mod(self, block);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.exported(&f.sig, &f.attrs, f.span(), false);
        visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.exported(&f.sig, &f.attrs, f.span(), true);
        visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.type_def(
            TypeHead {
                name: &s.ident,
                kind: TypeKind::Struct,
                attrs: &s.attrs,
                generics: &s.generics,
                whole: s.span(),
            },
            fields_of(&s.fields),
            Vec::new(),
        );
        visit::visit_item_struct(self, s);
    }

    fn visit_item_union(&mut self, u: &'ast syn::ItemUnion) {
        let fields = fields_of(&syn::Fields::Named(u.fields.clone()));
        self.type_def(
            TypeHead {
                name: &u.ident,
                kind: TypeKind::Union,
                attrs: &u.attrs,
                generics: &u.generics,
                whole: u.span(),
            },
            fields,
            Vec::new(),
        );
        visit::visit_item_union(self, u);
    }

    fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
        let variants = e
            .variants
            .iter()
            .map(|v| {
                (
                    v.ident.to_string(),
                    v.discriminant.as_ref().map(|(_, d)| type_text(d)),
                )
            })
            .collect();
        self.type_def(
            TypeHead {
                name: &e.ident,
                kind: TypeKind::Enum,
                attrs: &e.attrs,
                generics: &e.generics,
                whole: e.span(),
            },
            Vec::new(),
            variants,
        );
        visit::visit_item_enum(self, e);
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        let is_drop = i
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Drop");
        if is_drop {
            if let syn::Type::Path(p) = &*i.self_ty {
                if let Some(last) = p.path.segments.last() {
                    self.part.drop_impls.push(DropImpl {
                        type_name: last.ident.to_string(),
                        location: location(self.file, i.span()),
                    });
                }
            }
        }
        visit::visit_item_impl(self, i);
    }
}
