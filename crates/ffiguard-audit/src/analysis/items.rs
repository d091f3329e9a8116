//! Every function with a body in a file, with what a rule needs to know about where it sits.

use syn::visit::{self, Visit};

use super::type_last;

/// A function-like item with a body.
#[derive(Clone)]
pub(crate) struct FnItem<'a> {
    /// Signature.
    pub(crate) sig: &'a syn::Signature,
    /// Visibility; `None` for trait methods and trait impl methods.
    pub(crate) vis: Option<&'a syn::Visibility>,
    /// Body.
    pub(crate) block: &'a syn::Block,
    /// Inside `impl Trait for Type` (the trait fixes the signature).
    pub(crate) in_trait_impl: bool,
    /// For impl methods, the last segment of the trait (`Drop`, `Clone`), if any.
    pub(crate) trait_name: Option<String>,
    /// For impl methods, the last segment of the implementing type.
    pub(crate) self_type: Option<String>,
}

impl<'a> FnItem<'a> {
    /// Declared with a non-Rust ABI (`extern "C" fn`): code C calls.
    pub(crate) fn is_extern(&self) -> bool {
        self.sig
            .abi
            .as_ref()
            .is_some_and(|abi| abi.name.as_ref().is_none_or(|n| n.value() != "Rust"))
    }

    /// Declared `unsafe fn`.
    pub(crate) fn is_unsafe(&self) -> bool {
        self.sig.unsafety.is_some()
    }

    /// Declared plain `pub` (not `pub(crate)`).
    pub(crate) fn is_pub(&self) -> bool {
        matches!(self.vis, Some(syn::Visibility::Public(_)))
    }

    /// Parameter names with their types, for plain identifier patterns.
    pub(crate) fn params(&self) -> Vec<(String, &'a syn::Type)> {
        self.sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(t) => match &*t.pat {
                    syn::Pat::Ident(p) => Some((p.ident.to_string(), &*t.ty)),
                    _ => None,
                },
                syn::FnArg::Receiver(_) => None,
            })
            .collect()
    }
}

/// Every function with a body in the file: free functions, inherent and trait impl methods,
/// trait default methods, and functions nested in modules or other functions.
pub(crate) fn functions(file: &syn::File) -> Vec<FnItem<'_>> {
    struct F<'a> {
        out: Vec<FnItem<'a>>,
        trait_name: Option<Option<String>>,
        self_type: Option<String>,
    }
    impl<'a> Visit<'a> for F<'a> {
        fn visit_item_fn(&mut self, i: &'a syn::ItemFn) {
            self.out.push(FnItem {
                sig: &i.sig,
                vis: Some(&i.vis),
                block: &i.block,
                in_trait_impl: false,
                trait_name: None,
                self_type: None,
            });
            let saved = self.trait_name.take();
            let saved_type = self.self_type.take();
            visit::visit_item_fn(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
            let saved = self.trait_name.replace(
                i.trait_
                    .as_ref()
                    .and_then(|(_, p, _)| p.segments.last().map(|s| s.ident.to_string())),
            );
            let saved_type = std::mem::replace(&mut self.self_type, type_last(&i.self_ty));
            visit::visit_item_impl(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_impl_item_fn(&mut self, i: &'a syn::ImplItemFn) {
            let trait_name = self.trait_name.clone().flatten();
            self.out.push(FnItem {
                sig: &i.sig,
                vis: trait_name.is_none().then_some(&i.vis),
                block: &i.block,
                in_trait_impl: trait_name.is_some(),
                trait_name,
                self_type: self.self_type.clone(),
            });
            let saved = self.trait_name.take();
            let saved_type = self.self_type.take();
            visit::visit_impl_item_fn(self, i);
            self.trait_name = saved;
            self.self_type = saved_type;
        }
        fn visit_trait_item_fn(&mut self, i: &'a syn::TraitItemFn) {
            if let Some(block) = &i.default {
                self.out.push(FnItem {
                    sig: &i.sig,
                    vis: None,
                    block,
                    in_trait_impl: false,
                    trait_name: None,
                    self_type: None,
                });
            }
            visit::visit_trait_item_fn(self, i);
        }
    }
    let mut f = F {
        out: Vec::new(),
        trait_name: None,
        self_type: None,
    };
    f.visit_file(file);
    f.out
}
