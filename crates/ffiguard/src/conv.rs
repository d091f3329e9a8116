//! Checked conversion of integers across the boundary, and (pointer, length) pairs from slices.
//!
//! C integer types change size between targets (`long` is 64 bits on Linux x86_64 and 32 bits
//! on Windows and on every 32-bit target) and C silently truncates. Every conversion here is
//! exact or returns a [`ConvError`] that names the value and both types, C types spelled as a
//! C header spells them:
//!
//! ```
//! use ffiguard::conv;
//! use core::ffi::{c_int, c_ulong};
//!
//! # fn main() -> Result<(), ffiguard::conv::ConvError> {
//! let len: c_int = conv::c_int(42_usize)?;         // the common path: one named function
//! let flags: c_ulong = conv::c_ulong(7_u32)?;      // widening: no check left after inlining
//! assert_eq!((len, flags), (42, 7));
//!
//! let err = conv::c_int(4_294_967_296_usize).unwrap_err();
//! assert_eq!(err.to_string(), "4294967296 does not fit in C `int` (from `usize`)");
//! # Ok(()) }
//! ```
//!
//! Where a conversion is lossless by type on this target, [`widen`] returns the value with no
//! `Result` at all, and fails to *build* on a target where it would truncate.
//!
//! The generic forms take a marker type from [`CType`]: [`to_c`], [`from_c`], and the method
//! traits [`ToC`] and [`FromC`]:
//!
//! ```
//! use ffiguard::conv::{self, FromC, Long, SizeT, ToC};
//!
//! # fn main() -> Result<(), ffiguard::conv::ConvError> {
//! let n = conv::to_c::<SizeT>(10_u64)?;
//! let m = 10_u64.to_c::<SizeT>()?;
//! assert_eq!(n, m);
//!
//! // A value C returned, read back into the Rust type the caller wants.
//! let ret: core::ffi::c_long = -1;
//! let err = usize::from_c::<Long>(ret).unwrap_err();
//! assert_eq!(err.to_string(), "-1 does not fit in `usize` (from C `long`)");
//! # Ok(()) }
//! ```

mod error;
mod slice;
mod types;

pub use error::{ConvError, IntValue};
pub use slice::{EmptySlice, byte_len, slice_arg, slice_arg_mut};
pub use types::{
    CType, Char, Int, Int8T, Int16T, Int32T, Int64T, IntptrT, Long, LongLong, PtrdiffT, RustInt,
    SChar, SSizeT, Short, SizeT, UChar, UInt, ULong, ULongLong, UShort, Uint8T, Uint16T, Uint32T,
    Uint64T, UintptrT,
};

/// Converts a Rust integer into the C type `C`, or says why it does not fit.
///
/// ```
/// use ffiguard::conv::{self, UInt};
///
/// assert_eq!(conv::to_c::<UInt>(7_i64), Ok(7));
/// assert_eq!(
///     conv::to_c::<UInt>(-1_i64).unwrap_err().to_string(),
///     "-1 does not fit in C `unsigned int` (from `i64`)",
/// );
/// ```
#[inline]
pub fn to_c<C: CType>(value: impl RustInt) -> Result<C::Repr, ConvError> {
    into_c::<C, _>(value)
}

#[inline(always)]
fn into_c<C: CType, V: RustInt>(value: V) -> Result<C::Repr, ConvError> {
    let wide = value.int_value();
    C::Repr::from_int_value(wide).ok_or(ConvError::IntoC {
        value: wide,
        c_type: C::NAME,
        rust_type: V::NAME,
    })
}

/// Converts a Rust integer into the C type `C` when the conversion is lossless on the target
/// being compiled, proven by the type checker: no `Result`, no run-time check.
///
/// Where the conversion is lossless on some targets only, this is a compile error on the
/// others, which is the point: `widen::<Long>(x_i64)` builds on 64-bit Linux and fails to
/// build on Windows and 32-bit targets, where `long` is 32 bits. Use [`to_c`] there.
///
/// ```
/// use ffiguard::conv::{self, Int, LongLong, SizeT};
///
/// let n: core::ffi::c_longlong = conv::widen::<LongLong>(7_i32);
/// let len: usize = conv::widen::<SizeT>(255_u8);
/// assert_eq!((n, len, conv::widen::<Int>(-3_i16)), (7, 255, -3));
/// ```
///
/// `unsigned int` does not fit in `int` on any target:
///
/// ```compile_fail,E0277
/// use ffiguard::conv::{self, Int};
///
/// let _ = conv::widen::<Int>(1_u32);
/// ```
#[inline(always)]
pub fn widen<C: CType>(value: impl Into<C::Repr>) -> C::Repr {
    value.into()
}

/// Converts a value of the C type `C` into the Rust integer type `R`, or says why it does not
/// fit.
///
/// ```
/// use ffiguard::conv::{self, SSizeT};
///
/// // `read(2)` returned a byte count: non-negative means a length.
/// let ret: isize = 12;
/// let n: usize = conv::from_c::<SSizeT, _>(ret)?;
/// assert_eq!(n, 12);
/// assert!(conv::from_c::<SSizeT, usize>(-1).is_err());
/// # Ok::<(), ffiguard::conv::ConvError>(())
/// ```
#[inline]
pub fn from_c<C: CType, R: RustInt>(value: C::Repr) -> Result<R, ConvError> {
    let wide = value.int_value();
    R::from_int_value(wide).ok_or(ConvError::FromC {
        value: wide,
        rust_type: R::NAME,
        c_type: C::NAME,
    })
}

/// Method form of [`to_c`]: `len.to_c::<SizeT>()?`.
///
/// ```
/// use ffiguard::conv::{Short, ToC};
///
/// assert_eq!(300_u32.to_c::<Short>(), Ok(300));
/// assert!(40_000_u32.to_c::<Short>().is_err());
/// ```
pub trait ToC: RustInt {
    /// Converts `self` into the C type `C`.
    fn to_c<C: CType>(self) -> Result<C::Repr, ConvError>;
}

impl<V: RustInt> ToC for V {
    #[inline]
    fn to_c<C: CType>(self) -> Result<C::Repr, ConvError> {
        into_c::<C, V>(self)
    }
}

/// Method form of [`from_c`]: `usize::from_c::<Int>(ret)?`.
///
/// ```
/// use ffiguard::conv::{FromC, Int};
///
/// assert_eq!(u8::from_c::<Int>(255), Ok(255));
/// assert!(u8::from_c::<Int>(256).is_err());
/// ```
pub trait FromC: RustInt {
    /// Converts a value of the C type `C` into `Self`.
    fn from_c<C: CType>(value: C::Repr) -> Result<Self, ConvError>;
}

impl<R: RustInt> FromC for R {
    #[inline]
    fn from_c<C: CType>(value: C::Repr) -> Result<Self, ConvError> {
        from_c::<C, R>(value)
    }
}

macro_rules! named_conversions {
    ($($fn_name:ident => $marker:ident),* $(,)?) => {$(
        #[doc = concat!(
            "Converts a Rust integer into C `", stringify!($fn_name), "`: shorthand for ",
            "[`to_c::<", stringify!($marker), ">`](to_c).\n\n",
            "```\n",
            "use ffiguard::conv;\n\n",
            "assert_eq!(conv::", stringify!($fn_name), "(0_u8), Ok(0));\n",
            "assert!(conv::", stringify!($fn_name), "(u128::MAX).is_err());\n",
            "```"
        )]
        #[inline]
        pub fn $fn_name(value: impl RustInt) -> Result<<$marker as CType>::Repr, ConvError> {
            into_c::<$marker, _>(value)
        }
    )*};
}

named_conversions!(
    c_char => Char,
    c_schar => SChar,
    c_uchar => UChar,
    c_short => Short,
    c_ushort => UShort,
    c_int => Int,
    c_uint => UInt,
    c_long => Long,
    c_ulong => ULong,
    c_longlong => LongLong,
    c_ulonglong => ULongLong,
    size_t => SizeT,
    ssize_t => SSizeT,
);

#[cfg(test)]
mod tests;
