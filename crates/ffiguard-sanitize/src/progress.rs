//! Progress while cargo builds (`-Zbuild-std` takes a minute) and the tests run.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// How to show the child's output and progress (always on stderr).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressMode {
    /// A spinner on a terminal; plain lines when stderr is not a terminal or `CI` is set.
    #[default]
    Auto,
    /// Every line of cargo's and the tests' output, as is.
    Plain,
    /// Nothing (the summary is the only output).
    Quiet,
}

pub(crate) enum Progress {
    Spinner {
        bar: ProgressBar,
        label: String,
        built: usize,
    },
    Plain,
    Quiet,
}

impl Progress {
    pub(crate) fn start(mode: ProgressMode, label: &str) -> Progress {
        let terminal = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        match mode {
            ProgressMode::Auto if terminal => {
                let bar = ProgressBar::new_spinner();
                if let Ok(style) = ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
                    bar.set_style(style);
                }
                bar.enable_steady_tick(Duration::from_millis(120));
                bar.set_message(format!("{label}: starting cargo"));
                Progress::Spinner {
                    bar,
                    label: label.to_owned(),
                    built: 0,
                }
            }
            ProgressMode::Quiet => Progress::Quiet,
            _ => {
                eprintln!("ffiguard sanitize: {label}: starting cargo");
                Progress::Plain
            }
        }
    }

    /// One line of the child's output.
    pub(crate) fn line(&mut self, line: &str) {
        match self {
            Progress::Spinner { bar, label, built } => {
                let trimmed = line.trim_start();
                if let Some(what) = trimmed.strip_prefix("Compiling ") {
                    *built += 1;
                    bar.set_message(format!("{label}: building ({built}) {what}"));
                } else if let Some(what) = trimmed.strip_prefix("Running ") {
                    bar.set_message(format!("{label}: running {what}"));
                    bar.println(line);
                } else if trimmed.starts_with("Fresh ") || trimmed.starts_with("Blocking ") {
                    // Noise on a terminal; the spinner says cargo is busy.
                } else {
                    bar.println(line);
                }
            }
            Progress::Plain => eprintln!("{line}"),
            Progress::Quiet => {}
        }
    }

    pub(crate) fn finish(self) {
        if let Progress::Spinner { bar, .. } = self {
            bar.finish_and_clear();
        }
    }
}
