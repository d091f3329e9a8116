//! Reads one parsed file into a part of the [`FfiModel`].

use super::{
    DropImpl, ExportedFn, FfiModel, Field, ForeignFn, ForeignStatic, Param, RustStatic, TypeDef,
    TypeKind,
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

type MetaList = syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>;

/// Arguments of all `#[repr(..)]` attributes, including those inside `#[cfg_attr(pred, ..)]`
/// whatever the predicate (the audit covers every configuration).
fn reprs(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs {
        collect_repr(&attr.meta, &mut out);
    }
    out
}

fn collect_repr(meta: &syn::Meta, out: &mut Vec<String>) {
    let Ok(list) = meta.require_list() else {
        return;
    };
    if list.path.is_ident("repr") {
        if let Ok(metas) = list.parse_args_with(MetaList::parse_terminated) {
            out.extend(metas.iter().map(type_text));
        }
    } else if list.path.is_ident("cfg_attr")
        && let Ok(metas) = list.parse_args_with(MetaList::parse_terminated)
    {
        // The first element is the predicate; the rest are attributes.
        for inner in metas.iter().skip(1) {
            collect_repr(inner, out);
        }
    }
}

/// Type names whose layout a token stream asserts: `size_of::<T>` / `align_of::<T>` and
/// `offset_of!(T, ..)` / `assert_layout!(T ..)` anywhere inside it (walked iteratively).
fn layout_mentions(tokens: TokenStream, out: &mut std::collections::BTreeSet<String>) {
    let mut stack = vec![tokens];
    while let Some(stream) = stack.pop() {
        let tts: Vec<TokenTree> = stream.into_iter().collect();
        for (i, tt) in tts.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => stack.push(g.stream()),
                TokenTree::Ident(id) if id == "size_of" || id == "align_of" => {
                    // `size_of :: < path :: T >`
                    let rest = &tts[i + 1..];
                    let opens = rest.len() > 2
                        && rest[..3]
                            .iter()
                            .zip([':', ':', '<'])
                            .all(|(t, c)| matches!(t, TokenTree::Punct(p) if p.as_char() == c));
                    if opens && let Some(name) = last_ident_before(&rest[3..], '>') {
                        out.insert(name);
                    }
                }
                TokenTree::Ident(id) if id == "offset_of" || id == "assert_layout" => {
                    let bang =
                        matches!(tts.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                    if let (true, Some(TokenTree::Group(g))) = (bang, tts.get(i + 2)) {
                        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                        if let Some(name) = last_ident_before(&inner, ',') {
                            out.insert(name);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The last identifier before the first `stop` punctuation (or the end), skipping generics.
fn last_ident_before(tokens: &[TokenTree], stop: char) -> Option<String> {
    let mut last = None;
    for tt in tokens {
        match tt {
            TokenTree::Punct(p) if p.as_char() == stop || p.as_char() == '<' => break,
            TokenTree::Ident(id) => last = Some(id.to_string()),
            _ => {}
        }
    }
    last
}

/// Last segments of the paths called in a block, for resolving foreign calls after merging,
/// and whether any call goes through a bindings module.
struct Callees {
    names: Vec<String>,
    through_bindings: bool,
    /// See [`DropImpl::shared`].
    shared: bool,
}

impl<'ast> Visit<'ast> for Callees {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            if let Some(last) = p.path.segments.last() {
                self.names.push(last.ident.to_string());
            }
            self.shared |= super::asks_last_reference(&p.path);
            self.through_bindings |= p.path.segments.iter().rev().skip(1).any(|s| {
                let name = s.ident.to_string();
                matches!(name.as_str(), "libc" | "ffi" | "sys" | "bindings" | "raw")
                    || name.ends_with("_sys")
            });
        }
        visit::visit_expr_call(self, call);
    }
}

impl Extractor<'_> {
    fn foreign_block(&mut self, block: &syn::ItemForeignMod) {
        if !super::is_c_foreign_block(block) {
            return;
        }
        let abi = abi_text(&block.abi);
        for item in &block.items {
            self.foreign_item(block, &abi, item, false);
        }
    }

    fn foreign_item(
        &mut self,
        block: &syn::ItemForeignMod,
        abi: &str,
        item: &syn::ForeignItem,
        safe: bool,
    ) {
        match item {
            syn::ForeignItem::Fn(f) => self.part.foreign_fns.push(ForeignFn {
                name: f.sig.ident.to_string(),
                link_name: link_name(&f.attrs),
                abi: abi.to_owned(),
                params: params(f.sig.inputs.iter()),
                ret: ret(&f.sig.output),
                variadic: f.sig.variadic.is_some(),
                declared_safe: safe,
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
            // syn 2 keeps Rust 2024 `safe fn` / `safe static` as verbatim tokens: drop the
            // `safe` qualifier, parse the rest, and remember it.
            syn::ForeignItem::Verbatim(tokens) if !safe && declared_safe(tokens) => {
                let mut seen_safe = false;
                let without: TokenStream = tokens
                    .clone()
                    .into_iter()
                    .filter(|tt| {
                        let is_safe =
                            !seen_safe && matches!(tt, TokenTree::Ident(i) if i == "safe");
                        seen_safe |= is_safe;
                        !is_safe
                    })
                    .collect();
                if let Ok(inner) = syn::parse2::<syn::ForeignItem>(without) {
                    self.foreign_item(block, abi, &inner, true);
                }
            }
            _ => {}
        }
    }

    fn exported(
        &mut self,
        sig: &syn::Signature,
        attrs: &[syn::Attribute],
        whole: &impl Spanned,
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
            // Only now: the span of a whole function walks all of its tokens.
            location: location(self.file, whole.span()),
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
            module: super::exposure::module_chain(self.file)
                .into_iter()
                .map(str::to_owned)
                .chain(self.module.iter().cloned())
                .collect(),
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

/// Whether the tokens of a foreign item carry the `safe` qualifier before `fn`/`static`.
fn declared_safe(tokens: &TokenStream) -> bool {
    tokens
        .clone()
        .into_iter()
        .take_while(|tt| !matches!(tt, TokenTree::Ident(i) if i == "fn" || i == "static"))
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
        self.part.exposure.record_mod(m, self.file, &self.module);
        self.module.push(m.ident.to_string());
        visit::visit_item_mod(self, m);
        self.module.pop();
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        self.part.exposure.record_use(u, self.file, &self.module);
    }

    fn visit_item_foreign_mod(&mut self, block: &'ast syn::ItemForeignMod) {
        self.foreign_block(block);
        visit::visit_item_foreign_mod(self, block);
    }

    fn visit_item_static(&mut self, s: &'ast syn::ItemStatic) {
        self.part.statics.push(RustStatic {
            name: s.ident.to_string(),
            ty: type_text(&s.ty),
            mutable: matches!(s.mutability, syn::StaticMutability::Mut(_)),
            location: location(self.file, s.span()),
        });
        visit::visit_item_static(self, s);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = m.path.segments.last().map(|s| s.ident.to_string());
        if let Some("offset_of" | "assert_layout") = name.as_deref() {
            let inner: Vec<TokenTree> = m.tokens.clone().into_iter().collect();
            if let Some(name) = last_ident_before(&inner, ',') {
                self.part.layout_asserted.insert(name);
            }
        }
        // Layout assertions sit in `assert!`-like macros; other macro bodies are not walked.
        if name.as_deref().is_some_and(|n| n.contains("assert")) {
            layout_mentions(m.tokens.clone(), &mut self.part.layout_asserted);
        }
        visit::visit_macro(self, m);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        if let Some(last) = p.segments.last()
            && (last.ident == "size_of" || last.ident == "align_of")
            && let syn::PathArguments::AngleBracketed(args) = &last.arguments
            && let Some(syn::GenericArgument::Type(syn::Type::Path(t))) = args.args.first()
            && let Some(seg) = t.path.segments.last()
        {
            self.part.layout_asserted.insert(seg.ident.to_string());
        }
        visit::visit_path(self, p);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if let Some(name) = f.sig.ident.to_string().strip_prefix("bindgen_test_layout_") {
            self.part.layout_asserted.insert(name.to_owned());
        }
        self.exported(&f.sig, &f.attrs, f, false);
        visit::visit_item_fn(self, f);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.exported(&f.sig, &f.attrs, f, true);
        visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        self.part.exposure.record_type(&s.ident, &s.vis, self.file);
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
        self.part.exposure.record_type(&u.ident, &u.vis, self.file);
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
        self.part.exposure.record_type(&e.ident, &e.vis, self.file);
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
        let send_sync = i.unsafety.is_some()
            && i.trait_
                .as_ref()
                .and_then(|(_, path, _)| path.segments.last())
                .is_some_and(|s| s.ident == "Send" || s.ident == "Sync");
        if send_sync {
            self.part
                .send_sync_impls
                .push(location(self.file, i.span()));
        }
        let is_drop = i
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Drop");
        if is_drop
            && let syn::Type::Path(p) = &*i.self_ty
            && let Some(last) = p.path.segments.last()
        {
            let mut callees = Callees {
                names: Vec::new(),
                through_bindings: false,
                shared: false,
            };
            callees.visit_item_impl(i);
            self.part.drop_impls.push(DropImpl {
                type_name: last.ident.to_string(),
                releases_foreign: callees.through_bindings,
                shared: callees.shared,
                callees: callees.names,
                location: location(self.file, i.span()),
            });
        }
        visit::visit_item_impl(self, i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(src: &str) -> FfiModel {
        FfiModel::merge([extract("a.rs", &syn::parse_file(src).unwrap())])
    }

    #[test]
    fn only_c_like_foreign_blocks_are_foreign_fns() {
        let m = model(
            r#"
            extern "Rust" { fn rust_side(); }
            #[wasm_bindgen]
            extern "C" { fn alert(s: &str); }
            #[wasm_bindgen::prelude::wasm_bindgen(module = "/x.js")]
            extern "C" { fn js_side(); }
            extern "efiapi" { fn efi(); }
            extern "stdcall" { fn win_api(); }
            extern "C-unwind" { fn may_unwind(); }
            extern { fn bare(); }
            "#,
        );
        let names: Vec<&str> = m.foreign_fns.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["win_api", "may_unwind", "bare"]);
    }

    #[test]
    fn foreign_items_and_exports() {
        let m = model(
            r#"
            mod ffi {
                unsafe extern "C" {
                    #[link_name = "real_open"]
                    pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
                    pub safe fn abs(x: i32) -> i32;
                    static mut errno_: c_int;
                }
            }
            #[unsafe(no_mangle)]
            pub extern "C" fn cb(data: *mut c_void) {}
            "#,
        );
        let open = m.foreign_fn("open").unwrap();
        assert_eq!(open.link_name.as_deref(), Some("real_open"));
        assert!(open.variadic && open.block_unsafe && !open.declared_safe);
        assert_eq!(open.params[0].ty, "*const c_char");
        assert_eq!(open.ret.as_deref(), Some("c_int"));
        assert_eq!(open.module, ["ffi"]);
        assert!(m.foreign_fn("abs").unwrap().declared_safe);
        assert!(m.foreign_statics[0].mutable);
        assert!(m.exported_fns[0].exported_symbol);
        assert_eq!(m.exported_fns[0].params[0].ty, "*mut c_void");
    }

    #[test]
    fn types_reprs_drops_and_layout_assertions() {
        let m = model(
            r#"
            extern "C" { fn h_free(h: *mut H); }
            #[cfg_attr(feature = "x", repr(C))] struct A { x: u8 }
            #[repr(C, packed)] struct B(u8);
            #[repr(u8)] enum E { X = 1, Y }
            struct H;
            impl Drop for H { fn drop(&mut self) { unsafe { h_free(self) } } }
            struct K;
            impl Drop for K { fn drop(&mut self) { unsafe { libc::free(self.0) } } }
            struct P;
            impl Drop for P { fn drop(&mut self) { println!("x") } }
            static mut COUNT: u32 = 0;
            const _: () = assert!(core::mem::size_of::<ffi::A>() == 1);
            fn bindgen_test_layout_B() {}
            fn t() { let _ = offset_of!(E, x); }
            "#,
        );
        let a = m.types_named("A").next().unwrap();
        assert_eq!(a.repr, ["C"]);
        assert_eq!(m.types_named("B").next().unwrap().repr, ["C", "packed"]);
        let e = m.types_named("E").next().unwrap();
        assert!(e.has_c_layout());
        assert_eq!(e.variants[0], ("X".to_owned(), Some("1".to_owned())));
        assert!(m.types_named("H").next().unwrap().has_drop);
        let releases: Vec<(&str, bool)> = m
            .drop_impls
            .iter()
            .map(|d| (d.type_name.as_str(), d.releases_foreign))
            .collect();
        assert_eq!(releases, [("H", true), ("K", true), ("P", false)]);
        assert!(m.static_mut("COUNT").is_some());
        for t in ["A", "B", "E"] {
            assert!(m.is_layout_asserted(t), "{t}");
        }
        assert!(!m.is_layout_asserted("H"));
    }
}
