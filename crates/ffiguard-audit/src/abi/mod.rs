//! ABI cross-check: `extern` declarations and `repr(C)` types of a binding against the C
//! headers, on several targets in one run.
//!
//! The headers are read by libclang once per target ([`ffiguard_cheader`]), so sizes and
//! offsets are the compiler's own for `x86_64-linux`, `i686-linux`, `aarch64-linux` and
//! `x86_64-windows` (LLP64). The Rust side is read from source, without compiling: type
//! aliases (`c_ulong`, `libc::size_t`, crate-local `type uLong = c_ulong;`) are resolved per
//! target, and `repr(C)` layouts computed. A binding right on one target and wrong on another
//! becomes one [`TARGET_DEPENDENT_WIDTH`](rules::TARGET_DEPENDENT_WIDTH) finding listing
//! where it is wrong.
//!
//! Findings are ordinary [`Finding`]s with `ABI…` rule ids ([`rules::ALL`]), so every
//! reporter (human, JSON, SARIF) prints them.
//!
//! ```no_run
//! use ffiguard_audit::abi::{self, HeaderSet};
//!
//! let bindings = std::fs::read_to_string("src/bindings.rs")?;
//! let headers = HeaderSet::new(["csrc/legacy.h"]);
//! let report = abi::check_bindings(&[("src/bindings.rs".into(), bindings)], &headers, &abi::ALL_TARGETS);
//! for finding in &report.findings {
//!     println!("{}: {}", finding.rule, finding.message);
//! }
//! # Ok::<(), std::io::Error>(())
//! ```

mod build_script;
mod c_headers;
mod cfg;
mod compare;
pub mod config;
pub mod crate_check;
mod flat;
mod functions;
mod group;
pub mod header_search;
mod includes;
mod items;
mod layout;
pub mod layout_tests;
mod macro_items;
mod pairing;
mod platform;
mod reach;
mod records;
mod rtype;
pub mod rules;
mod same_layout;
mod scope;

pub use ffiguard_cheader::{ALL_TARGETS, CModel, HeaderError, HeaderSet, Target};

use crate::Finding;
use items::RustSide;
use std::collections::HashSet;

/// What one target's check sees: its C model, the Rust side, the target, and which C type
/// each Rust type stands for there.
pub(crate) struct Cx<'a> {
    pub(crate) c: &'a CModel,
    pub(crate) rust: &'a RustSide,
    pub(crate) target: &'a Target,
    pub(crate) pairs: pairing::Pairs,
}

impl Cx<'_> {
    /// The Rust type definition called `name` that this target compiles (of the cfg variants):
    /// a bare name, or the absolute key of a name several modules define ([`scope`]).
    pub(crate) fn rust_type(&self, name: &str) -> Option<&crate::model::TypeDef> {
        let active = |d: &&crate::model::TypeDef| self.rust.active(&d.location, self.target);
        if let Some((module, last)) = scope::split(name) {
            let named: Vec<&crate::model::TypeDef> =
                self.rust.model.types_named(last).filter(active).collect();
            return named
                .iter()
                .find(|d| d.module == module)
                .or(named.first())
                .copied();
        }
        let last = name.rsplit("::").next().unwrap_or(name);
        self.rust.model.types_named(last).find(active)
    }

    /// The Rust type written as `text` in module `module` (below the crate root), resolved
    /// for this target; a type whose name several modules define is told apart by its path.
    pub(crate) fn resolve_in(&self, text: &str, module: &[String]) -> rtype::RType {
        let r = rtype::resolve_text(text, &self.rust.env, self.target);
        if self.rust.env.ambiguous.is_empty() {
            r
        } else {
            scope::qualify(r, module, self.rust)
        }
    }
}

/// The result of a cross-check.
#[derive(Debug, Default)]
pub struct AbiReport {
    /// Findings, sorted by place.
    pub findings: Vec<Finding>,
    /// Targets whose headers were read and compared.
    pub checked_targets: Vec<&'static str>,
}

/// Reads `headers` for each target and cross-checks the binding sources (`(display path,
/// text)` pairs) against them.
///
/// A target whose headers cannot be read yields one [`rules::HEADER_UNREADABLE`] finding
/// (with libclang's message) and is left out; the others are still compared.
///
/// `#[cfg(feature = "..")]` is not known here, so items and fields under one are compared
/// on every target; [`check_config`] decides them with the crate's default features.
pub fn check_bindings(
    files: &[(String, String)],
    headers: &HeaderSet,
    targets: &[Target],
) -> AbiReport {
    check_with_features(files, headers, targets, None)
}

/// [`check_bindings`] with a crate's configuration: its headers and targets, and its
/// default features, which decide the `#[cfg(feature = "..")]` items and fields (a struct
/// whose fields differ between library versions is compared in the version the crate
/// builds by default).
pub fn check_config(files: &[(String, String)], config: &config::AbiConfig) -> AbiReport {
    let features = cfg::Features::new(config.default_features.iter().map(String::as_str));
    check_with_features(files, &config.headers, &config.targets, Some(features))
}

fn check_with_features(
    files: &[(String, String)],
    headers: &HeaderSet,
    targets: &[Target],
    features: Option<cfg::Features>,
) -> AbiReport {
    let parsed = ffiguard_cheader::parse_for_targets(headers, targets);
    let mut models = Vec::new();
    let mut unreadable = Vec::new();
    for (target, result) in parsed {
        match result {
            Ok(model) => models.push((target, model)),
            Err(e) => {
                let meta = &rules::HEADER_UNREADABLE;
                let file = headers
                    .headers
                    .first()
                    .map_or_else(String::new, |h| h.display().to_string());
                unreadable.push(Finding::of(
                    meta,
                    format!("headers not cross-checked for {}: {e}", target.name),
                    crate::engine::file_start(&file),
                ));
            }
        }
    }
    // The library's own headers: the configured ones and their neighbours in the same
    // directories and the include directories (not the C library's).
    let library_dirs: Vec<String> = headers
        .headers
        .iter()
        .filter_map(|h| h.parent().map(std::path::Path::to_path_buf))
        .chain(headers.include_dirs.iter().cloned())
        .map(|d| std::path::absolute(&d).unwrap_or(d).display().to_string())
        .collect();
    let mut report = check_models(files, &models, &library_dirs, features);
    report.findings.extend(unreadable);
    report
        .findings
        .sort_by(|a, b| a.location.cmp(&b.location).then(a.rule.cmp(b.rule)));
    report
}

/// One [`rules::PLATFORM_BINDINGS`] finding per file generated for one platform: what gave
/// it away and which of the checked targets it was compared on.
fn platform_notes(rust: &RustSide, models: &[(Target, CModel)]) -> Vec<Finding> {
    let mut files: Vec<(&String, &platform::Platform)> = rust.env.platforms.iter().collect();
    files.sort_by_key(|(f, _)| *f);
    files
        .into_iter()
        .filter(|(_, p)| models.iter().any(|(t, _)| !p.fits(t)))
        .map(|(file, p)| {
            let fits: Vec<&str> = models
                .iter()
                .filter(|(t, _)| p.fits(t))
                .map(|(t, _)| t.name)
                .collect();
            let compared = if fits.is_empty() {
                "compared on none of the checked targets".to_owned()
            } else {
                format!("compared on {} only", fits.join(", "))
            };
            let meta = &rules::PLATFORM_BINDINGS;
            // A bindgen dump of a CRT can give dozens of signs; three make the case.
            let mut why = p
                .evidence
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if p.evidence.len() > 3 {
                why.push_str(&format!(" and {} more", p.evidence.len() - 3));
            }
            Finding::of(
                meta,
                format!(
                    "`{file}` was generated for {} ({why}): {compared}",
                    p.describe()
                ),
                crate::engine::file_start(file),
            )
        })
        .collect()
}

/// Cross-checks binding sources against C models already read (one per target).
/// Functions declared in non-system headers under `library_dirs` (absolute paths) should
/// all be bound ([`rules::UNBOUND_FUNCTION`]); pass none to skip that check.
pub fn check_against_models(
    files: &[(String, String)],
    models: &[(Target, CModel)],
    library_dirs: &[String],
) -> AbiReport {
    check_models(files, models, library_dirs, None)
}

fn check_models(
    files: &[(String, String)],
    models: &[(Target, CModel)],
    library_dirs: &[String],
    features: Option<cfg::Features>,
) -> AbiReport {
    let (rust, mut findings) = items::load(files, features);
    let cxs: Vec<Cx<'_>> = models
        .iter()
        .map(|(target, c)| {
            let mut cx = Cx {
                c,
                rust: &rust,
                target,
                pairs: pairing::Pairs::new(),
            };
            cx.pairs = pairing::by_use(&cx);
            cx
        })
        .collect();
    let mut observations = Vec::new();
    functions::check(&cxs, &mut observations, &mut findings);
    functions::statics(&cxs, &mut observations, &mut findings);
    records::check(&cxs, &mut observations, &mut findings);
    let checked: Vec<&'static str> = models.iter().map(|(t, _)| t.name).collect();
    let exists = |location: &crate::Location, name: &str| {
        models
            .iter()
            .find(|(t, _)| t.name == name)
            .is_some_and(|(t, _)| rust.active(location, t))
    };
    findings.extend(group::findings(observations, &checked, &exists));
    findings.extend(platform_notes(&rust, models));
    if let Some((target, model)) = models.first() {
        let bound: HashSet<String> = rust
            .model
            .foreign_fns
            .iter()
            .flat_map(functions::bound_names)
            .collect();
        findings.extend(functions::unbound(model, target, library_dirs, &bound));
    }
    findings.sort_by(|a, b| a.location.cmp(&b.location).then(a.rule.cmp(b.rule)));
    AbiReport {
        findings,
        checked_targets: checked,
    }
}
