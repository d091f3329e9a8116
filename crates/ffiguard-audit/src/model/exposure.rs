//! Which modules a crate keeps private and what it re-exports: enough to tell that a `pub`
//! item of a private `mod error;` is not part of the crate's API.
//!
//! The model does not resolve paths. Modules are known by crate and module path (from the
//! file layout and inline modules: `alsa/src/direct/pcm.rs` is `direct::pcm` of crate
//! `alsa`), types by crate and name, and re-exports by the module that holds them and the
//! module path they name. A module counts as private only when declared without plain `pub`
//! and never with it. Any doubt makes an item public, which keeps findings rather than
//! losing them.

use serde::Serialize;
use std::collections::BTreeSet;

use crate::analysis::uses::Imported;

/// A module: the directory of its crate (see `crate_dir`; empty for a crate at the audit
/// root) and its path below the crate root.
pub type ModuleKey = (String, Vec<String>);

/// Module visibility and `pub use` re-exports of the audited crates.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Exposure {
    /// Modules declared without plain `pub` (`mod x;`, `pub(crate) mod x { .. }`).
    pub private_modules: BTreeSet<ModuleKey>,
    /// Modules declared `pub mod x`.
    pub public_modules: BTreeSet<ModuleKey>,
    /// Every plain `pub use`, with the module that holds it.
    pub reexports: Vec<Reexport>,
    /// Structs, enums and unions declared without plain `pub` (`pub(crate) struct X`), by
    /// crate and name.
    pub private_types: BTreeSet<(String, String)>,
    /// Structs, enums and unions declared `pub`, by crate and name.
    pub public_types: BTreeSet<(String, String)>,
    /// (crate, last module name) of every module, and of every module holding a `pub use`:
    /// built once by [`Exposure::index`], for lookups per call expression.
    #[serde(skip)]
    module_names: std::collections::HashSet<(String, String)>,
    #[serde(skip)]
    reexport_holders: std::collections::HashSet<(String, String)>,
    /// Positions in `reexports` by crate, so that a lookup reads its own crate's re-exports
    /// only (a tree of many crates would otherwise scan all of them per lookup).
    #[serde(skip)]
    reexports_by_crate: std::collections::HashMap<String, Vec<usize>>,
    /// How many re-exports the index covers (it is stale when more were added since).
    #[serde(skip)]
    reexports_indexed: usize,
}

/// One name a `pub use` makes public in the module that holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Reexport {
    /// The crate of the `use` item (see [`ModuleKey`]).
    pub krate: String,
    /// Module path of the `use` item (from the file layout and inline modules), root first.
    pub holder: Vec<String>,
    /// The last segment of the used path, or its alias; for a glob, the module globbed.
    pub name: String,
    /// Whether this is `pub use m::*` (every public item of module `name`).
    pub glob: bool,
    /// The module path the name is taken from: from the crate root for a path that starts
    /// with `crate`, `self` or `super` (`pub use self::api_tweaks::f` at the root →
    /// `["api_tweaks"]`), else as written (`pub use ffi::f` → `["ffi"]`).
    pub source: Vec<String>,
}

/// The directory of the crate a file belongs to, judged from its path: what comes before the
/// first `src`, `tests`, `examples` or `benches` component; `None` when there is none
/// (`build.rs`, a crate whose root is `lib.rs`). Crates audited together as one tree share
/// module and type names, and another crate's are not this file's.
///
/// ```text
/// udev/src/device.rs → Some("udev")     udev/tests/it.rs → Some("udev")
/// src/lib.rs         → Some("")         build.rs         → None
/// ```
pub(crate) fn crate_dir(path: &str) -> Option<&str> {
    let mut start = 0;
    for part in path.split('/') {
        if matches!(part, "src" | "tests" | "examples" | "benches") {
            return Some(path[..start].trim_end_matches('/'));
        }
        start += part.len() + 1;
    }
    None
}

/// Whether two files may belong to the same crate: yes unless both paths name a crate
/// directory and the two differ (see [`crate_dir`]).
pub(crate) fn same_crate(a: &str, b: &str) -> bool {
    // A file outside `src/`, `tests/`, .. (`opencv/docs/core.rs`, `build.rs`) belongs to the
    // crate whose directory it lies in.
    let inside = |dir: &str, path: &str| dir.is_empty() || path.starts_with(&format!("{dir}/"));
    match (crate_dir(a), crate_dir(b)) {
        (Some(x), Some(y)) => x == y,
        (Some(x), None) => inside(x, b),
        (None, Some(y)) => inside(y, a),
        (None, None) => true,
    }
}

fn krate(path: &str) -> String {
    crate_dir(path).unwrap_or("").to_owned()
}

impl Exposure {
    /// Records a module declaration in the file at `file`, inside the inline modules `inline`.
    pub(crate) fn record_mod(&mut self, m: &syn::ItemMod, file: &str, inline: &[String]) {
        let mut path: Vec<String> = module_chain(file).into_iter().map(str::to_owned).collect();
        path.extend(inline.iter().cloned());
        path.push(m.ident.to_string());
        let key = (krate(file), path);
        if matches!(m.vis, syn::Visibility::Public(_)) {
            self.public_modules.insert(key);
        } else {
            self.private_modules.insert(key);
        }
    }

    /// Records a struct, enum or union declaration of the file at `file`.
    pub(crate) fn record_type(&mut self, name: &syn::Ident, vis: &syn::Visibility, file: &str) {
        let key = (krate(file), name.to_string());
        if matches!(vis, syn::Visibility::Public(_)) {
            self.public_types.insert(key);
        } else {
            self.private_types.insert(key);
        }
    }

    /// Records the names a plain `pub use` makes public (other `use` items export nothing).
    /// `file` is the display path of the file and `inline` the inline modules around the item.
    pub(crate) fn record_use(&mut self, u: &syn::ItemUse, file: &str, inline: &[String]) {
        if !matches!(u.vis, syn::Visibility::Public(_)) {
            return;
        }
        let mut holder: Vec<String> = module_chain(file).into_iter().map(str::to_owned).collect();
        holder.extend(inline.iter().cloned());
        let k = krate(file);
        for used in crate::analysis::uses::of_item(u, &holder) {
            // The module the path names, from the crate root when it starts with `crate`,
            // `self` or `super`; else as written (another crate, or a module named relative
            // to the holder: only its last segment is compared).
            let from = used.module_path().unwrap_or_else(|| used.path.clone());
            let mut add = |name: &str, glob: bool, source: &[String]| {
                self.reexports.push(Reexport {
                    krate: k.clone(),
                    holder: holder.clone(),
                    name: name.to_owned(),
                    glob,
                    source: source.to_vec(),
                });
            };
            match &used.imported {
                Imported::Name { name, alias } | Imported::Module { name, alias } => {
                    add(name, false, &from);
                    if let Some(alias) = alias {
                        add(alias, false, &from);
                    }
                }
                // A glob of the holder itself or a module around it (`pub use super::*`)
                // lifts nothing that is not already in reach of that module.
                Imported::Glob if used.module_path().is_some() && holder.starts_with(&from) => {}
                Imported::Glob => {
                    if let Some((module, above)) = from.split_last() {
                        add(module, true, above);
                    }
                }
            }
        }
    }

    /// Adds another file's part.
    pub(crate) fn merge(&mut self, other: Exposure) {
        self.private_modules.extend(other.private_modules);
        self.public_modules.extend(other.public_modules);
        self.reexports.extend(other.reexports);
        self.private_types.extend(other.private_types);
        self.public_types.extend(other.public_types);
    }

    /// Whether a `pub` item named `item` (a function, or the type whose method it is) defined
    /// at the top level of the file at `path` is out of reach from outside the crate: `item`
    /// is a type the crate declares only without `pub`, or no chain of public modules and
    /// `pub use` items leads from the crate root to it. The module path comes from the file
    /// path below the last `src/` (`src/ctl/event.rs` is `ctl::event`); files elsewhere (tests,
    /// examples) and crate roots are never hidden. A `pub use self::scan::*` inside a private
    /// module lifts `scan`'s items only into that private module, so they stay hidden.
    ///
    /// ```
    /// use ffiguard_audit::model::{Exposure, Reexport};
    /// let mut e = Exposure::default();
    /// e.private_modules.insert((String::new(), vec!["error".to_owned()]));
    /// e.reexports.push(Reexport { name: "Error".to_owned(), ..Reexport::default() });
    /// assert!(e.hides("src/error.rs", "from_const"));
    /// assert!(!e.hides("src/error.rs", "Error"));
    /// assert!(!e.hides("src/lib.rs", "from_const"));
    /// ```
    pub fn hides(&self, path: &str, item: &str) -> bool {
        let k = krate(path);
        // A type that is not `pub` cannot be named outside the crate (nor re-exported).
        let key = (k.clone(), item.to_owned());
        if self.private_types.contains(&key) && !self.public_types.contains(&key) {
            return true;
        }
        let chain: Vec<String> = module_chain(path).into_iter().map(str::to_owned).collect();
        !self.reachable(&k, item, &chain, 0)
    }

    /// Whether the file at `path` is a module file (below `src/`, not a crate root) that a
    /// `mod` item of its crate declares.
    pub(crate) fn declares(&self, path: &str) -> bool {
        let key = (
            krate(path),
            module_chain(path).into_iter().map(str::to_owned).collect(),
        );
        self.private_modules.contains(&key) || self.public_modules.contains(&key)
    }

    /// Builds the lookup sets behind [`has_module`](Self::has_module) and
    /// [`reexports_into`](Self::reexports_into), once every file's part is merged.
    pub(crate) fn index(&mut self) {
        self.module_names = self
            .private_modules
            .iter()
            .chain(&self.public_modules)
            .filter_map(|(c, m)| Some((c.clone(), m.last()?.clone())))
            .collect();
        self.reexport_holders = self
            .reexports
            .iter()
            .filter_map(|r| Some((r.krate.clone(), r.holder.last()?.clone())))
            .collect();
        self.reexports_by_crate.clear();
        for (i, r) in self.reexports.iter().enumerate() {
            self.reexports_by_crate
                .entry(r.krate.clone())
                .or_default()
                .push(i);
        }
        self.reexports_indexed = self.reexports.len();
    }

    /// The re-exports of crate `k`: through the index once [`index`](Self::index) has run
    /// over every re-export, else by a scan.
    fn reexports_of<'s>(&'s self, k: &'s str) -> Box<dyn Iterator<Item = &'s Reexport> + 's> {
        if self.reexports_indexed == self.reexports.len() {
            let at = self
                .reexports_by_crate
                .get(k)
                .map_or(&[][..], Vec::as_slice);
            Box::new(at.iter().map(|&i| &self.reexports[i]))
        } else {
            Box::new(self.reexports.iter().filter(move |r| r.krate == k))
        }
    }

    /// Whether the crate of the file at `path` declares a module named `name` (anywhere).
    pub(crate) fn has_module(&self, path: &str, name: &str) -> bool {
        self.module_names.contains(&(krate(path), name.to_owned()))
    }

    /// Whether a module named `name` of the crate of the file at `path` holds a `pub use`:
    /// it may then hold another crate's items (rust-htslib's `htslib` is `pub use
    /// hts_sys::*`).
    pub(crate) fn reexports_into(&self, path: &str, name: &str) -> bool {
        self.reexport_holders
            .contains(&(krate(path), name.to_owned()))
    }

    /// Whether `item`, public in the module at `chain` of crate `k`, can be named from the
    /// crate root.
    fn reachable(&self, k: &str, item: &str, chain: &[String], depth: usize) -> bool {
        // Re-export cycles and very deep chains: in doubt, the item is public.
        if chain.is_empty() || depth > 8 {
            return true;
        }
        if (1..=chain.len()).all(|n| !self.is_private_module(k, &chain[..n])) {
            return true;
        }
        self.reexports_of(k).any(|r| {
            // `pub use self::api_tweaks::f` names the `f` of `api_tweaks`, not the `f` of
            // `api_tweaks::android` it may call (j4rs): the source module must end the chain.
            if !r.glob && r.name == item {
                return r.source.last().is_none_or(|m| chain.last() == Some(m))
                    && self.reachable(k, item, &r.holder, depth + 1);
            }
            // `pub use m::*` lifts m's items, `pub use m::{self}` module m itself, into the
            // holder: the item is then at the holder followed by what lies below m.
            chain.iter().position(|m| *m == r.name).is_some_and(|i| {
                let mut lifted = r.holder.clone();
                lifted.extend(chain[i + 1..].iter().cloned());
                lifted != chain && self.reachable(k, item, &lifted, depth + 1)
            })
        })
    }

    fn is_private_module(&self, k: &str, path: &[String]) -> bool {
        let key = (k.to_owned(), path.to_vec());
        self.private_modules.contains(&key) && !self.public_modules.contains(&key)
    }
}

/// Module names of a file below the last `src` directory: `a/src/x/y.rs` → `[x, y]`,
/// `src/x/mod.rs` → `[x]`, `src/lib.rs` → `[]`; empty when there is no `src` directory.
pub(crate) fn module_chain(path: &str) -> Vec<&str> {
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

    fn m(path: &[&str]) -> ModuleKey {
        (
            String::new(),
            path.iter().map(|s| (*s).to_owned()).collect(),
        )
    }

    fn exposure(src: &str) -> Exposure {
        extract_at("src/lib.rs", src)
    }

    fn extract_at(path: &str, src: &str) -> Exposure {
        let file: syn::File = syn::parse_str(src).expect("parses");
        crate::model::extract(path, &file).exposure
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

        // A glob re-export inside a private module lifts items only into that module.
        let inner = Exposure {
            private_modules: [m(&["internals"]), m(&["internals", "compiler"])].into(),
            reexports: vec![
                Reexport {
                    krate: String::new(),
                    holder: vec!["internals".to_owned()],
                    name: "compiler".to_owned(),
                    glob: true,
                    source: vec![],
                },
                Reexport {
                    krate: String::new(),
                    holder: vec![],
                    name: "Scanner".to_owned(),
                    glob: false,
                    source: vec![],
                },
            ],
            ..Exposure::default()
        };
        assert!(inner.hides("src/internals/compiler.rs", "compiler_destroy"));
        assert!(!inner.hides("src/internals/compiler.rs", "Scanner"));
        let mut outer = inner.clone();
        outer.reexports.push(Reexport {
            krate: String::new(),
            holder: vec![],
            name: "internals".to_owned(),
            glob: true,
            source: vec![],
        });
        assert!(!outer.hides("src/internals/compiler.rs", "compiler_destroy"));

        // rutie: `mod binding;` at the root is private though `class::binding` is public.
        let both = exposure("mod error; pub mod nested { pub mod error {} }");
        assert!(both.hides("src/error.rs", "from_const"));
        assert!(!both.hides("src/nested/error.rs", "from_const"));

        // Crates audited as one tree: another crate's `pub mod error` is not this crate's.
        let mut tree = Exposure::default();
        tree.merge(extract_at(
            "duckdb/src/lib.rs",
            "mod error; pub use error::Error;",
        ));
        tree.merge(extract_at("other/src/lib.rs", "pub mod error;"));
        assert!(tree.hides("duckdb/src/error.rs", "result_from_duckdb_result"));
        assert!(!tree.hides("other/src/error.rs", "anything"));

        // j4rs 0.24: the crate re-exports `api_tweaks::get_created_java_vms`, a safe wrapper
        // of the platform module's function of the same name, which stays internal.
        let wrapper = exposure(
            "pub(crate) mod api_tweaks; pub use self::api_tweaks::{get_created_java_vms, set_java_vm};",
        );
        assert!(!wrapper.hides("src/api_tweaks/mod.rs", "get_created_java_vms"));
        assert!(wrapper.hides("src/api_tweaks/android.rs", "get_created_java_vms"));
        // Re-exported in two steps: `api_tweaks` lifts `android::f`, the root lifts that.
        let two_steps = Exposure {
            private_modules: [m(&["api_tweaks"]), m(&["api_tweaks", "android"])].into(),
            reexports: vec![
                Reexport {
                    krate: String::new(),
                    holder: vec!["api_tweaks".to_owned()],
                    name: "f".to_owned(),
                    glob: false,
                    source: vec!["android".to_owned()],
                },
                Reexport {
                    krate: String::new(),
                    holder: vec![],
                    name: "f".to_owned(),
                    glob: false,
                    source: vec!["api_tweaks".to_owned()],
                },
            ],
            ..Exposure::default()
        };
        assert!(!two_steps.hides("src/api_tweaks/android.rs", "f"));

        // `super::f` in `a::b` is `a`'s own `f`, not the `f` of the private `a::hidden`.
        let mut parent = Exposure::default();
        parent.merge(extract_at("src/lib.rs", "pub mod a;"));
        parent.merge(extract_at("src/a/mod.rs", "mod hidden; pub mod b;"));
        parent.merge(extract_at("src/a/b.rs", "pub use super::f;"));
        assert!(parent.hides("src/a/hidden.rs", "f"));
        assert_eq!(parent.reexports[0].source, ["a"]);

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
