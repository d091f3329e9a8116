//! What a wrapper requires of the loaded library: a version range and features.

use core::fmt;

use super::{Version, VersionError};

/// A version requirement, checked at run time against what the loaded library reports.
///
/// ```
/// use ffiguard::version::{Requirement, Version};
///
/// let req = Requirement::compatible(1, 2, 13);          // >= 1.2.13, < 2.0.0
/// assert!(req.check("zlib", Version::new(1, 3, 1)).is_ok());
/// assert!(req.check("zlib", Version::new(2, 0, 0)).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Requirement {
    /// `>= min`.
    AtLeast(Version),
    /// `>= min` and below the next major version: the ABI promise most C libraries make.
    Compatible(Version),
    /// Exactly this version (for libraries without ABI stability).
    Exact(Version),
    /// `>= min` and `< below`.
    Range {
        /// The lowest acceptable version.
        min: Version,
        /// The first version no longer acceptable.
        below: Version,
    },
}

impl Requirement {
    /// `>= major.minor.patch`.
    ///
    /// ```
    /// use ffiguard::version::{Requirement, Version};
    ///
    /// assert!(Requirement::at_least(3, 35, 0).check("sqlite", Version::new(3, 45, 1)).is_ok());
    /// ```
    pub const fn at_least(major: u32, minor: u32, patch: u32) -> Self {
        Requirement::AtLeast(Version::new(major, minor, patch))
    }

    /// `>= major.minor.patch` and `< (major + 1).0.0`.
    ///
    /// ```
    /// use ffiguard::version::Requirement;
    ///
    /// assert_eq!(Requirement::compatible(3, 0, 0).to_string(), ">= 3.0.0, < 4.0.0");
    /// ```
    pub const fn compatible(major: u32, minor: u32, patch: u32) -> Self {
        Requirement::Compatible(Version::new(major, minor, patch))
    }

    /// Exactly `major.minor.patch`.
    ///
    /// ```
    /// use ffiguard::version::{Requirement, Version};
    ///
    /// assert!(Requirement::exact(1, 0, 5).check("libfoo", Version::new(1, 0, 6)).is_err());
    /// ```
    pub const fn exact(major: u32, minor: u32, patch: u32) -> Self {
        Requirement::Exact(Version::new(major, minor, patch))
    }

    /// Whether `found` meets the requirement.
    ///
    /// ```
    /// use ffiguard::version::{Requirement, Version};
    ///
    /// let req = Requirement::Range { min: Version::new(1, 1, 0), below: Version::new(1, 4, 0) };
    /// assert!(req.is_satisfied_by(Version::new(1, 3, 9)));
    /// assert!(!req.is_satisfied_by(Version::new(1, 4, 0)));
    /// ```
    pub fn is_satisfied_by(&self, found: Version) -> bool {
        match *self {
            Requirement::AtLeast(min) => found >= min,
            Requirement::Compatible(min) => found >= min && found.major == min.major,
            Requirement::Exact(v) => found == v,
            Requirement::Range { min, below } => found >= min && found < below,
        }
    }

    /// `Ok` if `found` meets the requirement, otherwise an error naming the library, what
    /// was found and what was required.
    ///
    /// ```
    /// use ffiguard::version::{Requirement, Version};
    ///
    /// let err = Requirement::compatible(1, 2, 0).check("zlib", Version::new(2, 0, 1)).unwrap_err();
    /// assert_eq!(err.to_string(), "zlib 2.0.1 found, >= 1.2.0, < 2.0.0 required");
    /// ```
    pub fn check(&self, library: &'static str, found: Version) -> Result<(), VersionError> {
        if self.is_satisfied_by(found) {
            Ok(())
        } else {
            Err(VersionError::Unsatisfied {
                library,
                found,
                required: *self,
            })
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::AtLeast(min) => write!(f, ">= {min}"),
            Requirement::Compatible(min) => match min.major.checked_add(1) {
                Some(next) => write!(f, ">= {min}, < {next}.0.0"),
                None => write!(f, ">= {min}"),
            },
            Requirement::Exact(v) => write!(f, "= {v}"),
            Requirement::Range { min, below } => write!(f, ">= {min}, < {below}"),
        }
    }
}

/// Checks that every required feature appears among those the library reports (e.g.
/// SQLite's `sqlite3_compileoption_get` list, or names a wrapper derives from a flags word).
/// All missing features are reported at once, in the order they were required.
///
/// ```
/// use ffiguard::version::{self, VersionError};
///
/// let reported = ["THREADSAFE=1", "ENABLE_FTS5"];
/// assert!(version::require_features("sqlite", reported, &["THREADSAFE=1"]).is_ok());
///
/// let err = version::require_features("sqlite", reported, &["ENABLE_JSON1", "THREADSAFE=1", "ENABLE_RTREE"])
///     .unwrap_err();
/// assert_eq!(err.to_string(), "sqlite lacks required features: ENABLE_JSON1, ENABLE_RTREE");
/// ```
pub fn require_features<I>(
    library: &'static str,
    reported: I,
    required: &[&str],
) -> Result<(), VersionError>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    let reported: Vec<I::Item> = reported.into_iter().collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|want| !reported.iter().any(|have| have.as_ref() == **want))
        .map(|want| (*want).to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(VersionError::MissingFeatures { library, missing })
    }
}

/// A required value of some bits in a flags word a library reports (e.g. zlib's
/// `zlibCompileFlags()`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlagRequirement {
    /// The name reported when the requirement is not met.
    pub name: &'static str,
    /// The bits that matter.
    pub mask: u64,
    /// Their required value (only bits inside `mask` count).
    pub value: u64,
}

/// Checks a flags word against a list of [`FlagRequirement`]s; every one not met is reported
/// by name.
///
/// ```
/// use ffiguard::version::{self, FlagRequirement};
///
/// // zlibCompileFlags(): bits 0-1 are the size of uInt (1 = 32 bits), bit 16 is ZLIB_DEBUG.
/// let required = [
///     FlagRequirement { name: "uInt is 32 bits", mask: 0b11, value: 0b01 },
///     FlagRequirement { name: "not a debug build", mask: 1 << 16, value: 0 },
/// ];
/// assert!(version::require_flags("zlib", 0xa9, &required).is_ok());
/// let err = version::require_flags("zlib", 0xa9 | 1 << 16, &required).unwrap_err();
/// assert_eq!(err.to_string(), "zlib lacks required features: not a debug build");
/// ```
pub fn require_flags(
    library: &'static str,
    reported: u64,
    required: &[FlagRequirement],
) -> Result<(), VersionError> {
    let missing: Vec<String> = required
        .iter()
        .filter(|r| reported & r.mask != r.value & r.mask)
        .map(|r| r.name.to_owned())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(VersionError::MissingFeatures { library, missing })
    }
}
