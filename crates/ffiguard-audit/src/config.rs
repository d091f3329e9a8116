//! Configuration: rule levels, ignored paths and the deny threshold.
//!
//! Read from `[workspace.metadata.ffiguard]`, then `[package.metadata.ffiguard]` of the audited
//! root's `Cargo.toml`, then `ffiguard.toml` next to it; later sources override earlier ones
//! key by key.
//!
//! ```toml
//! [package.metadata.ffiguard]
//! ignore = ["src/generated/**", "tests/fixtures"]
//! deny = "warning"
//! test-code = "same"   # errors in tests stay errors (default: "lower", reported as warnings)
//!
//! [package.metadata.ffiguard.levels]
//! FFI003 = "allow"
//! cstring-temporary-pointer = "error"
//! ```

use crate::{Level, RuleMeta};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The effective configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Level per rule, keyed by id or name.
    #[serde(default)]
    pub levels: BTreeMap<String, Level>,
    /// Glob patterns (globset syntax: `*`, `?`, `**`, `[..]`, `{a,b}`; `*` does not cross a
    /// `/`) of paths relative to the root that are not audited; a pattern naming a directory
    /// covers everything below it.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Lowest level that makes `check` fail (exit code 1). Default: `error`.
    pub deny: Option<Level>,
    /// C headers the bindings belong to (relative to the crate root). This and the four
    /// keys below configure the header cross-check, which reads and interprets them
    /// ([`crate::abi::config`]); they are named here so a crate that sets them still loads
    /// while a misspelt key is rejected.
    #[serde(default)]
    pub headers: Vec<String>,
    /// Include directories for the headers (`-I`).
    #[serde(default)]
    pub include: Vec<String>,
    /// Preprocessor defines for the headers (`-D`).
    #[serde(default)]
    pub defines: Vec<String>,
    /// Rust files holding the bindings.
    #[serde(default)]
    pub bindings: Vec<String>,
    /// Targets to compare layouts on.
    #[serde(default)]
    pub targets: Vec<String>,
    /// `"lower"` (the default) reports errors in test-only code (`tests/`, `benches/`,
    /// `#[cfg(test)]` modules, `#[test]` functions) as warnings; `"same"` keeps them errors.
    #[serde(default, rename = "test-code")]
    pub test_code: Option<TestCodeLevel>,
}

/// How findings in test-only code are levelled (the `test-code` key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TestCodeLevel {
    /// Errors become warnings.
    Lower,
    /// The rule's level, as elsewhere.
    Same,
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A config file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A config file is not valid TOML or has unknown keys.
    #[error("invalid configuration in {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// An `ignore` pattern is not a valid glob.
    #[error("invalid ignore pattern `{pattern}`: {message}")]
    BadPattern {
        /// The pattern as written.
        pattern: String,
        /// What is wrong with it.
        message: String,
    },
    /// `levels` names a rule that does not exist.
    #[error("configuration names unknown rule `{0}`")]
    UnknownRule(String),
}

impl Config {
    /// Loads the configuration from one file in `ffiguard.toml`'s format (the keys at the top
    /// level), instead of the files [`Config::load`] looks for. The file must exist.
    pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
        let text = read(path)?;
        toml::from_str(&text).map_err(|e| invalid(path, &e))
    }

    /// Loads the configuration for the crate or workspace rooted at `root` (a directory).
    /// Missing files are fine; malformed ones are errors.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let manifest = root.join("Cargo.toml");
        if manifest.is_file() {
            let text = read(&manifest)?;
            let value: toml::Table = toml::from_str(&text).map_err(|e| invalid(&manifest, &e))?;
            for section in ["workspace", "package"] {
                let table = value
                    .get(section)
                    .and_then(|s| s.get("metadata"))
                    .and_then(|m| m.get("ffiguard"));
                if let Some(table) = table {
                    let part =
                        Config::deserialize(table.clone()).map_err(|e| invalid(&manifest, &e))?;
                    config.merge(part);
                }
            }
        }
        let own = root.join("ffiguard.toml");
        if own.is_file() {
            let text = read(&own)?;
            config.merge(toml::from_str(&text).map_err(|e| invalid(&own, &e))?);
        }
        Ok(config)
    }

    fn merge(&mut self, other: Config) {
        self.levels.extend(other.levels);
        self.ignore.extend(other.ignore);
        if other.deny.is_some() {
            self.deny = other.deny;
        }
        if other.test_code.is_some() {
            self.test_code = other.test_code;
        }
        // Header keys are lists read whole by the cross-check: a later source replaces them.
        for (mine, theirs) in [
            (&mut self.headers, other.headers),
            (&mut self.include, other.include),
            (&mut self.defines, other.defines),
            (&mut self.bindings, other.bindings),
            (&mut self.targets, other.targets),
        ] {
            if !theirs.is_empty() {
                *mine = theirs;
            }
        }
    }

    /// Whether errors in test-only code keep their level (`test-code = "same"`).
    pub fn keeps_test_code_levels(&self) -> bool {
        self.test_code == Some(TestCodeLevel::Same)
    }

    /// Checks that every rule named in `levels` exists and every `ignore` pattern is a glob.
    pub fn validate(&self, known: &[&'static RuleMeta]) -> Result<(), ConfigError> {
        self.ignored_paths()?;
        for key in self.levels.keys() {
            if !known
                .iter()
                .any(|m| m.id.eq_ignore_ascii_case(key) || m.name == key)
            {
                return Err(ConfigError::UnknownRule(key.clone()));
            }
        }
        Ok(())
    }

    /// The level of `meta`'s findings: configured, else the rule's default.
    pub fn level_of(&self, meta: &RuleMeta) -> Level {
        self.configured_level(meta).unwrap_or(meta.default_level)
    }

    /// The level `levels` sets for `meta`'s rule, by id (any case) or name, if it sets one.
    pub fn configured_level(&self, meta: &RuleMeta) -> Option<Level> {
        self.levels
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(meta.id) || *k == meta.name)
            .map(|(_, &level)| level)
    }

    /// Whether `path` (relative, `/`-separated) is ignored.
    ///
    /// ```
    /// let config = ffiguard_audit::Config {
    ///     ignore: vec!["src/gen/**".into(), "tests".into(), "*.inc.rs".into()],
    ///     ..Default::default()
    /// };
    /// assert!(config.is_ignored("src/gen/a/b.rs"));
    /// assert!(config.is_ignored("tests/it.rs"));
    /// assert!(config.is_ignored("x.inc.rs"));
    /// assert!(!config.is_ignored("src/lib.rs"));
    /// ```
    ///
    /// Compiles the patterns on every call (an invalid pattern matches nothing); for many
    /// paths, compile them once with [`Config::ignored_paths`].
    pub fn is_ignored(&self, path: &str) -> bool {
        IgnoredPaths::new(&self.ignore).is_ok_and(|set| set.contains(path))
    }

    /// The `ignore` patterns compiled once, or the first that is not a valid glob.
    pub fn ignored_paths(&self) -> Result<IgnoredPaths, ConfigError> {
        IgnoredPaths::new(&self.ignore)
    }
}

/// The compiled `ignore` patterns of a [`Config`] (globset syntax: `*` and `?` within one
/// path segment, `**` for any number of segments, `[abc]`, `{a,b}`).
#[derive(Clone, Debug)]
pub struct IgnoredPaths {
    set: GlobSet,
}

impl IgnoredPaths {
    fn new(patterns: &[String]) -> Result<IgnoredPaths, ConfigError> {
        let mut builder = GlobSetBuilder::new();
        for pattern in patterns {
            // `/src/gen/`, `./src/gen` and `src/gen` all name the same directory.
            let trimmed = pattern.trim_start_matches("./").trim_matches('/');
            let glob = GlobBuilder::new(trimmed)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| ConfigError::BadPattern {
                    pattern: pattern.clone(),
                    message: e.kind().to_string(),
                })?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| ConfigError::BadPattern {
            pattern: patterns.join(", "),
            message: e.to_string(),
        })?;
        Ok(IgnoredPaths { set })
    }

    /// Whether `path` (relative, `/`-separated) or a directory above it matches a pattern.
    pub fn contains(&self, path: &str) -> bool {
        if self.set.is_empty() {
            return false;
        }
        let path = path.trim_start_matches("./").trim_matches('/');
        let mut prefix_end = path
            .char_indices()
            .filter(|&(_, c)| c == '/')
            .map(|(i, _)| i);
        prefix_end.any(|end| self.set.is_match(&path[..end])) || self.set.is_match(path)
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn invalid(path: &Path, e: &impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_overrides_in_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[package]\nname = \"x\"\n[package.metadata.ffiguard]\ndeny = \"warning\"\nignore = [\"gen\"]\n[package.metadata.ffiguard.levels]\nFFI001 = \"allow\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("ffiguard.toml"),
            "deny = \"info\"\n[levels]\nFFI002 = \"error\"\n",
        )
        .unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.deny, Some(Level::Info));
        assert_eq!(config.levels.len(), 2);
        assert!(config.is_ignored("gen/a.rs"));
    }

    #[test]
    fn header_cross_check_keys_load_and_typos_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = "[package]\nname = \"x\"\n[package.metadata.ffiguard]\n\
            headers = [\"csrc/a.h\"]\ninclude = [\"csrc\"]\ndefines = [\"N=2\"]\n\
            bindings = [\"src/sys.rs\"]\ntargets = [\"x86_64-linux\"]\n";
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        let config = Config::load(dir.path()).unwrap();
        assert_eq!(config.headers, ["csrc/a.h"]);
        assert_eq!(config.targets, ["x86_64-linux"]);
        std::fs::write(
            dir.path().join("Cargo.toml"),
            manifest.replace("headers", "header"),
        )
        .unwrap();
        assert!(matches!(
            Config::load(dir.path()),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn malformed_config_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ffiguard.toml"), "levels = 3\n").unwrap();
        assert!(matches!(
            Config::load(dir.path()),
            Err(ConfigError::Invalid { .. })
        ));
        std::fs::write(dir.path().join("ffiguard.toml"), "typo = 1\n").unwrap();
        assert!(matches!(
            Config::load(dir.path()),
            Err(ConfigError::Invalid { .. })
        ));
    }

    #[test]
    fn ignore_patterns_follow_globset_within_segments() {
        let set = |patterns: &[&str]| {
            IgnoredPaths::new(&patterns.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>())
                .unwrap()
        };
        let gen_dirs = set(&["src/gen/**", "/tests/", "*.inc.rs", "src/{ffi,sys}_*.rs"]);
        assert!(gen_dirs.contains("src/gen/a/b.rs"));
        assert!(gen_dirs.contains("tests/it.rs"));
        assert!(gen_dirs.contains("x.inc.rs"));
        assert!(gen_dirs.contains("src/sys_linux.rs"));
        assert!(!gen_dirs.contains("src/lib.rs"));
        // `*` stays inside one segment, and a root pattern does not match deeper down.
        assert!(!gen_dirs.contains("src/x.inc.rs"));
        assert!(!set(&["src/*.rs"]).contains("src/a/b.rs"));
        assert!(set(&["src/**/*.rs"]).contains("src/a/b.rs"));
        // A directory pattern covers what is below it, not a file that starts like it.
        assert!(set(&["gen"]).contains("gen/x.rs"));
        assert!(!set(&["gen"]).contains("generated/x.rs"));
        // Long runs of stars against long names stay fast (no backtracking blow-up).
        assert!(!set(&["*a*a*a*a*a*b"]).contains(&"a".repeat(5000)));
    }

    #[test]
    fn an_invalid_ignore_pattern_is_a_config_error() {
        let config = Config {
            ignore: vec!["src/[gen".to_owned()],
            ..Config::default()
        };
        assert!(matches!(
            config.ignored_paths(),
            Err(ConfigError::BadPattern { .. })
        ));
        assert!(matches!(
            config.validate(&[]),
            Err(ConfigError::BadPattern { .. })
        ));
        assert!(!config.is_ignored("src/[gen"));
    }
}
