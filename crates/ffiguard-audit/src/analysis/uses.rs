//! The `use` items of a file, read once for every question about them: which names and globs
//! each brings into which module, and the module of this crate a `crate::`, `self::` or
//! `super::` path names, counted from the module the item is written in (an inline `mod`
//! included).

use syn::visit::{self, Visit};

/// One name or glob a `use` item brings into its module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Use {
    /// The module the item is written in, root first: the file's module followed by the
    /// inline modules around the item (a function body belongs to its module).
    pub(crate) module: Vec<String>,
    /// Declared plain `pub` (a re-export out of the module).
    pub(crate) public: bool,
    /// The path before the imported name, as written (`crate`, `self` and `super` kept, a
    /// leading `::` dropped): `["crate", "ffi"]` of `use crate::ffi::f`, `[]` of `use libc;`.
    pub(crate) path: Vec<String>,
    /// What is imported from `path`.
    pub(crate) imported: Imported,
}

/// What a `use` brings in from its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Imported {
    /// `path::name`, or `path::name as alias`.
    Name {
        /// The last segment of the used path.
        name: String,
        /// The name it is given here, when renamed.
        alias: Option<String>,
    },
    /// `path::name::{self}` or `path::name::{self as alias}`: module `name` itself.
    Module {
        /// The module's name.
        name: String,
        /// The name it is given here, when renamed.
        alias: Option<String>,
    },
    /// `path::*`.
    Glob,
}

impl Use {
    /// The name the import has in its module (the alias of a rename); `None` for a glob.
    pub(crate) fn local_name(&self) -> Option<&str> {
        match &self.imported {
            Imported::Name { alias: Some(a), .. } | Imported::Module { alias: Some(a), .. } => {
                Some(a)
            }
            Imported::Name { name, .. } | Imported::Module { name, .. } => Some(name),
            Imported::Glob => None,
        }
    }

    /// The first segment as written: `crate`, `std`, `ffi` (for `use libc;`, `libc`).
    pub(crate) fn root(&self) -> Option<&str> {
        match (self.path.first(), &self.imported) {
            (Some(first), _) => Some(first),
            (None, Imported::Name { name, .. } | Imported::Module { name, .. }) => Some(name),
            (None, Imported::Glob) => None,
        }
    }

    /// [`path`](Self::path) as a module path of this crate, from its root, when it starts with
    /// `crate`, `self` or `super`: `super` counts from [`module`](Self::module) (and stops at
    /// the root). `None` for any other path: another crate's, or a module named relative to
    /// this one (`use ffi::*`), which syntax cannot tell apart.
    pub(crate) fn module_path(&self) -> Option<Vec<String>> {
        let (first, rest) = self.path.split_first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.module.clone(),
            "super" => self.module[..self.module.len().saturating_sub(1)].to_vec(),
            _ => return None,
        };
        for seg in rest {
            match seg.as_str() {
                "super" => {
                    base.pop();
                }
                "self" => {}
                _ => base.push(seg.clone()),
            }
        }
        Some(base)
    }
}

/// What one `use` item, written in `module`, brings in, in source order.
pub(crate) fn of_item(item: &syn::ItemUse, module: &[String]) -> Vec<Use> {
    let mut out = Vec::new();
    let public = matches!(item.vis, syn::Visibility::Public(_));
    tree(&item.tree, &mut Vec::new(), &mut |path, imported| {
        out.push(Use {
            module: module.to_vec(),
            public,
            path: path.to_vec(),
            imported,
        });
    });
    out
}

/// Every `use` item of `file`, whose own module is `module` (see
/// [`module_chain`](crate::model::module_chain)), inline modules and function bodies included.
pub(crate) fn of_file(file: &syn::File, module: &[String]) -> Vec<Use> {
    struct V {
        module: Vec<String>,
        out: Vec<Use>,
    }
    impl Visit<'_> for V {
        fn visit_item_mod(&mut self, m: &syn::ItemMod) {
            self.module.push(m.ident.to_string());
            visit::visit_item_mod(self, m);
            self.module.pop();
        }
        fn visit_item_use(&mut self, u: &syn::ItemUse) {
            self.out.extend(of_item(u, &self.module));
        }
    }
    let mut v = V {
        module: module.to_vec(),
        out: Vec::new(),
    };
    v.visit_file(file);
    v.out
}

fn tree(t: &syn::UseTree, prefix: &mut Vec<String>, add: &mut dyn FnMut(&[String], Imported)) {
    match t {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            tree(&p.tree, prefix, add);
            prefix.pop();
        }
        syn::UseTree::Name(n) if n.ident == "self" => {
            if let Some((name, above)) = prefix.split_last() {
                let imported = Imported::Module {
                    name: name.clone(),
                    alias: None,
                };
                add(above, imported);
            }
        }
        syn::UseTree::Name(n) => {
            let imported = Imported::Name {
                name: n.ident.to_string(),
                alias: None,
            };
            add(prefix, imported);
        }
        syn::UseTree::Rename(r) if r.ident == "self" => {
            if let Some((name, above)) = prefix.split_last() {
                let imported = Imported::Module {
                    name: name.clone(),
                    alias: Some(r.rename.to_string()),
                };
                add(above, imported);
            }
        }
        syn::UseTree::Rename(r) => {
            let imported = Imported::Name {
                name: r.ident.to_string(),
                alias: Some(r.rename.to_string()),
            };
            add(prefix, imported);
        }
        syn::UseTree::Glob(_) => add(prefix, Imported::Glob),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                tree(t, prefix, add);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uses(src: &str, module: &[&str]) -> Vec<Use> {
        let file = syn::parse_file(src).expect("test source parses");
        let module: Vec<String> = module.iter().map(|s| (*s).to_owned()).collect();
        of_file(&file, &module)
    }

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn names_renames_globs_and_self() {
        let u = uses(
            "pub use crate::ffi::{self, f as g, sub::*};\nuse ::std::ffi::CStr;\nuse libc;\n\
             use a::b::{self as c};",
            &["m"],
        );
        let seen: Vec<(Vec<String>, Imported, Option<&str>, bool)> = u
            .iter()
            .map(|u| (u.path.clone(), u.imported.clone(), u.local_name(), u.public))
            .collect();
        let name = |n: &str, alias: Option<&str>| Imported::Name {
            name: n.to_owned(),
            alias: alias.map(str::to_owned),
        };
        let module = |n: &str, alias: Option<&str>| Imported::Module {
            name: n.to_owned(),
            alias: alias.map(str::to_owned),
        };
        assert_eq!(
            seen,
            [
                (strings(&["crate"]), module("ffi", None), Some("ffi"), true),
                (
                    strings(&["crate", "ffi"]),
                    name("f", Some("g")),
                    Some("g"),
                    true
                ),
                (
                    strings(&["crate", "ffi", "sub"]),
                    Imported::Glob,
                    None,
                    true
                ),
                (
                    strings(&["std", "ffi"]),
                    name("CStr", None),
                    Some("CStr"),
                    false
                ),
                (strings(&[]), name("libc", None), Some("libc"), false),
                (strings(&["a"]), module("b", Some("c")), Some("c"), false),
            ]
        );
        assert_eq!(u[3].root(), Some("std"));
        assert_eq!(u[4].root(), Some("libc"));
    }

    #[test]
    fn crate_self_and_super_count_from_the_module_the_item_is_in() {
        let src = "use super::*;\nuse self::x::Y;\nuse crate::a::b::Z;\n\
                   mod inner {\n    use super::*;\n    use self::deep::*;\n    use super::super::w::V;\n\
                   fn f() { use super::sibling::T; }\n}\n\
                   use ffi::*;\nuse std::ffi::*;";
        let u = uses(src, &["a", "b"]);
        let modules: Vec<Option<Vec<String>>> = u.iter().map(Use::module_path).collect();
        assert_eq!(
            modules,
            [
                Some(strings(&["a"])),
                Some(strings(&["a", "b", "x"])),
                Some(strings(&["a", "b"])),
                // In `mod inner` of module `a::b`, `super` is `a::b`, not `a`.
                Some(strings(&["a", "b"])),
                Some(strings(&["a", "b", "inner", "deep"])),
                Some(strings(&["a", "w"])),
                Some(strings(&["a", "b", "sibling"])),
                None,
                None,
            ]
        );
        assert_eq!(u[3].module, strings(&["a", "b", "inner"]));
        assert_eq!(
            u[6].module,
            strings(&["a", "b", "inner"]),
            "a fn body is its module"
        );
    }

    #[test]
    fn super_stops_at_the_crate_root() {
        let u = uses("use super::super::*;", &["a"]);
        assert_eq!(u[0].module_path(), Some(Vec::new()));
    }
}
