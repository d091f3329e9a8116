//! Baselines: accept today's findings, report only new ones.
//!
//! A fingerprint must survive unrelated edits, so it leaves out line numbers: it hashes the
//! rule, the file, the source text the finding points at (whitespace collapsed) and the
//! occurrence index among findings with the same three (so two identical calls in one file
//! stay distinct). Adding lines above a finding keeps its fingerprint; editing the flagged code
//! makes it new.

use crate::{AuditOutcome, Finding};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// A stored set of fingerprints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version (1).
    pub version: u32,
    /// Fingerprints of accepted findings.
    pub fingerprints: BTreeSet<String>,
}

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BaselineError {
    /// Reading or writing failed.
    #[error("baseline {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a baseline.
    #[error("baseline {path} is not valid: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Baseline {
    /// The baseline accepting every finding of `outcome`.
    pub fn of(outcome: &AuditOutcome) -> Baseline {
        Baseline {
            version: 1,
            fingerprints: fingerprints(outcome).into_iter().collect(),
        }
    }

    /// Reads a baseline file.
    pub fn load(path: &std::path::Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let baseline: Baseline =
            serde_json::from_str(&text).map_err(|e| BaselineError::Invalid {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        if baseline.version != 1 {
            return Err(BaselineError::Invalid {
                path: path.display().to_string(),
                message: format!("unsupported version {}", baseline.version),
            });
        }
        Ok(baseline)
    }

    /// Writes the baseline as JSON.
    pub fn save(&self, path: &std::path::Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Removes from `outcome` every finding the baseline accepts; returns how many.
    pub fn filter(&self, outcome: &mut AuditOutcome) -> usize {
        let prints = fingerprints(outcome);
        let before = outcome.findings.len();
        let mut keep = prints.iter().map(|p| !self.fingerprints.contains(p));
        outcome.findings.retain(|_| keep.next().unwrap_or(true));
        before - outcome.findings.len()
    }
}

/// The fingerprint of each finding of `outcome`, in order.
pub fn fingerprints(outcome: &AuditOutcome) -> Vec<String> {
    let mut occurrences: HashMap<(String, &'static str, &str), usize> = HashMap::new();
    let mut order: Vec<usize> = (0..outcome.findings.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&outcome.findings[a], &outcome.findings[b]);
        fa.location.cmp(&fb.location)
    });
    let mut prints = vec![String::new(); outcome.findings.len()];
    let mut indexed: HashMap<&str, crate::SourceText> = HashMap::new();
    for i in order {
        let finding = &outcome.findings[i];
        let file = finding.location.file.as_str();
        let source = indexed.entry(file).or_insert_with(|| {
            let text = outcome.sources.get(file).map_or("", |s| &**s);
            crate::SourceText::new(text.to_owned())
        });
        let snippet = normalized_snippet(finding, source);
        let key = (snippet, finding.rule, finding.location.file.as_str());
        let n = occurrences.entry(key.clone()).or_insert(0);
        prints[i] = format!(
            "{:016x}",
            fnv1a(&[finding.rule, key.2, &key.0, &n.to_string()])
        );
        *n += 1;
    }
    prints
}

/// The text a finding points at with whitespace collapsed (at most 256 characters); the
/// message for findings without a span.
fn normalized_snippet(finding: &Finding, source: &crate::SourceText) -> String {
    let text = source.text();
    let loc = &finding.location;
    let start = source.offset(loc.line, loc.column);
    let end = source.offset(loc.end_line, loc.end_column).max(start);
    let raw = text.get(start..end).unwrap_or("");
    let raw = if raw.trim().is_empty() {
        finding.message.as_str()
    } else {
        raw
    };
    raw.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(256)
        .collect()
}

/// FNV-1a over the parts with a separator: stable across versions and platforms.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0xff]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}
