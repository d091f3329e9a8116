//! What a rule reports: a message at a precise place, with optional context.

use crate::{Level, RuleMeta};
use serde::Serialize;

/// A range in a source file. Lines and columns are 1-based; columns count Unicode scalar
/// values (characters), as rustc does; the end is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Path of the file relative to the audited root, with `/` separators.
    pub file: String,
    /// First line (1-based).
    pub line: usize,
    /// First column (1-based, in characters).
    pub column: usize,
    /// Last line (1-based).
    pub end_line: usize,
    /// Column just past the end (1-based, in characters).
    pub end_column: usize,
}

/// A secondary place a finding points at (e.g. the `extern` declaration of the called function).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Label {
    /// Where.
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// One problem found by a rule.
///
/// Build it with [`FileContext::finding`](crate::FileContext::finding) and refine it with
/// [`label`](Finding::label), [`note`](Finding::note) and [`help`](Finding::help).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's id (`FFI001`), or a core diagnostic id (`FG0001`).
    pub rule: &'static str,
    /// Level after configuration; rules set the rule's default and the engine overrides it.
    pub level: Level,
    /// One sentence saying what is wrong here.
    pub message: String,
    /// The primary place.
    pub location: Location,
    /// Secondary places.
    pub labels: Vec<Label>,
    /// Extra facts (`note: ...`).
    pub notes: Vec<String>,
    /// What to do (`help: ...`).
    pub help: Option<String>,
}

impl Finding {
    /// A finding of `rule` at its default level, with no labels, notes or help.
    pub fn of(rule: &RuleMeta, message: impl Into<String>, location: Location) -> Self {
        Finding::new(rule.id, rule.default_level, message, location)
    }

    /// A finding with no labels, notes or help.
    pub fn new(
        rule: &'static str,
        level: Level,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Finding {
            rule,
            level,
            message: message.into(),
            location,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// Adds a secondary place.
    #[must_use]
    pub fn label(mut self, location: Location, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help text.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
