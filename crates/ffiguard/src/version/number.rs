//! [`Version`]: parsing from strings and decoding from packed integers.

use core::ffi::CStr;
use core::fmt;

use super::VersionError;
use crate::conv::{IntValue, RustInt};

/// A library version, `MAJOR.MINOR.PATCH`, ordered numerically.
///
/// ```
/// use ffiguard::version::Version;
///
/// assert!(Version::new(1, 10, 0) > Version::new(1, 9, 9));
/// assert_eq!(Version::parse("1.3")?, Version::new(1, 3, 0));
/// # Ok::<(), ffiguard::version::VersionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    /// The major version.
    pub major: u32,
    /// The minor version.
    pub minor: u32,
    /// The patch level (revision).
    pub patch: u32,
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl Version {
    /// A version from its parts.
    ///
    /// ```
    /// use ffiguard::version::Version;
    ///
    /// assert_eq!(Version::new(3, 45, 1).to_string(), "3.45.1");
    /// ```
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// A version from parts a library reports as separate C integers (e.g. through
    /// `int *major, int *minor, int *patch` out-parameters); a negative or too-wide part is an
    /// error.
    ///
    /// ```
    /// use core::ffi::c_int;
    /// use ffiguard::version::{Version, VersionError};
    ///
    /// let (major, minor, patch): (c_int, c_int, c_int) = (2, 5, -1);
    /// assert_eq!(
    ///     Version::from_parts(major, minor, patch),
    ///     Err(VersionError::PartOutOfRange { part: "patch", value: -1 }),
    /// );
    /// assert_eq!(Version::from_parts(2_i32, 5_i32, 0_i32), Ok(Version::new(2, 5, 0)));
    /// ```
    pub fn from_parts(
        major: impl RustInt,
        minor: impl RustInt,
        patch: impl RustInt,
    ) -> Result<Self, VersionError> {
        Ok(Version::new(
            part("major", major.int_value())?,
            part("minor", minor.int_value())?,
            part("patch", patch.int_value())?,
        ))
    }

    /// Parses exactly `MAJOR[.MINOR[.PATCH]]` (ASCII digits, each part fitting `u32`); missing
    /// parts are zero. Anything else is an error: use [`Version::parse_prefix`] for strings
    /// with a suffix.
    ///
    /// ```
    /// use ffiguard::version::Version;
    ///
    /// assert_eq!(Version::parse("1.2.13")?, Version::new(1, 2, 13));
    /// assert!(Version::parse("1.2.13-motley").is_err());
    /// assert!(Version::parse("1..3").is_err());
    /// assert!(Version::parse("4294967296").is_err());
    /// # Ok::<(), ffiguard::version::VersionError>(())
    /// ```
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let (version, rest) = Version::parse_prefix(input)?;
        if rest.is_empty() {
            Ok(version)
        } else {
            Err(parse_error(input, "unexpected text after the version"))
        }
    }

    /// Parses a leading `MAJOR[.MINOR[.PATCH]]` and returns the rest of the string, for
    /// versions like `"1.2.11.1-motley"` or `"3.45.1 2024-01-30"`.
    ///
    /// ```
    /// use ffiguard::version::Version;
    ///
    /// let (v, rest) = Version::parse_prefix("1.2.11.1-motley")?;
    /// assert_eq!((v, rest), (Version::new(1, 2, 11), ".1-motley"));
    /// assert!(Version::parse_prefix("v1.2").is_err());
    /// # Ok::<(), ffiguard::version::VersionError>(())
    /// ```
    pub fn parse_prefix(input: &str) -> Result<(Self, &str), VersionError> {
        let mut parts = [0_u32; 3];
        let mut rest = input;
        for (index, part) in parts.iter_mut().enumerate() {
            if index > 0 {
                // A further part needs a dot followed by a digit; otherwise the version ends.
                match rest.strip_prefix('.') {
                    Some(after) if after.starts_with(|c: char| c.is_ascii_digit()) => {
                        rest = after;
                    }
                    _ => break,
                }
            }
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(parse_error(input, "expected a number"));
            }
            *part = rest[..digits]
                .parse()
                .map_err(|_| parse_error(input, "a part does not fit in 32 bits"))?;
            rest = &rest[digits..];
        }
        let [major, minor, patch] = parts;
        Ok((Version::new(major, minor, patch), rest))
    }

    /// Parses a version string C returned (read it with a bounded reader first, e.g.
    /// [`cstr::read_ptr_probed`](crate::cstr::read_ptr_probed)); it must be UTF-8 and exactly
    /// a version.
    ///
    /// ```
    /// use ffiguard::version::Version;
    ///
    /// assert_eq!(Version::from_c_str(c"1.3.1")?, Version::new(1, 3, 1));
    /// # Ok::<(), ffiguard::version::VersionError>(())
    /// ```
    pub fn from_c_str(s: &CStr) -> Result<Self, VersionError> {
        Version::parse(crate::cstr::utf8(s)?)
    }

    /// Decodes a version the library reports as one integer, with the layout the caller
    /// names (see [`Packing`] for zlib, SQLite, OpenSSL and libpng).
    ///
    /// ```
    /// use ffiguard::version::{Packing, Version};
    ///
    /// assert_eq!(Version::from_packed(0x1310, Packing::ZLIB_VERNUM)?, Version::new(1, 3, 1));
    /// assert_eq!(Version::from_packed(3_045_001, Packing::SQLITE)?, Version::new(3, 45, 1));
    /// assert!(Version::from_packed(-1, Packing::SQLITE).is_err());
    /// # Ok::<(), ffiguard::version::VersionError>(())
    /// ```
    pub fn from_packed(value: impl RustInt, packing: Packing) -> Result<Self, VersionError> {
        let wide = value.int_value();
        let shown = match wide {
            IntValue::Signed(v) => v,
            IntValue::Unsigned(v) => i128::try_from(v).unwrap_or(i128::MAX),
        };
        let packed_error = |reason| VersionError::Packed {
            value: shown,
            reason,
        };
        let raw = u64::from_int_value(wide).ok_or(packed_error("not in 0..=u64::MAX"))?;
        packing.decode(raw).map_err(packed_error)
    }
}

/// Where each part sits in a packed version integer.
///
/// ```
/// use ffiguard::version::{BitField, Packing, Version};
///
/// // A library that packs 0xMMmmpp (8 bits each):
/// let packing = Packing::Bits {
///     major: BitField { shift: 16, width: 8 },
///     minor: BitField { shift: 8, width: 8 },
///     patch: BitField { shift: 0, width: 8 },
/// };
/// assert_eq!(Version::from_packed(0x02_0a_03, packing)?, Version::new(2, 10, 3));
/// # Ok::<(), ffiguard::version::VersionError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Packing {
    /// Each part in its own bit field. Bits below the lowest field (zlib's sub-revision
    /// nibble, OpenSSL's status nibble) are ignored; bits above the major field are an error.
    Bits {
        /// The major version's field.
        major: BitField,
        /// The minor version's field.
        minor: BitField,
        /// The patch level's field.
        patch: BitField,
    },
    /// `major * major_scale + minor * minor_scale + patch`, with `minor * minor_scale <
    /// major_scale` and `patch < minor_scale`.
    Decimal {
        /// The multiplier of the major version.
        major_scale: u64,
        /// The multiplier of the minor version.
        minor_scale: u64,
    },
}

/// A bit field in a packed integer: `width` bits starting at bit `shift`.
///
/// ```
/// use ffiguard::version::{BitField, Packing, Version};
///
/// // A field wider than 32 bits cannot hold a version part: an error, not a truncation.
/// let wide = BitField { shift: 0, width: 40 };
/// let packing = Packing::Bits { major: wide, minor: wide, patch: wide };
/// assert!(Version::from_packed(1_u64, packing).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BitField {
    /// The index of the field's lowest bit.
    pub shift: u32,
    /// The number of bits (at most 32).
    pub width: u32,
}

impl Packing {
    /// zlib's `ZLIB_VERNUM` / `zlibVersion` number: `0x1310` is 1.3.1 (the low nibble is the
    /// sub-revision).
    pub const ZLIB_VERNUM: Packing = Packing::Bits {
        major: BitField {
            shift: 12,
            width: 4,
        },
        minor: BitField { shift: 8, width: 4 },
        patch: BitField { shift: 4, width: 4 },
    };
    /// SQLite's `sqlite3_libversion_number()`: `3045001` is 3.45.1.
    pub const SQLITE: Packing = Packing::Decimal {
        major_scale: 1_000_000,
        minor_scale: 1_000,
    };
    /// OpenSSL 3's `OPENSSL_VERSION_NUMBER` / `OpenSSL_version_num()`: `0x30000020` is 3.0.2.
    pub const OPENSSL_3: Packing = Packing::Bits {
        major: BitField {
            shift: 28,
            width: 4,
        },
        minor: BitField {
            shift: 20,
            width: 8,
        },
        patch: BitField { shift: 4, width: 8 },
    };
    /// libpng's `png_access_version_number()`: `10637` is 1.6.37.
    pub const LIBPNG: Packing = Packing::Decimal {
        major_scale: 10_000,
        minor_scale: 100,
    };

    fn decode(self, raw: u64) -> Result<Version, &'static str> {
        match self {
            Packing::Bits {
                major,
                minor,
                patch,
            } => {
                let top = major.shift.checked_add(major.width).filter(|t| *t <= 64);
                let top = top.ok_or("the major field does not fit in 64 bits")?;
                if top < 64 && raw >> top != 0 {
                    return Err("bits set above the major field");
                }
                Ok(Version::new(
                    major.extract(raw)?,
                    minor.extract(raw)?,
                    patch.extract(raw)?,
                ))
            }
            Packing::Decimal {
                major_scale,
                minor_scale,
            } => {
                if minor_scale == 0 || major_scale <= minor_scale {
                    return Err("the scales must satisfy 0 < minor_scale < major_scale");
                }
                let part = |v: u64| u32::try_from(v).map_err(|_| "a part does not fit in 32 bits");
                Ok(Version::new(
                    part(raw / major_scale)?,
                    part(raw % major_scale / minor_scale)?,
                    part(raw % minor_scale)?,
                ))
            }
        }
    }
}

impl BitField {
    fn extract(self, raw: u64) -> Result<u32, &'static str> {
        if self.width == 0 || self.width > 32 || self.shift >= 64 {
            return Err("a field is empty, wider than 32 bits or past bit 63");
        }
        let mask = (1_u64 << self.width) - 1;
        u32::try_from((raw >> self.shift) & mask).map_err(|_| "a part does not fit in 32 bits")
    }
}

fn part(name: &'static str, value: IntValue) -> Result<u32, VersionError> {
    u32::from_int_value(value).ok_or(VersionError::PartOutOfRange {
        part: name,
        value: match value {
            IntValue::Signed(v) => v,
            IntValue::Unsigned(v) => i128::try_from(v).unwrap_or(i128::MAX),
        },
    })
}

fn parse_error(input: &str, reason: &'static str) -> VersionError {
    let mut end = input.len().min(64);
    while !input.is_char_boundary(end) {
        end -= 1;
    }
    VersionError::Parse {
        input: input[..end].to_owned(),
        reason,
    }
}
