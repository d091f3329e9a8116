//! How loud a finding is, and how sure a rule is of it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Severity of a finding. Ordered: `Allow < Info < Warning < Error`.
///
/// `Allow` switches a rule off; the deny threshold (`--deny LEVEL`) compares with this order.
///
/// ```
/// use ffiguard_audit::Level;
/// assert!(Level::Error > Level::Warning);
/// assert_eq!("warning".parse::<Level>(), Ok(Level::Warning));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule is off; its findings are not reported.
    Allow,
    /// Worth a look; never fails a build by default.
    Info,
    /// Likely a bug or a missing guarantee.
    Warning,
    /// Undefined behaviour or memory unsafety in the common case.
    Error,
}

impl Level {
    /// The lowercase name used in configuration, JSON and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not one of `allow`, `info`, `warning` (`warn`), `error` (`deny`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown level `{0}` (expected allow, info, warning or error)")]
pub struct UnknownLevel(pub String);

impl FromStr for Level {
    type Err = UnknownLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "allow" | "off" => Ok(Level::Allow),
            "info" | "note" => Ok(Level::Info),
            "warning" | "warn" => Ok(Level::Warning),
            "error" | "deny" => Ok(Level::Error),
            _ => Err(UnknownLevel(s.to_owned())),
        }
    }
}

/// How often a rule's pattern is right when it matches, given that the audit sees syntax only
/// (no type inference, no macro expansion).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A heuristic; expect false positives, suppress with a reason.
    Low,
    /// Usually right; false positives come from patterns syntax cannot tell apart.
    Medium,
    /// The syntax alone proves the problem.
    High,
}

impl Confidence {
    /// The lowercase name used in JSON and docs.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
