//! What an audit returns, and the ways a report shows less than everything without counting
//! less: folding a flood of one rule's findings in one file, and hiding levels below a
//! threshold. Hidden findings stay in the counts, so the summary and the exit code never
//! depend on what was shown.

use crate::{FfiModel, Finding, Level};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The result of auditing a path.
#[derive(Debug, Default)]
pub struct AuditOutcome {
    /// Findings after suppressions and configured levels (`allow` removed), sorted.
    pub findings: Vec<Finding>,
    /// Source files read and audited (parsed, or reported as not parseable).
    pub files: usize,
    /// Source files that could not be read (each has an FG0001 finding).
    pub unreadable: usize,
    /// Source files skipped because the configuration ignores them.
    pub ignored: usize,
    /// Lines in the audited files.
    pub lines: usize,
    /// Bytes in the audited files.
    pub bytes: usize,
    /// Text of every file that has a finding, for snippets and baselines.
    pub sources: HashMap<String, Arc<str>>,
    /// Findings removed from `findings` by [`fold`](Self::fold) or
    /// [`hide_below`](Self::hide_below), by level; still counted by [`counts`](Self::counts).
    pub hidden: LevelCounts,
    /// Facts about the run that are not findings (folded findings), one sentence each.
    pub notices: Vec<String>,
    /// Whether the header cross-check ran, and on what.
    pub headers: HeaderCheck,
    /// What each audited file declares across the FFI boundary, by file (relative to the
    /// audited root); files that declare nothing are left out.
    pub surface: BTreeMap<String, FfiSurface>,
}

/// How much FFI a file, a crate or a set of crates has: what a reviewer of a dependency
/// wants to know before reading its findings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FfiSurface {
    /// Functions declared in `extern "C"` (or other C-like ABI) blocks.
    pub extern_fns: usize,
    /// Rust functions with a C-like ABI exported under their symbol name (`#[no_mangle]`,
    /// `#[export_name]`).
    pub exported_fns: usize,
    /// Rust functions with a C-like ABI that are not exported by name: callbacks and
    /// trampolines handed to C as function pointers.
    pub callbacks: usize,
    /// `unsafe impl Send` and `unsafe impl Sync` items.
    pub send_sync_impls: usize,
}

impl FfiSurface {
    /// The surface of each file of `model` (keyed by [`Location::file`](crate::Location)).
    pub(crate) fn by_file(model: &FfiModel) -> BTreeMap<String, FfiSurface> {
        fn entry<'m>(
            by_file: &'m mut BTreeMap<String, FfiSurface>,
            file: &str,
        ) -> &'m mut FfiSurface {
            by_file.entry(file.to_owned()).or_default()
        }
        let mut by_file = BTreeMap::new();
        for f in &model.foreign_fns {
            entry(&mut by_file, &f.location.file).extern_fns += 1;
        }
        for f in &model.exported_fns {
            let surface = entry(&mut by_file, &f.location.file);
            if f.exported_symbol {
                surface.exported_fns += 1;
            } else {
                surface.callbacks += 1;
            }
        }
        for at in &model.send_sync_impls {
            entry(&mut by_file, &at.file).send_sync_impls += 1;
        }
        by_file
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &FfiSurface) {
        self.extern_fns += other.extern_fns;
        self.exported_fns += other.exported_fns;
        self.callbacks += other.callbacks;
        self.send_sync_impls += other.send_sync_impls;
    }

    /// Whether nothing crosses the boundary.
    pub fn is_empty(&self) -> bool {
        *self == FfiSurface::default()
    }
}

/// Findings per level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LevelCounts {
    /// Error-level findings.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// Info-level findings.
    pub infos: usize,
}

impl LevelCounts {
    /// Counts one finding of `level` (`allow` is not counted).
    pub fn add(&mut self, level: Level) {
        match level {
            Level::Error => self.errors += 1,
            Level::Warning => self.warnings += 1,
            Level::Info => self.infos += 1,
            Level::Allow => {}
        }
    }

    /// Findings at `level` or above.
    pub fn at_least(&self, level: Level) -> usize {
        [
            (Level::Info, self.infos),
            (Level::Warning, self.warnings),
            (Level::Error, self.errors),
        ]
        .iter()
        .filter(|(l, _)| *l >= level)
        .map(|(_, n)| n)
        .sum()
    }

    /// All counted findings.
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.infos
    }
}

/// What the header cross-check did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderCheck {
    /// C headers compared with the bindings (0 when the check did not run).
    pub headers: usize,
    /// Targets they were read for.
    pub targets: Vec<&'static str>,
    /// Why no header was cross-checked, when none was.
    pub not_run: Option<String>,
    /// Per package searched: the headers chosen and why, or why none was
    /// (`cargo ffiguard check --explain-headers` prints it).
    pub packages: Vec<PackageHeaders>,
}

/// The headers found for one package, each with the reason it was chosen, or why none was.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackageHeaders {
    /// The package directory, relative to the audited one (empty for the audited one).
    pub package: String,
    /// The headers compared with the package's bindings, in the order they are included.
    pub headers: Vec<HeaderChoice>,
    /// Include directories inferred from where the headers' `#include`s are found in the
    /// crate (the build names them in a form that cannot be read), relative to the package.
    pub inferred_include_dirs: Vec<String>,
    /// Targets the headers were read for (empty when none was, or no header was found).
    pub targets: Vec<&'static str>,
    /// Why no header was found (`None` when some were).
    pub none_found: Option<String>,
}

/// One header chosen for the cross-check, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderChoice {
    /// The header, relative to its package when inside it, else as found.
    pub path: String,
    /// Why it was chosen, as a sentence fragment (`bindgen \`.header(..)\` in the build
    /// script`).
    pub reason: String,
}

impl HeaderCheck {
    /// One line for a summary: `headers cross-checked: 1 (x86_64-linux, …)` or `headers
    /// cross-checked: none found — why`.
    pub fn summary(&self) -> String {
        match &self.not_run {
            Some(why) if self.headers == 0 => format!("headers cross-checked: none found — {why}"),
            _ => format!(
                "headers cross-checked: {} ({})",
                self.headers,
                self.targets.join(", ")
            ),
        }
    }
}

impl HeaderCheck {
    /// Which headers were used for which package and why, and which packages had none: one
    /// block per package, for a terminal.
    ///
    /// ```
    /// use ffiguard_audit::{HeaderCheck, HeaderChoice, PackageHeaders};
    ///
    /// let check = HeaderCheck {
    ///     headers: 1,
    ///     targets: vec!["x86_64-linux"],
    ///     packages: vec![PackageHeaders {
    ///         package: "zstd-sys".into(),
    ///         headers: vec![HeaderChoice {
    ///             path: "zstd/lib/zstd.h".into(),
    ///             reason: "included by zstd/lib/common/zstd_common.c".into(),
    ///         }],
    ///         targets: vec!["x86_64-linux"],
    ///         ..PackageHeaders::default()
    ///     }],
    ///     ..HeaderCheck::default()
    /// };
    /// let text = check.explain();
    /// assert!(text.contains("zstd-sys: 1 header(s), read for x86_64-linux"));
    /// assert!(text.contains("  zstd/lib/zstd.h: included by zstd/lib/common/zstd_common.c"));
    /// ```
    pub fn explain(&self) -> String {
        let mut out = String::new();
        if self.packages.is_empty() {
            let why = self.not_run.as_deref().unwrap_or("no package was searched");
            out.push_str(&format!("headers: none searched — {why}\n"));
            return out;
        }
        for package in &self.packages {
            let name = if package.package.is_empty() {
                "."
            } else {
                &package.package
            };
            match &package.none_found {
                Some(why) if package.headers.is_empty() => {
                    out.push_str(&format!("{name}: no header — {why}\n"));
                    continue;
                }
                _ => {}
            }
            let read = if package.targets.is_empty() {
                "read for no target (see ABI012)".to_owned()
            } else {
                format!("read for {}", package.targets.join(", "))
            };
            out.push_str(&format!(
                "{name}: {} header(s), {read}\n",
                package.headers.len()
            ));
            for header in &package.headers {
                out.push_str(&format!("  {}: {}\n", header.path, header.reason));
            }
            if !package.inferred_include_dirs.is_empty() {
                out.push_str(&format!(
                    "  include directories found in the crate: {}\n",
                    package.inferred_include_dirs.join(", ")
                ));
            }
        }
        out
    }
}

/// Findings of one rule shown per file before the rest are folded into a notice.
pub const DEFAULT_FOLD: usize = 200;

impl AuditOutcome {
    /// Findings per level, hidden ones included.
    pub fn counts(&self) -> LevelCounts {
        let mut counts = self.hidden;
        for f in &self.findings {
            counts.add(f.level);
        }
        counts
    }

    /// Keeps the first `per_file_and_rule` findings of each rule in each file; the others are
    /// counted as hidden and summed up in one notice per (file, rule). Returns how many were
    /// folded. A generated file can trip one rule tens of thousands of times, and listing them
    /// all helps no reader and costs gigabytes in SARIF.
    pub fn fold(&mut self, per_file_and_rule: usize) -> usize {
        let mut seen: HashMap<(String, &'static str), usize> = HashMap::new();
        let mut folded: Vec<((String, &'static str), usize)> = Vec::new();
        let mut hidden = self.hidden;
        self.findings.retain(|f| {
            let key = (f.location.file.clone(), f.rule);
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            if *n <= per_file_and_rule {
                return true;
            }
            hidden.add(f.level);
            match folded.iter_mut().find(|(k, _)| *k == key) {
                Some((_, count)) => *count += 1,
                None => folded.push((key, 1)),
            }
            false
        });
        self.hidden = hidden;
        let total = folded.iter().map(|(_, n)| n).sum();
        for ((file, rule), n) in folded {
            self.notices.push(format!(
                "{file}: {n} more {rule} finding(s) not listed (the first {per_file_and_rule} are); \
                 they are counted in the summary"
            ));
        }
        total
    }

    /// Removes findings below `level` from the list; they stay counted. Returns how many.
    pub fn hide_below(&mut self, level: Level) -> usize {
        let before = self.findings.len();
        let mut hidden = self.hidden;
        self.findings.retain(|f| {
            let keep = f.level >= level;
            if !keep {
                hidden.add(f.level);
            }
            keep
        });
        self.hidden = hidden;
        before - self.findings.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Location;

    fn finding(rule: &'static str, level: Level, file: &str, line: usize) -> Finding {
        let at = Location {
            file: file.to_owned(),
            line,
            column: 1,
            end_line: line,
            end_column: 2,
        };
        Finding::new(rule, level, "m", at)
    }

    #[test]
    fn folding_keeps_the_first_per_file_and_rule_and_counts_the_rest() {
        let mut outcome = AuditOutcome::default();
        for line in 1..=500 {
            outcome
                .findings
                .push(finding("FFI020", Level::Info, "a.rs", line));
        }
        for line in 1..=3 {
            outcome
                .findings
                .push(finding("FFI011", Level::Error, "a.rs", line));
            outcome
                .findings
                .push(finding("FFI020", Level::Info, "b.rs", line));
        }
        assert_eq!(outcome.fold(200), 300);
        assert_eq!(outcome.findings.len(), 206);
        assert_eq!(outcome.notices.len(), 1);
        assert!(
            outcome.notices[0].starts_with("a.rs: 300 more FFI020"),
            "{:?}",
            outcome.notices
        );
        let counts = outcome.counts();
        assert_eq!((counts.errors, counts.infos), (3, 503));
        assert_eq!(outcome.hide_below(Level::Warning), 203);
        assert_eq!(
            outcome.counts(),
            counts,
            "hiding does not change the counts"
        );
        assert_eq!(counts.at_least(Level::Warning), 3);
    }
}
