//! Following `mod x;` declarations to files, as rustc does (without expanding macros).
//!
//! `mod x;` in a "mod-rs" file (a crate root, `mod.rs`, or a file loaded through `#[path]`)
//! looks for `x.rs` or `x/mod.rs` next to it; in `a.rs` it looks in `a/`. Inline modules add a
//! directory level; `#[path = ".."]` overrides the lookup. Modules behind `#[cfg]` are followed
//! too (the audit covers every configuration). Inside item macros such as `cfg_if!` the tokens
//! `mod NAME;` are followed as well, since that is how many `-sys` crates pick platform modules.
//!
//! `include!("file.rs")` items are followed the same way (relative to the including file, or
//! to the crate's manifest directory through `concat!(env!("CARGO_MANIFEST_DIR"), ..)`): a
//! crate's whole `extern` surface often sits in one included bindings file. Files under
//! `OUT_DIR` exist only after a build and are not followed.

use crate::Location;
use crate::span::location;
use proc_macro2::{TokenStream, TokenTree};
use std::path::{Path, PathBuf};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

/// A `mod x;` to load.
#[derive(Debug)]
pub(crate) struct ChildModule {
    /// The module's name.
    pub(crate) name: String,
    /// Files to try in order, each with whether it is a mod-rs file.
    pub(crate) candidates: Vec<(PathBuf, bool)>,
    /// Where it is declared, for the "not found" diagnostic.
    pub(crate) declared_at: Location,
    /// Declared under `#[cfg(..)]` (a missing file is then less surprising).
    pub(crate) cfg_gated: bool,
    /// The default lookup of a module whose `#[path]` comes from `cfg_attr`: audited when the
    /// file exists, not reported when it does not.
    pub(crate) optional: bool,
    /// Declared under `#[cfg(test)]`, or inside an inline module that is.
    pub(crate) test_only: bool,
    /// Brought in by `include!`, not declared with `mod`.
    pub(crate) included: bool,
}

/// Whether a file found by walking a directory (no manifest says what it is) declares its
/// modules beside itself, as `mod.rs`, `lib.rs`, `main.rs` and other crate roots do, rather than
/// in a directory of its own name: `src/x.rs` whose sibling `src/x/` exists is taken for a
/// module file, whose `mod y;` is `src/x/y.rs`.
pub(crate) fn walked_file_is_mod_rs(file: &Path) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if matches!(name, "mod.rs" | "lib.rs" | "main.rs" | "build.rs") {
        return true;
    }
    let Some(stem) = file.file_stem() else {
        return true;
    };
    !file.with_file_name(stem).is_dir()
}

/// The out-of-line modules a file declares.
pub(crate) fn child_modules(
    display: &str,
    file: &Path,
    mod_rs: bool,
    syntax: &syn::File,
) -> Vec<ChildModule> {
    let file_dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
    let own_dir = if mod_rs {
        file_dir.clone()
    } else {
        file_dir.join(file.file_stem().unwrap_or_default())
    };
    let mut out = Vec::new();
    let walker = Walker {
        display,
        file_dir: &file_dir,
    };
    walker.items(&syntax.items, &own_dir, true, false, &mut out);
    out
}

struct Walker<'a> {
    display: &'a str,
    file_dir: &'a Path,
}

fn path_value(meta: &syn::Meta) -> Option<String> {
    match meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// `#[path = ".."]`.
fn path_attr(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| path_value(&a.meta))
}

/// Paths set through `#[cfg_attr(pred, path = "..")]`, whatever the predicate.
fn cfg_attr_paths(attrs: &[syn::Attribute]) -> Vec<String> {
    type MetaList = syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>;
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg_attr")) {
        if let Ok(list) = attr.meta.require_list()
            && let Ok(metas) = list.parse_args_with(MetaList::parse_terminated)
        {
            out.extend(metas.iter().skip(1).filter_map(path_value));
        }
    }
    out
}

fn cfg_gated(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| a.path().is_ident("cfg"))
}

impl Walker<'_> {
    fn items(
        &self,
        items: &[syn::Item],
        dir: &Path,
        top: bool,
        test: bool,
        out: &mut Vec<ChildModule>,
    ) {
        for item in items {
            match item {
                syn::Item::Mod(m) => {
                    // `mod r#async;` is the file `async.rs`.
                    let name = m.ident.unraw().to_string();
                    let explicit = path_attr(&m.attrs);
                    let test_only = test || crate::test_code::is_test_only(&m.attrs);
                    match &m.content {
                        Some((_, inner)) => {
                            let inner_dir = dir.join(explicit.as_deref().unwrap_or(&name));
                            self.items(inner, &inner_dir, false, test_only, out);
                        }
                        None => {
                            let declared_at = location(self.display, m.span());
                            let cfg_gated = cfg_gated(&m.attrs);
                            let conditional = cfg_attr_paths(&m.attrs);
                            let default = vec![
                                (dir.join(format!("{name}.rs")), false),
                                (dir.join(&name).join("mod.rs"), true),
                            ];
                            let base = if top { self.file_dir } else { dir };
                            let mut push = |candidates, optional| {
                                out.push(ChildModule {
                                    name: name.clone(),
                                    candidates,
                                    declared_at: declared_at.clone(),
                                    cfg_gated,
                                    optional,
                                    test_only,
                                    included: false,
                                });
                            };
                            match explicit {
                                Some(p) => push(vec![(base.join(p), true)], false),
                                None if conditional.is_empty() => push(default, false),
                                None => {
                                    // Every configuration's file is audited.
                                    for p in &conditional {
                                        push(vec![(base.join(p), true)], false);
                                    }
                                    push(default, true);
                                }
                            }
                        }
                    }
                }
                syn::Item::Macro(mac) if mac.mac.path.is_ident("include") => {
                    let test_only = test || crate::test_code::is_test_only(&mac.attrs);
                    let at = location(self.display, mac.span());
                    self.include(&mac.mac.tokens, at, cfg_gated(&mac.attrs), test_only, out);
                }
                syn::Item::Macro(mac) => self.macro_mods(&mac.mac.tokens, dir, test, out),
                _ => {}
            }
        }
    }

    /// `mod NAME;` token sequences anywhere inside a macro invocation (iterative walk).
    fn macro_mods(
        &self,
        tokens: &TokenStream,
        dir: &Path,
        test_only: bool,
        out: &mut Vec<ChildModule>,
    ) {
        let mut stack = vec![tokens.clone()];
        while let Some(stream) = stack.pop() {
            let tokens: Vec<TokenTree> = stream.into_iter().collect();
            for (i, tt) in tokens.iter().enumerate() {
                if let TokenTree::Group(g) = tt {
                    stack.push(g.stream());
                    continue;
                }
                if let TokenTree::Ident(kw) = tt
                    && kw == "include"
                    && let (Some(TokenTree::Punct(bang)), Some(TokenTree::Group(args))) =
                        (tokens.get(i + 1), tokens.get(i + 2))
                    && bang.as_char() == '!'
                {
                    let at = location(self.display, kw.span());
                    self.include(&args.stream(), at, true, test_only, out);
                    continue;
                }
                let (
                    TokenTree::Ident(kw),
                    Some(TokenTree::Ident(name)),
                    Some(TokenTree::Punct(semi)),
                ) = (tt, tokens.get(i + 1), tokens.get(i + 2))
                else {
                    continue;
                };
                if kw == "mod" && semi.as_char() == ';' {
                    let name = name.unraw().to_string();
                    out.push(ChildModule {
                        candidates: vec![
                            (dir.join(format!("{name}.rs")), false),
                            (dir.join(&name).join("mod.rs"), true),
                        ],
                        name,
                        declared_at: location(self.display, kw.span()),
                        cfg_gated: true,
                        optional: false,
                        test_only,
                        included: false,
                    });
                }
            }
        }
    }

    /// The file an `include!(..)` with these arguments brings in, if it can be known without
    /// building: a string literal (relative to this file), or `concat!` of
    /// `env!("CARGO_MANIFEST_DIR")` and literals.
    fn include(
        &self,
        args: &TokenStream,
        declared_at: Location,
        cfg_gated: bool,
        test_only: bool,
        out: &mut Vec<ChildModule>,
    ) {
        let Some(path) = include_path(args, self.file_dir) else {
            return;
        };
        out.push(ChildModule {
            name: path.display().to_string(),
            candidates: vec![(path, true)],
            declared_at,
            cfg_gated,
            optional: false,
            test_only,
            included: true,
        });
    }
}

/// What an `include!` argument names, when that needs nothing from the build.
pub(crate) enum IncludeArg {
    /// Relative to the including file's directory: a string literal, or `concat!` of them.
    Relative(String),
    /// Relative to the crate's manifest directory: `concat!(env!("CARGO_MANIFEST_DIR"), ..)`.
    FromManifest(String),
}

/// Reads an `include!` argument; `None` for one that names a place only a build creates
/// (`concat!(env!("OUT_DIR"), ..)`) or that is not literals.
pub(crate) fn include_arg(args: &TokenStream) -> Option<IncludeArg> {
    let expr: syn::Expr = syn::parse2(args.clone()).ok()?;
    match &expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(IncludeArg::Relative(s.value())),
        syn::Expr::Macro(m) if m.mac.path.is_ident("concat") => {
            type Args = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;
            let parts = m.mac.parse_body_with(Args::parse_terminated).ok()?;
            let mut from_manifest = false;
            let mut text = String::new();
            for (i, part) in parts.iter().enumerate() {
                match part {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => text.push_str(&s.value()),
                    syn::Expr::Macro(env) if i == 0 && env.mac.path.is_ident("env") => {
                        let var: syn::LitStr = env.mac.parse_body().ok()?;
                        // OUT_DIR and other variables name places only a build creates.
                        if var.value() != "CARGO_MANIFEST_DIR" {
                            return None;
                        }
                        from_manifest = true;
                    }
                    _ => return None,
                }
            }
            Some(if from_manifest {
                IncludeArg::FromManifest(text)
            } else {
                IncludeArg::Relative(text)
            })
        }
        _ => None,
    }
}

/// The path an `include!` argument names, when it needs nothing from the build.
fn include_path(args: &TokenStream, file_dir: &Path) -> Option<PathBuf> {
    match include_arg(args)? {
        IncludeArg::Relative(rel) => Some(file_dir.join(rel)),
        IncludeArg::FromManifest(rel) => {
            Some(manifest_dir(file_dir)?.join(rel.trim_start_matches('/')))
        }
    }
}

/// The nearest directory at or above `dir` that holds a `Cargo.toml`.
fn manifest_dir(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn children(path: &str, mod_rs: bool, src: &str) -> Vec<(String, Vec<String>)> {
        let file = syn::parse_file(src).unwrap();
        child_modules(path, Path::new(path), mod_rs, &file)
            .into_iter()
            .map(|c| {
                let paths = c
                    .candidates
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect();
                (c.name, paths)
            })
            .collect()
    }

    #[test]
    fn resolution_follows_rustc() {
        assert_eq!(
            children("src/lib.rs", true, "mod a;"),
            [("a".into(), vec!["src/a.rs".into(), "src/a/mod.rs".into()])]
        );
        assert_eq!(children("src/a.rs", false, "mod b;")[0].1[0], "src/a/b.rs");
        assert_eq!(
            children("src/lib.rs", true, "mod m { mod c; }")[0].1[0],
            "src/m/c.rs"
        );
        assert_eq!(
            children("src/a.rs", false, "#[path = \"x/y.rs\"] mod b;")[0].1,
            ["src/x/y.rs"]
        );
        assert_eq!(
            children(
                "src/lib.rs",
                true,
                "cfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } else { mod windows; } }"
            )
            .len(),
            2
        );
    }

    #[test]
    fn raw_identifiers_name_plain_files() {
        assert_eq!(
            children("src/lib.rs", true, "mod r#async;")[0].1,
            ["src/async.rs", "src/async/mod.rs"]
        );
        assert_eq!(
            children(
                "src/lib.rs",
                true,
                "cfg_if::cfg_if! { if #[cfg(unix)] { mod r#type; } }"
            )[0]
            .1[0],
            "src/type.rs"
        );
    }

    #[test]
    fn included_files_are_followed_unless_a_build_makes_them() {
        assert_eq!(
            children("src/ffi/mod.rs", true, "include!(\"bindings.rs\");")[0].1,
            ["src/ffi/bindings.rs"]
        );
        // Relative to the including file, whatever its module directory.
        assert_eq!(
            children("src/a.rs", false, "include!(\"gen/a.rs\");")[0].1,
            ["src/gen/a.rs"]
        );
        assert_eq!(
            children(
                "src/lib.rs",
                true,
                "cfg_if::cfg_if! { if #[cfg(unix)] { include!(\"unix.rs\"); } }"
            )[0]
            .1,
            ["src/unix.rs"]
        );
        assert!(
            children(
                "src/lib.rs",
                true,
                "include!(concat!(env!(\"OUT_DIR\"), \"/bindings.rs\"));"
            )
            .is_empty()
        );
        assert!(children("src/lib.rs", true, "include!(some_macro!());").is_empty());
    }

    #[test]
    fn manifest_relative_includes_start_at_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/sys")).unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
        let file = dir.path().join("src/sys/mod.rs");
        let syntax = syn::parse_file(
            "include!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/bindings/linux.rs\"));",
        )
        .unwrap();
        let found = child_modules("src/sys/mod.rs", &file, true, &syntax);
        assert_eq!(found.len(), 1);
        assert!(found[0].included);
        assert_eq!(
            found[0].candidates[0].0,
            dir.path().join("bindings/linux.rs")
        );
    }
}
