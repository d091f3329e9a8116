//! Which type a path written in a file names, as far as syntax and the crate model tell:
//! the file's type aliases, the modules a bare name can come from, paths into other crates
//! and names that are std's.
//!
//! There is no compiler behind this: a name is matched against the crate's declarations by
//! the modules the file can see, not resolved. Each answer errs towards "unknown" (an
//! unplaceable glob keeps every module in view, a twice-aliased name is no alias).

use std::collections::{HashMap, HashSet};

use syn::visit::{self, Visit};

use crate::model::{FfiModel, TypeDef};

/// What a file's paths to types can name; built once per file.
pub(crate) struct TypeResolver<'a> {
    path: &'a str,
    model: &'a FfiModel,
    /// Non-generic `type Name = ..;` aliases of the file (see [`type_aliases`]).
    aliases: HashMap<String, syn::Type>,
    /// Which modules' types a bare name can refer to.
    scope: Scope,
    /// What the file imports from std (see [`StdImports`]).
    std_imports: StdImports,
    /// Type aliases and non-std imports of the file: `pub type String = *mut Char16`.
    local_names: HashSet<String>,
}

impl<'a> TypeResolver<'a> {
    /// Reads the aliases and `use` items of `syntax`, the file at `path` of the crate `model`.
    pub(crate) fn of(path: &'a str, syntax: &syn::File, model: &'a FfiModel) -> Self {
        TypeResolver {
            path,
            model,
            aliases: type_aliases(syntax),
            scope: Scope::of(path, syntax),
            std_imports: StdImports::of(syntax),
            local_names: local_type_names(syntax),
        }
    }

    /// Follows the file's aliases from `ty` (a bare name, or `module::Name` for an alias in an
    /// inline module of the file) to the type they name; `None` when `ty` is not an alias or
    /// the aliases loop. A bare name in `generics` is a type parameter, not an alias.
    pub(crate) fn alias_target(
        &self,
        ty: &syn::Type,
        generics: &HashSet<String>,
    ) -> Option<syn::Type> {
        let mut current = ty;
        let mut resolved = None;
        for _ in 0..16 {
            let syn::Type::Path(p) = current else { break };
            let segs = &p.path.segments;
            if p.qself.is_some() || segs.len() > 2 || segs.iter().any(|s| !s.arguments.is_none()) {
                break;
            }
            let segs: Vec<&syn::PathSegment> = segs.iter().collect();
            let key = match segs[..] {
                [only] if !generics.contains(&only.ident.to_string()) => only.ident.to_string(),
                [module, name] => format!("{}::{}", module.ident, name.ident),
                _ => break,
            };
            let Some(target) = self.aliases.get(&key) else {
                break;
            };
            current = target;
            resolved = Some(target);
        }
        resolved.cloned()
    }

    /// `windows::Win32::Graphics::Gdi::HDC`, `libc::c_int`: a path into another crate, whose
    /// types are not this crate's (pdfium-render has a doc-only `struct HDC;` of its own). A
    /// first segment that is a module of the audited code keeps the path local.
    pub(crate) fn other_crate(&self, path: &syn::Path) -> bool {
        let Some(first) = path.segments.first().map(|s| s.ident.to_string()) else {
            return false;
        };
        if path.segments.len() < 2
            || matches!(
                first.as_str(),
                "crate" | "self" | "super" | "std" | "core" | "alloc"
            )
            || self
                .aliases
                .keys()
                .any(|k| k.starts_with(&format!("{first}::")))
        {
            return false;
        }
        let e = &self.model.exposure;
        !e.private_modules
            .iter()
            .chain(&e.public_modules)
            .any(|(_, m)| m.last() == Some(&first))
            && self.model.types_named(&first).next().is_none()
    }

    /// Whether `path`, whose last segment is `name`, can be std's type of that name: a std
    /// path (`std::string::String`) or a bare name of the prelude or imported from std, that
    /// neither the file (an alias, a non-std import) nor the crate declares.
    pub(crate) fn may_be_std(&self, path: &syn::Path, name: &str) -> bool {
        std_path(path)
            && (path.segments.len() > 1 || self.std_imports.names(name))
            && !self.local_names.contains(name)
            && self.model.types_named(name).next().is_none()
    }

    /// The crate's type definitions the file may mean by `name`: of the file's own crate, and
    /// declared in a module called `module` when the path is qualified (`vk` of
    /// `vk::Device`: ash's `vk::Device` handle is not its `pub struct Device` wrapper of
    /// another module), else in a module the file can see (see [`Scope`]).
    pub(crate) fn definitions<'m>(
        &'m self,
        name: &'m str,
        module: Option<&'m str>,
    ) -> impl Iterator<Item = &'a TypeDef> + 'm {
        // Only types of this file's crate: crates audited as one tree share names (`Device`).
        self.model
            .types_named(name)
            .filter(|t| crate::analysis::same_crate(&t.location.file, self.path))
            .filter(move |t| match module {
                Some(m) => t.module.last().is_some_and(|l| l == m),
                None => self.scope.sees(name, &t.module),
            })
    }
}

/// The file's non-generic type aliases, by name, and by `module::name` for those inside an
/// inline module (bindgen's `pub mod CPLErr { pub type Type = c_uint; .. }`, used as
/// `CPLErr::Type`). A name aliased twice is left out: which one a use means needs path
/// resolution.
fn type_aliases(file: &syn::File) -> HashMap<String, syn::Type> {
    struct V {
        seen: HashMap<String, Option<syn::Type>>,
        module: Vec<String>,
    }
    impl V {
        fn add(&mut self, key: String, ty: Option<syn::Type>) {
            self.seen
                .entry(key)
                .and_modify(|seen| *seen = None)
                .or_insert(ty);
        }
    }
    impl Visit<'_> for V {
        fn visit_item_mod(&mut self, m: &syn::ItemMod) {
            self.module.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.module.pop();
        }
        fn visit_item_type(&mut self, t: &syn::ItemType) {
            let ty = t.generics.params.is_empty().then(|| (*t.ty).clone());
            if let Some(m) = self.module.last() {
                self.add(format!("{m}::{}", t.ident), ty.clone());
            }
            self.add(t.ident.to_string(), ty);
        }
    }
    let mut v = V {
        seen: HashMap::new(),
        module: Vec::new(),
    };
    v.visit_file(file);
    v.seen
        .into_iter()
        .filter_map(|(n, t)| Some((n, t?)))
        .collect()
}

/// `String`, `std::string::String`, `alloc::vec::Vec`: not `super::hii::String`.
fn std_path(path: &syn::Path) -> bool {
    path.segments.len() == 1
        || path
            .segments
            .first()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "std" | "core" | "alloc"))
}

/// Where a bare type name in a file can come from: the file's own module (and its inline
/// modules), a name it imports, or a module it glob-imports (`use crate::vk::enums::*`,
/// `use super::*`). ash's `vk/definitions.rs` writes `Instance` for the handle of `vk`, not
/// for the `Instance` wrapper of module `instance`, which it never imports.
struct Scope {
    own: Vec<String>,
    names: HashSet<String>,
    globs: Vec<Vec<String>>,
    /// A glob whose source cannot be placed (another crate's, or through a rename).
    unknown_glob: bool,
}

impl Scope {
    fn of(path: &str, syntax: &syn::File) -> Scope {
        let own: Vec<String> = crate::model::module_chain(path)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut scope = Scope {
            own: own.clone(),
            names: HashSet::new(),
            globs: Vec::new(),
            unknown_glob: false,
        };
        for u in super::uses::of_file(syntax, &own) {
            if let Some(name) = u.local_name() {
                scope.names.insert(name.to_owned());
                continue;
            }
            match u.module_path() {
                Some(m) => scope.globs.push(m),
                // `use core::ffi::*` brings no type of this crate.
                None if u
                    .root()
                    .is_some_and(|f| matches!(f, "std" | "core" | "alloc")) => {}
                None => scope.unknown_glob = true,
            }
        }
        scope
    }

    /// Whether a type `name` declared in `module` can be what the file writes as `name`.
    fn sees(&self, name: &str, module: &[String]) -> bool {
        module.starts_with(&self.own)
            || self.names.contains(name)
            || self.unknown_glob
            || self.globs.iter().any(|g| g.as_slice() == module)
    }
}

/// The std names a file can write bare: the prelude's, and those it imports from `std`,
/// `core` or `alloc` (by name or glob). openxr-sys writes `Path` for its own `Path(u64)`,
/// made by a macro and imported through `use crate::*`: not std's.
struct StdImports(crate::Imports);

impl StdImports {
    fn of(file: &syn::File) -> StdImports {
        StdImports(crate::Imports::with_root(file, &|root| {
            matches!(root, "std" | "core" | "alloc")
        }))
    }

    fn names(&self, name: &str) -> bool {
        matches!(name, "String" | "Vec" | "Result") || self.0.may_import(name)
    }
}

/// The names a file's type aliases and non-std `use` items bring in.
fn local_type_names(file: &syn::File) -> HashSet<String> {
    struct V(HashSet<String>);
    impl Visit<'_> for V {
        fn visit_item_type(&mut self, t: &syn::ItemType) {
            self.0.insert(t.ident.to_string());
        }
    }
    let mut v = V(HashSet::new());
    v.visit_file(file);
    for u in super::uses::of_file(file, &[]) {
        if !u
            .root()
            .is_some_and(|r| matches!(r, "std" | "core" | "alloc"))
            && let Some(name) = u.local_name()
        {
            v.0.insert(name.to_owned());
        }
    }
    v.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The crate model of `files` and the parsed file `files[at]`.
    fn crate_of(files: &[(&str, &str)], at: usize) -> (FfiModel, syn::File) {
        let parsed: Vec<syn::File> = files
            .iter()
            .map(|(_, text)| syn::parse_file(text).expect("test source parses"))
            .collect();
        let model = FfiModel::merge(
            files
                .iter()
                .zip(&parsed)
                .map(|((path, _), f)| crate::model::extract(path, f)),
        );
        (model, parsed[at].clone())
    }

    fn ty(text: &str) -> syn::Type {
        syn::parse_str(text).expect("test type parses")
    }

    fn path(text: &str) -> syn::Path {
        syn::parse_str(text).expect("test path parses")
    }

    #[test]
    fn aliases_are_followed_by_name_and_by_inline_module() {
        let src = "type Handle = *mut Raw;\ntype Alias = Handle;\n\
                   pub mod CPLErr { pub type Type = ::std::ffi::c_uint; }\n\
                   pub mod OGRErr { pub type Type = ::std::ffi::c_int; }\n\
                   type Generic<T> = Vec<T>;\n";
        let (model, file) = crate_of(&[("src/lib.rs", src)], 0);
        let r = TypeResolver::of("src/lib.rs", &file, &model);
        let none = HashSet::new();
        assert_eq!(r.alias_target(&ty("Alias"), &none), Some(ty("*mut Raw")));
        assert_eq!(
            r.alias_target(&ty("CPLErr::Type"), &none),
            Some(ty("::std::ffi::c_uint"))
        );
        // `Type` is aliased in two modules: a bare `Type` is no alias.
        assert_eq!(r.alias_target(&ty("Type"), &none), None);
        assert_eq!(r.alias_target(&ty("Generic"), &none), None);
        let generics: HashSet<String> = ["Handle".to_owned()].into();
        assert_eq!(r.alias_target(&ty("Handle"), &generics), None);
    }

    #[test]
    fn looping_aliases_end() {
        let (model, file) = crate_of(&[("src/lib.rs", "type A = B;\ntype B = A;\n")], 0);
        let r = TypeResolver::of("src/lib.rs", &file, &model);
        assert!(r.alias_target(&ty("A"), &HashSet::new()).is_some());
    }

    #[test]
    fn paths_into_other_crates() {
        let lib = "mod vk;\nmod gdi { pub struct HDC; }\n";
        let (model, file) = crate_of(&[("src/lib.rs", lib), ("src/vk.rs", "")], 0);
        let r = TypeResolver::of("src/lib.rs", &file, &model);
        assert!(r.other_crate(&path("libc::c_int")));
        assert!(r.other_crate(&path("windows::Win32::Graphics::Gdi::HDC")));
        assert!(!r.other_crate(&path("c_int")), "a bare name");
        assert!(!r.other_crate(&path("crate::x::Y")));
        assert!(!r.other_crate(&path("std::string::String")));
        assert!(!r.other_crate(&path("vk::Device")), "a module of the crate");
        assert!(!r.other_crate(&path("gdi::HDC")), "an inline module");
    }

    #[test]
    fn std_names_need_the_prelude_or_an_import() {
        let src = "use std::path::Path;\nuse crate::hii::String16;\ntype OsStr = u16;\n";
        let (model, file) = crate_of(&[("src/lib.rs", src)], 0);
        let r = TypeResolver::of("src/lib.rs", &file, &model);
        assert!(r.may_be_std(&path("String"), "String"));
        assert!(r.may_be_std(&path("Path"), "Path"));
        assert!(r.may_be_std(&path("std::ffi::CString"), "CString"));
        assert!(!r.may_be_std(&path("CString"), "CString"), "not imported");
        assert!(!r.may_be_std(&path("OsStr"), "OsStr"), "a local alias");
        assert!(!r.may_be_std(&path("super::hii::String"), "String"));
        let own = "pub struct Path(u64);\n";
        let (model, file) = crate_of(&[("src/lib.rs", own)], 0);
        let r = TypeResolver::of("src/lib.rs", &file, &model);
        assert!(
            !r.may_be_std(&path("Path"), "Path"),
            "the crate's own `Path`"
        );
    }

    #[test]
    fn a_bare_name_sees_its_own_and_glob_imported_modules() {
        // ash: `vk/definitions.rs` means the `vk` handle, not `instance::Instance`.
        let files = [
            ("src/vk/definitions.rs", "use super::*;\npub struct Own;\n"),
            ("src/vk/mod.rs", "pub struct Instance;\n"),
            (
                "src/instance.rs",
                "pub struct Instance;\npub struct Other;\n",
            ),
        ];
        let (model, file) = crate_of(&files, 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        let modules = |name: &str, qualifier: Option<&str>| -> Vec<Vec<String>> {
            r.definitions(name, qualifier)
                .map(|t| t.module.clone())
                .collect()
        };
        assert_eq!(modules("Instance", None), [vec!["vk".to_owned()]]);
        assert_eq!(
            modules("Own", None),
            [vec!["vk".to_owned(), "definitions".to_owned()]]
        );
        assert!(modules("Other", None).is_empty());
        assert_eq!(
            modules("Instance", Some("instance")),
            [vec!["instance".to_owned()]]
        );
    }

    #[test]
    fn super_in_an_inline_module_is_the_files_module() {
        // In `mod inner` of `src/a.rs`, `super::*` is module `a`, not the crate root.
        let files = [
            ("src/a.rs", "mod inner {\n    use super::*;\n}\n"),
            ("src/lib.rs", "mod a;\npub struct Root;\n"),
        ];
        let (model, file) = crate_of(&files, 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        assert_eq!(r.definitions("Root", None).count(), 0);
        let files = [("src/a.rs", "use super::*;\n"), files[1]];
        let (model, file) = crate_of(&files, 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        assert_eq!(r.definitions("Root", None).count(), 1);
    }

    #[test]
    fn an_unplaceable_glob_keeps_every_module_in_view() {
        let files = [
            ("src/a.rs", "use ash::vk::*;\n"),
            ("src/b.rs", "pub struct Far;\n"),
        ];
        let (model, file) = crate_of(&files, 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        assert_eq!(r.definitions("Far", None).count(), 1);
        let (model, file) = crate_of(&[("src/a.rs", "use std::ffi::*;\n"), files[1]], 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        assert_eq!(
            r.definitions("Far", None).count(),
            0,
            "std brings no crate type"
        );
    }

    #[test]
    fn types_of_another_crate_of_the_tree_are_not_seen() {
        let files = [
            ("pcap/src/lib.rs", "use crate::*;\n"),
            ("rusb/src/lib.rs", "pub struct Device;\n"),
        ];
        let (model, file) = crate_of(&files, 0);
        let r = TypeResolver::of(files[0].0, &file, &model);
        assert_eq!(r.definitions("Device", None).count(), 0);
    }
}
