//! Procedural macros of the ffiguard runtime crates.
//!
//! Use them through their owning crate (`ffiguard_sandbox::isolated`), which re-exports them and
//! provides the runtime items the generated code names.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote};
use syn::{
    FnArg, ItemFn, LitStr, Pat, ReturnType, Visibility, parse::Parser, parse_macro_input,
    spanned::Spanned,
};

/// Registers an ordinary function for execution in a sandbox worker.
///
/// The function is left as it is (still callable in-process) and a module of the same name is
/// generated next to it, holding:
///
/// - `call(&Sandbox, args…) -> Result<Tainted<R>, SandboxError>` and
///   `call_with_deadline(&Sandbox, Duration, args…)`: the host-side shims;
/// - `call_in(&mut Session, args…)` and `call_in_with_deadline(&mut Session, Duration, args…)`:
///   the same in a session, whose worker keeps the objects `Remote`s name between calls;
/// - `call_with_callbacks(&Sandbox, &mut Callbacks, args…)` and
///   `call_in_with_callbacks(&mut Session, &mut Callbacks, args…)`: the same, giving the call
///   the host functions in the `Callbacks` table;
/// - `NAME`: the stable name the worker looks the function up by (the module path, or the
///   `name = "…"` given to the attribute);
/// - a worker-side dispatch entry, registered in the sandbox's link-time registry.
///
/// Arguments must be plain `name: Type` parameters whose types implement `serde::Serialize`
/// and `serde::de::DeserializeOwned`, as must the return type. An argument may be (or hold) a
/// `PassedFile`: an open file the worker receives as a read-only descriptor. Generic, `async`, `unsafe`,
/// variadic functions and methods are refused with a compile error.
#[proc_macro_attribute]
pub fn isolated(attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = parse_macro_input!(item as ItemFn);
    match expand(attr.into(), &function) {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#function #error).into()
        }
    }
}

fn parse_name(attr: TokenStream2) -> syn::Result<Option<LitStr>> {
    let mut name = None;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("name") {
            name = Some(meta.value()?.parse::<LitStr>()?);
            Ok(())
        } else {
            Err(meta.error("unknown argument; expected `name = \"…\"`"))
        }
    });
    parser.parse2(attr)?;
    Ok(name)
}

fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    let refuse = |span: Span, what: &str| {
        Err(syn::Error::new(
            span,
            format!("#[isolated] functions cannot be {what}"),
        ))
    };
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return refuse(sig.generics.span(), "generic");
    }
    if let Some(token) = &sig.asyncness {
        return refuse(token.span(), "async");
    }
    if let Some(token) = &sig.unsafety {
        return refuse(token.span(), "unsafe");
    }
    if let Some(abi) = &sig.abi {
        return refuse(abi.span(), "extern");
    }
    if let Some(variadic) = &sig.variadic {
        return refuse(variadic.span(), "variadic");
    }
    Ok(())
}

fn expand(attr: TokenStream2, function: &ItemFn) -> syn::Result<TokenStream2> {
    let explicit_name = parse_name(attr)?;
    check_signature(function)?;
    let sig = &function.sig;
    let fn_name = &sig.ident;

    let mut arg_names = Vec::new();
    let mut arg_types = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                return Err(syn::Error::new(
                    receiver.span(),
                    "#[isolated] functions cannot take `self`",
                ));
            }
            FnArg::Typed(typed) => match &*typed.pat {
                Pat::Ident(ident) if ident.by_ref.is_none() && ident.subpat.is_none() => {
                    if ident.ident == "sandbox"
                        || ident.ident == "session"
                        || ident.ident == "deadline"
                        || ident.ident == "callbacks"
                    {
                        return Err(syn::Error::new(
                            ident.span(),
                            "`sandbox`, `session`, `deadline` and `callbacks` are the shims' own parameters; rename this argument",
                        ));
                    }
                    arg_names.push(format_ident!("{}", ident.ident));
                    arg_types.push((*typed.ty).clone());
                }
                other => {
                    return Err(syn::Error::new(
                        other.span(),
                        "#[isolated] arguments must be plain `name: Type` parameters",
                    ));
                }
            },
        }
    }
    let return_type = match &sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let signature = format!(
        "({}) -> {}",
        arg_types
            .iter()
            .map(|ty| quote!(#ty).to_string())
            .collect::<Vec<_>>()
            .join(", "),
        return_type
    );
    let name = match explicit_name {
        Some(lit) => quote!(#lit),
        None => quote!(::core::module_path!()),
    };
    // The generated module mirrors the function's reach; a private function gets items visible
    // to its parent module only, so `unreachable_pub` stays quiet in the user's crate.
    let (module_vis, item_vis) = match &function.vis {
        Visibility::Inherited => (quote!(), quote!(pub(super))),
        Visibility::Public(_) => (quote!(pub), quote!(pub)),
        Visibility::Restricted(_) => (quote!(pub(crate)), quote!(pub(crate))),
    };
    let krate = quote!(::ffiguard_sandbox);
    let private = quote!(#krate::__private);
    let doc_module = format!(
        "Runs [`{fn_name}`](fn@{fn_name}) in a sandbox worker (generated by `#[isolated]`)."
    );
    let mut mut_names = Vec::new();
    for (index, _) in arg_names.iter().enumerate() {
        mut_names.push(format_ident!("__arg{index}"));
    }

    Ok(quote! {
        #function

        #[doc = #doc_module]
        #[allow(non_snake_case, clippy::too_many_arguments)]
        #module_vis mod #fn_name {
            #[allow(unused_imports)]
            use super::*;

            /// The stable name the worker registry knows this function by.
            #item_vis const NAME: &str = #name;
            /// The argument and return types, part of the call identifier so that a host and a
            /// dedicated worker binary built from different sources refuse to talk.
            #item_vis const SIGNATURE: &str = #signature;

            static DESCRIPTOR: #private::Descriptor = #private::Descriptor {
                name: NAME,
                id: #private::function_id(NAME, SIGNATURE),
            };

            /// Calls the function in a worker of `sandbox` with the sandbox's default deadline.
            ///
            /// # Errors
            /// A [`SandboxError`](#krate::SandboxError) when the call cannot be completed: the
            /// worker crashed, hit a resource limit, missed the deadline or sent a malformed reply.
            #item_vis fn call(
                sandbox: &#krate::Sandbox,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call::<(#(#arg_types,)*), #return_type>(
                    sandbox, &DESCRIPTOR, &(#(#arg_names,)*), ::core::option::Option::None,
                )
            }

            /// Calls the function in a worker of `sandbox`, killing the worker if it has not
            /// answered within `deadline`.
            ///
            /// # Errors
            /// As [`call`].
            #item_vis fn call_with_deadline(
                sandbox: &#krate::Sandbox,
                deadline: ::core::time::Duration,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call::<(#(#arg_types,)*), #return_type>(
                    sandbox, &DESCRIPTOR, &(#(#arg_names,)*), ::core::option::Option::Some(deadline),
                )
            }

            /// Calls the function in the worker of `session`, with the sandbox's default
            /// deadline. Handles in the arguments and the result are the session's.
            ///
            /// # Errors
            /// As [`call`]; [`SessionEnded`](#krate::SandboxError::SessionEnded) once the
            /// session has ended.
            #item_vis fn call_in(
                session: &mut #krate::Session<'_>,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call_in::<(#(#arg_types,)*), #return_type>(
                    session, &DESCRIPTOR, &(#(#arg_names,)*), ::core::option::Option::None,
                )
            }

            /// Calls the function in the worker of `session`, ending the session (and killing
            /// the worker) if it has not answered within `deadline`.
            ///
            /// # Errors
            /// As [`call_in`].
            #item_vis fn call_in_with_deadline(
                session: &mut #krate::Session<'_>,
                deadline: ::core::time::Duration,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call_in::<(#(#arg_types,)*), #return_type>(
                    session, &DESCRIPTOR, &(#(#arg_names,)*), ::core::option::Option::Some(deadline),
                )
            }

            /// Calls the function in a worker of `sandbox`, giving it the host functions in
            /// `callbacks` for this call only.
            ///
            /// # Errors
            /// As [`call`]; [`Callback`](#krate::SandboxError::Callback) when a host function
            /// panicked or the call made more callbacks than the table allows.
            #item_vis fn call_with_callbacks(
                sandbox: &#krate::Sandbox,
                callbacks: &mut #krate::callbacks::Callbacks<'_>,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call_with_callbacks::<(#(#arg_types,)*), #return_type>(
                    sandbox, &DESCRIPTOR, &(#(#arg_names,)*), callbacks,
                )
            }

            /// Calls the function in the worker of `session`, giving it the host functions in
            /// `callbacks` for this call only.
            ///
            /// # Errors
            /// As [`call_in`] and [`call_with_callbacks`].
            #item_vis fn call_in_with_callbacks(
                session: &mut #krate::Session<'_>,
                callbacks: &mut #krate::callbacks::Callbacks<'_>,
                #(#arg_names: #arg_types),*
            ) -> ::core::result::Result<#krate::Tainted<#return_type>, #krate::SandboxError> {
                #private::call_in_with_callbacks::<(#(#arg_types,)*), #return_type>(
                    session, &DESCRIPTOR, &(#(#arg_names,)*), callbacks,
                )
            }

            fn dispatch(request: &#private::Request<'_>, reply: &mut #private::ReplyWriter<'_>) -> #private::Status {
                #private::dispatch::<(#(#arg_types,)*), #return_type, _>(
                    request,
                    reply,
                    |(#(#mut_names,)*)| super::#fn_name(#(#mut_names),*),
                )
            }

            #[#private::linkme::distributed_slice(#private::REGISTRY)]
            #[linkme(crate = #private::linkme)]
            static ENTRY: #private::Entry = #private::Entry {
                descriptor: &DESCRIPTOR,
                dispatch,
            };
        }
    })
}
