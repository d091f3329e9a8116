//! `cargo ffiguard check`.

use crate::cli::{CheckArgs, Format};
use ffiguard_audit::baseline::Baseline;
use ffiguard_audit::{
    AuditOutcome, Config, DEFAULT_FOLD, Level, LevelCounts, Progress, RuleMeta,
    audit_path_with_progress, registry,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The audit of the named crate or workspace, with the baseline, folding and minimum level
/// applied: what every output format starts from.
pub(crate) struct Audited {
    pub(crate) outcome: AuditOutcome,
    pub(crate) config: Config,
    /// The directory the findings' paths are relative to, and whose configuration applies.
    pub(crate) root: PathBuf,
    pub(crate) known: Vec<&'static RuleMeta>,
    /// Findings per level in each file, counted before folding and hiding (which keep only
    /// the totals).
    pub(crate) counts_by_file: HashMap<String, LevelCounts>,
    /// The members chosen with `-p` (empty without it: everything below `root`).
    pub(crate) selected: Vec<String>,
}

impl Audited {
    /// The level at which the audited code's findings fail the run.
    pub(crate) fn deny(&self, args: &CheckArgs) -> Level {
        args.deny.or(self.config.deny).unwrap_or(Level::Error)
    }

    /// Whether the audited code's findings fail the run. Counted, not listed: folded and
    /// hidden findings fail it like listed ones.
    pub(crate) fn failed(&self, args: &CheckArgs) -> bool {
        self.outcome
            .counts()
            .at_least(self.deny(args).max(Level::Info))
            > 0
    }
}

/// Runs the audit and prints the report; the exit code says whether findings reach the
/// deny level.
pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    let audited = audit(args)?;
    if args.dependencies {
        return crate::deps::run(args, audited);
    }
    let report = match args.format {
        Format::Human => {
            let color = crate::color::for_stdout(args.color);
            ffiguard_audit::render_human(&audited.outcome, &audited.known, color, &audited.root)
        }
        Format::Short => ffiguard_audit::render_short(&audited.outcome, &audited.root),
        Format::Github => {
            ffiguard_audit::render_github(&audited.outcome, &audited.known, &audited.root)
        }
        Format::Json => ffiguard_audit::render_json(&audited.outcome, &audited.known),
        Format::Sarif => {
            ffiguard_audit::render_sarif(&audited.outcome, &audited.known, &audited.root)
        }
    };
    print_report(&report);
    if args.explain_headers {
        eprint!("{}", audited.outcome.headers.explain());
    }
    Ok(exit_code(audited.failed(args)))
}

/// Writes `report` to stdout; a closed pipe (`| head`) is not an error worth a different
/// exit code.
pub(crate) fn print_report(report: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();
}

/// 1 when the run failed, else 0.
pub(crate) fn exit_code(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Audits the path the arguments name (or the members `-p` names), with its configuration
/// and baseline.
fn audit(args: &CheckArgs) -> Result<Audited, String> {
    let selection = args.target.selection()?;
    // What to audit: (path, the directory whose configuration applies, the prefix of its
    // paths in the report).
    let (root, units, selected) = match selection {
        None => {
            let path = args.target.path()?;
            let root = if path.is_dir() {
                path.clone()
            } else {
                // A `Cargo.toml` stands for its crate; a `.rs` file is configured by its
                // directory.
                path.parent().map(ToOwned::to_owned).unwrap_or_default()
            };
            (root.clone(), vec![(path, root, String::new())], Vec::new())
        }
        Some(selection) => {
            let base = selection
                .root
                .canonicalize()
                .unwrap_or_else(|_| selection.root.clone());
            let units = selection
                .members
                .iter()
                .map(|m| {
                    let dir = m.dir.canonicalize().unwrap_or_else(|_| m.dir.clone());
                    let prefix = dir.strip_prefix(&base).map_or_else(
                        |_| dir.to_string_lossy().into_owned(),
                        |rel| rel.to_string_lossy().replace('\\', "/"),
                    );
                    (m.dir.join("Cargo.toml"), m.dir.clone(), prefix)
                })
                .collect();
            let names = selection.members.into_iter().map(|m| m.name).collect();
            (selection.root, units, names)
        }
    };
    let config = match &args.config {
        Some(file) => Config::load_file(file),
        None => Config::load(&root),
    }
    .map_err(|e| e.to_string())?;
    let rules = registry::rules();
    let known = registry::metas();
    config.validate(&known).map_err(|e| e.to_string())?;
    let progress = Progress::default();
    let mut outcome: Option<AuditOutcome> = None;
    for (path, config_dir, prefix) in units {
        // `--config` is the configuration of everything audited; otherwise each member
        // chosen with `-p` is configured as `check DIR` would configure it.
        let own = if args.config.is_some() || config_dir == root {
            config.clone()
        } else {
            let own = Config::load(&config_dir).map_err(|e| e.to_string())?;
            own.validate(&known).map_err(|e| e.to_string())?;
            own
        };
        let mut part = crate::progress::around(&progress, || {
            audit_path_with_progress(&path, rules, &own, args.threads, &progress)
        })
        .map_err(|e| e.to_string())?;
        crate::merge::rebase(&mut part, &prefix);
        match &mut outcome {
            None => outcome = Some(part),
            Some(total) => crate::merge::absorb(total, part),
        }
    }
    let mut outcome = outcome.unwrap_or_default();
    if let Some(path) = &args.write_baseline {
        Baseline::of(&outcome)
            .save(path)
            .map_err(|e| e.to_string())?;
        eprintln!(
            "ffiguard: wrote {} finding(s) to {}",
            outcome.findings.len(),
            path.display()
        );
        outcome.findings.clear();
    }
    if let Some(path) = &args.baseline {
        let baseline = Baseline::load(path).map_err(|e| e.to_string())?;
        let accepted = baseline.filter(&mut outcome);
        if accepted > 0 && args.format == Format::Human {
            eprintln!("ffiguard: {accepted} finding(s) accepted by the baseline");
        }
    }
    // After the baseline, which needs every finding; before rendering, whose cost grows with
    // the findings listed.
    let mut counts_by_file: HashMap<String, LevelCounts> = HashMap::new();
    for f in &outcome.findings {
        counts_by_file
            .entry(f.location.file.clone())
            .or_default()
            .add(f.level);
    }
    outcome.fold(DEFAULT_FOLD);
    if let Some(level) = args.min_level {
        outcome.hide_below(level);
    }
    Ok(Audited {
        outcome,
        config,
        root,
        known,
        counts_by_file,
        selected,
    })
}
