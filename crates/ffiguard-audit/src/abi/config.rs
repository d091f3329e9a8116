//! Which headers a crate's bindings belong to, with the include paths and defines its build
//! uses: read from `[package.metadata.ffiguard]`, then `ffiguard.toml` beside the manifest (same
//! keys, top level; a key there replaces the manifest's), and, where it spells them as literals, from
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

use super::build_script;
use super::c_headers;
use super::cfg;
use super::header_search::{self, CrateHeaders, SearchInput};
use ffiguard_cheader::{ALL_TARGETS, HeaderSet, Target};
use std::path::{Path, PathBuf};

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
    /// The crate's default features, expanded through its `[features]` table: they decide
    /// the `#[cfg(feature = "..")]` items and fields of the bindings.
    pub default_features: Vec<String>,
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
/// or found (the crate has nothing to cross-check); [`find_headers`] says why.
pub fn load(root: &Path) -> Result<Option<AbiConfig>, AbiConfigError> {
    let (config, found) = read_crate(root)?;
    Ok((!found.headers.is_empty()).then_some(config))
}

/// The headers the cross-check uses for the crate at `root`, each with the reason it was
/// chosen, or why none was found. The configuration wins; without one, the headers are
/// found as [`header_search`] describes.
pub fn find_headers(root: &Path) -> Result<CrateHeaders, AbiConfigError> {
    read_crate(root).map(|(_, found)| found)
}

/// [`load`] and [`find_headers`] at once: the search (which may read headers with libclang
/// to prefer ones that parse) runs once.
pub fn load_with_headers(root: &Path) -> Result<(Option<AbiConfig>, CrateHeaders), AbiConfigError> {
    let (config, found) = read_crate(root)?;
    Ok(((!found.headers.is_empty()).then_some(config), found))
}

/// What `[package]` and `[package.metadata.ffiguard]` of a manifest say.
#[derive(Default)]
struct Manifest {
    headers: Vec<String>,
    include: Vec<String>,
    defines: Vec<String>,
    bindings: Vec<String>,
    targets: Vec<String>,
    /// `package.build` (default `build.rs`).
    build: Option<String>,
    /// `lib.path` (default `src/lib.rs`).
    lib: Option<String>,
    /// The default features, expanded through the `[features]` table.
    default_features: Vec<String>,
    /// The packages named under `[dependencies]` (renamed ones by their `package`).
    dependencies: Vec<String>,
}

fn read_manifest(manifest: &Path) -> Result<Manifest, AbiConfigError> {
    let mut out = Manifest::default();
    if !manifest.is_file() {
        return Ok(out);
    }
    let text = read(manifest)?;
    let invalid = |message: String| AbiConfigError::Invalid {
        path: manifest.display().to_string(),
        message,
    };
    let value: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    let package = value.get("package");
    out.build = package
        .and_then(|p| p.get("build"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    out.lib = value
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    out.default_features = default_features(value.get("features"));
    out.dependencies = value
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|deps| {
            deps.iter()
                .map(|(name, spec)| {
                    spec.get("package")
                        .and_then(toml::Value::as_str)
                        .unwrap_or(name)
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some(table) = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("ffiguard"))
    {
        header_keys(table, &mut out, &invalid)?;
    }
    // `ffiguard.toml` beside the manifest is read after it, as `Config::load` does: a key
    // it sets replaces the manifest's.
    let own = manifest.with_file_name("ffiguard.toml");
    if own.is_file() {
        let invalid = |message: String| AbiConfigError::Invalid {
            path: own.display().to_string(),
            message,
        };
        let text = read(&own)?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        header_keys(&toml::Value::Table(table), &mut out, &invalid)?;
    }
    Ok(out)
}

/// The header keys (`headers`, `include`, `defines`, `bindings`, `targets`) of one
/// configuration table; each key present replaces what `out` had.
fn header_keys(
    table: &toml::Value,
    out: &mut Manifest,
    invalid: &dyn Fn(String) -> AbiConfigError,
) -> Result<(), AbiConfigError> {
    for (key, slot) in [
        ("headers", &mut out.headers),
        ("include", &mut out.include),
        ("defines", &mut out.defines),
        ("bindings", &mut out.bindings),
        ("targets", &mut out.targets),
    ] {
        if let Some(v) = table.get(key) {
            *slot = v
                .as_array()
                .and_then(|a| a.iter().map(|s| s.as_str().map(str::to_owned)).collect())
                .ok_or_else(|| invalid(format!("`{key}` must be a list of strings")))?;
        }
    }
    Ok(())
}

/// The features `default` turns on, following feature-to-feature entries (not `dep:` ones or
/// features of dependencies).
fn default_features(features: Option<&toml::Value>) -> Vec<String> {
    let Some(table) = features.and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    let mut on: Vec<String> = Vec::new();
    let mut stack = vec!["default".to_owned()];
    while let Some(f) = stack.pop() {
        if on.contains(&f) || !table.contains_key(&f) {
            continue;
        }
        for next in table[&f].as_array().into_iter().flatten() {
            if let Some(n) = next.as_str().filter(|n| !n.contains([':', '/'])) {
                stack.push(n.to_owned());
            }
        }
        on.push(f);
    }
    on
}

fn read_crate(root: &Path) -> Result<(AbiConfig, CrateHeaders), AbiConfigError> {
    let manifest = read_manifest(&root.join("Cargo.toml"))?;
    let mut config = AbiConfig::default();
    config.headers.include_dirs = manifest.include.iter().map(|p| root.join(p)).collect();
    config.headers.defines = manifest.defines.clone();
    config.bindings = manifest.bindings.iter().map(|p| root.join(p)).collect();
    config.default_features = manifest.default_features.clone();
    config.targets = if manifest.targets.is_empty() {
        ALL_TARGETS.to_vec()
    } else {
        manifest
            .targets
            .iter()
            .map(|n| Target::named(n).ok_or_else(|| AbiConfigError::UnknownTarget(n.clone())))
            .collect::<Result<_, _>>()?
    };
    if config.bindings.is_empty() {
        let src = root.join("src");
        let dir = match &manifest.lib {
            Some(lib) if !src.is_dir() => root.join(lib).parent().map_or(src, Path::to_path_buf),
            _ => src,
        };
        config.bindings = rust_files(&dir);
        // A bindings file outside `src/` that a source file `include!`s is read as well.
        let included = super::includes::included_files(root, &config.bindings, MAX_BINDING_FILES);
        config.bindings.extend(included);
    }
    let script_path = root.join(manifest.build.as_deref().unwrap_or("build.rs"));
    let script = if script_path.is_file() {
        let text = read(&script_path)?;
        // The guarded parser: a build script is input like any other file, and one that
        // would overflow `syn` must not take the run down.
        crate::parse::parse_file(&text)
            .ok()
            .map(|file| build_script::read(&file))
    } else {
        None
    };
    if let Some(script) = &script {
        // Paths joined onto a directory the script computes are kept only where they exist.
        config.headers.include_dirs.extend(
            script
                .include
                .iter()
                .map(|p| (root.join(&p.path), p.certain))
                .filter(|(p, certain)| *certain || p.exists())
                .map(|(p, _)| p),
        );
        let features = cfg::Features::new(manifest.default_features.iter().map(String::as_str));
        for define in &script.defines {
            let c = &define.condition;
            if c.unknown {
                continue;
            }
            if c.cfgs.is_empty() {
                config.headers.defines.push(define.text.clone());
                continue;
            }
            for target in &config.targets {
                if cfg::holds(&c.cfgs, target, &features) {
                    config
                        .headers
                        .target_defines
                        .push((target.name.to_owned(), define.text.clone()));
                }
            }
        }
    }
    dedup(&mut config.headers.include_dirs);
    let configured: Vec<PathBuf> = manifest.headers.iter().map(|p| root.join(p)).collect();
    let dependency_roots = dependency_roots(root, &manifest.dependencies);
    let found = header_search::search(&SearchInput {
        root,
        configured: &configured,
        script: script.as_ref().map(|s| (script_path.as_path(), s)),
        include_dirs: &config.headers.include_dirs,
        bindings: &config.bindings,
        dependency_roots: &dependency_roots,
    });
    // A C++ umbrella over a C API: the headers below it that read instead.
    let found = c_headers::prefer_readable(
        found,
        root,
        &config.headers,
        &config.bindings,
        &config.targets,
    );
    config.headers.headers = found.headers.iter().map(|h| h.path.clone()).collect();
    config
        .headers
        .extra_args
        .extend(c_headers::prelude_args(&found.prelude));
    config
        .headers
        .include_dirs
        .extend(found.inferred_include_dirs.iter().cloned());
    dedup(&mut config.headers.headers);
    dedup(&mut config.headers.include_dirs);
    Ok((config, found))
}

/// The directories of the crate's dependencies where they sit beside it, as in a `cargo
/// vendor` directory (`ogg-sys`, or `ogg-sys-0.0.9` beside another version) or the registry's
/// source directory (`ogg-sys-0.0.9`): a `-sys` crate's header may include one that its
/// dependency ships (vorbis-sys's `codec.h` includes ogg-sys's `<ogg/ogg.h>`, passed to the
/// build as `DEP_OGG_INCLUDE`). The newest by name when several versions sit there.
fn dependency_roots(root: &Path, dependencies: &[String]) -> Vec<PathBuf> {
    let Some(parent) = root.parent() else {
        return Vec::new();
    };
    if dependencies.is_empty() {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let siblings: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    dependencies
        .iter()
        .filter_map(|dep| {
            if siblings.iter().any(|s| s == dep) {
                return Some(parent.join(dep));
            }
            siblings
                .iter()
                .filter(|s| {
                    s.strip_prefix(dep.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                })
                .max()
                .map(|s| parent.join(s))
        })
        .collect()
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
        let found = build_script::read(&syn::parse_file(src).expect("parses"));
        let paths = |v: &[build_script::ScriptPath]| -> Vec<String> {
            v.iter().map(|p| p.path.clone()).collect()
        };
        assert_eq!(paths(&found.headers), ["csrc/zlib.h"]);
        assert_eq!(paths(&found.include), ["csrc/include", "vendor"]);
        let defines: Vec<&str> = found.defines.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(defines, ["Z_SOLO", "NO_GZIP", "LEVEL=2", "SQLITE_CORE"]);
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
