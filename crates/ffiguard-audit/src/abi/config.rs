//! Which headers a crate's bindings belong to, with the include paths and defines its build
//! uses: read from `[package.metadata.ffiguard]` and, where it spells them as literals, from
//! `build.rs` (bindgen's `.header(..)`, `.clang_arg("-I..")`, cc's `.include(..)`,
//! `.define(..)`, `.flag("-D..")`).
//!
//! ```toml
//! [package.metadata.ffiguard]
//! headers = ["csrc/legacy.h"]          # relative to the crate root
//! include = ["csrc"]                   # -I
//! defines = ["LG_NO_THREADS", "N=2"]   # -D
//! bindings = ["src/bindings.rs"]       # default: every .rs file under src/
//! targets = ["x86_64-linux", "x86_64-windows"]  # default: all four
//! ```

use ffiguard_cheader::{ALL_TARGETS, HeaderSet, Target};
use std::path::{Path, PathBuf};
use syn::visit::Visit;

/// Most `.rs` files read as bindings from `src/` when none are configured.
const MAX_BINDING_FILES: usize = 2000;

/// The cross-check configuration of one crate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AbiConfig {
    /// Headers, include paths, defines (paths absolute).
    pub headers: HeaderSet,
    /// Rust files holding the bindings (absolute).
    pub bindings: Vec<PathBuf>,
    /// Targets to compare on.
    pub targets: Vec<Target>,
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AbiConfigError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// `Cargo.toml` is not valid TOML, or a key has the wrong type.
    #[error("invalid [package.metadata.ffiguard] in {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// `targets` names a target ffiguard does not know.
    #[error(
        "unknown target `{0}` (known: x86_64-linux, i686-linux, aarch64-linux, x86_64-windows)"
    )]
    UnknownTarget(String),
}

/// Reads the configuration of the crate at `root`. `Ok(None)` when no header is configured
/// or found in `build.rs` (the crate has nothing to cross-check).
pub fn load(root: &Path) -> Result<Option<AbiConfig>, AbiConfigError> {
    let mut config = AbiConfig::default();
    let manifest = root.join("Cargo.toml");
    let mut target_names: Vec<String> = Vec::new();
    if manifest.is_file() {
        let text = read(&manifest)?;
        let invalid = |message: String| AbiConfigError::Invalid {
            path: manifest.display().to_string(),
            message,
        };
        let value: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let table = value
            .get("package")
            .and_then(|p| p.get("metadata"))
            .and_then(|m| m.get("ffiguard"));
        if let Some(table) = table {
            let list = |key: &str| -> Result<Vec<String>, AbiConfigError> {
                match table.get(key) {
                    None => Ok(Vec::new()),
                    Some(v) => v
                        .as_array()
                        .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                        .ok_or_else(|| invalid(format!("`{key}` must be a list of strings"))),
                }
            };
            config.headers.headers = list("headers")?.iter().map(|p| root.join(p)).collect();
            config.headers.include_dirs = list("include")?.iter().map(|p| root.join(p)).collect();
            config.headers.defines = list("defines")?;
            config.bindings = list("bindings")?.iter().map(|p| root.join(p)).collect();
            target_names = list("targets")?;
        }
    }
    let build = root.join("build.rs");
    if build.is_file() {
        let text = read(&build)?;
        // The guarded parser: a build script is input like any other file, and one that
        // would overflow `syn` must not take the run down.
        if let Ok(file) = crate::parse::parse_file(&text) {
            let mut found = BuildScript::default();
            found.visit_file(&file);
            // Literal paths as written; paths joined onto some directory only where they exist.
            let paths = |literal: &[String], joined: &[String]| -> Vec<PathBuf> {
                literal
                    .iter()
                    .map(|p| root.join(p))
                    .chain(joined.iter().map(|p| root.join(p)).filter(|p| p.exists()))
                    .collect()
            };
            config
                .headers
                .headers
                .extend(paths(&found.headers, &found.joined_headers));
            config
                .headers
                .include_dirs
                .extend(paths(&found.include, &found.joined_include));
            config.headers.defines.extend(found.defines);
        }
    }
    dedup(&mut config.headers.headers);
    dedup(&mut config.headers.include_dirs);
    if config.headers.headers.is_empty() {
        return Ok(None);
    }
    if config.bindings.is_empty() {
        config.bindings = rust_files(&root.join("src"));
    }
    config.targets = if target_names.is_empty() {
        ALL_TARGETS.to_vec()
    } else {
        target_names
            .iter()
            .map(|n| Target::named(n).ok_or_else(|| AbiConfigError::UnknownTarget(n.clone())))
            .collect::<Result<_, _>>()?
    };
    Ok(Some(config))
}

fn dedup(v: &mut Vec<PathBuf>) {
    let mut seen = std::collections::HashSet::new();
    v.retain(|p| seen.insert(p.clone()));
}

fn read(path: &Path) -> Result<String, AbiConfigError> {
    std::fs::read_to_string(path).map_err(|source| AbiConfigError::Read {
        path: path.display().to_string(),
        source,
    })
}

/// Every `.rs` file below `dir`, sorted, bounded in count; symlinked directories are not
/// followed.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
                if out.len() >= MAX_BINDING_FILES {
                    out.sort();
                    return out;
                }
            }
        }
    }
    out.sort();
    out
}

/// Literal arguments of the bindgen and cc builder calls in a build script, and paths built
/// from literals (`dir.join("include")`, `format!("-I{}", dir.join("x").display())`) taken
/// relative to the crate; those are kept only where they exist in the crate, since `dir` may
/// as well be `OUT_DIR`.
#[derive(Default)]
struct BuildScript {
    headers: Vec<String>,
    include: Vec<String>,
    defines: Vec<String>,
    joined_headers: Vec<String>,
    joined_include: Vec<String>,
}

/// A string argument: a literal, or a path joined from literals onto some base directory
/// (`true` in the second place).
fn str_arg(e: &syn::Expr) -> Option<(String, bool)> {
    if let Some(s) = lit_str(e) {
        return Some((s, false));
    }
    if let syn::Expr::Macro(m) = e
        && m.mac.path.is_ident("format")
    {
        let args = m
            .mac
            .parse_body_with(
                syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
            )
            .ok()?;
        let mut args = args.iter();
        let template = lit_str(args.next()?)?;
        let path = joined_path(args.next()?)?;
        if args.next().is_some() || template.matches("{}").count() != 1 {
            return None;
        }
        return Some((template.replacen("{}", &path, 1), true));
    }
    joined_path(e).map(|p| (p, true))
}

/// `base.join("a").join("b")` (with `.display()`, `.to_str().unwrap()` and the like after it)
/// as `a/b`; `None` for anything else.
fn joined_path(e: &syn::Expr) -> Option<String> {
    let mut e = e;
    let mut parts = Vec::new();
    while let syn::Expr::MethodCall(call) = e {
        match call.method.to_string().as_str() {
            "display" | "to_str" | "unwrap" | "to_string_lossy" | "to_string" | "to_owned"
            | "as_path" => {}
            "join" => parts.push(lit_str(call.args.first()?)?),
            _ => return None,
        }
        e = &call.receiver;
    }
    if parts.is_empty() || parts.iter().any(|p| Path::new(p).is_absolute()) {
        return None;
    }
    parts.reverse();
    Some(parts.join("/"))
}

fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Reference(r) => lit_str(&r.expr),
        _ => None,
    }
}

impl BuildScript {
    fn clang_arg(&mut self, arg: &str, joined: bool) {
        if let Some(dir) = arg.strip_prefix("-I") {
            if joined {
                self.joined_include.push(dir.to_owned());
            } else {
                self.include.push(dir.to_owned());
            }
        } else if joined {
            // Only include paths are taken from built arguments.
        } else if let Some(def) = arg.strip_prefix("-D") {
            self.defines.push(def.to_owned());
        }
    }
}

impl<'ast> Visit<'ast> for BuildScript {
    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        // Receiver first, so that a builder chain is read in source order.
        syn::visit::visit_expr_method_call(self, call);
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        match (call.method.to_string().as_str(), args.as_slice()) {
            ("header", [a]) => match str_arg(a) {
                Some((s, false)) => self.headers.push(s),
                Some((s, true)) => self.joined_headers.push(s),
                None => {}
            },
            ("include", [a]) => match str_arg(a) {
                Some((s, false)) => self.include.push(s),
                Some((s, true)) => self.joined_include.push(s),
                None => {}
            },
            ("clang_arg" | "flag", [a]) => {
                if let Some((s, joined)) = str_arg(a) {
                    self.clang_arg(&s, joined);
                }
            }
            ("clang_args", [syn::Expr::Array(arr)]) => {
                for e in &arr.elems {
                    if let Some((s, joined)) = str_arg(e) {
                        self.clang_arg(&s, joined);
                    }
                }
            }
            ("define", [name, value]) => {
                if let Some(n) = lit_str(name) {
                    let v = match value {
                        syn::Expr::Call(c) => c.args.first().and_then(lit_str),
                        other => lit_str(other),
                    };
                    self.defines.push(match v {
                        Some(v) => format!("{n}={v}"),
                        None => n,
                    });
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_script_literals_are_found() {
        let src = r#"
            fn main() {
                let b = bindgen::Builder::default()
                    .header("csrc/zlib.h")
                    .clang_arg("-Icsrc/include")
                    .clang_args(["-DZ_SOLO", "-std=c99"]);
                cc::Build::new().include("vendor").define("NO_GZIP", None).define("LEVEL", Some("2")).flag("-DSQLITE_CORE").compile("z");
            }
        "#;
        let mut found = BuildScript::default();
        found.visit_file(&syn::parse_file(src).expect("parses"));
        assert_eq!(found.headers, ["csrc/zlib.h"]);
        assert_eq!(found.include, ["csrc/include", "vendor"]);
        assert_eq!(
            found.defines,
            ["Z_SOLO", "NO_GZIP", "LEVEL=2", "SQLITE_CORE"]
        );
    }

    #[test]
    fn paths_joined_from_literals_are_found_and_kept_only_where_they_exist() {
        // libbpf-sys's build script: the include paths are built with format! and join.
        let dir = std::env::temp_dir().join(format!("ffiguard-joined-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("libbpf/include/uapi")).expect("mkdir");
        std::fs::write(dir.join("bindings.h"), "int f(void);\n").expect("write");
        std::fs::write(
            dir.join("build.rs"),
            r#"
            fn main() {
                let src_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
                let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
                bindgen::Builder::default()
                    .header("bindings.h")
                    .clang_arg(format!("-I{}", src_dir.join("libbpf/include").display()))
                    .clang_arg(format!("-I{}", src_dir.join("libbpf").join("include/uapi").display()))
                    .clang_arg(format!("-I{}", out_dir.join("generated").display()))
                    .clang_arg(format!("-D{}", out_dir.join("x").display()));
                cc::Build::new().include(src_dir.join("libbpf").to_str().unwrap());
            }
            "#,
        )
        .expect("write");
        let config = load(&dir).expect("loads").expect("has a header");
        let rel: Vec<String> = config
            .headers
            .include_dirs
            .iter()
            .map(|p| {
                p.strip_prefix(&dir)
                    .expect("in crate")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(rel, ["libbpf/include", "libbpf/include/uapi", "libbpf"]);
        assert!(
            config.headers.defines.is_empty(),
            "{:?}",
            config.headers.defines
        );
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
