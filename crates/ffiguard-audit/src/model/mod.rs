//! The crate-wide FFI model: what a crate declares across the FFI boundary.
//!
//! Built from every file before any rule runs, so a rule looking at one file can see
//! declarations made in another (an `extern` block in `ffi.rs`, a call in `lib.rs`). The model
//! holds plain data (names, types as normalized text, [`Location`]s) rather than `syn` nodes,
//! because `syn` trees cannot cross threads and the files are parsed in parallel.

mod exposure;
mod extract;

use crate::Location;
use serde::Serialize;
use std::collections::HashMap;

#[cfg(test)]
pub(crate) use exposure::crate_dir;
pub use exposure::{Exposure, ModuleKey, Reexport};
pub(crate) use exposure::{module_chain, same_crate};
pub(crate) use extract::extract;
pub use extract::type_text;

/// Calling conventions of C (and the platform variants of it) that an `extern` block may name.
/// Other ABIs (`"Rust"`, `"rust-call"`, `"efiapi"`, GPU kernels, ..) are not calls into C.
const C_LIKE_ABIS: &[&str] = &[
    "C", "system", "cdecl", "stdcall", "fastcall", "win64", "sysv64", "aapcs",
];

/// Whether an ABI string (`"C"`, `"C-unwind"`, `"stdcall"`) is a C calling convention; `None`
/// is a bare `extern`, which is `"C"`.
///
/// ```
/// use ffiguard_audit::model::is_c_like_abi;
/// assert!(is_c_like_abi(None) && is_c_like_abi(Some("C-unwind")) && is_c_like_abi(Some("win64")));
/// assert!(!is_c_like_abi(Some("Rust")) && !is_c_like_abi(Some("efiapi")));
/// ```
pub fn is_c_like_abi(abi: Option<&str>) -> bool {
    abi.is_none_or(|name| C_LIKE_ABIS.contains(&name.strip_suffix("-unwind").unwrap_or(name)))
}

/// Whether a foreign block declares C functions: a C-like ABI ([`is_c_like_abi`]) and not a
/// `#[wasm_bindgen]` block, whose `extern "C"` imports JavaScript. Only those reach
/// [`FfiModel::foreign_fns`] and the rules that treat callees as C.
pub fn is_c_foreign_block(block: &syn::ItemForeignMod) -> bool {
    let abi = block.abi.name.as_ref().map(syn::LitStr::value);
    let wasm = block.attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "wasm_bindgen")
    });
    is_c_like_abi(abi.as_deref()) && !wasm
}

/// A function declared in an `extern "ABI" { ... }` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignFn {
    /// The Rust name.
    pub name: String,
    /// `#[link_name = ".."]`, when the symbol differs from the Rust name.
    pub link_name: Option<String>,
    /// The block's ABI string (`"C"` when written `extern {}` or `extern "C" {}`).
    pub abi: String,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// Return type as text, `None` for `()`.
    pub ret: Option<String>,
    /// Declared with a trailing `...`.
    pub variadic: bool,
    /// Declared `safe fn` inside an `unsafe extern` block (Rust 2024): callable without `unsafe`.
    pub declared_safe: bool,
    /// The block is written `unsafe extern` (required in edition 2024).
    pub block_unsafe: bool,
    /// Module path of the block inside its file (`["ffi"]` for `mod ffi { extern "C" {..} }`).
    pub module: Vec<String>,
    /// Where the declaration is (the whole item).
    pub location: Location,
}

/// A parameter of a foreign or exported function.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Param {
    /// The pattern's name, when it is a plain identifier.
    pub name: Option<String>,
    /// The type as normalized text (see [`type_text`]).
    pub ty: String,
}

/// A `static` declared in an `extern` block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignStatic {
    /// The Rust name.
    pub name: String,
    /// The type as text.
    pub ty: String,
    /// Declared `static mut`.
    pub mutable: bool,
    /// Where.
    pub location: Location,
}

/// A function with a non-Rust ABI defined in Rust (`extern "C" fn`, a callback or an export).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExportedFn {
    /// The Rust name.
    pub name: String,
    /// The ABI string.
    pub abi: String,
    /// Carries `#[no_mangle]`, `#[unsafe(no_mangle)]` or `#[export_name]`.
    pub exported_symbol: bool,
    /// Declared `unsafe extern "C" fn`.
    pub is_unsafe: bool,
    /// A method in an `impl` block rather than a free function.
    pub is_method: bool,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// Return type as text, `None` for `()`.
    pub ret: Option<String>,
    /// Where (the whole item).
    pub location: Location,
}

/// The kind of a type definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TypeKind {
    /// `struct`
    Struct,
    /// `enum`
    Enum,
    /// `union`
    Union,
}

/// A struct, enum or union defined in the crate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TypeDef {
    /// The type's name.
    pub name: String,
    /// struct, enum or union.
    pub kind: TypeKind,
    /// Arguments of every `#[repr(..)]`, as text: `["C"]`, `["u8"]`, `["C", "packed"]`,
    /// `["align(8)"]`. Empty when there is no `repr`, i.e. Rust's unspecified layout.
    pub repr: Vec<String>,
    /// Fields in order (for enums: empty; see `variants`).
    pub fields: Vec<Field>,
    /// Enum variant names with their explicit discriminant as text, if any.
    pub variants: Vec<(String, Option<String>)>,
    /// Has generic parameters.
    pub generic: bool,
    /// An `impl Drop for Name` exists somewhere in the crate.
    pub has_drop: bool,
    /// The module path it is declared in, below its crate root (from the file layout and
    /// inline modules).
    pub module: Vec<String>,
    /// Where (the whole item).
    pub location: Location,
}

impl TypeDef {
    /// Whether a `repr` fixes the layout for C: `C`, `transparent` or a primitive (enums).
    pub fn has_c_layout(&self) -> bool {
        self.repr.iter().any(|r| {
            matches!(
                r.as_str(),
                "C" | "transparent"
                    | "u8"
                    | "u16"
                    | "u32"
                    | "u64"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "isize"
            )
        })
    }
}

/// A struct field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Name; `None` for tuple fields.
    pub name: Option<String>,
    /// Type as text.
    pub ty: String,
}

/// An `impl Drop for T`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DropImpl {
    /// The last path segment of the implementing type (`Handle` for `impl Drop for ffi::Handle`).
    pub type_name: String,
    /// The `drop` body calls a foreign function: one declared in this crate, or a path through
    /// a bindings module (`libc::`, `ffi::`, `sys::`, `bindings::`, `*_sys::`).
    pub releases_foreign: bool,
    /// The `drop` body asks whether it holds the last reference (`Rc::strong_count(..)`,
    /// `Arc::try_unwrap`, ..): clones share one owner and only the last one frees.
    pub shared: bool,
    /// Last segments of the paths the `drop` body calls (resolved into `releases_foreign`).
    #[serde(skip)]
    pub(crate) callees: Vec<String>,
    /// Where (the whole impl).
    pub location: Location,
}

/// A `static` or `static mut` item defined in Rust (not in an `extern` block).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RustStatic {
    /// The name.
    pub name: String,
    /// The type as text.
    pub ty: String,
    /// Declared `static mut`.
    pub mutable: bool,
    /// Where (the whole item).
    pub location: Location,
}

/// Everything the crate declares across the FFI boundary. See the [module docs](self).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FfiModel {
    /// Functions declared in `extern` blocks.
    pub foreign_fns: Vec<ForeignFn>,
    /// Statics declared in `extern` blocks.
    pub foreign_statics: Vec<ForeignStatic>,
    /// Rust functions with a non-Rust ABI.
    pub exported_fns: Vec<ExportedFn>,
    /// Structs, enums and unions.
    pub types: Vec<TypeDef>,
    /// `Drop` implementations.
    pub drop_impls: Vec<DropImpl>,
    /// Rust `static` and `static mut` items.
    pub statics: Vec<RustStatic>,
    /// Names (last path segment) of types whose layout is asserted somewhere in the crate:
    /// `size_of::<T>()`, `align_of::<T>()` (also inside macros such as `assert!`),
    /// `offset_of!(T, ..)`, `assert_layout!(T ..)`, or a `bindgen_test_layout_T` function.
    pub layout_asserted: std::collections::BTreeSet<String>,
    /// Where `unsafe impl Send for ..` and `unsafe impl Sync for ..` items are: promises
    /// about thread safety the compiler takes on trust.
    pub send_sync_impls: Vec<Location>,
    /// Private modules and `pub use` re-exports, to tell API items from crate-internal ones.
    pub exposure: Exposure,
    #[serde(skip)]
    foreign_fn_index: HashMap<String, Vec<usize>>,
    #[serde(skip)]
    type_index: HashMap<String, Vec<usize>>,
    #[serde(skip)]
    variant_names: std::collections::HashSet<String>,
    /// Names of every `static mut` of the audited code.
    #[serde(skip)]
    static_mut_names: std::collections::HashSet<String>,
    /// Every word of every foreign or exported signature: the names of the types that cross
    /// the boundary (built once here, not per file, so a tree of many crates stays linear).
    #[serde(skip)]
    signature_words: std::collections::HashSet<String>,
}

impl FfiModel {
    /// Merges per-file parts into one model and builds the lookup indexes.
    pub(crate) fn merge(parts: impl IntoIterator<Item = FfiModel>) -> FfiModel {
        let mut model = FfiModel::default();
        for part in parts {
            model.foreign_fns.extend(part.foreign_fns);
            model.foreign_statics.extend(part.foreign_statics);
            model.exported_fns.extend(part.exported_fns);
            model.types.extend(part.types);
            model.drop_impls.extend(part.drop_impls);
            model.statics.extend(part.statics);
            model.layout_asserted.extend(part.layout_asserted);
            model.send_sync_impls.extend(part.send_sync_impls);
            model.exposure.merge(part.exposure);
        }
        for (i, f) in model.foreign_fns.iter().enumerate() {
            model
                .foreign_fn_index
                .entry(f.name.clone())
                .or_default()
                .push(i);
        }
        for d in &mut model.drop_impls {
            let index = &model.foreign_fn_index;
            d.releases_foreign |= d.callees.iter().any(|c| index.contains_key(c));
        }
        let dropped: std::collections::HashSet<&str> = model
            .drop_impls
            .iter()
            .map(|d| d.type_name.as_str())
            .collect();
        for (i, t) in model.types.iter_mut().enumerate() {
            t.has_drop = dropped.contains(t.name.as_str());
            model.type_index.entry(t.name.clone()).or_default().push(i);
        }
        model.variant_names = model
            .types
            .iter()
            .flat_map(|t| t.variants.iter().map(|(v, _)| v.clone()))
            .collect();
        model.static_mut_names = model
            .statics
            .iter()
            .filter(|s| s.mutable)
            .map(|s| s.name.clone())
            .collect();
        let foreign = model
            .foreign_fns
            .iter()
            .map(|f| (&f.params, f.ret.as_deref()));
        let exported = model
            .exported_fns
            .iter()
            .map(|f| (&f.params, f.ret.as_deref()));
        for (params, ret) in foreign.chain(exported) {
            for ty in params.iter().map(|p| p.ty.as_str()).chain(ret) {
                let words = ty
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|w| !w.is_empty());
                for word in words {
                    if !model.signature_words.contains(word) {
                        model.signature_words.insert(word.to_owned());
                    }
                }
            }
        }
        model.exposure.index();
        model
    }

    /// Whether some `static mut` of the audited code has this name.
    pub(crate) fn is_static_mut(&self, name: &str) -> bool {
        self.static_mut_names.contains(name)
    }

    /// Whether the audited code declares any `static mut`.
    pub(crate) fn has_static_mut(&self) -> bool {
        !self.static_mut_names.is_empty()
    }

    /// Whether `word` (an identifier) appears in a foreign or exported function's signature.
    pub(crate) fn in_signature(&self, word: &str) -> bool {
        self.signature_words.contains(word)
    }

    /// Whether some enum of the audited code has a variant of this name.
    pub(crate) fn is_variant(&self, name: &str) -> bool {
        self.variant_names.contains(name)
    }

    /// The first foreign function declared with this Rust name (crates sometimes declare the
    /// same function in several modules; see [`foreign_fns_named`](Self::foreign_fns_named)).
    pub fn foreign_fn(&self, name: &str) -> Option<&ForeignFn> {
        self.foreign_fns_named(name).next()
    }

    /// Every foreign function declared with this Rust name.
    pub fn foreign_fns_named(&self, name: &str) -> impl Iterator<Item = &ForeignFn> {
        self.foreign_fn_index
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.foreign_fns[i])
    }

    /// Every type defined with this name (the model does not resolve paths).
    pub fn types_named(&self, name: &str) -> impl Iterator<Item = &TypeDef> {
        self.type_index
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.types[i])
    }

    /// The Rust `static mut` item with this name, if any.
    pub fn static_mut(&self, name: &str) -> Option<&RustStatic> {
        self.statics.iter().find(|s| s.mutable && s.name == name)
    }

    /// Whether the layout of a type with this name is asserted somewhere in the crate.
    pub fn is_layout_asserted(&self, type_name: &str) -> bool {
        self.layout_asserted.contains(type_name)
    }

    /// Whether some type with this name implements `Drop`.
    pub fn has_drop(&self, type_name: &str) -> bool {
        self.drop_impls.iter().any(|d| d.type_name == type_name)
    }
}

/// `Rc::strong_count`, `Arc::try_unwrap` and the like: a call that tells whether this is the
/// last reference to shared state.
pub(crate) fn asks_last_reference(path: &syn::Path) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    match segs.as_slice() {
        [.., owner, f] => {
            matches!(owner.as_str(), "Rc" | "Arc")
                && matches!(
                    f.as_str(),
                    "strong_count" | "try_unwrap" | "into_inner" | "get_mut" | "unwrap_or_clone"
                )
        }
        _ => false,
    }
}
