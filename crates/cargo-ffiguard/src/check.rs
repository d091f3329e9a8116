//! `cargo ffiguard check`.

use crate::cli::{CheckArgs, Format};
use ffiguard_audit::baseline::Baseline;
use ffiguard_audit::{Config, DEFAULT_FOLD, Level, Progress, audit_path_with_progress, registry};
use std::io::Write;
use std::process::ExitCode;

/// Runs the audit and prints the report; the exit code says whether findings reach the
/// deny level.
pub(crate) fn run(args: &CheckArgs) -> Result<ExitCode, String> {
    if !args.path.exists() {
        return Err(format!(
            "{}: no such file or directory",
            args.path.display()
        ));
    }
    let config_root = if args.path.is_dir() {
        args.path.clone()
    } else {
        // A `Cargo.toml` stands for its crate; a `.rs` file is configured by its directory.
        args.path
            .parent()
            .map(ToOwned::to_owned)
            .unwrap_or_default()
    };
    let config = Config::load(&config_root).map_err(|e| e.to_string())?;
    let rules = registry::rules();
    let known = registry::metas();
    config.validate(&known).map_err(|e| e.to_string())?;
    let progress = Progress::default();
    let mut outcome = crate::progress::around(&progress, || {
        audit_path_with_progress(&args.path, rules, &config, args.threads, &progress)
    })
    .map_err(|e| e.to_string())?;
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
    outcome.fold(DEFAULT_FOLD);
    if let Some(level) = args.min_level {
        outcome.hide_below(level);
    }
    let report = match args.format {
        Format::Human => {
            let color = crate::color::for_stdout(args.color);
            ffiguard_audit::render_human(&outcome, &known, color, &config_root)
        }
        Format::Json => ffiguard_audit::render_json(&outcome, &known),
        Format::Sarif => ffiguard_audit::render_sarif(&outcome, &known, &config_root),
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a different exit code.
    let _ = stdout.write_all(report.as_bytes());
    let _ = stdout.flush();
    let deny = args.deny.or(config.deny).unwrap_or(Level::Error);
    // Counted, not listed: folded and hidden findings fail the run like listed ones.
    let failed = outcome.counts().at_least(deny.max(Level::Info)) > 0;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
