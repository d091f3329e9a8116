//! Library-wide facts: version, feature flags, the registry of open stores.

use std::ffi::c_uint;

use ffiguard::conv::{self, Int, ULong};
use ffiguard::cstr;
use ffiguard::version::{self, BitField, FlagRequirement, Packing, Requirement};
use legacy_sys as sys;

use crate::{Error, LIBRARY, Result};

pub use ffiguard::version::Version;

/// `lg_version_number()` and `LG_VERSION_NUMBER`: `0xMMmmpp`.
const PACKING: Packing = Packing::Bits {
    major: BitField {
        shift: 16,
        width: 8,
    },
    minor: BitField { shift: 8, width: 8 },
    patch: BitField { shift: 0, width: 8 },
};

/// Longest version string read from the library.
const MAX_VERSION_TEXT: usize = 64;

/// The version of the linked liblegacy, read both ways it reports it; a library whose string
/// and number disagree is not trusted.
///
/// ```
/// let v = legacy::version()?;
/// assert_eq!(v.major, 2);
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn version() -> Result<Version> {
    // SAFETY: lg_version_number takes no arguments and only returns a constant.
    let packed = unsafe { sys::lg_version_number() };
    let from_number = Version::from_packed(packed, PACKING)?;
    // SAFETY: lg_version takes no arguments and returns a pointer to a string literal.
    let text = unsafe { sys::lg_version() };
    // SAFETY: the pointer is probed before every page is read, so a bogus one is an error;
    // string literals are never written or freed.
    let text = unsafe { cstr::read_ptr_probed(text, MAX_VERSION_TEXT) }.map_err(|source| {
        Error::BadString {
            function: "lg_version",
            source,
        }
    })?;
    let from_text = Version::from_c_str(text)?;
    if from_text != from_number {
        return Err(Error::contract(
            "lg_version",
            format!("version string {from_text} disagrees with version number {from_number}"),
        ));
    }
    Ok(from_number)
}

/// Checks that the linked liblegacy can be used through these bindings: same major version
/// as the header they were generated from, at least its minor version, and the features this
/// crate calls.
///
/// ```
/// legacy::check_version()?;
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn check_version() -> Result<Version> {
    let found = version()?;
    let header = Version::from_packed(sys::LG_VERSION_NUMBER, PACKING)?;
    Requirement::compatible(header.major, header.minor, 0).check("liblegacy", found)?;
    let required = [
        FlagRequirement {
            name: "checksum",
            mask: u64::from(sys::LG_FEATURE_CHECKSUM),
            value: u64::from(sys::LG_FEATURE_CHECKSUM),
        },
        FlagRequirement {
            name: "files",
            mask: u64::from(sys::LG_FEATURE_FILES),
            value: u64::from(sys::LG_FEATURE_FILES),
        },
    ];
    version::require_flags("liblegacy", u64::from(features().bits()), &required)?;
    Ok(found)
}

/// The `LG_FEATURE_*` flags the linked library reports. Bits this crate does not know are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Features(c_uint);

impl Features {
    /// `lg_checksum()` is available.
    pub const CHECKSUM: Features = Features(sys::LG_FEATURE_CHECKSUM);
    /// Stores can be loaded from and saved to files.
    pub const FILES: Features = Features(sys::LG_FEATURE_FILES);
    /// Virtual keys (`$name`, `$count`, ...) are supported.
    pub const VIRTUAL_KEYS: Features = Features(sys::LG_FEATURE_VIRTUAL_KEYS);
    /// The library claims to be thread-safe. This crate serializes calls regardless.
    pub const THREADS: Features = Features(sys::LG_FEATURE_THREADS);

    /// Whether every flag of `other` is set.
    ///
    /// ```
    /// use legacy::Features;
    /// assert!(legacy::features().contains(Features::CHECKSUM));
    /// assert!(!legacy::features().contains(Features::THREADS));
    /// ```
    pub fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// The raw bits, unknown ones included.
    pub fn bits(self) -> c_uint {
        self.0
    }
}

/// The feature flags of the linked library.
pub fn features() -> Features {
    // SAFETY: lg_features takes no arguments and only returns a constant.
    Features(unsafe { sys::lg_features() })
}

/// How many stores are open in the process (liblegacy's global registry).
///
/// ```
/// let before = legacy::open_stores()?;
/// let store = legacy::Store::new("counted")?;
/// assert_eq!(legacy::open_stores()?, before + 1);
/// drop(store);
/// assert_eq!(legacy::open_stores()?, before);
/// # Ok::<(), legacy::Error>(())
/// ```
///
/// Other threads may open and close stores between two calls; the count is exact at the
/// moment it is read because the registry is only touched under the library lock.
pub fn open_stores() -> Result<usize> {
    let _lock = LIBRARY.lock();
    // SAFETY: lg_open_stores reads the global registry counter; the library lock is held, so
    // no other call writes it concurrently.
    let count = unsafe { sys::lg_open_stores() };
    Ok(conv::from_c::<Int, usize>(count)?)
}

/// How many times liblegacy saw a call enter while another was still inside it
/// (`lg_misuse_count`): calls from two threads at once. Through this crate it stays 0, because
/// every call that touches liblegacy's globals holds the library lock.
///
/// ```
/// let store = legacy::Store::new("quiet")?;
/// drop(store);
/// assert_eq!(legacy::misuse_count()?, 0);
/// # Ok::<(), legacy::Error>(())
/// ```
pub fn misuse_count() -> Result<u64> {
    let _lock = LIBRARY.lock();
    // SAFETY: lg_misuse_count reads a global counter; the library lock is held.
    let count = unsafe { sys::lg_misuse_count() };
    Ok(conv::from_c::<ULong, u64>(count)?)
}
