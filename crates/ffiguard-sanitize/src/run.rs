//! Runs a plan: streams the output through the progress display and the report parser.

use crate::progress::Progress;
use crate::report::{MAX_LINE, Report, ReportParser};
use crate::{Error, Plan, ProgressMode, Sanitizer};
use serde::Serialize;
use std::io::{BufRead, BufReader, Read};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The result of one mode.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// The mode.
    pub sanitizer: Sanitizer,
    /// The command as a shell line, to reproduce the run.
    pub command: String,
    /// cargo's exit code (`None` when killed by a signal).
    pub exit_code: Option<i32>,
    /// What the sanitizer reported.
    pub report: Report,
    /// Wall-clock seconds, build included.
    pub seconds: f64,
    /// Notes from planning (toolchain fallback and the like).
    pub notes: Vec<String>,
}

impl Outcome {
    /// Whether a sanitizer reported anything.
    pub fn has_findings(&self) -> bool {
        !self.report.findings.is_empty() || self.report.dropped > 0
    }

    /// Whether the run failed: findings, or cargo (build or tests) failed.
    pub fn failed(&self) -> bool {
        self.has_findings() || self.exit_code != Some(0)
    }
}

/// Runs the plan to completion. Findings are in the [`Outcome`]; `Err` means cargo could
/// not be started.
pub fn run(plan: &Plan, mode: ProgressMode) -> Result<Outcome, Error> {
    let started = Instant::now();
    let mut progress = Progress::start(mode, plan.sanitizer.name());
    for note in &plan.notes {
        progress.line(&format!("note: {note}"));
    }
    let mut child = plan
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| Error::Spawn {
            program: "cargo".to_owned(),
            source,
        })?;
    let (sender, lines) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        readers.push(forward_lines(stdout, sender.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(forward_lines(stderr, sender.clone()));
    }
    drop(sender);
    let mut parser = ReportParser::default();
    for line in lines {
        parser.feed(&line);
        progress.line(&line);
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child.wait().map_err(|source| Error::Spawn {
        program: "cargo".to_owned(),
        source,
    })?;
    progress.finish();
    Ok(Outcome {
        sanitizer: plan.sanitizer,
        command: plan.shell_line(),
        exit_code: status.code(),
        report: parser.finish(),
        seconds: round_tenths(started.elapsed()),
        notes: plan.notes.clone(),
    })
}

fn round_tenths(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 10.0).round() / 10.0
}

/// Reads lines on a thread, each cut to [`MAX_LINE`] bytes so one endless line cannot
/// exhaust memory, and invalid UTF-8 replaced rather than fatal.
fn forward_lines(
    source: impl Read + Send + 'static,
    sender: mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut line = Vec::new();
        loop {
            let (done, used) = match reader.fill_buf() {
                Ok([]) | Err(_) => break,
                Ok(buf) => match buf.iter().position(|&b| b == b'\n') {
                    Some(end) => {
                        take(&mut line, &buf[..end]);
                        (true, end + 1)
                    }
                    None => {
                        take(&mut line, buf);
                        (false, buf.len())
                    }
                },
            };
            reader.consume(used);
            if done
                && sender
                    .send(String::from_utf8_lossy(&line).into_owned())
                    .is_err()
            {
                return;
            }
            if done {
                line.clear();
            }
        }
        if !line.is_empty() {
            let _ = sender.send(String::from_utf8_lossy(&line).into_owned());
        }
    })
}

fn take(line: &mut Vec<u8>, bytes: &[u8]) {
    let room = MAX_LINE.saturating_sub(line.len());
    line.extend_from_slice(&bytes[..bytes.len().min(room)]);
}
