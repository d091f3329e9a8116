//! Finding a crate's or workspace's target root files from `Cargo.toml`, without cargo.
//!
//! Reads manifests with `toml` (so crates that do not build here, or need a registry, can
//! still be audited): workspace members (with `*` globs, minus `exclude`), then each package's
//! explicit and auto-discovered targets — lib, bins, examples, tests, benches, build script.
//! The module tree below each root is followed later, while parsing ([`crate::modules`]).
//! A directory without `Cargo.toml` is audited as every `.rs` file below it.

use crate::Finding;
use crate::engine::file_start;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where auditing starts.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    /// Files to start from (crate roots, or every `.rs` file when there is no manifest).
    pub(crate) roots: Vec<PathBuf>,
    /// Problems met on the way (unreadable member manifests, ...), reported as findings.
    pub(crate) problems: Vec<Finding>,
    /// The roots are every `.rs` file of a walk, not crate roots named by a manifest.
    pub(crate) walked: bool,
    /// Directories of the packages read (the crate, or each workspace member), in order: the
    /// header cross-check reads each one's configuration.
    pub(crate) packages: Vec<PathBuf>,
}

/// Directories never descended into when walking without a manifest.
const SKIPPED_DIRS: [&str; 2] = ["target", "node_modules"];
/// Deepest directory walk, a guard against pathological trees.
const MAX_WALK_DEPTH: usize = 64;

/// Finds the root files under `dir` (a directory). `display` renders a path for findings.
pub(crate) fn discover(dir: &Path, display: &dyn Fn(&Path) -> String) -> Discovery {
    let mut found = Discovery::default();
    let manifest = dir.join("Cargo.toml");
    if manifest.is_file() {
        let mut seen = HashSet::new();
        read_manifest(dir, display, &mut found, &mut seen, true);
    } else {
        let mut visited = HashSet::new();
        let mut unresolved = Vec::new();
        walk(dir, 0, &mut visited, &mut found.roots, &mut unresolved);
        found.roots.sort();
        unresolved.sort();
        for (path, error) in unresolved {
            found.problems.push(Finding::of(
                &crate::diagnostics::UNPARSED_FILE,
                format!("symbolic link not followed: {error}"),
                file_start(&display(&path)),
            ));
        }
        found.walked = true;
    }
    found
}

fn read_manifest(
    dir: &Path,
    display: &dyn Fn(&Path) -> String,
    found: &mut Discovery,
    seen: &mut HashSet<PathBuf>,
    follow_workspace: bool,
) {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let manifest = dir.join("Cargo.toml");
    let problem = |message: String| {
        Finding::of(
            &crate::diagnostics::UNPARSED_FILE,
            message,
            file_start(&display(&manifest)),
        )
    };
    if !seen.insert(canonical.clone()) {
        // A member linked to the workspace root (or to another member) is audited once, and
        // the link is said, so a virtual workspace whose only member is `.` is not "clean".
        if !follow_workspace {
            found.problems.push(problem(format!(
                "workspace member at {} is {}, already read; not audited again",
                display(dir),
                canonical.display()
            )));
        }
        return;
    }
    let text = match std::fs::read_to_string(&manifest) {
        Ok(text) => text,
        Err(e) => {
            found
                .problems
                .push(problem(format!("cannot read manifest: {e}")));
            return;
        }
    };
    let value: toml::Table = match toml::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let first = e.to_string().lines().next().unwrap_or("").to_owned();
            found
                .problems
                .push(problem(format!("invalid manifest: {first}")));
            return;
        }
    };
    if value.contains_key("package") {
        package_targets(dir, &value, &mut found.roots);
        found.packages.push(dir.to_path_buf());
    }
    let workspace = value.get("workspace").filter(|_| follow_workspace);
    if let Some(ws) = workspace {
        let strings = |key: &str| -> Vec<String> {
            ws.get(key)
                .and_then(toml::Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let excluded: Vec<PathBuf> = strings("exclude").iter().map(|e| dir.join(e)).collect();
        for member in strings("members") {
            for member_dir in expand_member(dir, &member) {
                if excluded.iter().any(|e| member_dir.starts_with(e)) {
                    continue;
                }
                if member_dir.join("Cargo.toml").is_file() {
                    read_manifest(&member_dir, display, found, seen, false);
                } else {
                    found.problems.push(problem(format!(
                        "workspace member `{member}` has no Cargo.toml at {}",
                        display(&member_dir)
                    )));
                }
            }
        }
    }
}

/// Expands one `members` entry; `*` is allowed in the last component (as cargo's common use).
fn expand_member(dir: &Path, member: &str) -> Vec<PathBuf> {
    let Some((parent, last)) = member.rsplit_once('/').or(Some(("", member))) else {
        return Vec::new();
    };
    if !last.contains('*') && !parent.contains('*') {
        return vec![dir.join(member)];
    }
    if parent.contains('*') {
        return Vec::new();
    }
    let (prefix, suffix) = last.split_once('*').unwrap_or((last, ""));
    let base = dir.join(parent);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&base)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().is_dir())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.starts_with(prefix)
                && name.ends_with(suffix)
                && name.len() >= prefix.len() + suffix.len()
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

/// Adds a package's target roots: explicit `[lib]`/`[[bin]]`/... paths and cargo's
/// auto-discovered ones.
fn package_targets(dir: &Path, manifest: &toml::Table, roots: &mut Vec<PathBuf>) {
    let package = manifest.get("package");
    let flag = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_bool)
            .unwrap_or(true)
    };
    let mut push = |path: PathBuf| {
        // A target path that is a broken or looping link is kept: reading it reports it.
        if (path.is_file() || path.is_symlink()) && !roots.contains(&path) {
            roots.push(path);
        }
    };
    // lib
    match manifest
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(toml::Value::as_str)
    {
        Some(path) => push(dir.join(path)),
        None => push(dir.join("src/lib.rs")),
    }
    // build script
    match package.and_then(|p| p.get("build")) {
        Some(toml::Value::String(path)) => push(dir.join(path)),
        Some(toml::Value::Boolean(false)) => {}
        _ => push(dir.join("build.rs")),
    }
    // explicit targets
    for kind in ["bin", "example", "test", "bench"] {
        let entries = manifest.get(kind).and_then(toml::Value::as_array);
        for entry in entries.into_iter().flatten() {
            if let Some(path) = entry.get("path").and_then(toml::Value::as_str) {
                push(dir.join(path));
            } else if let Some(name) = entry.get("name").and_then(toml::Value::as_str) {
                let default_dir = match kind {
                    "bin" => "src/bin",
                    "example" => "examples",
                    "test" => "tests",
                    _ => "benches",
                };
                push(dir.join(default_dir).join(format!("{name}.rs")));
                push(dir.join(default_dir).join(name).join("main.rs"));
            }
        }
    }
    // auto-discovered targets
    if flag("autobins") {
        push(dir.join("src/main.rs"));
    }
    for (key, sub) in [
        ("autobins", "src/bin"),
        ("autoexamples", "examples"),
        ("autotests", "tests"),
        ("autobenches", "benches"),
    ] {
        if flag(key) {
            for path in target_dir_entries(&dir.join(sub)) {
                push(path);
            }
        }
    }
}

/// `DIR/*.rs` and `DIR/*/main.rs`, sorted.
fn target_dir_entries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        } else if path.join("main.rs").is_file() {
            out.push(path.join("main.rs"));
        }
    }
    out.sort();
    out
}

/// Every `.rs` file below `dir`, skipping hidden and build directories; symlinked directories
/// are followed once (loops end at the first revisit). Symbolic links that do not resolve
/// (loops, dangling) go to `unresolved` with the error, so they are reported, not skipped.
fn walk(
    dir: &Path,
    depth: usize,
    visited: &mut HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
    unresolved: &mut Vec<(PathBuf, String)>,
) {
    if depth > MAX_WALK_DEPTH {
        return;
    }
    let Ok(canonical) = dir.canonicalize() else {
        return;
    };
    if !visited.insert(canonical) {
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name.as_ref()) {
                walk(&path, depth + 1, visited, out, unresolved);
            }
        } else if name.ends_with(".rs") {
            // A dangling or looping symlink is kept: reading it reports the problem.
            out.push(path);
        } else if let (true, Err(e)) = (path.is_symlink(), std::fs::metadata(&path)) {
            unresolved.push((path, e.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn workspace_members_and_auto_targets() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/skip\"]\n",
        );
        write(
            root,
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\n[[bin]]\nname = \"tool\"\npath = \"tool.rs\"\n",
        );
        write(root, "crates/a/src/lib.rs", "");
        write(root, "crates/a/tool.rs", "");
        write(root, "crates/a/tests/it.rs", "");
        write(root, "crates/a/examples/ex/main.rs", "");
        write(root, "crates/a/build.rs", "");
        write(
            root,
            "crates/skip/Cargo.toml",
            "[package]\nname = \"skip\"\n",
        );
        write(root, "crates/skip/src/lib.rs", "");
        let found = discover(root, &|p| p.display().to_string());
        let rel: Vec<String> = found
            .roots
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().display().to_string())
            .collect();
        assert_eq!(
            rel,
            [
                "crates/a/src/lib.rs",
                "crates/a/build.rs",
                "crates/a/tool.rs",
                "crates/a/examples/ex/main.rs",
                "crates/a/tests/it.rs"
            ]
        );
        assert!(found.problems.is_empty());
    }

    #[test]
    fn broken_member_is_a_problem_not_a_failure() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "Cargo.toml",
            "[workspace]\nmembers = [\"gone\", \"bad\"]\n",
        );
        write(dir.path(), "bad/Cargo.toml", "[package\n");
        let found = discover(dir.path(), &|p| p.display().to_string());
        assert_eq!(found.problems.len(), 2);
    }

    #[cfg(unix)]
    #[test]
    fn walk_survives_symlink_loops() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a/x.rs", "");
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        let found = discover(dir.path(), &|p| p.display().to_string());
        assert_eq!(found.roots.len(), 1);
    }

    /// Links that never resolve are reported, whatever their name, and the walk ends.
    #[cfg(unix)]
    #[test]
    fn unresolvable_links_are_problems() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
        let found = discover(dir.path(), &|p| p.display().to_string());
        assert!(found.roots.is_empty());
        assert_eq!(found.problems.len(), 2, "{:?}", found.problems);
        assert!(
            found.problems[0]
                .message
                .contains("symbolic link not followed")
        );
    }
}
