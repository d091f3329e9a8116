//! Naming what a command works on, the same way in every subcommand: a positional path (a
//! crate or workspace directory, its `Cargo.toml`, a directory of sources or a `.rs` file),
//! `--manifest-path FILE` as with cargo, and `-p/--package NAME` for workspace members.

use cargo_metadata::MetadataCommand;
use std::path::{Path, PathBuf};

/// The target arguments every subcommand shares.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct TargetArgs {
    /// Crate or workspace directory, or its `Cargo.toml` (`check` also takes a directory of
    /// sources or a `.rs` file) [default: .].
    #[arg(value_name = "PATH")]
    pub(crate) path: Option<PathBuf>,
    /// Path to the `Cargo.toml` of the crate or workspace, as with cargo.
    #[arg(long, value_name = "FILE", conflicts_with = "path")]
    pub(crate) manifest_path: Option<PathBuf>,
    /// Workspace member to work on, by package name (repeat for several).
    #[arg(short = 'p', long = "package", value_name = "NAME")]
    pub(crate) packages: Vec<String>,
}

/// A workspace member chosen with `-p`.
#[derive(Clone, Debug)]
pub(crate) struct Member {
    /// Its package name.
    pub(crate) name: String,
    /// The directory of its `Cargo.toml`.
    pub(crate) dir: PathBuf,
}

/// The members `-p` chose, and the workspace they belong to.
#[derive(Debug)]
pub(crate) struct Selection {
    /// The workspace root directory.
    pub(crate) root: PathBuf,
    /// In the order given, each once.
    pub(crate) members: Vec<Member>,
}

impl TargetArgs {
    /// The path named: `--manifest-path`, else the positional path, else `.`. Checked to
    /// exist, so a typo is reported as such and not as whatever fails first further down.
    pub(crate) fn path(&self) -> Result<PathBuf, String> {
        if let Some(manifest) = &self.manifest_path {
            if manifest.file_name().is_none_or(|n| n != "Cargo.toml") {
                return Err(format!(
                    "--manifest-path {} does not name a Cargo.toml",
                    manifest.display()
                ));
            }
            crate::paths::must_exist(manifest, "--manifest-path")?;
            return Ok(manifest.clone());
        }
        let path = self.path.clone().unwrap_or_else(|| PathBuf::from("."));
        crate::paths::must_exist(&path, "the path")?;
        Ok(path)
    }

    /// The crate directory the path names: the directory itself, or the one holding the
    /// named `Cargo.toml`. A `.rs` file is refused: `what` needs a crate.
    pub(crate) fn crate_dir(&self, what: &str) -> Result<PathBuf, String> {
        let path = self.path()?;
        if path.is_dir() {
            return Ok(path);
        }
        if path.file_name().is_some_and(|n| n == "Cargo.toml") {
            return Ok(manifest_dir(&path));
        }
        Err(format!(
            "{what} needs a crate directory or its Cargo.toml; {} is neither",
            path.display()
        ))
    }

    /// The members `-p` names, looked up in the workspace of the named path (`cargo metadata
    /// --no-deps`, which needs no network). `None` without `-p`. An unknown name is an error
    /// that lists the members.
    pub(crate) fn selection(&self) -> Result<Option<Selection>, String> {
        if self.packages.is_empty() {
            return Ok(None);
        }
        let dir = self.crate_dir("-p/--package")?;
        let manifest = dir.join("Cargo.toml");
        let mut command = MetadataCommand::new();
        command.no_deps();
        if manifest.is_file() {
            command.manifest_path(&manifest);
        } else {
            // As cargo does: the nearest `Cargo.toml` above.
            command.current_dir(&dir);
        }
        let metadata = command
            .exec()
            .map_err(|e| format!("cannot read the workspace of {}: {e}", dir.display()))?;
        let workspace = metadata.workspace_packages();
        let mut members: Vec<Member> = Vec::new();
        for name in &self.packages {
            if members.iter().any(|m| &m.name == name) {
                continue;
            }
            let Some(package) = workspace.iter().find(|p| *p.name == **name) else {
                let mut names: Vec<&str> = workspace.iter().map(|p| p.name.as_str()).collect();
                names.sort_unstable();
                return Err(format!(
                    "package `{name}` is not a member of the workspace at {}; its members: {}",
                    metadata.workspace_root,
                    names.join(", ")
                ));
            };
            members.push(Member {
                name: name.clone(),
                dir: manifest_dir(package.manifest_path.as_std_path()),
            });
        }
        Ok(Some(Selection {
            root: metadata.workspace_root.into_std_path_buf(),
            members,
        }))
    }
}

/// The directory of a `Cargo.toml` (`.` for a bare `Cargo.toml`).
pub(crate) fn manifest_dir(manifest: &Path) -> PathBuf {
    manifest
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}
