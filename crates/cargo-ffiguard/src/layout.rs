//! `cargo ffiguard layout-tests`: argument syntax and output; the generator lives in
//! `ffiguard_audit::abi`.

use ffiguard_audit::abi::crate_check::{LayoutTestsArgs, layout_tests};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `cargo ffiguard layout-tests`.
#[derive(Debug, clap::Args)]
pub(crate) struct LayoutTestsCli {
    // The crate (directory, `Cargo.toml`, `--manifest-path` or one `-p`); its headers come
    // from `[package.metadata.ffiguard]` or `build.rs`.
    #[command(flatten)]
    pub(crate) target: crate::target::TargetArgs,
    /// Prefix for the type paths in the generated file, e.g. `my_sys::`.
    #[arg(long, default_value = "")]
    pub(crate) type_prefix: String,
    /// Write the file here (e.g. `tests/layout.rs`) instead of printing it.
    #[arg(long, short)]
    pub(crate) output: Option<PathBuf>,
}

/// Generates the assertions and writes or prints them.
pub(crate) fn run(args: &LayoutTestsCli) -> Result<ExitCode, String> {
    // Checked to exist: a mistyped path would read as a crate with no headers configured.
    let root = match args.target.selection()? {
        None => args.target.crate_dir("layout-tests")?,
        Some(selection) => match selection.members.as_slice() {
            [one] => one.dir.clone(),
            _ => return Err("layout-tests generates one file: name one package".to_owned()),
        },
    };
    let text = layout_tests(&LayoutTestsArgs {
        root,
        type_prefix: args.type_prefix.clone(),
    })
    .map_err(|e| e.to_string())?;
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
