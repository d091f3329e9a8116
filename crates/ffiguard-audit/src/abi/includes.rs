//! The `cfg`s a whole bindings file is compiled under: those on the `include!("..")` or the
//! `mod name;` that brings it in (`#[cfg(windows)] include!("bindings_windows.rs");`). A
//! file only one platform includes is compared on that platform only, as its items would be
//! if they were written inline.

use super::cfg::{self, Cfgs};
use crate::modules::{IncludeArg, include_arg};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// For each of `files` (display paths, `/`-separated) brought in under a `cfg` by another of
/// them, the predicates it is under (those of its includer included).
pub(crate) fn file_cfgs(files: &[(&str, &syn::File)]) -> HashMap<String, Cfgs> {
    let known: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
    let mut direct: HashMap<String, (String, Cfgs)> = HashMap::new();
    for (path, syntax) in files {
        let mut finder = Finder {
            path,
            known: &known,
            stack: Vec::new(),
            mod_dir: Vec::new(),
            found: Vec::new(),
        };
        finder.visit_file(syntax);
        for (included, cfgs) in finder.found {
            if !cfgs.is_empty() {
                direct.insert(included, ((*path).to_owned(), cfgs));
            }
        }
    }
    // Add the includer's own file-level `cfg`s, following the chain (bounded: a cycle of
    // includes would not compile, but the input is untrusted).
    let mut out = HashMap::new();
    for file in direct.keys() {
        let mut all = Cfgs::new();
        let mut cur = file.clone();
        for _ in 0..16 {
            let Some((includer, cfgs)) = direct.get(&cur) else {
                break;
            };
            all.extend(cfgs.iter().cloned());
            cur = includer.clone();
        }
        out.insert(file.clone(), all);
    }
    out
}

/// Rust files that `files` bring in by a literal `include!("..")` and that are not among
/// them (croaring-sys's `include!("../CRoaring/bindgen_bundled_version.rs")`, outside
/// `src/`), followed transitively; only files inside `root`, at most `max` in all.
pub(crate) fn included_files(root: &Path, files: &[PathBuf], max: usize) -> Vec<PathBuf> {
    let given_root = root;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut seen: HashSet<PathBuf> = files
        .iter()
        .map(|f| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone()))
        .collect();
    let mut queue: Vec<PathBuf> = files.to_vec();
    let mut out = Vec::new();
    while let Some(file) = queue.pop() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // Cheap test first: few files include another.
        if !text.contains("include!") {
            continue;
        }
        let Ok(syntax) = crate::parse::parse_file(&text) else {
            continue;
        };
        let mut literal = LiteralIncludes::default();
        literal.visit_file(&syntax);
        let dir = file.parent().unwrap_or(&root);
        for rel in literal.paths {
            let Ok(target) = std::fs::canonicalize(dir.join(&rel)) else {
                continue;
            };
            if out.len() + files.len() >= max
                || !target.starts_with(&root)
                || !target.is_file()
                || !seen.insert(target.clone())
            {
                continue;
            }
            // Named under the root as given, as the other binding files are (a tree's crates
            // may be symbolic links).
            let named = target
                .strip_prefix(&root)
                .map_or_else(|_| target.clone(), |rel| given_root.join(rel));
            queue.push(named.clone());
            out.push(named);
        }
    }
    out.sort();
    out
}

/// The literal paths of `include!("..")` items (also inside inline modules).
#[derive(Default)]
struct LiteralIncludes {
    paths: Vec<String>,
}

impl<'ast> Visit<'ast> for LiteralIncludes {
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if item.mac.path.is_ident("include")
            && let Ok(lit) = item.mac.parse_body::<syn::LitStr>()
        {
            self.paths.push(lit.value());
        }
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

struct Finder<'a> {
    path: &'a str,
    known: &'a [&'a str],
    /// `cfg`s of the enclosing inline modules.
    stack: Vec<syn::Meta>,
    /// Names of the enclosing inline modules (for `mod name;` inside them).
    mod_dir: Vec<String>,
    found: Vec<(String, Cfgs)>,
}

impl Finder<'_> {
    fn cfgs(&self, attrs: &[syn::Attribute]) -> Cfgs {
        let mut all = self.stack.clone();
        all.extend(cfg::of_attrs(attrs));
        all
    }

    /// The directory of the including file (`src/` for `src/lib.rs`).
    fn dir(&self) -> &str {
        self.path.rsplit_once('/').map_or("", |(d, _)| d)
    }

    fn include(&mut self, attrs: &[syn::Attribute], mac: &syn::Macro) {
        if !mac.path.is_ident("include") {
            return;
        }
        // A literal path, or `concat!` of literals after `env!("CARGO_MANIFEST_DIR")`, names a
        // file of the crate; `concat!(env!("OUT_DIR"), ..)` is generated at build time.
        let target = match include_arg(&mac.tokens) {
            Some(IncludeArg::Relative(rel)) => Some(join(self.dir(), &rel)),
            Some(IncludeArg::FromManifest(rel)) => self.below_manifest(&rel),
            None => None,
        };
        if let Some(target) = target.filter(|t| self.known.contains(&t.as_str())) {
            let cfgs = self.cfgs(attrs);
            self.found.push((target, cfgs));
        }
    }

    /// The known file that `rel` names below the including file's crate directory: display
    /// paths do not say where the manifest is, so the file whose path ends with `rel` under
    /// the deepest directory that also holds the including file.
    fn below_manifest(&self, rel: &str) -> Option<String> {
        let rel = join("", rel);
        self.known
            .iter()
            .filter_map(|known| {
                let dir = if *known == rel {
                    ""
                } else {
                    known.strip_suffix(rel.as_str())?.strip_suffix('/')?
                };
                let inside = dir.is_empty() || self.path.starts_with(&format!("{dir}/"));
                inside.then_some((dir.len(), *known))
            })
            .max_by_key(|(depth, _)| *depth)
            .map(|(_, known)| known.to_owned())
    }
}

/// `dir/rel` with `.` and `..` resolved, `/`-separated.
fn join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        let name = item.ident.to_string();
        if item.content.is_none() {
            // `mod name;`: name.rs or name/mod.rs beside a lib.rs/main.rs/mod.rs, else in a
            // directory named after the including file.
            let file = self.path.rsplit('/').next().unwrap_or(self.path);
            let base = if matches!(file, "lib.rs" | "main.rs" | "mod.rs") {
                self.dir().to_owned()
            } else {
                join(self.dir(), file.strip_suffix(".rs").unwrap_or(file))
            };
            let base = join(&base, &self.mod_dir.join("/"));
            let explicit = item
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("path"))
                .find_map(|a| match &a.meta {
                    syn::Meta::NameValue(nv) => match &nv.value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(s),
                            ..
                        }) => Some(join(self.dir(), &s.value())),
                        _ => None,
                    },
                    _ => None,
                });
            let candidates = explicit.map_or_else(
                || {
                    vec![
                        join(&base, &format!("{name}.rs")),
                        join(&base, &format!("{name}/mod.rs")),
                    ]
                },
                |p| vec![p],
            );
            if let Some(target) = candidates
                .into_iter()
                .find(|c| self.known.contains(&c.as_str()))
            {
                let cfgs = self.cfgs(&item.attrs);
                self.found.push((target, cfgs));
            }
            return;
        }
        let depth = self.stack.len();
        self.stack.extend(cfg::of_attrs(&item.attrs));
        self.mod_dir.push(name);
        syn::visit::visit_item_mod(self, item);
        self.mod_dir.pop();
        self.stack.truncate(depth);
    }

    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        self.include(&item.attrs, &item.mac);
    }

    fn visit_item_fn(&mut self, _: &'ast syn::ItemFn) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_and_mod_under_cfg_put_the_whole_file_under_it() {
        let lib = syn::parse_file(
            "#[cfg(windows)] include!(\"ffi/windows.rs\");\n\
             #[cfg(target_os = \"linux\")] mod linux;\n\
             include!(\"common.rs\");\n\
             include!(concat!(env!(\"OUT_DIR\"), \"/bindings.rs\"));",
        )
        .expect("parses");
        let empty = syn::parse_file("").expect("parses");
        let files = [
            ("src/lib.rs", &lib),
            ("src/ffi/windows.rs", &empty),
            ("src/linux.rs", &empty),
            ("src/common.rs", &empty),
        ];
        let cfgs = file_cfgs(&files);
        assert_eq!(
            cfg::describe(&cfgs["src/ffi/windows.rs"]),
            "#[cfg(windows)]"
        );
        assert_eq!(
            cfg::describe(&cfgs["src/linux.rs"]),
            "#[cfg(target_os = \"linux\")]"
        );
        assert!(!cfgs.contains_key("src/common.rs"));
    }

    #[test]
    fn manifest_relative_includes_in_an_inline_module_are_under_their_cfg() {
        // fitsio-sys: one bindings file per pointer width, named from the manifest directory.
        let lib = syn::parse_file(
            "mod sys {\n\
             #[cfg(target_pointer_width = \"64\")]\n\
             include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/bindings_64.rs\"));\n\
             #[cfg(target_pointer_width = \"32\")]\n\
             include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/src/bindings_32.rs\"));\n\
             }",
        )
        .expect("parses");
        let empty = syn::parse_file("").expect("parses");
        // In a tree of crates, the display paths start with the crate's directory; another
        // crate's file of the same name is not the one meant.
        let files = [
            ("fitsio-sys/src/lib.rs", &lib),
            ("fitsio-sys/src/bindings_64.rs", &empty),
            ("fitsio-sys/src/bindings_32.rs", &empty),
            ("other/src/bindings_32.rs", &empty),
        ];
        let cfgs = file_cfgs(&files);
        assert_eq!(
            cfg::describe(&cfgs["fitsio-sys/src/bindings_64.rs"]),
            "#[cfg(target_pointer_width = \"64\")]"
        );
        assert_eq!(
            cfg::describe(&cfgs["fitsio-sys/src/bindings_32.rs"]),
            "#[cfg(target_pointer_width = \"32\")]"
        );
        assert!(!cfgs.contains_key("other/src/bindings_32.rs"));
        // A crate audited alone: paths start at its own directory.
        let alone = [("src/lib.rs", &lib), ("src/bindings_32.rs", &empty)];
        assert!(file_cfgs(&alone).contains_key("src/bindings_32.rs"));
    }
}
