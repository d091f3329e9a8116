//! The error every conversion in [`conv`](super) returns.

use core::fmt;

/// An integer value as it was before a failed conversion, kept exactly.
///
/// Every Rust and C integer fits in one of the two variants, so the error can name the value
/// that did not fit without rounding it or printing its wrapped form.
///
/// ```
/// use ffiguard::conv::IntValue;
///
/// assert_eq!(IntValue::Unsigned(u64::MAX.into()).to_string(), "18446744073709551615");
/// assert_eq!(IntValue::Signed(-1).to_string(), "-1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IntValue {
    /// A value of a signed type.
    Signed(i128),
    /// A value of an unsigned type.
    Unsigned(u128),
}

impl fmt::Display for IntValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntValue::Signed(v) => v.fmt(f),
            IntValue::Unsigned(v) => v.fmt(f),
        }
    }
}

/// A conversion between a Rust integer and a C integer type that would have changed the value.
///
/// Types are named as their language spells them: C types as in a C header (`int`,
/// `unsigned long`, `size_t`), Rust types as in Rust (`usize`, `i64`).
///
/// ```
/// use ffiguard::conv::{self, ConvError};
///
/// let err = conv::c_int(4_294_967_296_usize).unwrap_err();
/// assert_eq!(err.to_string(), "4294967296 does not fit in C `int` (from `usize`)");
/// assert!(matches!(err, ConvError::IntoC { c_type: "int", .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvError {
    /// A Rust value does not fit in the C type it is passed as.
    #[error("{value} does not fit in C `{c_type}` (from `{rust_type}`)")]
    IntoC {
        /// The value that did not fit.
        value: IntValue,
        /// The C type, as C spells it.
        c_type: &'static str,
        /// The Rust type the value had.
        rust_type: &'static str,
    },
    /// A value C produced does not fit in the Rust type the caller asked for.
    #[error("{value} does not fit in `{rust_type}` (from C `{c_type}`)")]
    FromC {
        /// The value that did not fit.
        value: IntValue,
        /// The Rust type asked for.
        rust_type: &'static str,
        /// The C type the value had, as C spells it.
        c_type: &'static str,
    },
}

impl ConvError {
    /// The value that did not fit.
    ///
    /// ```
    /// use ffiguard::conv::{self, IntValue};
    ///
    /// let err = conv::c_uint(-1_i32).unwrap_err();
    /// assert_eq!(err.value(), IntValue::Signed(-1));
    /// ```
    pub fn value(&self) -> IntValue {
        match self {
            ConvError::IntoC { value, .. } | ConvError::FromC { value, .. } => *value,
        }
    }
}
