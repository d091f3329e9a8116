//! The error every check in [`version`](super) returns.

use super::{Requirement, Version};
use crate::cstr::CStrError;

/// The loaded library is not the one the wrapper was written for, or its version could not
/// be read.
///
/// ```
/// use ffiguard::version::{Requirement, Version, VersionError};
///
/// let found = Version::parse("1.2.11")?;
/// let err = Requirement::at_least(1, 2, 13).check("zlib", found).unwrap_err();
/// assert_eq!(err.to_string(), "zlib 1.2.11 found, >= 1.2.13 required");
/// # Ok::<(), VersionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// A version string is not `MAJOR[.MINOR[.PATCH]]`.
    #[error("cannot parse version {input:?}: {reason}")]
    Parse {
        /// The input (its first 64 bytes at most).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A packed integer does not decode with the layout the caller chose.
    #[error("cannot decode packed version {value}: {reason}")]
    Packed {
        /// The packed value as the library reported it.
        value: i128,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A version part a library reported separately is negative or wider than 32 bits.
    #[error("version part {part} = {value} is not in 0..=4294967295")]
    PartOutOfRange {
        /// Which part: `"major"`, `"minor"` or `"patch"`.
        part: &'static str,
        /// The value as reported.
        value: i128,
    },
    /// The version found does not meet the requirement.
    #[error("{library} {found} found, {required} required")]
    Unsatisfied {
        /// The library's name as the caller gave it.
        library: &'static str,
        /// The version the library reported.
        found: Version,
        /// What the caller requires.
        required: Requirement,
    },
    /// The library does not report features (compile options, flags) the caller requires.
    #[error("{library} lacks required features: {}", missing.join(", "))]
    MissingFeatures {
        /// The library's name as the caller gave it.
        library: &'static str,
        /// Every required feature not reported, in the order they were required.
        missing: Vec<String>,
    },
    /// The version string could not be read from C.
    #[error("reading the version string: {0}")]
    Read(#[from] CStrError),
}
