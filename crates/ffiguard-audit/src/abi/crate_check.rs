//! One crate's header cross-check and layout tests, from its directory: what `cargo ffiguard
//! check` and `layout-tests` run for each crate (the CLI only parses arguments and prints).

use super::config::{self, AbiConfig, AbiConfigError};
use super::{AbiReport, layout_tests};
use ffiguard_cheader::parse_for_targets;
use std::path::{Path, PathBuf};

/// Why a command could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CrateCheckError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] AbiConfigError),
    /// No header is configured for the crate.
    #[error(
        "no C headers configured for {0}: add `headers = [\"path/to/lib.h\"]` under \
         [package.metadata.ffiguard], or a bindgen `.header(\"..\")` to build.rs"
    )]
    NoHeaders(String),
    /// A binding file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The headers could not be read for any target.
    #[error("{0}")]
    Headers(#[from] ffiguard_cheader::HeaderError),
}

/// Reads the binding files as `(path relative to root, text)`.
fn read_bindings(
    root: &Path,
    config: &AbiConfig,
) -> Result<Vec<(String, String)>, CrateCheckError> {
    config
        .bindings
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|source| CrateCheckError::Read {
                path: p.display().to_string(),
                source,
            })?;
            let shown = p.strip_prefix(root).unwrap_or(p);
            Ok((shown.to_string_lossy().replace('\\', "/"), text))
        })
        .collect()
}

/// Cross-checks the crate at `root` when it has headers configured, with the number of
/// headers configured; `Ok(None)` when it has none (nothing to do).
/// [`audit_path`](crate::audit_path) runs this for a directory and puts the findings through
/// suppressions and configured levels.
pub fn check_crate(root: &Path) -> Result<Option<(AbiReport, usize)>, CrateCheckError> {
    let Some(config) = config::load(root)? else {
        return Ok(None);
    };
    check_loaded(root, &config).map(Some)
}

/// [`check_crate`] with the configuration already read by [`config::load_with_headers`]:
/// the report and the number of headers.
pub fn check_loaded(
    root: &Path,
    config: &config::AbiConfig,
) -> Result<(AbiReport, usize), CrateCheckError> {
    let files = read_bindings(root, config)?;
    let report = super::check_config(&files, config);
    Ok((report, config.headers.headers.len()))
}

/// Arguments of `cargo ffiguard layout-tests`.
#[derive(Clone, Debug, Default)]
pub struct LayoutTestsArgs {
    /// The crate whose bindings and headers are read.
    pub root: PathBuf,
    /// Prefix for type paths in the generated file (`legacy_sys::`). Empty: the names are
    /// used as they are (for a file included into the bindings module).
    pub type_prefix: String,
}

/// `cargo ffiguard layout-tests`: the generated file's text (the CLI writes or prints it).
pub fn layout_tests(args: &LayoutTestsArgs) -> Result<String, CrateCheckError> {
    let config = config::load(&args.root)?
        .ok_or_else(|| CrateCheckError::NoHeaders(args.root.display().to_string()))?;
    let files = read_bindings(&args.root, &config)?;
    let mut models = Vec::new();
    let mut first_error = None;
    for (target, result) in parse_for_targets(&config.headers, &config.targets) {
        match result {
            Ok(model) => models.push((target, model)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    // A partial file would silently drop a target's assertions: refuse instead.
    if let Some(e) = first_error {
        return Err(CrateCheckError::Headers(e));
    }
    let headers: Vec<String> = config
        .headers
        .headers
        .iter()
        .map(|h| {
            h.strip_prefix(&args.root)
                .unwrap_or(h)
                .display()
                .to_string()
        })
        .collect();
    Ok(layout_tests::generate(
        &files,
        &models,
        &args.type_prefix,
        &headers,
    ))
}
