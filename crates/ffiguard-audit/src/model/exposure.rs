//! Which modules a crate keeps private and what it re-exports: enough to tell that a `pub`
//! item of a private `mod error;` is not part of the crate's API.
//!
//! The model does not resolve paths, so this works on names: a module counts as private only
//! when every module of that name in the crate is declared without plain `pub` and nothing
//! re-exports it. Any doubt makes an item public, which keeps findings rather than losing them.

use serde::Serialize;
use std::collections::BTreeSet;

/// Module visibility and `pub use` re-exports of a crate, by name.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Exposure {
    /// Modules declared without plain `pub` (`mod x;`, `pub(crate) mod x { .. }`).
    pub private_modules: BTreeSet<String>,
    /// Modules declared `pub mod x`.
    pub public_modules: BTreeSet<String>,
    /// Names a `pub use` makes public: the last segment of each path, or its alias.
    pub reexported: BTreeSet<String>,
    /// Modules whose items a `pub use x::*` makes public.
    pub glob_reexported: BTreeSet<String>,
    /// Structs, enums and unions declared without plain `pub` (`pub(crate) struct X`).
    pub private_types: BTreeSet<String>,
    /// Structs, enums and unions declared `pub`.
    pub public_types: BTreeSet<String>,
}

impl Exposure {
    /// Records a module declaration.
    pub(crate) fn record_mod(&mut self, m: &syn::ItemMod) {
        let name = m.ident.to_string();
        if matches!(m.vis, syn::Visibility::Public(_)) {
            self.public_modules.insert(name);
        } else {
            self.private_modules.insert(name);
        }
    }

    /// Records a struct, enum or union declaration.
    pub(crate) fn record_type(&mut self, name: &syn::Ident, vis: &syn::Visibility) {
        if matches!(vis, syn::Visibility::Public(_)) {
            self.public_types.insert(name.to_string());
        } else {
            self.private_types.insert(name.to_string());
        }
    }

    /// Records the names a plain `pub use` makes public (other `use` items export nothing).
    pub(crate) fn record_use(&mut self, u: &syn::ItemUse) {
        if matches!(u.vis, syn::Visibility::Public(_)) {
            self.use_tree(&u.tree, None);
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree, parent: Option<String>) {
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&p.tree, Some(p.ident.to_string())),
            syn::UseTree::Name(n) if n.ident == "self" => {
                self.reexported.extend(parent);
            }
            syn::UseTree::Name(n) => {
                self.reexported.insert(n.ident.to_string());
            }
            syn::UseTree::Rename(r) => {
                self.reexported.insert(r.ident.to_string());
                self.reexported.insert(r.rename.to_string());
            }
            syn::UseTree::Glob(_) => {
                self.glob_reexported.extend(parent);
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.use_tree(t, parent.clone());
                }
            }
        }
    }

    /// Adds another file's part.
    pub(crate) fn merge(&mut self, other: Exposure) {
        self.private_modules.extend(other.private_modules);
        self.public_modules.extend(other.public_modules);
        self.reexported.extend(other.reexported);
        self.glob_reexported.extend(other.glob_reexported);
        self.private_types.extend(other.private_types);
        self.public_types.extend(other.public_types);
    }

    /// Whether a `pub` item named `item` (a function, or the type whose method it is) defined
    /// at the top level of the file at `path` is out of reach from outside the crate: `item`
    /// is a type declared only without `pub`, or the file's module, or one of its parents, is
    /// private and neither it nor `item` is re-exported. The module path comes from the file path below the last `src/`
    /// (`src/ctl/event.rs` is `ctl::event`); files elsewhere (tests, examples) and crate roots
    /// are never hidden.
    ///
    /// ```
    /// use ffiguard_audit::model::Exposure;
    /// let mut e = Exposure::default();
    /// e.private_modules.insert("error".to_owned());
    /// e.reexported.insert("Error".to_owned());
    /// assert!(e.hides("src/error.rs", "from_const"));
    /// assert!(!e.hides("src/error.rs", "Error"));
    /// assert!(!e.hides("src/lib.rs", "from_const"));
    /// ```
    pub fn hides(&self, path: &str, item: &str) -> bool {
        // A type that is not `pub` cannot be named outside the crate (nor re-exported).
        if self.private_types.contains(item) && !self.public_types.contains(item) {
            return true;
        }
        let chain = module_chain(path);
        if chain.is_empty()
            || self.reexported.contains(item)
            || chain.iter().any(|m| self.glob_reexported.contains(*m))
        {
            return false;
        }
        chain.iter().any(|m| {
            self.private_modules.contains(*m)
                && !self.public_modules.contains(*m)
                && !self.reexported.contains(*m)
        })
    }
}

/// Module names of a file below the last `src` directory: `a/src/x/y.rs` → `[x, y]`,
/// `src/x/mod.rs` → `[x]`, `src/lib.rs` → `[]`; empty when there is no `src` directory.
fn module_chain(path: &str) -> Vec<&str> {
    let parts: Vec<&str> = path.split(['/', '\\']).collect();
    let Some(src) = parts.iter().rposition(|p| *p == "src") else {
        return Vec::new();
    };
    let mut chain: Vec<&str> = parts[src + 1..].to_vec();
    if let Some(last) = chain.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(last);
        if !matches!(stem, "mod" | "lib" | "main") {
            chain.push(stem);
        }
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposure(src: &str) -> Exposure {
        let file: syn::File = syn::parse_str(src).expect("parses");
        crate::model::extract("src/lib.rs", &file).exposure
    }

    #[test]
    fn module_chains_follow_the_file_layout() {
        assert_eq!(module_chain("src/direct/pcm.rs"), ["direct", "pcm"]);
        assert_eq!(module_chain("alsa/src/error.rs"), ["error"]);
        assert_eq!(module_chain("src/seq/mod.rs"), ["seq"]);
        assert!(module_chain("src/lib.rs").is_empty());
        assert!(module_chain("tests/it.rs").is_empty());
    }

    #[test]
    fn reexports_and_public_modules_keep_items_reachable() {
        let e = exposure("mod error; pub use crate::error::{Error, Result};");
        assert!(e.hides("src/error.rs", "from_const"));
        assert!(!e.hides("src/error.rs", "Result"));

        let glob = exposure("mod error; pub use error::*;");
        assert!(!glob.hides("src/error.rs", "from_const"));

        let named = exposure("mod error; pub use self::error::from_const as from_c;");
        assert!(!named.hides("src/error.rs", "from_const"));

        let module = exposure("mod raw; pub use raw::{self};");
        assert!(!module.hides("src/raw.rs", "open"));

        let both = exposure("mod error; pub mod nested { pub mod error {} }");
        assert!(
            !both.hides("src/error.rs", "from_const"),
            "a public `error` exists"
        );

        let restricted = exposure("pub(crate) mod util;");
        assert!(restricted.hides("src/util/ptr.rs", "read"));

        let private_type = exposure(
            "pub(crate) struct Saved; pub struct Open; struct Both; pub mod m { pub struct Both; }",
        );
        assert!(private_type.hides("src/callbacks.rs", "Saved"));
        assert!(!private_type.hides("src/callbacks.rs", "Open"));
        assert!(
            !private_type.hides("src/callbacks.rs", "Both"),
            "a public `Both` exists"
        );
    }
}
