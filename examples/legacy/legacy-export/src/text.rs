//! The Rust logic behind the exports: plain safe functions with typed errors, tested in Rust.

use std::fmt;

/// Why a text could not be turned into a value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TextError {
    /// The text is not of the expected form.
    Parse(String),
    /// The value does not fit in 64 bits.
    Overflow(String),
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parse(text) => write!(f, "cannot parse {text:?} as a size (e.g. 512, 4k, 16M)"),
            Self::Overflow(text) => write!(f, "size {text:?} does not fit in 64 bits"),
        }
    }
}

impl std::error::Error for TextError {}

/// Parses a size such as `512`, `4k`, `16M` or `2G` (binary multiples) into bytes.
///
/// ```
/// assert_eq!(legacy_export::parse_size("4k"), Ok(4096));
/// assert!(legacy_export::parse_size("99999999999G").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<u64, TextError> {
    let trimmed = text.trim();
    let (digits, shift) = match trimmed.char_indices().last() {
        Some((at, 'k' | 'K')) => (&trimmed[..at], 10),
        Some((at, 'm' | 'M')) => (&trimmed[..at], 20),
        Some((at, 'g' | 'G')) => (&trimmed[..at], 30),
        _ => (trimmed, 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TextError::Parse(text.to_owned()));
    }
    let number: u64 = digits
        .parse()
        .map_err(|_| TextError::Overflow(text.to_owned()))?;
    number
        .checked_mul(1_u64 << shift)
        .ok_or_else(|| TextError::Overflow(text.to_owned()))
}

/// Describes a byte count the way people read it: `"1.5 MiB"`, `"512 B"`.
///
/// ```
/// assert_eq!(legacy_export::describe_size(1536), "1.5 KiB");
/// ```
pub fn describe_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut unit = 0;
    let mut scaled = bytes;
    while scaled >= 1024 * 1024 && unit + 1 < UNITS.len() {
        scaled /= 1024;
        unit += 1;
    }
    // One decimal, computed in integers so that the text is exact and platform-independent.
    let tenths = (scaled % 1024) * 10 / 1024;
    format!("{}.{} {}", scaled / 1024, tenths, UNITS[unit])
}

/// Turns a human label into a liblegacy key: lower case, runs of other characters become `_`.
///
/// ```
/// assert_eq!(legacy_export::normalize_key("Cache Size (MB)"), "cache_size_mb");
/// ```
pub fn normalize_key(label: &str) -> String {
    let mut key = String::with_capacity(label.len());
    for c in label.chars() {
        if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
            key.push(c.to_ascii_lowercase());
        } else if !key.is_empty() && !key.ends_with('_') {
            key.push('_');
        }
    }
    while key.ends_with('_') {
        key.pop();
    }
    key
}

/// Percentage of `part` in `whole`, rounded down.
///
/// # Panics
///
/// Panics when `whole` is zero. The exported `lgx_percent` keeps that panic on purpose: it is
/// the bug the export guard must turn into `LGX_ERR_PANIC` instead of a crash of the C program.
pub fn percent(part: i64, whole: i64) -> Option<i64> {
    part.checked_mul(100).map(|scaled| scaled / whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_at_the_u64_boundary() {
        assert_eq!(parse_size("17179869183G"), Ok(17_179_869_183 << 30));
        assert!(matches!(
            parse_size("17179869184G"),
            Err(TextError::Overflow(_))
        ));
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
        assert!(matches!(
            parse_size("18446744073709551616"),
            Err(TextError::Overflow(_))
        ));
    }

    #[test]
    fn malformed_sizes_are_parse_errors() {
        for text in ["", "k", "-1", "1.5k", "12q", " "] {
            assert!(
                matches!(parse_size(text), Err(TextError::Parse(_))),
                "{text:?}"
            );
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe_size(0), "0 B");
        assert_eq!(describe_size(1023), "1023 B");
        assert_eq!(describe_size(1024), "1.0 KiB");
        assert_eq!(describe_size(3 << 20), "3.0 MiB");
        assert_eq!(describe_size(u64::MAX), "15.9 EiB");
    }

    #[test]
    fn keys() {
        assert_eq!(normalize_key("  Max Open Files "), "max_open_files");
        assert_eq!(normalize_key("***"), "");
    }

    #[test]
    fn percent_overflow_is_none() {
        assert_eq!(percent(1, 4), Some(25));
        assert_eq!(percent(i64::MAX, 1), None);
    }
}
