//! Command-line syntax.

use clap::{Parser, Subcommand, ValueEnum};
use ffiguard_audit::Level;
use std::path::PathBuf;

/// Find FFI pitfalls in Rust crates without compiling them.
#[derive(Debug, Parser)]
#[command(name = "cargo ffiguard", version, about, bin_name = "cargo ffiguard")]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Audit a crate, a workspace, a directory or a file.
    Check(CheckArgs),
    /// Write a commented `ffiguard.toml` naming every setting and every rule's level.
    Init(crate::init::InitArgs),
    /// Print the documentation of a rule.
    Explain {
        /// Rule id (`FFI001`) or name.
        rule: String,
    },
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Generate target-adaptive layout assertions from a crate's C headers.
    LayoutTests(crate::layout::LayoutTestsCli),
    /// Run the tests under a sanitizer (or Valgrind) with the C side instrumented to match.
    Sanitize(crate::sanitize::SanitizeArgs),
    /// Write the rule documentation pages (`ID.md` and `README.md`).
    Docs {
        /// Directory to write into.
        #[arg(long, default_value = "docs/rules")]
        out: PathBuf,
        /// Do not write; exit 1 if the pages in `--out` differ from the generated ones.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub(crate) target: crate::target::TargetArgs,
    /// Use this configuration file instead of the one found with the audited crate
    /// (`ffiguard.toml`, `[package.metadata.ffiguard]`, `[workspace.metadata.ffiguard]`).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,
    /// Write every current finding into this baseline file (accepting them).
    #[arg(long, value_name = "FILE")]
    pub(crate) write_baseline: Option<PathBuf>,
    /// Lowest level that fails the run (exit 1): info, warning or error.
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub(crate) deny: Option<Level>,
    /// Color in human output [default: CARGO_TERM_COLOR, else auto; auto honours NO_COLOR].
    #[arg(long, value_enum)]
    pub(crate) color: Option<Color>,
    /// Lowest level listed: info, warning or error (hidden findings are still counted and
    /// still decide the exit code).
    #[arg(long, value_name = "LEVEL", value_parser = parse_level)]
    pub(crate) min_level: Option<Level>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub(crate) threads: usize,
    /// Say which C headers the cross-check used for each package and why, and why a package
    /// had none (on stderr, so machine-readable output on stdout stays whole).
    #[arg(long)]
    pub(crate) explain_headers: bool,
    /// Also audit every dependency (from cargo's registry and git checkouts, as resolved by
    /// `cargo metadata`) and print a table of each crate's FFI surface and findings.
    /// Dependencies' findings fail the run only with `--deny-dependencies`.
    #[arg(long)]
    pub(crate) dependencies: bool,
    /// With `--dependencies`: lowest level of a dependency's finding that fails the run
    /// (exit 1) [default: none fails it].
    #[arg(
        long,
        value_name = "LEVEL",
        value_parser = parse_level,
        requires = "dependencies"
    )]
    pub(crate) deny_dependencies: Option<Level>,
    /// With `--dependencies`: run `cargo metadata` without the network (`--offline`).
    #[arg(long, requires = "dependencies")]
    pub(crate) offline: bool,
    /// With `--dependencies`: only the dependencies built for this target triple (e.g.
    /// `x86_64-unknown-linux-gnu`; repeatable) [default: every platform's].
    #[arg(long, value_name = "TRIPLE", requires = "dependencies")]
    pub(crate) filter_platform: Vec<String>,
}

fn parse_level(text: &str) -> Result<Level, String> {
    text.parse::<Level>().map_err(|e| e.to_string())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// rustc-style text with code snippets.
    Human,
    /// One line per finding: `path:line:col: level[ID]: message`.
    Short,
    /// GitHub Actions workflow commands (`::error file=..,line=..::message`): annotations.
    Github,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0 for code-scanning services.
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListFormat {
    /// A table.
    Human,
    /// JSON array.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    /// When stdout is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}
