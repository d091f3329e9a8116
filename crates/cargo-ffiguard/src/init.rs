//! `cargo ffiguard init`: writes a commented `ffiguard.toml` that names every key the
//! configuration knows, each at its default, and every rule with its default level.

use ffiguard_audit::{RuleMeta, registry};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `cargo ffiguard init`.
#[derive(Debug, clap::Args)]
pub(crate) struct InitArgs {
    /// Directory to write `ffiguard.toml` into, or the file to write.
    #[arg(default_value = ".")]
    pub(crate) path: PathBuf,
    /// Overwrite the file if it exists.
    #[arg(long)]
    pub(crate) force: bool,
}

/// The targets the header cross-check knows (`ffiguard_cheader::ALL_TARGETS`).
const TARGETS: &str = r#"["x86_64-linux", "i686-linux", "aarch64-linux", "x86_64-windows"]"#;

/// Writes the file; refuses to replace one without `--force`.
pub(crate) fn run(args: &InitArgs) -> Result<ExitCode, String> {
    let file = if args.path.is_dir() {
        args.path.join("ffiguard.toml")
    } else {
        args.path.clone()
    };
    if file.exists() && !args.force {
        return Err(format!(
            "{} already exists; `--force` overwrites it",
            file.display()
        ));
    }
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::paths::must_exist(dir, "the directory")?;
    }
    std::fs::write(&file, template(&registry::metas()))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    eprintln!("ffiguard: wrote {}", file.display());
    Ok(ExitCode::SUCCESS)
}

/// The file's text. Lines starting with `## ` explain; lines starting with `# ` are settings
/// at their default (or, for `ignore` and the header keys, an example), ready to be
/// uncommented.
pub(crate) fn template(rules: &[&RuleMeta]) -> String {
    let mut out = String::from(TOP);
    let _ = writeln!(
        out,
        "## Targets whose layouts are compared (default: all four).\n# targets = {TARGETS}\n"
    );
    out.push_str(LEVELS);
    let width = rules.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for meta in rules {
        let setting = format!("{:width$} = \"{}\"", meta.id, meta.default_level.as_str());
        let _ = writeln!(out, "# {setting:<22} ## {}: {}", meta.name, meta.summary);
    }
    out
}

const TOP: &str = r#"## ffiguard configuration.
##
## `cargo ffiguard check` reads `[workspace.metadata.ffiguard]` and
## `[package.metadata.ffiguard]` of the audited Cargo.toml, then this file beside it; a later
## key overrides an earlier one. `check --config FILE` reads FILE instead.
## `## ` lines explain; `# ` lines are settings at their default (or an example): remove the
## `# ` to use one.

## Lowest level that fails `cargo ffiguard check` (exit 1): "info", "warning" or "error".
# deny = "error"

## Paths not audited, relative to this directory. Glob patterns: `*` and `?` within a path
## segment, `**` across segments, `[abc]`, `{a,b}`; a directory covers everything below it.
## Default: none.
# ignore = ["src/generated/**", "tests/fixtures"]

## Findings in test-only code (`tests/`, `benches/`, `#[cfg(test)]` modules, `#[test]`
## functions): "lower" reports errors there as warnings, "same" keeps them errors.
# test-code = "lower"

## The C-header cross-check: these five keys, here or in `[package.metadata.ffiguard]` of
## the crate's Cargo.toml (this file wins; `--config` does not carry them: they belong to the
## crate whose headers they name). Without them, headers are
## found the way a reader would: the header bindgen is given in `build.rs`, a `wrapper.h`,
## the headers the bundled C sources include, then the crate's own headers that declare
## the functions its `extern` blocks declare.
## C headers the bindings belong to, relative to the crate root.
# headers = ["csrc/mylib.h"]
## Include directories for the headers (-I).
# include = ["csrc"]
## Preprocessor defines for the headers (-D).
# defines = ["MYLIB_NO_THREADS", "N=2"]
## Rust files holding the bindings (default: every .rs file under src/).
# bindings = ["src/bindings.rs"]
"#;

const LEVELS: &str = r#"## The level of each rule's findings, by id (`FFI011`) or name
## (`cstring-temporary-pointer`): "allow" (not reported), "info", "warning" or "error".
## Shown: every rule at its default level. `cargo ffiguard explain ID` describes a rule.
[levels]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    /// Uncommenting every setting gives a file that loads and names only known rules.
    #[test]
    fn every_setting_uncommented_loads() {
        let text = template(&registry::metas());
        let uncommented: String = text
            .lines()
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .map(|l| format!("{l}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ffiguard.toml"), uncommented).unwrap();
        let config = ffiguard_audit::Config::load(dir.path()).unwrap();
        config.validate(&registry::metas()).unwrap();
        assert_eq!(config.levels.len(), registry::metas().len());
        assert_eq!(config.deny, Some(ffiguard_audit::Level::Error));
        assert_eq!(config.targets.len(), 4);
        assert!(!config.keeps_test_code_levels());
        for meta in registry::metas() {
            assert_eq!(config.level_of(meta), meta.default_level, "{}", meta.id);
        }
    }
}
