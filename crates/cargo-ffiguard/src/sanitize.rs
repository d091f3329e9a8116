//! `cargo ffiguard sanitize`: argument syntax and output; the logic lives in
//! `ffiguard_sanitize`.

use ffiguard_sanitize::{Environment, Options, ProgressMode, Sanitizer, ToolchainChoice};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `cargo ffiguard sanitize`.
#[derive(Debug, clap::Args)]
pub(crate) struct SanitizeArgs {
    /// address, leak, thread, memory, undefined, valgrind, or all (every sanitizer).
    pub(crate) mode: String,
    // The crate or workspace to test (directory, `Cargo.toml` or `--manifest-path`); `-p`
    // tests only that member (passed on to `cargo test`).
    #[command(flatten)]
    pub(crate) target: crate::target::TargetArgs,
    /// The crate or workspace directory (the positional path is the same).
    #[arg(long = "path", value_name = "DIR", hide = true, conflicts_with_all = ["path", "manifest_path"])]
    pub(crate) path_option: Option<PathBuf>,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Human)]
    pub(crate) format: SummaryFormat,
    /// Rust toolchain (default: nightly if installed, else the default with RUSTC_BOOTSTRAP=1).
    #[arg(long)]
    pub(crate) toolchain: Option<String>,
    /// Root of the per-mode target directories (default: `<target dir>/ffiguard-sanitize`).
    #[arg(long, value_name = "DIR")]
    pub(crate) target_root: Option<PathBuf>,
    /// Print every line of cargo's output instead of a progress spinner.
    #[arg(long, conflicts_with = "quiet")]
    pub(crate) plain: bool,
    /// Print only the summary.
    #[arg(long)]
    pub(crate) quiet: bool,
    /// Print the commands (environment included) instead of running them.
    #[arg(long)]
    pub(crate) print_commands: bool,
    /// Arguments for `cargo test`, after `--` (e.g. `-- -p legacy -- --include-ignored`).
    #[arg(last = true)]
    pub(crate) cargo_args: Vec<OsString>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum SummaryFormat {
    /// Findings with kind, location and top frames.
    Human,
    /// One JSON document.
    Json,
}

/// Plans every requested mode, then runs them in turn; exit 1 when any found something or
/// failed.
pub(crate) fn run(args: &SanitizeArgs) -> Result<ExitCode, String> {
    // Checked here: cargo's own message for a missing directory is about `locate-project`.
    let dir = match &args.path_option {
        Some(dir) => {
            crate::paths::must_exist(dir, "--path")?;
            dir.clone()
        }
        None => args.target.crate_dir("sanitize")?,
    };
    // Unknown names are refused here, with the members listed, before any build starts.
    let mut cargo_args: Vec<OsString> = Vec::new();
    if let Some(selection) = args.target.selection()? {
        for member in selection.members {
            cargo_args.push("-p".into());
            cargo_args.push(member.name.into());
        }
    }
    cargo_args.extend(args.cargo_args.iter().cloned());
    let modes = Sanitizer::parse_selection(&args.mode).map_err(|e| e.to_string())?;
    let choice = match &args.toolchain {
        Some(name) => ToolchainChoice::Named(name.clone()),
        None => ToolchainChoice::Auto,
    };
    let env = Environment::detect(&choice).map_err(|e| e.to_string())?;
    let mut options = Options::new(&dir).cargo_args(cargo_args);
    if let Some(root) = &args.target_root {
        options = options.target_root(root);
    }
    let plans = modes
        .iter()
        .map(|&mode| ffiguard_sanitize::plan(mode, &env, &options))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    if args.print_commands {
        for plan in &plans {
            println!("{}", plan.shell_line());
        }
        return Ok(ExitCode::SUCCESS);
    }
    let progress = match (args.plain, args.quiet) {
        (true, _) => ProgressMode::Plain,
        (_, true) => ProgressMode::Quiet,
        _ => ProgressMode::Auto,
    };
    let mut outcomes = Vec::new();
    for plan in &plans {
        outcomes.push(ffiguard_sanitize::run(plan, progress).map_err(|e| e.to_string())?);
    }
    match args.format {
        SummaryFormat::Human => eprint!("{}", ffiguard_sanitize::render_human(&outcomes)),
        SummaryFormat::Json => println!("{}", ffiguard_sanitize::render_json(&outcomes)),
    }
    Ok(if outcomes.iter().any(|o| o.failed()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
