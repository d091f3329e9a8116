//! The integer types on each side: Rust primitives ([`RustInt`]) and C types named as C spells
//! them ([`CType`]).

use super::IntValue;

mod sealed {
    pub trait Sealed {}
}

/// A Rust primitive integer type (`i8` … `i128`, `u8` … `u128`, `isize`, `usize`).
///
/// Sealed: the conversions are exact only because the set of types is closed.
///
/// ```
/// use ffiguard::conv::{IntValue, RustInt};
///
/// assert_eq!(<u16 as RustInt>::NAME, "u16");
/// assert_eq!((-3_i8).int_value(), IntValue::Signed(-3));
/// ```
pub trait RustInt: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The type's name as Rust spells it.
    const NAME: &'static str;
    /// The value, widened without loss.
    fn int_value(self) -> IntValue;
    /// The value as `Self`, or `None` if it is out of range.
    ///
    /// Widening and then narrowing through 128 bits is what makes one generic path exact for
    /// every pair of types; after inlining the compiler removes the range check whenever the
    /// source type fits in `Self`, so infallible conversions cost nothing.
    fn from_int_value(value: IntValue) -> Option<Self>;
}

macro_rules! rust_int {
    ($($t:ident => $variant:ident),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl RustInt for $t {
            const NAME: &'static str = stringify!($t);
            #[inline(always)]
            fn int_value(self) -> IntValue {
                IntValue::$variant(self.into())
            }
            #[inline(always)]
            fn from_int_value(value: IntValue) -> Option<Self> {
                match value {
                    IntValue::Signed(v) => Self::try_from(v).ok(),
                    IntValue::Unsigned(v) => Self::try_from(v).ok(),
                }
            }
        }
    )*};
}

rust_int!(
    i8 => Signed, i16 => Signed, i32 => Signed, i64 => Signed, i128 => Signed,
    u8 => Unsigned, u16 => Unsigned, u32 => Unsigned, u64 => Unsigned, u128 => Unsigned,
);

// `isize`/`usize` have no `From` into 128-bit integers (a future 256-bit target would break it),
// so they widen through `TryFrom`, which cannot fail on any target Rust supports.
impl sealed::Sealed for isize {}
impl RustInt for isize {
    const NAME: &'static str = "isize";
    #[inline(always)]
    fn int_value(self) -> IntValue {
        IntValue::Signed(i128::try_from(self).unwrap_or(i128::MAX))
    }
    #[inline(always)]
    fn from_int_value(value: IntValue) -> Option<Self> {
        match value {
            IntValue::Signed(v) => Self::try_from(v).ok(),
            IntValue::Unsigned(v) => Self::try_from(v).ok(),
        }
    }
}
impl sealed::Sealed for usize {}
impl RustInt for usize {
    const NAME: &'static str = "usize";
    #[inline(always)]
    fn int_value(self) -> IntValue {
        IntValue::Unsigned(u128::try_from(self).unwrap_or(u128::MAX))
    }
    #[inline(always)]
    fn from_int_value(value: IntValue) -> Option<Self> {
        match value {
            IntValue::Signed(v) => Self::try_from(v).ok(),
            IntValue::Unsigned(v) => Self::try_from(v).ok(),
        }
    }
}

/// A C integer type, named as a C header spells it.
///
/// `core::ffi::c_int` is only an alias of `i32`, so a conversion to it could not say "C `int`"
/// in its error. These zero-sized markers carry the C name and the Rust representation for the
/// target being compiled (`Long::Repr` is `i64` on Linux x86_64 and `i32` on Windows).
///
/// ```
/// use ffiguard::conv::{CType, Long, SizeT};
///
/// assert_eq!(Long::NAME, "long");
/// assert_eq!(SizeT::NAME, "size_t");
/// let _: <Long as CType>::Repr = core::ffi::c_long::default();
/// ```
pub trait CType: sealed::Sealed + 'static {
    /// The Rust type with this C type's size and signedness on the current target.
    type Repr: RustInt + core::fmt::Debug + core::fmt::Display + Eq + Ord;
    /// The type as C spells it.
    const NAME: &'static str;
}

macro_rules! c_types {
    ($($(#[$doc:meta])* $marker:ident = $repr:ty, $c_name:literal;)*) => {$(
        $(#[$doc])*
        #[doc = concat!(
            "\n\nMarker for C `", $c_name, "`.\n\n",
            "```\n",
            "use ffiguard::conv::{self, CType, ", stringify!($marker), "};\n\n",
            "assert_eq!(", stringify!($marker), "::NAME, \"", $c_name, "\");\n",
            "assert_eq!(conv::to_c::<", stringify!($marker), ">(0_u8), Ok(0));\n",
            "```"
        )]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $marker;
        impl sealed::Sealed for $marker {}
        impl CType for $marker {
            type Repr = $repr;
            const NAME: &'static str = $c_name;
        }
    )*};
}

c_types! {
    /// `char`: signed on x86, unsigned on ARM and most other targets.
    Char = core::ffi::c_char, "char";
    /// `signed char`.
    SChar = core::ffi::c_schar, "signed char";
    /// `unsigned char`.
    UChar = core::ffi::c_uchar, "unsigned char";
    /// `short`.
    Short = core::ffi::c_short, "short";
    /// `unsigned short`.
    UShort = core::ffi::c_ushort, "unsigned short";
    /// `int`.
    Int = core::ffi::c_int, "int";
    /// `unsigned int`.
    UInt = core::ffi::c_uint, "unsigned int";
    /// `long`: 32 bits on Windows (LLP64) and 32-bit targets, 64 bits on 64-bit Unix (LP64).
    Long = core::ffi::c_long, "long";
    /// `unsigned long`: 32 bits on Windows and 32-bit targets, 64 bits on 64-bit Unix.
    ULong = core::ffi::c_ulong, "unsigned long";
    /// `long long`.
    LongLong = core::ffi::c_longlong, "long long";
    /// `unsigned long long`.
    ULongLong = core::ffi::c_ulonglong, "unsigned long long";
    /// `size_t`: pointer-sized and unsigned on every target Rust supports.
    SizeT = usize, "size_t";
    /// `ssize_t` (POSIX): pointer-sized and signed.
    SSizeT = isize, "ssize_t";
    /// `ptrdiff_t`.
    PtrdiffT = isize, "ptrdiff_t";
    /// `intptr_t`.
    IntptrT = isize, "intptr_t";
    /// `uintptr_t`.
    UintptrT = usize, "uintptr_t";
    /// `int8_t`.
    Int8T = i8, "int8_t";
    /// `int16_t`.
    Int16T = i16, "int16_t";
    /// `int32_t`.
    Int32T = i32, "int32_t";
    /// `int64_t`.
    Int64T = i64, "int64_t";
    /// `uint8_t`.
    Uint8T = u8, "uint8_t";
    /// `uint16_t`.
    Uint16T = u16, "uint16_t";
    /// `uint32_t`.
    Uint32T = u32, "uint32_t";
    /// `uint64_t`.
    Uint64T = u64, "uint64_t";
}
